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
//! `cancel` from `on_event`): that can deadlock or recurse.
//!
//! A callback that throws is an ordinary outcome, not a panic: each callback method returns a
//! result whose error, [`CallbackError`], also stands for any exception the app did not
//! declare (uniffi lowers an unexpected exception into it), so nothing panics and nothing is
//! printed. A `token()` that throws ends the call with `WeprotectError::CallbackFailed`
//! (`callback_failed`), nothing sent; a `refresh_token()` that throws counts as "no fresh
//! token" (`needs_sign_in`); an observer that throws loses that one event.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use weprotect_core::config::ServiceConfig;
use weprotect_core::sync::{self as core_sync, SyncEvent, SyncPolicy, SyncReport};

use weprotect_core::WeprotectError;

use crate::guard::{FfiResult, guard, spawn};
use crate::store::Store;

/// Why an app's callback failed. Apps may throw it (Kotlin `CallbackException.Failed`, Swift
/// `CallbackError.Failed`); any other exception a callback throws arrives as it too.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Error)]
pub enum CallbackError {
    /// The callback could not do its job (a keystore error, a sign-in refresh that failed).
    Failed,
}

impl std::fmt::Display for CallbackError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the app's callback failed")
    }
}

impl std::error::Error for CallbackError {}

impl From<uniffi::UnexpectedUniFFICallbackError> for CallbackError {
    fn from(_: uniffi::UnexpectedUniFFICallbackError) -> CallbackError {
        // The exception's text is not kept: it may quote anything.
        CallbackError::Failed
    }
}

/// Supplies the bearer token from the app's sign-in. Implemented by the app.
#[uniffi::export(with_foreign)]
pub trait TokenProvider: Send + Sync {
    /// The current token, or none when the officer is signed out. Throwing ends the pass
    /// with `CallbackFailed`, nothing sent.
    fn token(&self) -> Result<Option<String>, CallbackError>;
    /// A fresh token after the service refused the current one, or none when the officer must
    /// sign in again. Throwing counts as none.
    fn refresh_token(&self) -> Result<Option<String>, CallbackError>;
}

/// Observes sync progress (ids and codes only). Implemented by the app.
#[uniffi::export(with_foreign)]
pub trait SyncObserver: Send + Sync {
    /// One event. Called from the sync task: keep it quick and do not call the engine.
    /// Throwing loses only this event.
    fn on_event(&self, event: SyncEvent) -> Result<(), CallbackError>;
}

/// Adapts the foreign callbacks to the core's traits. A callback that throws arrives as an
/// `Err` (no panic); one that panics (a Rust implementation) is contained here as well.
struct Host<T: ?Sized> {
    callback: Arc<T>,
    /// The last `token()` call threw (read after a pass that got no token).
    token_failed: Arc<AtomicBool>,
}

impl core_sync::TokenProvider for Host<dyn TokenProvider> {
    fn token(&self) -> Option<String> {
        let got = std::panic::catch_unwind(AssertUnwindSafe(|| self.callback.token()));
        match got {
            Ok(Ok(token)) => {
                self.token_failed.store(false, Ordering::SeqCst);
                token
            }
            Ok(Err(_)) | Err(_) => {
                self.token_failed.store(true, Ordering::SeqCst);
                None
            }
        }
    }
    fn refresh_token(&self) -> Option<String> {
        std::panic::catch_unwind(AssertUnwindSafe(|| self.callback.refresh_token()))
            .ok()
            .and_then(Result::ok)
            .flatten()
    }
}

impl core_sync::SyncObserver for Host<dyn SyncObserver> {
    fn on_event(&self, event: SyncEvent) {
        let _ = std::panic::catch_unwind(AssertUnwindSafe(|| self.callback.on_event(event)));
    }
}

/// Sends the store's queued referrals to the service, one bounded pass at a time.
#[derive(uniffi::Object)]
pub struct SyncEngine {
    inner: Arc<core_sync::SyncEngine>,
    token_failed: Arc<AtomicBool>,
}

impl SyncEngine {
    fn build(
        store: Arc<Store>,
        service: ServiceConfig,
        tokens: Arc<dyn TokenProvider>,
        observer: Option<Arc<dyn SyncObserver>>,
        extra_roots_der: Vec<Vec<u8>>,
    ) -> FfiResult<Arc<SyncEngine>> {
        let token_failed = Arc::new(AtomicBool::new(false));
        let observer = observer.map(|o| {
            Arc::new(Host {
                callback: o,
                token_failed: token_failed.clone(),
            }) as Arc<dyn core_sync::SyncObserver>
        });
        let tokens = Arc::new(Host {
            callback: tokens,
            token_failed: token_failed.clone(),
        });
        // reqwest's client must be built inside a runtime context.
        let _entered = crate::guard::runtime().enter();
        let inner = core_sync::SyncEngine::with_extra_roots(
            store.inner.clone(),
            service,
            SyncPolicy::default(),
            tokens,
            observer,
            extra_roots_der,
        )?;
        Ok(Arc::new(SyncEngine {
            inner,
            token_failed,
        }))
    }
}

