//! The console's own tables, kept in the intake database beside the intake tables, on either
//! backend: SQLite (`sqlite.rs`) or PostgreSQL (`postgres.rs`), with the same tables, the same
//! meaning and the same answers, so the pages above never ask which one they run on.
//!
//! The console creates its tables itself (`CREATE TABLE IF NOT EXISTS`, one transaction) rather
//! than adding steps to the intake migrations, so that the device side's schema and the
//! console's can change independently. It reads the intake tables (`referrals`,
//! `status_updates`) and writes statuses only through [`Storage::add_status`], the same path as
//! the admin endpoint. Retention is the one exception: it deletes a referral's content through
//! the intake's one deletion path (`addenda::delete_content`, or its PostgreSQL twin) in its
//! own transaction. A withdrawal of consent an advisor records is the device's withdrawal
//! ([`Storage::withdraw_consent`]).
//!
//! Everything several instances must agree on is a row: sessions (so any instance serves any
//! session, and revoking an advisor deletes them everywhere at once), failed sign-ins and
//! lockouts, the per-address sign-in counts (the rate limit), the used TOTP step (a code works
//! once, on whichever instance), claims and the audit log.
//!
//! Nothing here is personal data in clear: an advisor is found by a SHA-256 of their email
//! (the email itself is not kept), passwords are argon2id hashes, TOTP secrets and notes are
//! sealed with the data key, sessions are kept as SHA-256s of the cookie's value, and the
//! audit log holds ids, action names and times only.

mod postgres;
mod sqlite;

use chrono::{DateTime, Utc};

use crate::error::Result;
use crate::storage::Storage;

pub use sqlite::QUEUE_SQL;

/// An advisor's account as sign-in needs it.
#[derive(Clone)]
pub(crate) struct Account {
    pub id: String,
    pub password_hash: Option<String>,
    pub totp_secret: Option<Vec<u8>>,
    pub totp_last_step: i64,
    pub locked_until: Option<DateTime<Utc>>,
    pub revoked: bool,
}

/// An advisor as the operator and supervisors see them: id, role, state, never an email.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdvisorInfo {
    /// `adv_<hex>`.
    pub id: String,
    /// `advisor` or `supervisor`.
    pub role: String,
    /// Whether the advisor has finished enrolment.
    pub enrolled: bool,
    /// Whether the advisor was revoked.
    pub revoked: bool,
}

/// A session row, joined with its advisor.
pub(crate) struct SessionRow {
    pub advisor_id: String,
    pub role: String,
    pub csrf: String,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
}

/// A referral as the queue lists it.
pub(crate) struct QueueRow {
    pub referral_id: String,
    pub service_reference: String,
    pub received_at: DateTime<Utc>,
    pub urgency: i64,
    pub flags: i64,
    pub to_follow: i64,
    pub assigned_to: Option<String>,
    pub last_status: String,
    pub contacted: bool,
    pub withdrawn: bool,
}

/// A recorded event: (time, advisor, kind, sealed detail).
pub(crate) type Event = (DateTime<Utc>, String, String, Option<Vec<u8>>);

/// The console's tables, on the backend of the intake storage it was opened beside.
#[derive(Clone)]
pub(crate) enum ConsoleStore {
    Sqlite(sqlite::SqliteConsole),
    Postgres(postgres::PgConsole),
}

/// Calls the same method on whichever backend this is.
macro_rules! on_backend {
    ($store:expr, $method:ident ( $($arg:expr),* )) => {
        match $store {
            ConsoleStore::Sqlite(s) => s.$method($($arg),*).await,
            ConsoleStore::Postgres(p) => p.$method($($arg),*).await,
        }
    };
}

