//! What the host app supplies to the sync engine: the bearer token, a progress observer and,
//! for tests, the wall clock.
//!
//! Both are small traits so the bindings can turn them into foreign traits implemented in
//! Kotlin and Swift. The core never stores the token; it asks for it at the start of a pass and,
//! after a 401, asks once for a fresh one.

/// Supplies the bearer token from the app's sign-in.
pub trait TokenProvider: Send + Sync {
    /// The current token, or `None` when the officer is signed out.
    fn token(&self) -> Option<String>;
    /// A fresh token after the service refused the current one (401), or `None` when the
    /// officer must sign in again.
    fn refresh_token(&self) -> Option<String>;
}

/// What happened to one referral during a pass (ids and codes only, no personal data).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyncEvent {
    /// An attempt to send started.
    Sending {
        /// The referral id.
        referral_id: String,
    },
    /// The service acknowledged it.
    Delivered {
        /// The referral id.
        referral_id: String,
        /// The service's reference.
        service_reference: String,
    },
    /// The attempt failed for now; it will be retried.
    WillRetry {
        /// The referral id.
        referral_id: String,
        /// Short reason code (e.g. `http.503`, `network`).
        code: String,
        /// When the engine wants to try again.
        next_attempt_at: chrono::DateTime<chrono::Utc>,
    },
    /// The service refused it for good.
    Rejected {
        /// The referral id.
        referral_id: String,
        /// The service's reason code.
        code: String,
    },
}

/// Observes progress, e.g. to update a notification. Called from the sync task; keep it quick.
pub trait SyncObserver: Send + Sync {
    /// One event.
    fn on_event(&self, event: SyncEvent);
}

/// A token provider for a fixed token (desktop tools and tests).
#[derive(Clone)]
pub struct StaticToken(pub Option<String>);

impl std::fmt::Debug for StaticToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StaticToken(<redacted>)")
    }
}

impl TokenProvider for StaticToken {
    fn token(&self) -> Option<String> {
        self.0.clone()
    }
    fn refresh_token(&self) -> Option<String> {
        None
    }
}

/// The device's wall clock, as the engine reads it. Phones' clocks jump (the officer corrects it,
/// the network sets it, a flat battery resets it), so the engine reads the time through this
/// seam, which lets tests jump it by days between passes; apps use [`SystemClock`].
pub trait Clock: Send + Sync {
    /// The current time.
    fn now(&self) -> chrono::DateTime<chrono::Utc>;
}

/// The operating system's clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> chrono::DateTime<chrono::Utc> {
        chrono::Utc::now()
    }
}
