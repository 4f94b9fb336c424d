//! The advisors' console: the receiving service works its referrals in a browser (issue 24).
//!
//! It is a second front door of the same server, for people instead of devices, served at
//! `/console/` by the same process from the same database. It shares the storage layer (the
//! referral record and the status history the officer's device reads) and the opening of sealed
//! referrals with the device API, and nothing else: it never calls the device API's handlers,
//! and it keeps its own tables (`store`), created by itself beside the intake tables.
//!
//! Why it is built the way it is (OWASP ASVS 4, NCSC password guidance, GOV.UK pages):
//!
//! * **Server-rendered HTML, no script.** Pages come from askama templates checked at compile
//!   time and escaped by default; the only asset is a stylesheet compiled into the binary. The
//!   Content-Security-Policy forbids every script, so an injected one cannot run.
//! * **Sessions are database rows** (`sessions`): any instance serves any session, revoking
//!   an advisor deletes their rows at once, and the idle (15 min) and absolute (8 h) limits are
//!   checked on every request. The cookie holds only a random value whose SHA-256 is stored.
//! * **Every form carries a CSRF token** tied to the session (or, before sign-in, to a
//!   pre-session cookie), on top of `SameSite=Strict`.
//! * **Two factors** (`auth`): a password hashed with argon2id and an RFC 6238 code, with a
//!   rate limit per address and a lockout per account.
//! * **Every view and action is audited** (`audit`) with who, what, when and the referral id,
//!   never personal data.

mod audit;
mod auth;
mod clock;
mod pages;
mod queue;
mod sessions;
mod store;
mod summary;
mod view;

use std::net::IpAddr;
use std::path::Path;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::{Next, from_fn, from_fn_with_state};
use axum::response::Response;
use axum::routing::{get, post};
use weprotect_core::crypto::DataKey;

use crate::error::Result;
use crate::log::LogTarget;
use crate::storage::{Database, Storage};

pub use audit::AuditEntry;
pub use auth::{Enrolment, Role, totp_code_for_key};
/// A time zone of the IANA database (`Europe/London`), as [`ConsoleSettings::time_zone`] takes.
pub use chrono_tz::Tz as TimeZone;
pub use clock::{DEFAULT_TIME_ZONE, time_zone};
pub use store::{AdvisorInfo, QUEUE_SQL};

/// The console's settings: time limits of sessions and the service's targets.
#[derive(Debug, Clone)]
pub struct ConsoleSettings {
    /// The service's target for a first contact after a referral arrives (default 24 hours).
    pub first_contact_target: chrono::Duration,
    /// A session not used for this long ends (default 15 minutes).
    pub idle_timeout: chrono::Duration,
    /// A session ends this long after sign-in, used or not (default 8 hours).
    pub absolute_timeout: chrono::Duration,
    /// How long an enrolment link stays valid (default 72 hours).
    pub enrolment_valid_for: chrono::Duration,
    /// Sign-in attempts allowed per client address per minute, counted in the database so all
    /// instances share the count (default 10).
    pub sign_ins_per_minute: u32,
    /// Failed sign-ins in a row after which an account is locked (default 5).
    pub lockout_after: u32,
    /// How long a locked account stays locked (default 15 minutes).
    pub lockout_for: chrono::Duration,
    /// A closed referral's content is deleted this long after its closure, by the server
    /// itself; ids, times and statuses stay (default 180 days; the DPO sets the period).
    pub retention_after_closure: chrono::Duration,
    /// How often the server looks for content to delete (default every 10 minutes).
    pub retention_sweep_every: std::time::Duration,
    /// On PostgreSQL, rewrite the tables that held deleted content (`VACUUM FULL`) after each
    /// deletion, so that nothing of it is left in their files; this locks `referrals` while it
    /// runs (after waiting at most 5 s for older transactions to end and 2 s for the lock, else
    /// retried at the next sweep). Off by default: a plain `VACUUM` runs instead,
    /// which frees the space but leaves the old bytes (sealed) until new rows reuse it.
    /// SQLite overwrites deleted content with zeros in any case (`secure_delete`).
    pub rewrite_tables_after_deletion: bool,
    /// The zone pages show times in, named on each page, and the zone of the victim's safe
    /// windows (default `Europe/London`).
    pub time_zone: TimeZone,
}