/// `CallbackFailed` when a result that says "no token" came from a `token()` that threw.
fn token_failure(failed: &AtomicBool) -> FfiResult<()> {
    if failed.swap(false, Ordering::SeqCst) {
        Err(WeprotectError::CallbackFailed)
    } else {
        Ok(())
    }
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
        guard(move || SyncEngine::build(store, service, tokens, observer, Vec::new()))
    }

    /// Like the constructor, also trusting `extra_root_certificates` (DER) as certificate
    /// authorities, with the bundled web PKI roots, instead of the platform's trust store: for
    /// a service behind a private certificate authority, and for desktop tests of the pin
    /// check. Only what the app passes here is trusted (nothing is read from the environment),
    /// and the service's SPKI pins are checked on top as always. On a phone, prefer the
    /// platform's store (the constructor): a force's device management installs its CA there.
    /// Errors: `ServiceConfig` for a certificate that cannot be used as a root.
    #[uniffi::constructor]
    pub fn with_extra_roots(
        store: Arc<Store>,
        service: ServiceConfig,
        tokens: Arc<dyn TokenProvider>,
        observer: Option<Arc<dyn SyncObserver>>,
        extra_root_certificates: Vec<Vec<u8>>,
    ) -> FfiResult<Arc<SyncEngine>> {
        guard(move || {
            if extra_root_certificates.is_empty() {
                return Err(WeprotectError::InvalidArgument);
            }
            SyncEngine::build(store, service, tokens, observer, extra_root_certificates)
        })
    }

    /// One bounded pass: sends what is due and returns what happened and when the engine next
    /// wants to run (`next_run_at`). One pass runs at a time; a second call waits for the
    /// first. A missing or refused token gives `needs_sign_in` in the report, nothing lost.
    /// Errors: `CallbackFailed` when the app's `token()` threw (nothing was sent).
    pub async fn sync_now(&self, deadline: Duration) -> FfiResult<SyncReport> {
        let engine = self.inner.clone();
        let failed = self.token_failed.clone();
        spawn(async move {
            failed.store(false, Ordering::SeqCst);
            let report = engine.sync_now(deadline).await?;
            if report.needs_sign_in && report.delivered == 0 && report.retried == 0 {
                token_failure(&failed)?;
            }
            Ok(report)
        })
        .await
    }

    /// Fetches status updates for delivered referrals; returns how many were updated.
    /// Errors: `NeedsSignIn`; `CallbackFailed` when the app's `token()` threw.
    pub async fn refresh_statuses(&self, deadline: Duration) -> FfiResult<u32> {
        let engine = self.inner.clone();
        let failed = self.token_failed.clone();
        spawn(async move {
            failed.store(false, Ordering::SeqCst);
            match engine.refresh_statuses(deadline).await {
                Err(core_sync::SyncError::NeedsSignIn) => {
                    token_failure(&failed)?;
                    Err(WeprotectError::NeedsSignIn)
                }
                other => Ok(other?),
            }
        })
        .await
    }

    /// Call it from the platform's network callback when the device has a network again
    /// (Android `ConnectivityManager.NetworkCallback.onAvailable`, iOS `NWPathMonitor` with
    /// `path.status == .satisfied`), then run a pass: referrals waiting out a backoff because
    /// the service could not be reached become due now, so that pass sends them at once
    /// instead of after the backoff delay. Returns how many became due. One short SQLite
    /// commit: call it off the main thread (both callbacks already run off it).
    pub fn network_available(&self) -> FfiResult<u32> {
        guard(|| Ok(self.inner.network_available()?))
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

#[cfg(test)]
mod tests {
    use super::*;

    struct Failing;
    impl TokenProvider for Failing {
        fn token(&self) -> Result<Option<String>, CallbackError> {
            Err(CallbackError::Failed)
        }
        fn refresh_token(&self) -> Result<Option<String>, CallbackError> {
            Err(CallbackError::Failed)
        }
    }

    struct NoToken;
    impl TokenProvider for NoToken {
        fn token(&self) -> Result<Option<String>, CallbackError> {
            Ok(None)
        }
        fn refresh_token(&self) -> Result<Option<String>, CallbackError> {
            Ok(None)
        }
    }

    fn engine(tokens: Arc<dyn TokenProvider>) -> (tempfile::TempDir, Arc<SyncEngine>) {
        let dir = tempfile::tempdir().unwrap();
        let key: Vec<u8> = (0..32u8).collect();
        let store = Store::open(dir.path().to_string_lossy().into(), key).unwrap();
        let service = ServiceConfig {
            // Nothing listens there; a pass that got a token would fail to connect.
            endpoint: "http://127.0.0.1:1".into(),
            key_id: "k1".into(),
            public_key: "00".repeat(32),
            spki_pins: Vec::new(),
            jurisdictions: Vec::new(),
        };
        (dir, SyncEngine::new(store, service, tokens, None).unwrap())
    }

    fn block_on<T>(f: impl std::future::Future<Output = T>) -> T {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(f)
    }

    #[test]
    fn a_token_provider_that_fails_is_callback_failed_not_a_panic() {
        let (_dir, engine) = engine(Arc::new(Failing));
        let result = block_on(engine.sync_now(Duration::from_secs(5)));
        assert_eq!(result.err(), Some(WeprotectError::CallbackFailed));
        // No delivered referral to ask about: the token is not asked for at all.
        let result = block_on(engine.refresh_statuses(Duration::from_secs(5)));
        assert_eq!(result, Ok(0));
    }

    #[test]
    fn no_token_is_still_needs_sign_in() {
        let (_dir, engine) = engine(Arc::new(NoToken));
        let report = block_on(engine.sync_now(Duration::from_secs(5))).unwrap();
        assert!(report.needs_sign_in);
        let result = block_on(engine.refresh_statuses(Duration::from_secs(5)));
        assert_eq!(result, Ok(0), "nothing delivered: no token needed");
    }
}
