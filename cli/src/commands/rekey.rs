//! `weprotect rekey`: re-encrypts the device store under a new data key.
//!
//! The old key comes from `WEPROTECT_DATA_KEY`, the new one from `WEPROTECT_NEW_DATA_KEY`;
//! neither is ever written or printed. Core re-encrypts every value and the key check in one
//! transaction, so after a crash at any moment the store opens with exactly one of the two
//! keys and nothing is lost. Running the command again after a crash is safe: if the store
//! already opens with the new key, it says so and changes nothing. Keep both keys until the
//! command has printed `rekeyed`.

use std::path::Path;

use chrono::Utc;
use weprotect_core::crypto::DataKey;
use weprotect_core::{Store, StoreError, StoreSettings};

use super::device::{self, KEY_ENV};
use crate::Outcome;

/// The environment variable that holds the new data key.
pub const NEW_KEY_ENV: &str = "WEPROTECT_NEW_DATA_KEY";

fn new_key() -> Result<DataKey, Outcome> {
    let hex = std::env::var(NEW_KEY_ENV).map_err(|_| {
        Outcome::Unusable(format!(
            "{NEW_KEY_ENV} is not set: it must hold the new 256-bit data key as 64 hex characters"
        ))
    })?;
    DataKey::from_hex(hex.trim()).map_err(|_| {
        Outcome::Unusable(format!(
            "{NEW_KEY_ENV} must be exactly 64 hex characters of a random key (a key of one repeated byte is refused)"
        ))
    })
}

/// Re-encrypts the store in `dir` from the old key to the new one.
pub fn run(dir: &Path) -> Outcome {
    let old = match device::data_key() {
        Ok(key) => key,
        Err(outcome) => return outcome,
    };
    let new = match new_key() {
        Ok(key) => key,
        Err(outcome) => return outcome,
    };
    if *old.to_hex() == *new.to_hex() {
        return Outcome::Unusable(format!(
            "{NEW_KEY_ENV} is the same key as {KEY_ENV}: nothing to do"
        ));
    }
    if !device::store_exists(dir) {
        return device::no_store(dir);
    }
    let open =
        |key: DataKey| Store::open(dir.to_path_buf(), key, StoreSettings::default(), Utc::now());
    let store = match open(old) {
        Ok(store) => store,
        Err(StoreError::WrongKey) => {
            // Perhaps an earlier rekey committed and then the process died before it said so.
            return match open(new) {
                Ok(_) => {
                    println!(
                        "already under the new key (an earlier rekey completed); use {NEW_KEY_ENV} as {KEY_ENV} from now on"
                    );
                    Outcome::Ok
                }
                Err(e) => device::store_failure(e, false),
            };
        }
        Err(e) => return device::store_failure(e, false),
    };
    let counts = store.counts();
    match store.rekey(new) {
        Ok(()) => {
            match counts {
                Ok(c) => println!(
                    "rekeyed: {} draft(s) and {} outbox entries are now under the new key; use {NEW_KEY_ENV} as {KEY_ENV} from now on",
                    c.drafts,
                    c.queued + c.delivered + c.rejected
                ),
                Err(_) => println!("rekeyed; use {NEW_KEY_ENV} as {KEY_ENV} from now on"),
            }
            Outcome::Ok
        }
        Err(e) => device::store_failure(e, false),
    }
}