impl Default for ConsoleSettings {
    fn default() -> ConsoleSettings {
        ConsoleSettings {
            first_contact_target: chrono::Duration::hours(24),
            idle_timeout: chrono::Duration::minutes(15),
            absolute_timeout: chrono::Duration::hours(8),
            enrolment_valid_for: chrono::Duration::hours(72),
            sign_ins_per_minute: 10,
            lockout_after: 5,
            lockout_for: chrono::Duration::minutes(15),
            retention_after_closure: chrono::Duration::days(180),
            retention_sweep_every: std::time::Duration::from_secs(600),
            rewrite_tables_after_deletion: false,
            time_zone: DEFAULT_TIME_ZONE,
        }
    }
}

/// What the console's handlers share.
pub(crate) struct Console {
    pub storage: Storage,
    pub store: store::ConsoleStore,
    pub data_key: Arc<DataKey>,
    pub settings: ConsoleSettings,
    pub log: LogTarget,
    /// A reclaim after a deletion failed (a lock not had in time): the next sweep retries.
    pub reclaim_pending: std::sync::atomic::AtomicBool,
}

pub(crate) type ConsoleState = Arc<Console>;

impl Console {
    /// Opens the console's tables (creating them if needed) beside the intake tables.
    pub(crate) async fn open(
        storage: Storage,
        data_key: Arc<DataKey>,
        settings: ConsoleSettings,
        log: LogTarget,
    ) -> Result<ConsoleState> {
        let store = store::ConsoleStore::open(&storage).await?;
        let console = Arc::new(Console {
            storage,
            store,
            data_key,
            settings,
            log,
            reclaim_pending: std::sync::atomic::AtomicBool::new(false),
        });
        tokio::spawn(retention(Arc::downgrade(&console)));
        Ok(console)
    }
}

impl Console {
    /// Counts a sign-in attempt from `addr` in this minute, on every instance alike (the count
    /// is a row); `true` while the minute's attempts are within `sign_ins_per_minute`. The
    /// address is kept only as a SHA-256 keyed with the data key, never in clear.
    pub(crate) async fn sign_in_allowed(&self, addr: IpAddr) -> Result<bool> {
        use sha2::{Digest, Sha256};
        let mut hash = Sha256::new();
        hash.update(b"weprotect console sign-in address v1\0");
        hash.update(self.data_key.to_hex().as_bytes());
        hash.update(addr.to_string().as_bytes());
        let now = chrono::Utc::now();
        let window = now - chrono::Duration::seconds(i64::from(chrono::Timelike::second(&now)));
        let window = chrono::Timelike::with_nanosecond(&window, 0).unwrap_or(window);
        let attempts = self
            .store
            .count_sign_in(hash.finalize().to_vec(), window)
            .await?;
        Ok(attempts <= i64::from(self.settings.sign_ins_per_minute.max(1)))
    }

    /// After a deletion, makes the database drop what it keeps of the deleted rows; when it
    /// cannot now, the next retention sweep tries again.
    pub(crate) async fn reclaim(&self) {
        use std::sync::atomic::Ordering;
        match self
            .store
            .reclaim(&self.storage, self.settings.rewrite_tables_after_deletion)
            .await
        {
            Ok(()) => self.reclaim_pending.store(false, Ordering::Relaxed),
            Err(e) => {
                self.reclaim_pending.store(true, Ordering::Relaxed);
                self.log.warn(format!(
                    "after a deletion, reclaiming the database's space failed (tried again at the next sweep): {e}"
                ));
            }
        }
    }
}

