//! The sync engine: one bounded pass over the outbox.

use std::collections::{HashSet, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tokio::sync::{Mutex, Notify};
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::SyncError;
use super::backoff::{next_attempt_at, random_unit};
use super::host::{Clock, SyncEvent, SyncObserver, SystemClock, TokenProvider};
use super::policy::SyncPolicy;
use super::response::{Outcome, classify, classify_addendum};
use super::statuses::{self, PollState};
use super::transport::{self, Transport, is_pin_mismatch};
use crate::config::ServiceConfig;
use crate::store::{PendingDelivery, RecordedOutcome, StatusUpdate, Store, StoreError};

/// The largest response body the engine reads (receipts and error codes are small).
const MAX_RESPONSE_BYTES: usize = 64 * 1024;

/// What one pass did, and when the engine wants to run again.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncReport {
    /// Delivered in this pass (receipt stored, personal data purged): referrals and addenda.
    pub delivered: u32,
    /// Refused for good in this pass.
    pub rejected: u32,
    /// Attempts that failed in this pass and will be retried.
    pub retried: u32,
    /// Entries still queued after the pass (referrals and addenda).
    pub waiting: u32,
    /// The service refused the token and no fresh one was available: ask the officer to sign
    /// in. Nothing was lost.
    pub needs_sign_in: bool,
    /// The service's TLS key matched no pin: nothing was sent.
    pub pin_mismatch: bool,
    /// The deadline ended the pass before everything due was tried.
    pub deadline_reached: bool,
    /// [`SyncEngine::cancel`] ended the pass; what was in flight stays queued and is re-sent
    /// under the same key.
    pub cancelled: bool,
    /// When the engine next wants to run (`None`: nothing is waiting).
    pub next_run_at: Option<DateTime<Utc>>,
}

/// Sends queued referrals to the service. Use it behind an `Arc`; one pass runs at a time.
pub struct SyncEngine {
    ctx: Ctx,
    pass: Mutex<()>,
    cancel: Notify,
    /// Status polling's turn and back-off, between calls (`statuses.rs`).
    polling: std::sync::Mutex<PollState>,
}

/// What every delivery task needs, cheap to clone.
#[derive(Clone)]
pub(super) struct Ctx {
    pub(super) store: Arc<Store>,
    pub(super) client: reqwest::Client,
    referrals_url: reqwest::Url,
    pub(super) base: Arc<Transport>,
    pub(super) policy: SyncPolicy,
    pub(super) tokens: Arc<dyn TokenProvider>,
    observer: Option<Arc<dyn SyncObserver>>,
    clock: Arc<dyn Clock>,
}

/// The token shared by the tasks of one pass; refreshed at most once per pass.
struct Auth {
    token: Option<String>,
    generation: u64,
    refreshed: bool,
    signed_out: bool,
}

/// How one delivery task ended (nothing is stored yet).
enum Attempt {
    Done {
        referral_id: String,
        attempts: u32,
        outcome: Outcome,
        pin_mismatch: bool,
    },
    /// The token was refused and no fresh one was available.
    NeedsSignIn,
}

/// The longest a received outcome waits for its group's commit while requests are in flight.
const MAX_RECEIPT_HOLD: Duration = Duration::from_millis(500);

impl SyncEngine {
    /// Creates an engine for `store`, sending to `service`.
    pub fn new(
        store: Arc<Store>,
        service: ServiceConfig,
        policy: SyncPolicy,
        tokens: Arc<dyn TokenProvider>,
        observer: Option<Arc<dyn SyncObserver>>,
    ) -> Result<Arc<SyncEngine>, SyncError> {
        Self::with_extra_roots(store, service, policy, tokens, observer, Vec::new())
    }

    /// Like [`SyncEngine::new`], also trusting extra root certificates (DER), for services
    /// behind a private certificate authority.
    pub fn with_extra_roots(
        store: Arc<Store>,
        service: ServiceConfig,
        policy: SyncPolicy,
        tokens: Arc<dyn TokenProvider>,
        observer: Option<Arc<dyn SyncObserver>>,
        extra_roots_der: Vec<Vec<u8>>,
    ) -> Result<Arc<SyncEngine>, SyncError> {
        Self::with_clock(
            store,
            service,
            policy,
            tokens,
            observer,
            extra_roots_der,
            Arc::new(SystemClock),
        )
    }

