//! `weprotect submit DRAFT_ID [--json]`: validate strictly, seal to the service and enqueue.
//!
//! Refusals print the problems exactly as `weprotect validate` does and exit 1; the draft is
//! left as it was. On success the referral id (the idempotency key) is printed.

use std::path::Path;

use chrono::Utc;

use super::device::{open_existing, service, store_failure};
use crate::Outcome;

/// Submits draft `draft_id` to the service configured in `dir`.
pub fn run(dir: &Path, draft_id: String, json: bool) -> Outcome {
    let service = match service(dir) {
        Ok(service) => service,
        Err(outcome) => return outcome,
    };
    let store = match open_existing(dir) {
        Ok(store) => store,
        Err(outcome) => return outcome,
    };
    match store.submit(draft_id, service, Utc::now()) {
        Ok(queued) => {
            if json {
                match serde_json::to_string_pretty(&queued) {
                    Ok(text) => println!("{text}"),
                    Err(_) => return Outcome::Unusable("cannot print the result".into()),
                }
            } else {
                println!("queued: {}", queued.referral_id);
            }
            Outcome::Ok
        }
        Err(e) => store_failure(e, json),
    }
}
