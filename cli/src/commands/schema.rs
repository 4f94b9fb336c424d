//! `weprotect schema`.

use std::path::Path;

use crate::Outcome;

/// Prints or writes the referral JSON Schema.
pub fn run(write: Option<&Path>) -> Outcome {
    let schema = weprotect_core::schema::referral_json_schema();
    match write {
        None => {
            print!("{schema}");
            Outcome::Ok
        }
        Some(path) => match std::fs::write(path, schema) {
            Ok(()) => Outcome::Ok,
            Err(e) => Outcome::Unusable(format!("cannot write {}: {}", path.display(), e.kind())),
        },
    }
}