    /// Like [`SyncEngine::with_extra_roots`], reading the time from `clock` (tests jump it).
    pub fn with_clock(
        store: Arc<Store>,
        service: ServiceConfig,
        policy: SyncPolicy,
        tokens: Arc<dyn TokenProvider>,
        observer: Option<Arc<dyn SyncObserver>>,
        extra_roots_der: Vec<Vec<u8>>,
        clock: Arc<dyn Clock>,
    ) -> Result<Arc<SyncEngine>, SyncError> {
        let transport = transport::build(&service, &policy, &extra_roots_der)?;
        Ok(Arc::new(SyncEngine {
            ctx: Ctx {
                store,
                client: transport.client.clone(),
                referrals_url: transport.url("v1/referrals"),
                base: Arc::new(transport),
                policy,
                tokens,
                observer,
                clock,
            },
            pass: Mutex::new(()),
            cancel: Notify::new(),
            polling: std::sync::Mutex::new(PollState::default()),
        }))
    }

    /// One bounded pass: sends what is due, oldest first, at most `policy.concurrency` at a
    /// time, and stops starting new work at `deadline`. Requests still in flight at the
    /// deadline are abandoned; they stay queued and are re-sent under the same key.
    ///
    /// A call to [`SyncEngine::cancel`] ends the pass promptly (also while it waits for another
    /// pass or for the token), with [`SyncReport::cancelled`] set.
    pub async fn sync_now(&self, deadline: Duration) -> Result<SyncReport, SyncError> {
        // Registered before anything can wait, so a cancel() from now on is never missed.
        let cancelled = self.cancel.notified();
        tokio::pin!(cancelled);
        cancelled.as_mut().enable();
        let mut report = SyncReport::default();
        let one_pass_at_a_time = tokio::select! {
            guard = self.pass.lock() => Some(guard),
            () = cancelled.as_mut() => None,
        };
        // The host's token() may block (a keystore, a sign-in refresh): off the workers.
        let tokens = self.ctx.tokens.clone();
        let token = match one_pass_at_a_time {
            None => Err(Cancelled),
            Some(_) => tokio::select! {
                t = tokio::task::spawn_blocking(move || tokens.token()) => Ok(t.ok().flatten()),
                () = cancelled.as_mut() => Err(Cancelled),
            },
        };
        match token {
            Err(Cancelled) => report.cancelled = true,
            Ok(None) => report.needs_sign_in = true,
            Ok(Some(token)) => {
                // A deadline too far to represent means "no deadline" (a day is more than any
                // pass needs).
                let end = Instant::now()
                    .checked_add(deadline)
                    .unwrap_or_else(|| Instant::now() + Duration::from_secs(24 * 3600));
                let auth = Arc::new(Mutex::new(Auth {
                    token: Some(token),
                    generation: 0,
                    refreshed: false,
                    signed_out: false,
                }));
                self.deliver_due(&auth, end, cancelled.as_mut(), &mut report)
                    .await?;
                // Addenda wait for their referral's receipt: those of a referral delivered in
                // this pass go in a second round, so a withdrawal or the information that
                // followed does not wait for the next pass.
                if report.delivered > 0 && !report.cancelled && !report.needs_sign_in {
                    let store = self.ctx.store.clone();
                    let now = self.ctx.clock.now();
                    let more =
                        blocking(move || Ok(!store.due_for_delivery(now, 1)?.is_empty())).await?;
                    if more {
                        self.deliver_due(&auth, end, cancelled.as_mut(), &mut report)
                            .await?;
                    }
                }
            }
        }
        let ctx = &self.ctx;
        let store = ctx.store.clone();
        let (counts, addenda, next) = blocking(move || {
            Ok((
                store.counts()?,
                store.queued_addenda()?,
                store.next_due_at()?,
            ))
        })
        .await?;
        report.waiting = counts.queued.saturating_add(addenda);
        report.next_run_at = next;
        Ok(report)
    }

