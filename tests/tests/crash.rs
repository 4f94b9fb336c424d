//! Crash test: a child process submits referrals in a loop and is killed with SIGKILL at random
//! moments, at least 100 times. After each kill the store must open with the same key, pass
//! SQLite's `integrity_check`, and every submit must be wholly present or wholly absent: the
//! incident numbers found in drafts and the outbox are exactly `0..count`, each once (a submit
//! that lost its draft without an outbox row, or kept both, would break that), the committed
//! count never shrinks, and every new outbox entry's sealed envelope opens for the service
//! under its own referral id with the same referral as the local copy.

mod common;

use std::collections::HashSet;
use std::time::{Duration, Instant};

use chrono::Utc;
use weprotect_core::crypto::{DataKey, envelope};
use weprotect_core::store::OutboxState;
use weprotect_core::{Store, StoreSettings, parse_referral};

use common::*;

const KILLS: usize = 100;

fn number(title: &str) -> u64 {
    title
        .rsplit('-')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("title without a sequence number: {title}"))
}

#[test]
fn every_submit_is_wholly_present_or_absent_after_100_random_kills() {
    let files = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let (sk, _config, service_path) = service(files.path());
    let mut template = weprotect_core::example::example_referral();
    template.incident.incident_number = Some("CRASH".into());
    let template_path = files.path().join("template.json");
    std::fs::write(&template_path, serde_json::to_string(&template).unwrap()).unwrap();

    let mut rng = Rng::from_env_or_clock();
    let started = Instant::now();
    let mut committed = 0u64;
    let mut verified: HashSet<String> = HashSet::new();
    for kill in 0..KILLS {
        let mut child = spawn_child(data.path(), &service_path, &template_path);
        if rng.below(4) == 0 {
            // Sometimes kill during start-up (open, migration, purge).
            kill_after(child, Duration::from_micros(rng.below(15_000)));
        } else {
            wait_ready(&mut child);
            // The debug-build child needs about 60 ms per save, autosave and submit.
            kill_after(child, Duration::from_micros(rng.below(250_000)));
        }

        let store = Store::open(
            data.path().into(),
            DataKey::from_hex(KEY_HEX).unwrap(),
            StoreSettings::default(),
            Utc::now(),
        )
        .unwrap_or_else(|e| panic!("after kill {kill}: store does not open: {e}"));
        assert!(store.integrity_check().unwrap(), "after kill {kill}");

        let drafts = store.list_drafts().unwrap();
        let outbox = store.outbox().unwrap();
        let mut numbers: Vec<u64> = drafts.iter().map(|d| number(&d.title)).collect();
        for entry in &outbox {
            assert_eq!(entry.state, OutboxState::Queued);
            numbers.push(number(entry.title.as_deref().unwrap()));
        }
        numbers.sort_unstable();
        let count = numbers.len() as u64;
        assert_eq!(
            numbers,
            (0..count).collect::<Vec<_>>(),
            "after kill {kill}: a submit is partly present, duplicated or lost"
        );
        assert!(
            count >= committed,
            "after kill {kill}: committed work vanished"
        );
        committed = count;
        assert!(
            drafts.len() <= 1,
            "after kill {kill}: {} drafts",
            drafts.len()
        );

        // Every new outbox entry: the envelope opens under its id and matches the local copy.
        let due = store.due_for_delivery(Utc::now(), u32::MAX).unwrap();
        assert_eq!(due.len(), outbox.len());
        for pending in due {
            if !verified.insert(pending.referral_id.clone()) {
                continue;
            }
            let header = envelope::peek(&pending.sealed).unwrap();
            assert_eq!(header.referral_id, pending.referral_id);
            let opened = envelope::open(&sk, &pending.sealed).unwrap();
            let sent = parse_referral(std::str::from_utf8(&opened.plaintext).unwrap()).unwrap();
            let local = store.load_submitted(pending.referral_id).unwrap();
            assert!(
                sent == local,
                "after kill {kill}: envelope and local copy differ"
            );
        }
        drop(store);
    }
    eprintln!(
        "{KILLS} kills, {committed} referrals committed, {:.1} s",
        started.elapsed().as_secs_f64()
    );
    assert!(
        committed >= KILLS as u64 / 2,
        "too few submits happened between kills ({committed}) for the test to mean much"
    );
}
