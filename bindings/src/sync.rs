//! The sync engine as an object, and the host's callbacks as foreign traits.
//!
//! `sync_now` and `refresh_statuses` are async: they run on the bindings' runtime and the
//! foreign side awaits them (Kotlin `suspend`, Swift `async`). Cancelling the Kotlin coroutine or
//! the Swift task does not stop the Rust work, so [`SyncEngine::cancel`] does: the pass ends
//! within moments, and what was in flight stays queued under the same idempotency key.
//!
//! Callbacks ([`TokenProvider`], [`SyncObserver`]) are called from the bindings' threads:
//! `token()` and `refresh_token()` on a blocking thread (they may wait on a keystore or a
//! sign-in refresh), `on_event` from the sync task (keep it quick: post to the UI thread). A
//! callback must not call back into the engine or the store (for example `sync_now` or
//! `cancel` from `on_event`): that can deadlock or recurse. A callback that throws is treated
//! as "no token" or ignored; it never brings the engine down.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;

use weprotect_core::config::ServiceConfig;
use weprotect_core::sync::{self as core_sync, SyncEvent, SyncPolicy, SyncReport};

use crate::guard::{FfiResult, guard, spawn};
use crate::store::Store;

/// Supplies the bearer token from the app's sign-in. Implemented by the app.
#[uniffi::export(with_foreign)]
pub trait TokenProvider: Send + Sync {
    /// The current token, or none when the officer is signed out.
    fn token(&self) -> Option<String>;
    /// A fresh token after the service refused the current one, or none when the officer must
    /// sign in again.
    fn refresh_token(&self) -> Option<String>;
}

/// Observes sync progress (ids and codes only). Implemented by the app.
#[uniffi::export(with_foreign)]
pub trait SyncObserver: Send + Sync {
    /// One event. Called from the sync task: keep it quick and do not call the engine.
    fn on_event(&self, event: SyncEvent);
}

/// Adapts the foreign callbacks to the core's traits; a callback that throws or panics is
/// contained here.
struct Host<T: ?Sized>(Arc<T>);

impl core_sync::TokenProvider for Host<dyn TokenProvider> {
    fn token(&self) -> Option<String> {
        std::panic::catch_unwind(AssertUnwindSafe(|| self.0.token())).unwrap_or(None)
    }
    fn refresh_token(&self) -> Option<String> {
        std::panic::catch_unwind(AssertUnwindSafe(|| self.0.refresh_token())).unwrap_or(None)
    }
}

impl core_sync::SyncObserver for Host<dyn SyncObserver> {
    fn on_event(&self, event: SyncEvent) {
        let _ = std::panic::catch_unwind(AssertUnwindSafe(|| self.0.on_event(event)));
    }
}

/// Sends the store's queued referrals to the service, one bounded pass at a time.
#[derive(uniffi::Object)]
pub struct SyncEngine {
    inner: Arc<core_sync::SyncEngine>,
}

#[uniffi::export]
impl SyncEngine {
    /// An engine for `store`, sending to `service`, with the default delivery policy.
    /// Errors: `ServiceConfig` for an unusable endpoint (plain HTTP is allowed to loopback
    /// only) or malformed pins.
    #[uniffi::constructor]
    pub fn new(
        store: Arc<Store>,
        service: ServiceConfig,
        tokens: Arc<dyn TokenProvider>,
        observer: Option<Arc<dyn SyncObserver>>,
    ) -> FfiResult<Arc<SyncEngine>> {
        guard(move || {
            let observer = observer.map(|o| Arc::new(Host(o)) as Arc<dyn core_sync::SyncObserver>);
            // reqwest's client must be built inside a runtime context.
            let _entered = crate::guard::runtime().enter();
            let inner = core_sync::SyncEngine::new(
                store.inner.clone(),
                service,
                SyncPolicy::default(),
                Arc::new(Host(tokens)),
                observer,
            )?;
            Ok(Arc::new(SyncEngine { inner }))
        })
    }

    /// One bounded pass: sends what is due and returns what happened and when the engine next
    /// wants to run (`next_run_at`). One pass runs at a time; a second call waits for the
    /// first. A missing or refused token gives `needs_sign_in` in the report, nothing lost.
    pub async fn sync_now(&self, deadline: Duration) -> FfiResult<SyncReport> {
        let engine = self.inner.clone();
        spawn(async move { Ok(engine.sync_now(deadline).await?) }).await
    }

    /// Fetches status updates for delivered referrals; returns how many were updated.
    /// Errors: `NeedsSignIn`.
    pub async fn refresh_statuses(&self, deadline: Duration) -> FfiResult<u32> {
        let engine = self.inner.clone();
        spawn(async move { Ok(engine.refresh_statuses(deadline).await?) }).await
    }

    /// Ends the passes running now promptly (their report says `cancelled`). Later passes run
    /// normally.
    pub fn cancel(&self) -> FfiResult<()> {
        guard(|| {
            self.inner.cancel();
            Ok(())
        })
    }
}