/// Deletes closed referrals' content once their retention period has passed, every
/// `retention_sweep_every`, for as long as the console is served (the task holds the console
/// weakly and ends with the server). Any instance may run it: the sweep is one transaction.
async fn retention(console: std::sync::Weak<Console>) {
    loop {
        let every = match console.upgrade() {
            Some(console) => {
                match console
                    .store
                    .delete_closed_content(console.settings.retention_after_closure)
                    .await
                {
                    Ok(0) => {
                        if console
                            .reclaim_pending
                            .load(std::sync::atomic::Ordering::Relaxed)
                        {
                            console.reclaim().await;
                        }
                    }
                    Ok(n) => {
                        console.log.request(format!(
                            "retention: content of {n} closed referral(s) deleted"
                        ));
                        console.reclaim().await;
                    }
                    Err(e) => console.log.warn(format!("retention sweep failed: {e}")),
                }
                if let Err(e) = console
                    .store
                    .forget_sign_ins_before(chrono::Utc::now() - chrono::Duration::hours(1))
                    .await
                {
                    console
                        .log
                        .warn(format!("forgetting old sign-in counts failed: {e}"));
                }
                console.settings.retention_sweep_every
            }
            None => return,
        };
        tokio::time::sleep(every).await;
    }
}

/// The console's routes, all under `/console/`, with its own headers and access log.
pub(crate) fn router(console: ConsoleState) -> Router {
    Router::new()
        .route("/console", get(pages::home))
        .route("/console/", get(pages::home))
        .route("/console/console.css", get(pages::stylesheet))
        .route(
            "/console/sign-in",
            get(pages::sign_in_form).post(pages::sign_in),
        )
        .route("/console/sign-out", post(pages::sign_out))
        .route(
            "/console/enrol/{token}",
            get(pages::enrol_form).post(pages::enrol),
        )
        .route("/console/queue", get(pages::queue))
        .route("/console/referrals/{id}", get(pages::referral))
        .route("/console/referrals/{id}/summary", get(pages::summary))
        .route("/console/referrals/{id}/claim", post(pages::claim))
        .route("/console/referrals/{id}/assign", post(pages::assign))
        .route("/console/referrals/{id}/contact", post(pages::contact))
        .route("/console/referrals/{id}/action", post(pages::action))
        .route("/console/audit", get(pages::audit_log))
        .layer(from_fn_with_state(console.clone(), access_log))
        .layer(from_fn(security_headers))
        .with_state(console)
}

/// The Content-Security-Policy of every console page: nothing but our own stylesheet and
/// forms posting to ourselves; no script at all, no framing.
pub(crate) const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// Headers on every console answer: no caching of pages holding personal data, no framing,
/// no script, no referrer (an enrolment link holds a secret).
async fn security_headers(req: Request, next: Next) -> Response {
    let mut response = next.run(req).await;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    response
}

/// One line per console request: method, route template, status, duration. Never a path (it
/// may hold an enrolment token), a form field or a cookie.
async fn access_log(State(console): State<ConsoleState>, req: Request, next: Next) -> Response {
    if !console.log.requests_on() {
        return next.run(req).await;
    }
    let method = req.method().clone();
    let route = req
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map_or("(no route)".to_string(), |p| p.as_str().to_string());
    let started = std::time::Instant::now();
    let response = next.run(req).await;
    console.log.request(format!(
        "{method} {route} {} {}ms",
        response.status().as_u16(),
        started.elapsed().as_millis()
    ));
    response
}

/// Adds an advisor (or supervisor) to the server whose data directory is `dir` and database is
/// `database`, and returns the one-time enrolment link's token: `weprotect admin advisor-add`.
pub async fn add_advisor(
    dir: &Path,
    database: &Database,
    email: &str,
    role: Role,
) -> Result<Enrolment> {
    let storage = Storage::open(database, dir).await?;
    let store = store::ConsoleStore::open(&storage).await?;
    auth::add_advisor(
        &store,
        email,
        role,
        ConsoleSettings::default().enrolment_valid_for,
    )
    .await
}

/// Revokes an advisor by email: their sessions end at once and they cannot sign in again.
pub async fn revoke_advisor(dir: &Path, database: &Database, email: &str) -> Result<()> {
    let storage = Storage::open(database, dir).await?;
    let store = store::ConsoleStore::open(&storage).await?;
    store.revoke_advisor(auth::email_lookup_key(email)).await
}

/// The console's audit log, newest first (at most `limit` entries): for supervisors and tests.
pub async fn audit_log(dir: &Path, database: &Database, limit: u32) -> Result<Vec<AuditEntry>> {
    let storage = Storage::open(database, dir).await?;
    let store = store::ConsoleStore::open(&storage).await?;
    store.audit(limit).await
}
