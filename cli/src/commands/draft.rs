//! `weprotect draft save|list|show|delete`: drafts in the encrypted device store.

use std::path::Path;

use chrono::{SecondsFormat, Utc};

use super::device::{open, open_existing, open_read_only, store_failure};
use super::read_input;
use crate::Outcome;

/// `draft save FILE [--id ID]`: saves a new draft (or overwrites draft ID) and prints its id.
pub fn save(dir: &Path, file: &str, id: Option<String>) -> Outcome {
    let text = match read_input(file) {
        Ok(text) => text,
        Err(message) => return Outcome::Unusable(message),
    };
    let store = match open(dir) {
        Ok(store) => store,
        Err(outcome) => return outcome,
    };
    match store.save_draft_json(id, text, Utc::now()) {
        Ok(id) => {
            println!("{id}");
            Outcome::Ok
        }
        Err(e) => store_failure(e, false),
    }
}

/// `draft list [--json]`: every draft, most recently saved first.
pub fn list(dir: &Path, json: bool) -> Outcome {
    let store = match open_read_only(dir) {
        Ok(store) => store,
        Err(outcome) => return outcome,
    };
    let drafts = match store.list_drafts() {
        Ok(drafts) => drafts,
        Err(e) => return store_failure(e, json),
    };
    if json {
        match serde_json::to_string_pretty(&drafts) {
            Ok(text) => println!("{text}"),
            Err(_) => return Outcome::Unusable("cannot print the drafts".into()),
        }
    } else if drafts.is_empty() {
        println!("no drafts");
    } else {
        for d in drafts {
            let status = if d.damaged {
                "damaged: this draft cannot be read".to_string()
            } else if d.missing_fields == 0 && d.problems == 0 {
                "ready".to_string()
            } else {
                format!("{} missing, {} problem(s)", d.missing_fields, d.problems)
            };
            println!(
                "{}  {}  {}  {}",
                d.id,
                d.updated_at.to_rfc3339_opts(SecondsFormat::Secs, true),
                status,
                d.title
            );
        }
    }
    Outcome::Ok
}

/// `draft show ID`: prints the draft's referral JSON.
pub fn show(dir: &Path, id: String) -> Outcome {
    let store = match open_read_only(dir) {
        Ok(store) => store,
        Err(outcome) => return outcome,
    };
    match store.load_draft_json(id) {
        Ok(json) => {
            println!("{json}");
            Outcome::Ok
        }
        Err(e) => store_failure(e, false),
    }
}

/// `draft delete ID`.
pub fn delete(dir: &Path, id: String) -> Outcome {
    let store = match open_existing(dir) {
        Ok(store) => store,
        Err(outcome) => return outcome,
    };
    match store.delete_draft(id) {
        Ok(()) => {
            println!("deleted");
            Outcome::Ok
        }
        Err(e) => store_failure(e, false),
    }
}
