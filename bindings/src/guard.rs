//! The bindings' runtime and the panic boundary.
//!
//! A panic must never cross the FFI: on Android an abort kills the app and the officer's unsaved
//! form with it. uniffi already catches panics, but it turns them into its own internal error
//! carrying the panic message, which may quote data. So every export runs inside [`guard`] (or
//! [`spawn`] for async calls), which turns a panic into [`WeprotectError::Internal`]; the release
//! profiles keep `panic = "unwind"` so there is something to catch. The panic hook installed
//! here prints only where the panic happened, never its message.
//!
//! Async exports run on a runtime this crate owns (multi-thread, two workers: a phone has few
//! cores and a sync pass is I/O bound), not on uniffi's fallback. The foreign side awaits a
//! tokio `JoinHandle`, which needs no runtime of its own. Cancelling the foreign task drops that
//! handle but not the work: hosts end a sync pass with `SyncEngine.cancel()`.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::{LazyLock, Once};

use weprotect_core::WeprotectError;

/// The result type of every export.
pub type FfiResult<T> = Result<T, WeprotectError>;

static RUNTIME: LazyLock<tokio::runtime::Runtime> = LazyLock::new(|| {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .max_blocking_threads(8)
        .thread_name("weprotect")
        .enable_all()
        .build()
        .expect("the bindings' runtime starts")
});

/// The bindings' runtime (started on first use).
pub fn runtime() -> &'static tokio::runtime::Runtime {
    &RUNTIME
}

static PANIC_HOOK: Once = Once::new();

/// Replaces the default panic hook (which prints the message, possibly quoting data) with one
/// that prints only the location.
fn install_panic_hook() {
    PANIC_HOOK.call_once(|| {
        std::panic::set_hook(Box::new(|info| {
            let location = info
                .location()
                .map(|l| format!("{}:{}", l.file(), l.line()))
                .unwrap_or_else(|| "unknown location".into());
            eprintln!("weprotect: internal error (panic at {location}); message withheld");
        }));
    });
}

/// Runs one synchronous export; a panic becomes [`WeprotectError::Internal`].
pub fn guard<T>(f: impl FnOnce() -> FfiResult<T>) -> FfiResult<T> {
    install_panic_hook();
    std::panic::catch_unwind(AssertUnwindSafe(f)).unwrap_or(Err(WeprotectError::Internal))
}

/// Runs one async export on the bindings' runtime; a panic (while starting or inside the task)
/// becomes [`WeprotectError::Internal`].
pub async fn spawn<T, F>(work: F) -> FfiResult<T>
where
    T: Send + 'static,
    F: Future<Output = FfiResult<T>> + Send + 'static,
{
    let handle = guard(|| Ok(runtime().spawn(work)))?;
    handle.await.unwrap_or(Err(WeprotectError::Internal))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_in_a_sync_export_becomes_an_internal_error() {
        let result: FfiResult<()> = guard(|| panic!("boom"));
        assert_eq!(result, Err(WeprotectError::Internal));
    }

    #[test]
    fn a_panic_in_an_async_export_becomes_an_internal_error() {
        let result: FfiResult<()> = futures_lite_block_on(spawn(async { panic!("boom") }));
        assert_eq!(result, Err(WeprotectError::Internal));
    }

    fn futures_lite_block_on<T>(f: impl Future<Output = T>) -> T {
        // Awaited from a thread that is not a runtime worker, as the foreign side does.
        let local = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        local.block_on(f)
    }
}
