//! `weprotect rekey`, and a crash test: the real binary is killed (SIGKILL) at random moments
//! while it re-encrypts a store, at least 50 times. After every kill the store must open with
//! exactly one of the two keys, and every draft and outbox entry must still be there and
//! readable.

mod common;

use std::path::Path;
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

use chrono::Utc;
use weprotect_core::config::ServiceConfig;
use weprotect_core::crypto::DataKey;
use weprotect_core::{Store, StoreError, StoreSettings};

const KEY_A: &str = "8f1e0a4c2b3d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7";
const KEY_B: &str = "1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90b";
const KILLS: usize = 50;

fn rekey_command(dir: &Path, old: &str, new: &str) -> std::process::Command {
    let mut cmd = common::weprotect();
    cmd.arg("--data-dir")
        .arg(dir)
        .arg("rekey")
        .env("WEPROTECT_DATA_KEY", old)
        .env("WEPROTECT_NEW_DATA_KEY", new)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

fn rekey(dir: &Path, old: &str, new: &str) -> Output {
    rekey_command(dir, old, new).output().unwrap()
}

fn open(dir: &Path, key: &str) -> Result<std::sync::Arc<Store>, StoreError> {
    Store::open(
        dir.into(),
        DataKey::from_hex(key).unwrap(),
        StoreSettings::default(),
        Utc::now(),
    )
}

/// A store under `KEY_A` with `drafts` drafts and `queued` queued referrals.
fn populate(dir: &Path, drafts: usize, queued: usize) {
    let service = ServiceConfig {
        endpoint: "https://intake.example.org".into(),
        key_id: "k1".into(),
        public_key: "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a".into(),
        spki_pins: vec![],
        jurisdictions: Vec::new(),
    };
    let store = open(dir, KEY_A).unwrap();
    for i in 0..drafts + queued {
        let mut referral = weprotect_core::example::example_referral();
        referral.incident.incident_number = Some(format!("REKEY-{i}"));
        let id = store.save_draft(None, referral, Utc::now()).unwrap();
        if i >= drafts {
            store.submit(id, service.clone(), Utc::now()).unwrap();
        }
    }
}

/// Every draft and outbox entry, read back (so every value decrypts).
fn contents(store: &Store) -> (Vec<String>, Vec<String>) {
    let mut drafts: Vec<String> = store
        .list_drafts()
        .unwrap()
        .into_iter()
        .map(|d| {
            let referral = store.load_draft(d.id).unwrap();
            referral.incident.incident_number.unwrap()
        })
        .collect();
    drafts.sort();
    let mut outbox: Vec<String> = store
        .outbox()
        .unwrap()
        .into_iter()
        .map(|e| format!("{} {}", e.referral_id, e.title.unwrap_or_default()))
        .collect();
    outbox.sort();
    (drafts, outbox)
}

#[test]
fn rekey_moves_the_store_to_the_new_key_and_refuses_bad_input() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    // No store there: said so, none made.
    let out = rekey(&dir.join("typo"), KEY_A, KEY_B);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no store"));
    assert!(!dir.join("typo").exists());

    populate(dir, 3, 2);
    let before = contents(&open(dir, KEY_A).unwrap());
    for (old, new) in [
        (KEY_A, KEY_A),
        (KEY_A, "00".repeat(32).as_str()),
        (KEY_A, "short"),
    ] {
        assert_eq!(rekey(dir, old, new).status.code(), Some(2), "{new}");
    }
    let out = rekey(dir, KEY_A, KEY_B);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("rekeyed: 3 draft(s) and 2 outbox"));
    assert!(matches!(open(dir, KEY_A), Err(StoreError::WrongKey)));
    assert_eq!(contents(&open(dir, KEY_B).unwrap()), before);
    // Run again after it completed: nothing to do, still under the new key.
    let out = rekey(dir, KEY_A, KEY_B);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("already under the new key"));
    assert_eq!(contents(&open(dir, KEY_B).unwrap()), before);
}

#[test]
fn killed_at_random_moments_50_times_the_store_opens_with_exactly_one_key_and_loses_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    populate(dir, 20, 10);
    let expected = contents(&open(dir, KEY_A).unwrap());

    // How long one whole rekey takes here, to spread the kills over it.
    let started = Instant::now();
    assert_eq!(rekey(dir, KEY_A, KEY_B).status.code(), Some(0));
    let whole = started.elapsed();
    let mut current = KEY_B;

    let seed = std::env::var("WEPROTECT_TEST_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| Utc::now().timestamp_nanos_opt().unwrap_or(1) as u64 | 1);
    println!("seed {seed} (set WEPROTECT_TEST_SEED to repeat); one rekey took {whole:?}");
    let mut state = seed;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let (mut moved, mut stayed) = (0, 0);
    for kill in 0..KILLS {
        let other = if current == KEY_A { KEY_B } else { KEY_A };
        let mut child = rekey_command(dir, current, other).spawn().unwrap();
        let delay_us = next() % (whole.as_micros() as u64 * 3 / 2).max(1);
        std::thread::sleep(Duration::from_micros(delay_us));
        let _ = child.kill(); // SIGKILL; it may have finished already
        let _ = child.wait();

        let with_current = open(dir, current);
        let with_other = open(dir, other);
        let opened: Vec<&str> = [(current, &with_current), (other, &with_other)]
            .into_iter()
            .filter(|(_, r)| r.is_ok())
            .map(|(k, _)| k)
            .collect();
        assert_eq!(opened.len(), 1, "after kill {kill}: opened with {opened:?}");
        for result in [&with_current, &with_other] {
            if let Err(e) = result {
                assert!(matches!(e, StoreError::WrongKey), "after kill {kill}: {e}");
            }
        }
        let store = with_current.as_ref().or(with_other.as_ref()).unwrap();
        assert!(store.integrity_check().unwrap(), "after kill {kill}");
        assert_eq!(
            contents(store),
            expected,
            "after kill {kill}: something was lost"
        );
        if opened[0] == other {
            moved += 1;
            current = other;
        } else {
            stayed += 1;
        }
    }
    println!("{KILLS} kills: {moved} after the commit, {stayed} before it");
    assert!(
        stayed > 0,
        "no kill landed before the commit: the test proved nothing"
    );
}