    /// Ends the passes running now (and those waiting to start) promptly: requests in flight
    /// are abandoned and stay queued, to be re-sent under the same key. Passes started after
    /// this call run normally. Cancelling the caller's task in Kotlin or Swift does not reach
    /// Rust, so hosts call this instead (for example when the OS ends a background task).
    pub fn cancel(&self) {
        self.cancel.notify_waiters();
    }

    /// The device's network came back (Android's `ConnectivityManager` callback, iOS's
    /// `NWPathMonitor`): referrals waiting out a backoff because the service could not be
    /// reached become due now, so the next pass sends them at once instead of after the
    /// delay. Those waiting because the service answered (a 503, a Retry-After) keep their
    /// schedule. Returns how many became due; the host then runs a pass. A store call (one
    /// short commit): call it off the main thread.
    pub fn network_available(&self) -> Result<u32, SyncError> {
        let n = self
            .ctx
            .store
            .due_now_after_network_return(self.ctx.clock.now())?;
        Ok(u32::try_from(n).unwrap_or(u32::MAX))
    }

    async fn deliver_due(
        &self,
        auth: &Arc<Mutex<Auth>>,
        end: Instant,
        mut cancelled: std::pin::Pin<&mut tokio::sync::futures::Notified<'_>>,
        report: &mut SyncReport,
    ) -> Result<(), SyncError> {
        let ctx = &self.ctx;
        // Entries are due relative to the start of the pass: an entry that fails during the
        // pass is scheduled after it, so it is not tried twice in one pass.
        let pass_start = ctx.clock.now();
        // No schedule the engine makes lies further ahead than its longest wait; an entry beyond
        // that was scheduled before the clock went back (days, say) and is due now, not then.
        let longest = ctx.policy.max_delay.max(ctx.policy.max_retry_after);
        let latest = pass_start
            .checked_add_signed(
                chrono::Duration::from_std(longest).unwrap_or(chrono::Duration::MAX),
            )
            .unwrap_or(DateTime::<Utc>::MAX_UTC);
        let store = ctx.store.clone();
        blocking(move || Ok(store.reschedule_after(latest, pass_start)?)).await?;
        let concurrency = ctx.policy.concurrency.max(1);
        let window = ctx
            .policy
            .batch_size
            .max(1)
            .saturating_add(u32::try_from(concurrency).unwrap_or(u32::MAX));
        let group_max = usize::try_from(ctx.policy.batch_size.max(1)).unwrap_or(usize::MAX);
        let mut seen: HashSet<String> = HashSet::new();
        let mut queue: VecDeque<PendingDelivery> = VecDeque::new();
        let mut exhausted = false;
        let mut stop_starting = false;
        let mut tasks: JoinSet<Attempt> = JoinSet::new();
        let mut group = Group::default();
        let mut first_error = None;
        loop {
            while !stop_starting && tasks.len() < concurrency && Instant::now() < end {
                if queue.is_empty() && !exhausted {
                    let store = ctx.store.clone();
                    let batch =
                        blocking(move || Ok(store.due_for_delivery(pass_start, window)?)).await?;
                    let before = queue.len();
                    queue.extend(
                        batch
                            .into_iter()
                            .filter(|p| seen.insert(p.referral_id.clone())),
                    );
                    exhausted = queue.len() == before;
                }
                let Some(item) = queue.pop_front() else { break };
                tasks.spawn(deliver(ctx.clone(), item, auth.clone()));
            }
            // Outcomes are committed in groups: when a group is full, when nothing more is in
            // flight, or when the oldest has waited long enough (docs/sync.md says why this is
            // still exactly once).
            if group.committing.is_none()
                && !group.pending.is_empty()
                && (group.pending.len() >= group_max
                    || tasks.is_empty()
                    || group
                        .held_since
                        .is_some_and(|t| t.elapsed() >= MAX_RECEIPT_HOLD))
            {
                group.start_commit(ctx);
            }
            if tasks.is_empty() && group.committing.is_none() {
                report.deadline_reached = !exhausted && !stop_starting && Instant::now() >= end;
                break;
            }
            let hold_until = group
                .held_since
                .filter(|_| group.committing.is_none())
                .map_or(end, |t| (t + MAX_RECEIPT_HOLD).min(end));
            tokio::select! {
                () = cancelled.as_mut() => {
                    report.cancelled = true;
                    tasks.abort_all();
                    while tasks.join_next().await.is_some() {}
                    break;
                }
                committed = async { group.committing.as_mut().expect("guarded").await },
                    if group.committing.is_some() =>
                {
                    group.committing = None;
                    if let Err(e) = group.finish_commit(ctx, committed, report) {
                        stop_starting = true;
                        first_error.get_or_insert(e);
                    }
                }
                joined = tasks.join_next(), if !tasks.is_empty() => {
                    let Some(joined) = joined else { continue };
                    match joined {
                        Ok(Attempt::NeedsSignIn) => {
                            report.needs_sign_in = true;
                            stop_starting = true;
                        }
                        Ok(Attempt::Done { referral_id, attempts, outcome, pin_mismatch }) => {
                            if pin_mismatch {
                                report.pin_mismatch = true;
                                stop_starting = true;
                            }
                            group.add(ctx, referral_id, attempts, outcome);
                        }
                        // A task that panicked or was aborted leaves its entry queued.
                        Err(_) => report.retried += 1,
                    }
                }
                () = tokio::time::sleep_until(hold_until), if !tasks.is_empty() => {
                    if Instant::now() >= end {
                        report.deadline_reached = true;
                        tasks.abort_all();
                        while tasks.join_next().await.is_some() {}
                        break;
                    }
                }
            }
        }
        // What came back before the pass ended is still recorded: a receipt the service gave is
        // worth its commit.
        if let Some(committing) = group.committing.take()
            && let Err(e) = group.finish_commit(ctx, committing.await, report)
        {
            first_error.get_or_insert(e);
        }
        if !group.pending.is_empty() && first_error.is_none() {
            group.start_commit(ctx);
            if let Some(committing) = group.committing.take()
                && let Err(e) = group.finish_commit(ctx, committing.await, report)
            {
                first_error.get_or_insert(e);
            }
        }
        first_error.map_or(Ok(()), Err)
    }

