//! `weprotect follow-up REFERRAL_ID FILE` and `weprotect withdraw REFERRAL_ID`: what a device
//! sends about a referral after it (issue 23), queued for the next `weprotect sync`.
//!
//! FILE is a JSON object of the items that were to follow, by the paths `weprotect outbox`
//! lists, with values as a referral file gives them: `{"incident.crime_reference":
//! "CR/123456/26"}`. Refusals print the problems as `weprotect validate` does (path and code,
//! never the value) and exit 1; nothing is queued then.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{DateTime, Utc};
use serde_json::Value;
use weprotect_core::addendum::{RecordedHow, Withdrawal, WithdrawnBy};
use weprotect_core::store::QueuedAddendum;

use super::device::{open_existing, service, store_failure};
use super::read_input;
use crate::Outcome;

/// Queues the information in `file` for the to-follow items of `referral_id`.
pub fn follow_up(dir: &Path, referral_id: String, file: &str, json: bool) -> Outcome {
    let text = match read_input(file) {
        Ok(text) => text,
        Err(why) => return Outcome::Unusable(why),
    };
    let information: BTreeMap<String, Value> = match serde_json::from_str(&text) {
        Ok(information) => information,
        Err(e) => {
            return Outcome::Unusable(format!(
                "{file} is not a JSON object of paths and values (line {}, column {})",
                e.line(),
                e.column()
            ));
        }
    };
    let service = match service(dir) {
        Ok(service) => service,
        Err(outcome) => return outcome,
    };
    let store = match open_existing(dir) {
        Ok(store) => store,
        Err(outcome) => return outcome,
    };
    match store.queue_information(referral_id, information, service, Utc::now()) {
        Ok(queued) => print_queued(&queued, "information", json),
        Err(e) => store_failure(e, json),
    }
}

/// Who withdrew consent, as typed on the command line.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum By {
    /// The victim.
    Victim,
    /// Someone acting for the victim.
    OnTheirBehalf,
}

/// How the withdrawal was recorded, as typed on the command line.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum How {
    /// Said in person.
    InPerson,
    /// By telephone.
    ByPhone,
    /// In writing.
    InWriting,
}

/// Queues a withdrawal of consent for `referral_id`.
pub fn withdraw(
    dir: &Path,
    referral_id: String,
    by: By,
    how: How,
    at: Option<DateTime<Utc>>,
    json: bool,
) -> Outcome {
    let service = match service(dir) {
        Ok(service) => service,
        Err(outcome) => return outcome,
    };
    let store = match open_existing(dir) {
        Ok(store) => store,
        Err(outcome) => return outcome,
    };
    let now = Utc::now();
    let withdrawal = Withdrawal {
        withdrawn_by: match by {
            By::Victim => WithdrawnBy::Victim,
            By::OnTheirBehalf => WithdrawnBy::OnTheVictimsBehalf,
        },
        withdrawn_at: at.unwrap_or(now),
        recorded_how: match how {
            How::InPerson => RecordedHow::InPerson,
            How::ByPhone => RecordedHow::ByPhone,
            How::InWriting => RecordedHow::InWriting,
        },
    };
    match store.queue_withdrawal(referral_id, withdrawal, service, now) {
        Ok(queued) => print_queued(&queued, "withdrawal of consent", json),
        Err(e) => store_failure(e, json),
    }
}

fn print_queued(queued: &QueuedAddendum, what: &str, json: bool) -> Outcome {
    if json {
        match serde_json::to_string_pretty(queued) {
            Ok(text) => println!("{text}"),
            Err(_) => return Outcome::Unusable("cannot print the result".into()),
        }
    } else {
        println!(
            "queued {what}: {} for referral {} (sent with the next sync, never before the referral itself)",
            queued.addendum_id, queued.referral_id
        );
    }
    Outcome::Ok
}
