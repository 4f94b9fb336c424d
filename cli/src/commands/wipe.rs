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