    /// Fetches status updates for delivered referrals that are not closed and stores them
    /// (codes and times only): up to 100 referrals per request, in turn (oldest first, then
    /// after the last one asked), without crowding out deliveries (`statuses.rs`). Stops at
    /// `deadline`, at the first network failure (offline: the rest waits for the next call), or
    /// at a `429`/`503`, after which no status request is sent before its `Retry-After`.
    /// Returns how many referrals had their history updated.
    ///
    /// [`SyncEngine::cancel`] ends it promptly; what was stored so far stays stored.
    pub async fn refresh_statuses(&self, deadline: Duration) -> Result<u32, SyncError> {
        let cancelled = self.cancel.notified();
        tokio::pin!(cancelled);
        cancelled.as_mut().enable();
        let mut updated = 0;
        let result = tokio::select! {
            r = self.refresh_statuses_until(deadline, &mut updated) => r,
            () = cancelled => Ok(()),
        };
        result.map(|()| updated)
    }

    async fn refresh_statuses_until(
        &self,
        deadline: Duration,
        updated: &mut u32,
    ) -> Result<(), SyncError> {
        let end = Instant::now()
            .checked_add(deadline)
            .unwrap_or_else(|| Instant::now() + Duration::from_secs(24 * 3600));
        statuses::refresh(&self.ctx, &self.polling, end, updated).await
    }
}

/// A pass ended by [`SyncEngine::cancel`] before it could start sending.
struct Cancelled;