impl ConsoleStore {
    /// Opens the console's tables in the intake database (creating them if needed): its own
    /// connection to the SQLite file, or the intake storage's PostgreSQL pool.
    pub(crate) async fn open(storage: &Storage) -> Result<ConsoleStore> {
        if let Some(pool) = storage.postgres_pool() {
            return Ok(ConsoleStore::Postgres(
                postgres::PgConsole::open(pool).await?,
            ));
        }
        match storage.sqlite_dir() {
            Some(dir) => Ok(ConsoleStore::Sqlite(
                sqlite::SqliteConsole::open(dir).await?,
            )),
            None => Err(crate::error::ServerError::Console(
                "the console found no database to open",
            )),
        }
    }

    /// Adds an advisor waiting for enrolment, or gives one not enrolled yet a new link.
    pub(crate) async fn add_advisor(
        &self,
        id: String,
        email_key: Vec<u8>,
        role: &'static str,
        enrol_sha256: Vec<u8>,
        expires_at: DateTime<Utc>,
    ) -> Result<()> {
        on_backend!(
            self,
            add_advisor(id, email_key, role, enrol_sha256, expires_at)
        )
    }

    /// The advisor an unexpired enrolment token belongs to.
    pub(crate) async fn enrolment(&self, enrol_sha256: Vec<u8>) -> Result<Option<Account>> {
        on_backend!(self, enrolment(enrol_sha256))
    }

    /// Keeps the TOTP secret shown on the enrolment page (sealed), until enrolment ends.
    pub(crate) async fn set_totp_secret(&self, advisor_id: String, sealed: Vec<u8>) -> Result<()> {
        on_backend!(self, set_totp_secret(advisor_id, sealed))
    }

    /// Ends enrolment: the password is set, the link no longer works.
    pub(crate) async fn finish_enrolment(
        &self,
        advisor_id: String,
        password_hash: String,
        step: i64,
    ) -> Result<()> {
        on_backend!(self, finish_enrolment(advisor_id, password_hash, step))
    }

    pub(crate) async fn account_by_email(&self, email_key: Vec<u8>) -> Result<Option<Account>> {
        on_backend!(self, account_by_email(email_key))
    }

    /// Counts a failed sign-in; locks the account for `lock_for` once `limit` are reached.
    pub(crate) async fn sign_in_failed(
        &self,
        advisor_id: String,
        limit: u32,
        lock_for: chrono::Duration,
    ) -> Result<()> {
        on_backend!(self, sign_in_failed(advisor_id, limit, lock_for))
    }

    /// A successful sign-in: the failures are forgotten, the code's step is used up, and the
    /// session row is written, in one transaction. `false` when the step was used already
    /// (another sign-in raced with the same code, on any instance).
    pub(crate) async fn sign_in_succeeded(
        &self,
        advisor_id: String,
        step: i64,
        session_sha256: Vec<u8>,
        csrf: String,
    ) -> Result<bool> {
        on_backend!(
            self,
            sign_in_succeeded(advisor_id, step, session_sha256, csrf)
        )
    }

    /// The session with this cookie hash, if its advisor is not revoked.
    pub(crate) async fn session(&self, session_sha256: Vec<u8>) -> Result<Option<SessionRow>> {
        on_backend!(self, session(session_sha256))
    }

    pub(crate) async fn touch_session(&self, session_sha256: Vec<u8>) -> Result<()> {
        on_backend!(self, touch_session(session_sha256))
    }

    pub(crate) async fn end_session(&self, session_sha256: Vec<u8>) -> Result<()> {
        on_backend!(self, end_session(session_sha256))
    }

    /// Revokes an advisor and deletes their sessions, in one transaction.
    pub(crate) async fn revoke_advisor(&self, email_key: Vec<u8>) -> Result<()> {
        on_backend!(self, revoke_advisor(email_key))
    }

    pub(crate) async fn advisors(&self) -> Result<Vec<AdvisorInfo>> {
        on_backend!(self, advisors())
    }

    /// Appends to the audit log.
    pub(crate) async fn audit_add(
        &self,
        advisor_id: Option<String>,
        action: &'static str,
        referral_id: Option<String>,
    ) -> Result<()> {
        on_backend!(self, audit_add(advisor_id, action, referral_id))
    }

