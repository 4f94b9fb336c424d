//! Opening the device store for the device-side commands, and mapping its errors to the exit
//! code contract.
//!
//! The store lives in the global `--data-dir` (default `./weprotect-data`). The data key comes
//! from the environment variable `WEPROTECT_DATA_KEY` (64 hex characters): on a phone it comes
//! from the platform keystore, on a desktop the operator supplies it. It is never written to
//! disk and never printed.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::Utc;
use weprotect_core::config::ServiceConfig;
use weprotect_core::crypto::DataKey;
use weprotect_core::validation::DocumentError;
use weprotect_core::{Store, StoreError, StoreSettings};

use super::validate::print_problems;
use crate::Outcome;

/// The environment variable that holds the data key.
pub const KEY_ENV: &str = "WEPROTECT_DATA_KEY";

/// Reads the data key from the environment.
pub fn data_key() -> Result<DataKey, Outcome> {
    let hex = std::env::var(KEY_ENV).map_err(|_| {
        Outcome::Unusable(format!(
            "{KEY_ENV} is not set: it must hold the 256-bit data key as 64 hex characters"
        ))
    })?;
    // The variable itself stays in the process environment, so wiping this copy would add
    // nothing; the parsed key is wiped when dropped.
    DataKey::from_hex(hex.trim())
        .map_err(|_| {
            Outcome::Unusable(format!(
                "{KEY_ENV} must be exactly 64 hex characters of a random key (a key of one repeated byte, such as all zeros, is refused)"
            ))
        })
}

/// Opens the store in `dir` with the key from the environment.
pub fn open(dir: &Path) -> Result<Arc<Store>, Outcome> {
    let key = data_key()?;
    Store::open(dir.to_path_buf(), key, StoreSettings::default(), Utc::now())
        .map_err(|e| store_failure(e, false))
}

/// Opens the store in `dir` for a command that needs one to exist already (`draft delete`,
/// `submit`, `sync`): a mistyped `--data-dir` gets a clear error, and no new, empty store is
/// made there.
pub fn open_existing(dir: &Path) -> Result<Arc<Store>, Outcome> {
    if !store_exists(dir) {
        return Err(no_store(dir));
    }
    open(dir)
}

/// Whether `dir` holds a store (its database file).
pub fn store_exists(dir: &Path) -> bool {
    dir.join(weprotect_core::store::DB_FILE_NAME).exists()
}

/// The answer when `dir` holds no store: say so, never make one.
pub fn no_store(dir: &Path) -> Outcome {
    Outcome::Unusable(format!(
        "there is no store in {} (check --data-dir); nothing was created",
        dir.display()
    ))
}

/// Opens the store in `dir` for the read-only commands (`draft list`, `draft show`,
/// `outbox`): never creates one, never writes, so they work on a read-only or full disk.
pub fn open_read_only(dir: &Path) -> Result<Arc<Store>, Outcome> {
    let key = data_key()?;
    Store::open_read_only(dir.to_path_buf(), key, StoreSettings::default()).map_err(|e| match e {
        StoreError::NotFound("store") => no_store(dir),
        other => store_failure(other, false),
    })
}

/// Largest `service.json` read (a real one is well under 1 KiB).
const MAX_SERVICE_BYTES: u64 = 64 * 1024;

/// Reads the service description installed by `weprotect configure`. It must be a regular
/// file (a FIFO put in its place would make `submit` and `sync` wait for ever) of at most
/// 64 KiB.
pub fn service(dir: &Path) -> Result<ServiceConfig, Outcome> {
    let path = service_path(dir);
    let unreadable = |e: std::io::Error| {
        Outcome::Unusable(format!("cannot read {}: {}", path.display(), e.kind()))
    };
    let metadata = std::fs::metadata(&path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            Outcome::Unusable(format!(
                "no service configured in {}: run `weprotect configure --service FILE` first",
                dir.display()
            ))
        } else {
            unreadable(e)
        }
    })?;
    if !metadata.is_file() {
        return Err(Outcome::Unusable(format!(
            "{} is not a regular file: run `weprotect configure --service FILE` again",
            path.display()
        )));
    }
    if metadata.len() > MAX_SERVICE_BYTES {
        return Err(Outcome::Unusable(format!(
            "{} is larger than any service description: run `weprotect configure --service FILE` again",
            path.display()
        )));
    }
    let mut text = String::new();
    std::io::Read::read_to_string(
        &mut std::io::Read::take(
            std::fs::File::open(&path).map_err(unreadable)?,
            MAX_SERVICE_BYTES,
        ),
        &mut text,
    )
    .map_err(unreadable)?;
    serde_json::from_str(&text)
        .map_err(|_| Outcome::Unusable(format!("{} is not a service description", path.display())))
}

/// Where the service description lives in a data directory.
pub fn service_path(dir: &Path) -> PathBuf {
    dir.join(ServiceConfig::FILE_NAME)
}

/// Maps a store error to the exit code contract: problems with the referral are refusals
/// (exit 1, printed like `validate`); everything else is unusable input or environment (exit 2).
pub fn store_failure(e: StoreError, json: bool) -> Outcome {
    match e {
        StoreError::Invalid(problems) => {
            print_problems(&problems, json);
            Outcome::Refused
        }
        StoreError::Document(DocumentError::Shape(problem)) => {
            print_problems(&[problem], json);
            Outcome::Refused
        }
        StoreError::InvalidState(why) => {
            eprintln!("weprotect: refused: {why}");
            Outcome::Refused
        }
        StoreError::WrongKey => Outcome::Unusable(format!(
            "{KEY_ENV} is not the key this store was written with (nothing was changed)"
        )),
        StoreError::NotAWeprotectStore => Outcome::Unusable(
            "the data directory holds a file that is not a WEPROTECT store (left untouched)".into(),
        ),
        StoreError::NotFound("draft") => Outcome::Unusable(
            "no such draft (it may have been submitted, deleted or purged after 72 hours)".into(),
        ),
        other => Outcome::Unusable(other.to_string()),
    }
}
