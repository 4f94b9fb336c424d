//! A child process for the proof kill loop: a device doing what a phone does, in a random mix,
//! until the parent test kills it (SIGKILL) at a random moment: saves drafts (with autosaves),
//! submits them (half of them with the crime number to follow), sends crime numbers that were to
//! follow and now and then a withdrawal of consent (addenda), runs sync passes, and rotates its
//! data key (rekey).
//!
//! Usage: `device_child DIR SERVICE_JSON TOKEN SEED`. The device's data key is one of two test
//! keys; the child opens the store with whichever works (as a host holding a current and a
//! pending key must, see `core/src/store/rekey.rs`) and rekeys to the other one.
//! Before each step it prints `phase NAME` on stdout, so the parent knows what it interrupted.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use std::collections::BTreeMap;

use chrono::Utc;
use weprotect_core::addendum::{RecordedHow, Withdrawal, WithdrawnBy};
use weprotect_core::config::ServiceConfig;
use weprotect_core::example::example_referral;
use weprotect_core::sync::{StaticToken, SyncEngine};
use weprotect_tests::proof::{Dice, open_either_key, other_key};
use weprotect_tests::rig::fast_policy;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, dir, service, token, seed] = args.as_slice() else {
        eprintln!("usage: device_child DIR SERVICE_JSON TOKEN SEED");
        std::process::exit(2);
    };
    let service: ServiceConfig =
        serde_json::from_str(&std::fs::read_to_string(service).expect("service file"))
            .expect("service json");
    let mut dice = Dice::new(seed.parse().expect("seed"));
    phase("open");
    let (store, key_index) = open_either_key(PathBuf::from(dir));
    let mut key_index = key_index;
    let engine = SyncEngine::new(
        store.clone(),
        service.clone(),
        fast_policy(),
        Arc::new(StaticToken(Some(token.clone()))),
        None,
    )
    .expect("engine");
    loop {
        match dice.below(12) {
            0..=3 => {
                phase("save");
                let mut referral = example_referral();
                if dice.below(2) == 0 {
                    referral.incident.crime_reference = None;
                }
                let id = store
                    .save_draft(None, referral.clone(), Utc::now())
                    .expect("save");
                store
                    .save_draft(Some(id), referral, Utc::now())
                    .expect("autosave");
            }
            10 => {
                phase("follow-up");
                let waiting = store
                    .outbox()
                    .expect("outbox")
                    .into_iter()
                    .find(|e| !e.to_follow.is_empty() && !e.consent_withdrawn);
                if let Some(entry) = waiting {
                    let information = BTreeMap::from([(
                        "incident.crime_reference".to_string(),
                        serde_json::json!(format!("CR/{:06}/26", dice.below(1_000_000))),
                    )]);
                    store
                        .queue_information(
                            entry.referral_id,
                            information,
                            service.clone(),
                            Utc::now(),
                        )
                        .expect("follow-up");
                }
            }
            11 => {
                // Rarer than the rest: a third of this slot.
                if dice.below(3) != 0 {
                    continue;
                }
                phase("withdraw");
                let open = store.outbox().expect("outbox").into_iter().find(|e| {
                    !e.consent_withdrawn && e.state != weprotect_core::store::OutboxState::Rejected
                });
                if let Some(entry) = open {
                    let withdrawal = Withdrawal {
                        withdrawn_by: WithdrawnBy::Victim,
                        withdrawn_at: Utc::now(),
                        recorded_how: RecordedHow::ByPhone,
                    };
                    store
                        .queue_withdrawal(
                            entry.referral_id,
                            withdrawal,
                            service.clone(),
                            Utc::now(),
                        )
                        .expect("withdraw");
                }
            }
            4..=6 => {
                phase("submit");
                if let Some(draft) = store.list_drafts().expect("drafts").into_iter().next() {
                    store
                        .submit(draft.id, service.clone(), Utc::now())
                        .expect("submit");
                }
            }
            7..=8 => {
                phase("sync");
                engine
                    .sync_now(Duration::from_secs(2))
                    .await
                    .expect("sync pass");
            }
            _ => {
                phase("rekey");
                store.rekey(other_key(key_index)).expect("rekey");
                key_index = 1 - key_index;
            }
        }
    }
}

fn phase(name: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "phase {name}");
    let _ = out.flush();
}