    /// The audit log, newest first.
    pub(crate) async fn audit(&self, limit: u32) -> Result<Vec<crate::console::AuditEntry>> {
        on_backend!(self, audit(limit))
    }

    /// Referral ids the console has not triaged yet.
    pub(crate) async fn untriaged(&self) -> Result<Vec<String>> {
        on_backend!(self, untriaged())
    }

    /// Keeps the triage of new referrals: (id, urgency, flags, items to follow).
    pub(crate) async fn put_triage(&self, triaged: Vec<(String, i64, i64, i64)>) -> Result<()> {
        on_backend!(self, put_triage(triaged))
    }

    /// Every triaged referral with its latest status, most urgent first, then oldest first.
    pub(crate) async fn queue(&self) -> Result<Vec<QueueRow>> {
        on_backend!(self, queue())
    }

    /// Gives a referral to an advisor; `false` when the console has no such referral.
    pub(crate) async fn assign(&self, referral_id: String, advisor_id: String) -> Result<bool> {
        on_backend!(self, assign(referral_id, advisor_id))
    }

    /// Records an action; `at` is the time its sealed detail is bound to (milliseconds).
    pub(crate) async fn add_event_at(
        &self,
        referral_id: String,
        advisor_id: String,
        kind: String,
        at: DateTime<Utc>,
        detail: Option<Vec<u8>>,
    ) -> Result<()> {
        on_backend!(
            self,
            add_event_at(referral_id, advisor_id, kind, at, detail)
        )
    }

    /// A referral's recorded events, oldest first.
    pub(crate) async fn events(&self, referral_id: String) -> Result<Vec<Event>> {
        on_backend!(self, events(referral_id))
    }

    /// Deletes the content of referrals closed at least `after` ago (retention), through the
    /// one deletion path (`addenda::delete_content` and its PostgreSQL twin): the sealed
    /// referral is emptied, its addenda's sealed information and its events' sealed details
    /// are dropped, in one transaction; ids, times and statuses stay. Returns how many
    /// referrals lost their content.
    pub(crate) async fn delete_closed_content(&self, after: chrono::Duration) -> Result<usize> {
        on_backend!(self, delete_closed_content(after))
    }

    /// After a deletion: makes the database drop what it still keeps of the deleted rows.
    /// `rewrite` is [`ConsoleSettings::rewrite_tables_after_deletion`](crate::ConsoleSettings).
    /// On SQLite the intake's writer truncates the WAL (`Storage::scrub_after_deletion`).
    pub(crate) async fn reclaim(&self, storage: &Storage, rewrite: bool) -> Result<()> {
        match self {
            // A scrub a reader kept from finishing is retried by the storage itself.
            ConsoleStore::Sqlite(_) => storage.scrub_after_deletion().await.map(|_| ()),
            ConsoleStore::Postgres(p) => p.reclaim(rewrite).await,
        }
    }

    /// Adds one sign-in attempt to the count of this (hashed) address and minute, and returns
    /// the count: one row per address and minute, shared by every instance.
    pub(crate) async fn count_sign_in(
        &self,
        addr_key: Vec<u8>,
        window: DateTime<Utc>,
    ) -> Result<i64> {
        on_backend!(self, count_sign_in(addr_key, window))
    }

    /// Drops the sign-in counts of minutes before `before`.
    pub(crate) async fn forget_sign_ins_before(&self, before: DateTime<Utc>) -> Result<()> {
        on_backend!(self, forget_sign_ins_before(before))
    }

    /// Whether this referral's content was deleted (retention or withdrawal).
    pub(crate) async fn content_deleted(&self, referral_id: String) -> Result<bool> {
        on_backend!(self, content_deleted(referral_id))
    }

    /// One case as the queue shows it.
    pub(crate) async fn case(&self, referral_id: String) -> Result<Option<QueueRow>> {
        on_backend!(self, case(referral_id))
    }
}
