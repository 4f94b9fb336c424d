//! Exactly-once delivery of queued referrals, one bounded pass at a time.
//!
//! The platform owns scheduling (WorkManager, BGTaskScheduler, connectivity callbacks); the core
//! owns policy. A host calls [`SyncEngine::sync_now`] with a deadline (iOS background tasks get
//! about 30 seconds); the pass sends what is due, oldest first, a few at a time, and returns a
//! [`SyncReport`] that says when it next wants to run.
//!
//! Exactly once rests on three things. Every entry carries its referral id, sent as the
//! `Idempotency-Key`, and the sealed bytes stored at submit time, sent byte-identical on every
//! attempt, so a service that committed but whose response was lost answers the retry with the
//! same receipt. "Sending" lives only in memory: a crash mid-request simply re-sends. And an
//! entry leaves the queue only in the transaction that stores the receipt.
//!
//! Outcomes (see `response.rs`): 2xx delivered; 401 one token refresh, then "needs sign-in" with
//! nothing lost; 409, 429, 5xx, timeouts and connection errors retried with full-jitter backoff
//! per item, never before Retry-After; 400, 413 and 422 rejected for good with the service's
//! reason code, without blocking the others. Learned from the weak spots of peers: ODK queues
//! not sent after signal returned, duplicates after lost responses, one bad item blocking the
//! queue, raw HTTP errors shown to officers.

mod backoff;
mod engine;
mod host;
mod policy;
mod response;
mod statuses;
mod transport;

pub use backoff::{full_jitter, parse_retry_after};
pub use engine::{SyncEngine, SyncReport};
pub use host::{Clock, StaticToken, SyncEvent, SyncObserver, SystemClock, TokenProvider};
pub use policy::SyncPolicy;
pub use transport::{check_service, spki_sha256_hex};

/// Why a sync engine could not be set up or a call could not run.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// The endpoint is not a usable URL.
    #[error("the service endpoint is not a usable URL")]
    InvalidEndpoint,
    /// The endpoint is plain HTTP to a host that is not loopback.
    #[error("plain HTTP is only allowed to loopback; use HTTPS")]
    InsecureEndpoint,
    /// A pin is not 64 hex characters.
    #[error("a certificate pin is not a SHA-256 hash in hex")]
    InvalidPin,
    /// An extra root certificate could not be used.
    #[error("a root certificate could not be used")]
    InvalidRootCertificate,
    /// The store failed.
    #[error("store error: {0}")]
    Store(#[from] crate::store::StoreError),
    /// The officer must sign in before statuses can be fetched.
    #[error("the officer must sign in again")]
    NeedsSignIn,
}

/// For the fuzz targets in `fuzz/` and their corpus replay only, not a supported API: reads a
/// service response (`status`, `Retry-After`, body) to sending `referral_id` exactly as the
/// engine does, and a body as a status history, and describes the outcome. Must never panic.
#[doc(hidden)]
pub fn read_response_for_fuzzing(
    referral_id: &str,
    status: u16,
    retry_after: Option<&str>,
    body: &[u8],
) -> String {
    let outcome = response::classify(referral_id, status, retry_after, body, chrono::Utc::now());
    let statuses = engine::parse_statuses(body).map(|s| s.len());
    let batch = statuses::parse_batch(body).map(|b| b.len());
    format!("{outcome:?} {statuses:?} {batch:?}")
}
