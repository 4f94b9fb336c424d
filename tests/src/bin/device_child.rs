//! A child process for the proof kill loop: a device doing what a phone does, in a random mix,
//! until the parent test kills it (SIGKILL) at a random moment: saves drafts (with autosaves),
//! submits them, runs sync passes, and rotates its data key (rekey).
//!
//! Usage: `device_child DIR SERVICE_JSON TOKEN SEED`. The device's data key is one of two test
//! keys; the child opens the store with whichever works (as a host holding a current and a
//! pending key must, see `core/src/store/rekey.rs`) and rekeys to the other one.
//! Before each step it prints `phase NAME` on stdout, so the parent knows what it interrupted.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
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
        match dice.below(10) {
            0..=3 => {
                phase("save");
                let id = store
                    .save_draft(None, example_referral(), Utc::now())
                    .expect("save");
                store
                    .save_draft(Some(id), example_referral(), Utc::now())
                    .expect("autosave");
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
