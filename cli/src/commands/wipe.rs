//! `weprotect wipe --yes`: destroys the device store, with or without the key.

use std::path::Path;

use weprotect_core::Store;

use crate::Outcome;

/// Removes the store in `dir` and says how much undelivered work was destroyed.
pub fn run(dir: &Path, yes: bool) -> Outcome {
    if !yes {
        return Outcome::Unusable(
            "wipe destroys every draft and every undelivered referral: pass --yes to confirm"
                .into(),
        );
    }
    // A mistyped --data-dir: say so, rather than "wiped" for a store that never was there.
    let db = weprotect_core::store::DB_FILE_NAME;
    let any_store_file = ["", "-wal", "-shm"]
        .iter()
        .any(|suffix| dir.join(format!("{db}{suffix}")).exists());
    if !any_store_file {
        return super::device::no_store(dir);
    }
    match Store::wipe_dir(dir.to_path_buf()) {
        Ok(report) => {
            println!(
                "wiped: {} undelivered referral(s) and {} draft(s) destroyed",
                report.undelivered_destroyed, report.drafts_destroyed
            );
            Outcome::Ok
        }
        Err(e) => Outcome::Unusable(e.to_string()),
    }
}
