//! Free functions: things that need no open store.

use std::path::PathBuf;

use chrono::Utc;
use weprotect_core::WeprotectError;
use weprotect_core::config::ServiceConfig;
use weprotect_core::store::{self as core_store, StoreError, WipeReport};
use weprotect_core::validation::{DraftReport, parse_referral, validate_draft};

use crate::guard::{FfiResult, guard, spawn};

/// The core's version (the crate version, e.g. `0.1.0`).
#[uniffi::export]
pub fn version() -> FfiResult<String> {
    guard(|| Ok(env!("CARGO_PKG_VERSION").to_string()))
}

/// Checks referral JSON as a draft: problems in what is filled in, and what is missing.
/// Errors: `Invalid` (JSON of the wrong shape, with the path) or `InvalidDocument` (not JSON,
/// unknown schema version).
#[uniffi::export]
pub fn validate_json(json: String) -> FfiResult<DraftReport> {
    guard(|| {
        let referral =
            parse_referral(&json).map_err(|e| WeprotectError::from(StoreError::Document(e)))?;
        Ok(validate_draft(&referral, Utc::now()))
    })
}

/// Removes the store in `dir` without the key (a lost key, a remote wipe). No `Store` for
/// `dir` may be open.
#[uniffi::export]
pub fn wipe_dir(dir: String) -> FfiResult<WipeReport> {
    guard(|| Ok(core_store::Store::wipe_dir(PathBuf::from(dir))?))
}

/// Reads a service description (`service.json`, as `weprotect serve` writes it).
/// Errors: `ServiceConfig`.
#[uniffi::export]
pub fn service_config_from_json(json: String) -> FfiResult<ServiceConfig> {
    guard(|| serde_json::from_str(&json).map_err(|_| WeprotectError::ServiceConfig))
}

/// The complete example referral (fictional people) as JSON, for demos and tests.
#[uniffi::export]
pub fn example_referral_json() -> FfiResult<String> {
    guard(|| Ok(weprotect_core::example::EXAMPLE_REFERRAL_JSON.to_string()))
}

/// TEST HOOK: panics on purpose, so app tests can prove a panic arrives as
/// `WeprotectError::Internal` (an exception) and never aborts the app. Never call it otherwise.
#[uniffi::export]
pub fn debug_panic() -> FfiResult<()> {
    guard(|| panic!("deliberate panic (debug_panic test hook)"))
}

/// TEST HOOK: like [`debug_panic`], inside an async call on the bindings' runtime.
#[uniffi::export]
pub async fn debug_panic_async() -> FfiResult<()> {
    spawn(async { panic!("deliberate panic (debug_panic_async test hook)") }).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_test_hooks_panic_into_an_internal_error() {
        assert_eq!(debug_panic(), Err(WeprotectError::Internal));
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        assert_eq!(
            rt.block_on(debug_panic_async()),
            Err(WeprotectError::Internal)
        );
    }

    #[test]
    fn json_of_the_wrong_shape_names_the_path() {
        let err = validate_json(r#"{"schema_version":1,"victim":{"forename":7}}"#.into());
        let Err(WeprotectError::Invalid { problems }) = err else {
            panic!("{err:?}")
        };
        assert!(
            problems[0].path.starts_with("victim.forename"),
            "{problems:?}"
        );
    }
}
