//! The delivery policy: every number the sync engine obeys, in one struct with defaults.

use std::time::Duration;

/// How the sync engine retries and how hard it pushes. Tests override single fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncPolicy {
    /// First retry delay ceiling; the ceiling doubles with each failed attempt (full jitter).
    pub base_delay: Duration,
    /// The largest retry delay ceiling.
    pub max_delay: Duration,
    /// Referrals in flight at once. Over HTTP/2 they share one connection; on a link with
    /// 50 ms round trips, 16 in flight drain 100 referrals in about 0.35 s.
    pub concurrency: usize,
    /// Time allowed to open a connection (TCP + TLS).
    pub connect_timeout: Duration,
    /// Time allowed for one whole request and response.
    pub request_timeout: Duration,
    /// Entries read from the outbox at a time (bounds memory while draining a long queue).
    pub batch_size: u32,
    /// The largest Retry-After the engine honours; longer waits are capped to this.
    pub max_retry_after: Duration,
}

impl Default for SyncPolicy {
    fn default() -> Self {
        SyncPolicy {
            base_delay: Duration::from_secs(2),
            max_delay: Duration::from_secs(15 * 60),
            concurrency: 16,
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            batch_size: 32,
            max_retry_after: Duration::from_secs(6 * 60 * 60),
        }
    }
}