/// Sends one entry; the outcome is recorded by the pass, with others, in one commit.
async fn deliver(ctx: Ctx, item: PendingDelivery, auth: Arc<Mutex<Auth>>) -> Attempt {
    let PendingDelivery {
        referral_id,
        sealed,
        attempts,
        addendum_of,
    } = item;
    let sealed = bytes::Bytes::from(sealed);
    let mut pin_mismatch = false;
    // An addendum is posted to its referral's `addenda`; its receipt names the referral.
    let (url, receipt_of) = match &addendum_of {
        Some(of) => (
            ctx.base.url(&format!("v1/referrals/{of}/addenda")),
            of.as_str(),
        ),
        None => (ctx.referrals_url.clone(), referral_id.as_str()),
    };
    // The id is the Idempotency-Key: only the outbox's own form (a canonical UUID) is ever sent,
    // so a row changed behind the store's back cannot put anything else in a header or a path.
    let outcome = if !crate::crypto::envelope::is_referral_id(&referral_id)
        || !crate::crypto::envelope::is_referral_id(receipt_of)
    {
        Outcome::Rejected("referral_id.invalid".into())
    } else {
        loop {
            let (token, generation) = {
                let a = auth.lock().await;
                if a.signed_out {
                    return Attempt::NeedsSignIn;
                }
                (a.token.clone().unwrap_or_default(), a.generation)
            };
            ctx.notify(SyncEvent::Sending {
                referral_id: referral_id.clone(),
            });
            let sent = ctx
                .client
                .post(url.clone())
                .bearer_auth(&token)
                .header("Idempotency-Key", &referral_id)
                .header(reqwest::header::CONTENT_TYPE, "application/octet-stream")
                .body(sealed.clone())
                .send()
                .await;
            let outcome = match sent {
                Err(e) => {
                    pin_mismatch = is_pin_mismatch(&e);
                    Outcome::Retry {
                        code: transport_code(&e, pin_mismatch).into(),
                        retry_after: None,
                    }
                }
                Ok(response) => {
                    let status = response.status().as_u16();
                    let retry_after = response
                        .headers()
                        .get(reqwest::header::RETRY_AFTER)
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_string);
                    match read_limited(response).await {
                        Ok(body) if addendum_of.is_some() => classify_addendum(
                            &referral_id,
                            receipt_of,
                            status,
                            retry_after.as_deref(),
                            &body,
                            ctx.clock.now(),
                        ),
                        Ok(body) => classify(
                            &referral_id,
                            status,
                            retry_after.as_deref(),
                            &body,
                            ctx.clock.now(),
                        ),
                        Err(()) => Outcome::Retry {
                            code: "network.body".into(),
                            retry_after: None,
                        },
                    }
                }
            };
            if outcome != Outcome::Unauthorised {
                break outcome;
            }
            let mut a = auth.lock().await;
            if a.generation > generation {
                continue; // another task already has a fresh token
            }
            if a.refreshed {
                a.signed_out = true;
                return Attempt::NeedsSignIn;
            }
            a.refreshed = true;
            let tokens = ctx.tokens.clone();
            match tokio::task::spawn_blocking(move || tokens.refresh_token()).await {
                Ok(Some(fresh)) => {
                    a.token = Some(fresh);
                    a.generation += 1;
                }
                _ => {
                    a.signed_out = true;
                    return Attempt::NeedsSignIn;
                }
            }
        }
    };
    Attempt::Done {
        referral_id,
        attempts,
        outcome,
        pin_mismatch,
    }
}

/// Outcomes of a pass waiting for their commit, and the commit under way (at most one).
#[derive(Default)]
struct Group {
    pending: Vec<RecordedOutcome>,
    /// When the oldest pending outcome arrived.
    held_since: Option<Instant>,
    committing: Option<tokio::task::JoinHandle<Committed>>,
}

/// A group's outcomes and what the store said about each, or why the whole group failed.
type Committed = (
    Vec<RecordedOutcome>,
    Result<Vec<Result<bool, StoreError>>, SyncError>,
);

impl Group {
    /// Turns an attempt's outcome into what the store records.
    fn add(&mut self, ctx: &Ctx, referral_id: String, attempts: u32, outcome: Outcome) {
        let now = ctx.clock.now();
        let record = match outcome {
            Outcome::Delivered(receipt) => RecordedOutcome::Delivered {
                referral_id,
                receipt,
                now,
            },
            Outcome::Rejected(code) => RecordedOutcome::Rejected {
                referral_id,
                code,
                now,
            },
            Outcome::Retry { code, retry_after } => {
                let at =
                    next_attempt_at(&ctx.policy, attempts + 1, retry_after, now, random_unit())
                        .max(now + chrono::Duration::milliseconds(1));
                RecordedOutcome::Failed {
                    referral_id,
                    next_attempt_at: at,
                    code,
                }
            }
            // deliver() never returns this (it refreshes the token or stops); were it to, the
            // entry would simply be tried again.
            Outcome::Unauthorised => RecordedOutcome::Failed {
                referral_id,
                next_attempt_at: now + chrono::Duration::milliseconds(1),
                code: "auth.unauthorised".into(),
            },
        };
        self.held_since.get_or_insert_with(Instant::now);
        self.pending.push(record);
    }

