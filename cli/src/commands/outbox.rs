//! `weprotect outbox [--json]`: what is waiting to send, what was delivered, what was refused,
//! what each referral still has to follow, and what was sent after it.

use std::path::Path;

use chrono::SecondsFormat;
use weprotect_core::addendum::AddendumKind;
use weprotect_core::store::OutboxState;

use super::device::{open_read_only, store_failure};
use crate::Outcome;

/// Lists the outbox, newest first.
pub fn run(dir: &Path, json: bool) -> Outcome {
    let store = match open_read_only(dir) {
        Ok(store) => store,
        Err(outcome) => return outcome,
    };
    let entries = match store.outbox() {
        Ok(entries) => entries,
        Err(e) => return store_failure(e, json),
    };
    if json {
        match serde_json::to_string_pretty(&entries) {
            Ok(text) => println!("{text}"),
            Err(_) => return Outcome::Unusable("cannot print the outbox".into()),
        }
        return Outcome::Ok;
    }
    if entries.is_empty() {
        println!("outbox empty");
    }
    for e in entries {
        let detail = match e.state {
            OutboxState::Queued => match &e.last_error_code {
                Some(code) => format!("queued, {} failed attempt(s), last {code}", e.attempts),
                None => "queued".to_string(),
            },
            OutboxState::Delivered => match &e.receipt {
                Some(r) => format!(
                    "delivered, reference {} at {}{}",
                    r.service_reference,
                    r.received_at.to_rfc3339_opts(SecondsFormat::Secs, true),
                    e.statuses
                        .last()
                        .map(|s| format!(", status {}", s.status))
                        .unwrap_or_default()
                ),
                None => "delivered".to_string(),
            },
            OutboxState::Rejected => format!(
                "rejected ({})",
                e.rejection_code.as_deref().unwrap_or("no reason given")
            ),
        };
        println!(
            "{}  {}  {}  {}",
            e.referral_id,
            e.queued_at.to_rfc3339_opts(SecondsFormat::Secs, true),
            detail,
            if e.damaged {
                "(damaged: this entry cannot be read)"
            } else {
                e.title.as_deref().unwrap_or("")
            }
        );
        if e.consent_withdrawn {
            println!("    consent withdrawn: nothing more is sent about this referral");
        }
        for item in &e.to_follow {
            println!("    to follow: {}  ({})", item.path, item.code);
        }
        for a in &e.addenda {
            let what = match a.kind {
                AddendumKind::Information => format!(
                    "information: {}",
                    a.items
                        .iter()
                        .map(|i| i.path.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                AddendumKind::ConsentWithdrawn => "withdrawal of consent".to_string(),
            };
            let state = match a.state {
                OutboxState::Queued => match &a.last_error_code {
                    Some(code) => format!("queued, {} failed attempt(s), last {code}", a.attempts),
                    None => "queued".to_string(),
                },
                OutboxState::Delivered => match a.received_at {
                    Some(at) => format!(
                        "delivered at {}",
                        at.to_rfc3339_opts(SecondsFormat::Secs, true)
                    ),
                    None => "delivered".to_string(),
                },
                OutboxState::Rejected => format!(
                    "not sent ({})",
                    a.rejection_code.as_deref().unwrap_or("no reason given")
                ),
            };
            println!("    {}  {what}: {state}", a.addendum_id);
        }
    }
    Outcome::Ok
}