    /// Commits everything pending in one transaction, off the async threads.
    fn start_commit(&mut self, ctx: &Ctx) {
        let outcomes = std::mem::take(&mut self.pending);
        self.held_since = None;
        let store = ctx.store.clone();
        self.committing = Some(tokio::task::spawn_blocking(move || {
            let result = store.record_outcomes(&outcomes).map_err(SyncError::from);
            (outcomes, result)
        }));
    }

    /// Counts and announces what a commit recorded. An entry another process finished first is
    /// not counted; an outcome the store refused for its entry alone counts as retried.
    fn finish_commit(
        &mut self,
        ctx: &Ctx,
        committed: Result<Committed, tokio::task::JoinError>,
        report: &mut SyncReport,
    ) -> Result<(), SyncError> {
        let (outcomes, results) = committed.map_err(|_| SyncError::Store(StoreError::Closed))?;
        let results = results?;
        for (outcome, result) in outcomes.into_iter().zip(results) {
            match result {
                Ok(false) | Err(StoreError::InvalidState(_) | StoreError::NotFound(_)) => {}
                Err(_) => report.retried += 1,
                Ok(true) => match outcome {
                    RecordedOutcome::Delivered {
                        referral_id,
                        receipt,
                        ..
                    } => {
                        report.delivered += 1;
                        ctx.notify(SyncEvent::Delivered {
                            referral_id,
                            service_reference: receipt.service_reference,
                        });
                    }
                    RecordedOutcome::Rejected {
                        referral_id, code, ..
                    } => {
                        report.rejected += 1;
                        ctx.notify(SyncEvent::Rejected { referral_id, code });
                    }
                    RecordedOutcome::Failed {
                        referral_id,
                        next_attempt_at,
                        code,
                    } => {
                        report.retried += 1;
                        ctx.notify(SyncEvent::WillRetry {
                            referral_id,
                            code,
                            next_attempt_at,
                        });
                    }
                },
            }
        }
        Ok(())
    }
}

impl Ctx {
    fn notify(&self, event: SyncEvent) {
        if let Some(observer) = &self.observer {
            observer.on_event(event);
        }
    }
}

/// A short code for a transport failure (never the error text, which may hold a URL).
fn transport_code(e: &reqwest::Error, pin_mismatch: bool) -> &'static str {
    if pin_mismatch {
        "tls.pin_mismatch"
    } else if let Some(code) = transport::certificate_refusal(e) {
        code
    } else if e.is_timeout() {
        "network.timeout"
    } else if e.is_connect() {
        "network.connect"
    } else {
        "network"
    }
}

pub(super) async fn read_limited(mut response: reqwest::Response) -> Result<Vec<u8>, ()> {
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|_| ())? {
        if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
            return Err(());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Status history as the intake API returns it: `[{status, at}]`, or that list under
/// `statuses` / `history`.
pub(super) fn parse_statuses(body: &[u8]) -> Option<Vec<StatusUpdate>> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Shape {
        List(Vec<StatusUpdate>),
        Statuses { statuses: Vec<StatusUpdate> },
        History { history: Vec<StatusUpdate> },
    }
    Some(match serde_json::from_slice::<Shape>(body).ok()? {
        Shape::List(l) | Shape::Statuses { statuses: l } | Shape::History { history: l } => l,
    })
}

/// Runs a store call off the async threads (SQLite commits wait for the disk).
pub(super) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, SyncError> + Send + 'static,
) -> Result<T, SyncError> {
    tokio::task::spawn_blocking(f)
        .await
        .unwrap_or_else(|_| Err(SyncError::Store(crate::store::StoreError::Closed)))
}
