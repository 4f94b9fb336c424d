//! Canary test: distinctive strings in every personal field of a referral, driven through every
//! lifecycle step of the device store (save, list, autosave, submit, reject, reopen, resubmit,
//! deliver, statuses, rekey, purge, close) and through SIGKILLs of a child process in the middle
//! of writes. After each step every file in the data directory (the database and its -wal and
//! -shm files, whatever exists) is scanned as bytes for every canary and for the data key.
//! None may appear: personal data is encrypted before SQLite sees it, and the key is never
//! written.

mod common;

use std::path::Path;
use std::time::Duration;

use chrono::{TimeZone, Utc};
use serde_json::{Value, json};
use weprotect_core::crypto::DataKey;
use weprotect_core::store::{Receipt, StatusUpdate};
use weprotect_core::{Referral, Store, StoreSettings, parse_referral, validate_for_submission};

use common::*;

/// (JSON pointer, canary value, bytes that must never appear in clear).
const CANARIES: &[(&str, &str, &str)] = &[
    (
        "/referrer/officer_name",
        "CANARYOFFICER7Q",
        "CANARYOFFICER7Q",
    ),
    ("/referrer/collar_number", "CQ7Z9K4W", "CQ7Z9K4W"),
    ("/referrer/rank", "CANARYRANK7Q", "CANARYRANK7Q"),
    ("/referrer/station", "CANARYSTATION7Q", "CANARYSTATION7Q"),
    ("/referrer/role", "CANARYROLE7Q", "CANARYROLE7Q"),
    (
        "/incident/case_reference",
        "CANARYCASEREF7Q",
        "CANARYCASEREF7Q",
    ),
    (
        "/perpetrator/custody/bail_conditions",
        "CANARYBAIL7Q",
        "CANARYBAIL7Q",
    ),
    (
        "/safe_contact/alternative_contact/organisation",
        "CANARYALTORG7Q",
        "CANARYALTORG7Q",
    ),
    ("/referrer/contact_phone", "020 7946 0999", "2079460999"),
    (
        "/referrer/email",
        "canaryofficer7q@police.example",
        "canaryofficer7q",
    ),
    (
        "/incident/incident_number",
        "CANARYINCIDENT7Q",
        "CANARYINCIDENT7Q",
    ),
    (
        "/incident/crime_reference",
        "CANARYCRIME7Q",
        "CANARYCRIME7Q",
    ),
    ("/incident/injuries", "CANARYINJURIES7Q", "CANARYINJURIES7Q"),
    (
        "/incident/existing_orders/0/details",
        "CANARYORDERS7Q",
        "CANARYORDERS7Q",
    ),
    ("/incident/reason", "CANARYREASON7Q", "CANARYREASON7Q"),
    ("/victim/forename", "CANARYFORENAME7Q", "CANARYFORENAME7Q"),
    ("/victim/surname", "CANARYSURNAME7Q", "CANARYSURNAME7Q"),
    (
        "/victim/other_names",
        "CANARYOTHERNAMES7Q",
        "CANARYOTHERNAMES7Q",
    ),
    ("/victim/date_of_birth", "1983-07-19", "1983-07-19"),
    ("/victim/sex_or_gender", "CANARYGENDER7Q", "CANARYGENDER7Q"),
    ("/victim/address/line1", "CANARYLINE1V7Q", "CANARYLINE1V7Q"),
    ("/victim/address/line2", "CANARYLINE2V7Q", "CANARYLINE2V7Q"),
    ("/victim/address/town", "CANARYTOWNV7Q", "CANARYTOWNV7Q"),
    ("/victim/address/postcode", "KW17 2QZ", "KW17 2QZ"),
    (
        "/victim/preferred_language",
        "CANARYLANGUAGE7Q",
        "CANARYLANGUAGE7Q",
    ),
    (
        "/victim/communication_needs",
        "CANARYCOMMS7Q",
        "CANARYCOMMS7Q",
    ),
    (
        "/victim/vulnerability_notes",
        "CANARYVULNERABLE7Q",
        "CANARYVULNERABLE7Q",
    ),
    (
        "/victim/immigration_status",
        "CANARYIMMIGRATION7Q",
        "CANARYIMMIGRATION7Q",
    ),
    ("/safe_contact/phone", "07700 900273", "7700900273"),
    (
        "/safe_contact/email",
        "canaryvictim7q@example.org",
        "canaryvictim7q",
    ),
    (
        "/safe_contact/alternative_contact/name",
        "CANARYALTNAME7Q",
        "CANARYALTNAME7Q",
    ),
    (
        "/safe_contact/alternative_contact/phone",
        "07700 900274",
        "7700900274",
    ),
    (
        "/safe_contact/alternative_contact/relationship",
        "CANARYALTREL7Q",
        "CANARYALTREL7Q",
    ),
    ("/perpetrator/name", "CANARYPERPNAME7Q", "CANARYPERPNAME7Q"),
    (
        "/perpetrator/other_names",
        "CANARYPERPOTHER7Q",
        "CANARYPERPOTHER7Q",
    ),
    ("/perpetrator/date_of_birth", "1979-02-23", "1979-02-23"),
    (
        "/perpetrator/address/line1",
        "CANARYLINE1P7Q",
        "CANARYLINE1P7Q",
    ),
    (
        "/perpetrator/address/town",
        "CANARYTOWNP7Q",
        "CANARYTOWNP7Q",
    ),
    ("/perpetrator/address/postcode", "ZE2 9QP", "ZE2 9QP"),
    ("/children/0/name", "CANARYCHILD7Q", "CANARYCHILD7Q"),
    ("/children/0/date_of_birth", "2018-10-27", "2018-10-27"),
    (
        "/other_vulnerable_adults",
        "CANARYADULTS7Q",
        "CANARYADULTS7Q",
    ),
    (
        "/risk/answers/0/comment",
        "CANARYRISKCOMMENT7Q",
        "CANARYRISKCOMMENT7Q",
    ),
    ("/risk/rationale", "CANARYRATIONALE7Q", "CANARYRATIONALE7Q"),
    (
        "/consent/obtained_by",
        "CANARYOBTAINEDBY7Q",
        "CANARYOBTAINEDBY7Q",
    ),
    (
        "/consent/body_worn_video_reference",
        "CANARYBWV7Q",
        "CANARYBWV7Q",
    ),
];

fn canary_referral() -> Referral {
    let mut doc: Value =
        serde_json::from_str(weprotect_core::example::EXAMPLE_REFERRAL_JSON).unwrap();
    doc["perpetrator"]["approximate_age"] = Value::Null;
    doc["perpetrator"]["address"] =
        json!({"line1": null, "line2": null, "town": null, "postcode": null, "country": null});
    doc["safe_contact"]["email_safe"] = json!(true);
    for (pointer, value, _) in CANARIES {
        *doc.pointer_mut(pointer)
            .unwrap_or_else(|| panic!("no field {pointer}")) = json!(value);
    }
    parse_referral(&doc.to_string()).unwrap()
}

/// Every (file, canary) pair found in clear under `dir`.
fn leaks(dir: &Path, key_hex: &str) -> Vec<String> {
    let key_bytes = hex_bytes(key_hex);
    let mut found = Vec::new();
    let mut needles: Vec<(String, Vec<u8>)> = CANARIES
        .iter()
        .map(|(_, _, c)| (c.to_string(), c.as_bytes().to_vec()))
        .collect();
    needles.push(("data key (hex)".into(), key_hex.as_bytes().to_vec()));
    needles.push((
        "data key (hex, upper)".into(),
        key_hex.to_uppercase().into_bytes(),
    ));
    needles.push(("data key (bytes)".into(), key_bytes));
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let Ok(bytes) = std::fs::read(&path) else {
            continue; // removed between listing and reading (a -wal being checkpointed)
        };
        for (name, needle) in &needles {
            if bytes.windows(needle.len()).any(|w| w == needle.as_slice()) {
                found.push(format!("{} in {}", name, path.display()));
            }
        }
    }
    found
}

fn hex_bytes(hex: &str) -> Vec<u8> {
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect()
}

fn assert_clean(dir: &Path, key_hex: &str, step: &str) {
    let files = std::fs::read_dir(dir).unwrap().count();
    assert!(
        files > 0 || step.starts_with("wipe"),
        "{step}: no files to scan"
    );
    let leaks = leaks(dir, key_hex);
    assert!(leaks.is_empty(), "{step}: found in clear: {leaks:#?}");
}

#[test]
fn the_scanner_finds_a_canary_or_the_key_written_in_clear() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("weprotect.db-wal"), b"..CANARYSURNAME7Q..").unwrap();
    std::fs::write(dir.path().join("other"), hex_bytes(KEY_HEX)).unwrap();
    let found = leaks(dir.path(), KEY_HEX);
    assert_eq!(found.len(), 2, "{found:?}");
}

#[test]
fn the_canary_referral_fills_every_field_and_is_valid() {
    let referral = canary_referral();
    let now = Utc.with_ymd_and_hms(2026, 11, 21, 10, 0, 0).unwrap();
    validate_for_submission(&referral, now).unwrap_or_else(|p| panic!("{p:#?}"));
    let json = serde_json::to_string(&referral).unwrap();
    for (pointer, _, needle) in CANARIES {
        assert!(
            json.contains(needle),
            "{pointer} is not in the serialised referral"
        );
    }
}

#[test]
fn no_canary_or_key_is_in_any_file_at_any_lifecycle_step_or_after_a_kill() {
    let files = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let dir = data.path();
    let (_sk, service, service_path) = service(files.path());
    let key = || DataKey::from_hex(KEY_HEX).unwrap();
    let now = Utc::now();
    let referral = canary_referral();

    let store = Store::open(dir.into(), key(), StoreSettings::default(), now).unwrap();
    assert_clean(dir, KEY_HEX, "open");

    let draft = store.save_draft(None, referral.clone(), now).unwrap();
    assert_clean(dir, KEY_HEX, "save");
    let list = store.list_drafts().unwrap();
    assert_eq!(list[0].title, "CANARYINCIDENT7Q");
    assert_clean(dir, KEY_HEX, "list");
    store
        .save_draft(Some(draft.clone()), referral.clone(), now)
        .unwrap();
    assert!(store.load_draft(draft.clone()).unwrap() == referral);
    assert_clean(dir, KEY_HEX, "autosave and load");

    let queued = store.submit(draft, service.clone(), now).unwrap();
    assert_clean(dir, KEY_HEX, "submit");
    store.outbox().unwrap();
    assert_clean(dir, KEY_HEX, "outbox");

    store
        .mark_rejected(queued.referral_id.clone(), "schema.refused".into(), now)
        .unwrap();
    assert_clean(dir, KEY_HEX, "reject");
    let reopened = store.reopen_rejected(queued.referral_id, now).unwrap();
    assert_clean(dir, KEY_HEX, "reopen");

    let queued = store.submit(reopened, service.clone(), now).unwrap();
    store
        .record_attempt_failed(queued.referral_id.clone(), now, "network.offline".into())
        .unwrap();
    let receipt = Receipt {
        service_reference: "REF-123456".into(),
        received_at: now,
    };
    store
        .mark_delivered(queued.referral_id.clone(), receipt, now)
        .unwrap();
    store
        .record_statuses(
            queued.referral_id,
            vec![StatusUpdate {
                status: "contacted".into(),
                at: now,
            }],
        )
        .unwrap();
    assert_clean(dir, KEY_HEX, "deliver");

    // Leave a queued one and a draft behind for rekey and purge.
    let other = store.save_draft(None, referral.clone(), now).unwrap();
    store.submit(other, service.clone(), now).unwrap();
    store.save_draft(None, referral.clone(), now).unwrap();
    let new_key_hex = "5a6b".repeat(16);
    store
        .rekey(DataKey::from_hex(&new_key_hex).unwrap())
        .unwrap();
    assert_clean(dir, KEY_HEX, "rekey (old key)");
    assert_clean(dir, &new_key_hex, "rekey (new key)");
    store.rekey(key()).unwrap();

    let report = store
        .purge_expired(now + chrono::Duration::days(40))
        .unwrap();
    assert_eq!((report.drafts_purged, report.receipts_purged), (1, 1));
    assert_clean(dir, KEY_HEX, "purge");
    drop(store);
    assert_clean(dir, KEY_HEX, "close");

    // SIGKILL a child that is writing canary referrals, several times, and scan what it left.
    let template_path = files.path().join("canary.json");
    std::fs::write(&template_path, serde_json::to_string(&referral).unwrap()).unwrap();
    let mut rng = Rng::from_env_or_clock();
    for round in 0..5 {
        let mut child = spawn_child(dir, &service_path, &template_path);
        wait_ready(&mut child);
        kill_after(child, Duration::from_micros(50_000 + rng.below(150_000)));
        assert_clean(dir, KEY_HEX, &format!("kill -9 round {round}"));
    }
    let store = Store::open(dir.into(), key(), StoreSettings::default(), Utc::now()).unwrap();
    assert!(store.counts().unwrap().queued >= 2);
    assert_clean(dir, KEY_HEX, "reopen after kills");
    store.wipe().unwrap();
    assert_clean(dir, KEY_HEX, "wipe");
}

/// Every canary (or the key) found in `text`, named by `place`.
fn leaks_in_text(text: &str, key_hex: &str, place: &str) -> Vec<String> {
    let mut found: Vec<String> = CANARIES
        .iter()
        .filter(|(_, _, c)| text.contains(c))
        .map(|(_, _, c)| format!("{c} in {place}"))
        .collect();
    if text.to_lowercase().contains(key_hex) {
        found.push(format!("data key in {place}"));
    }
    found
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_canary_in_device_or_server_files_logs_events_or_errors_across_a_faulty_sync() {
    use std::sync::Arc;
    use weprotect_core::sync::{StaticToken, SyncEngine, SyncObserver};
    use weprotect_server::{LogLines, LogTarget, ReferralStatus, ServerConfig};
    use weprotect_tests::fault_proxy::{FaultMix, FaultProxy};
    use weprotect_tests::rig::{Recorder, fast_policy};

    let server_dir = tempfile::tempdir().unwrap();
    let lines = LogLines::new();
    let mut config = ServerConfig::new(server_dir.path());
    config.log = LogTarget::Memory(lines.clone());
    config.faults = "503=0.2,drop=0.3,retry_after=0,seed=5".parse().unwrap();
    let server = weprotect_server::start(config).await.unwrap();
    let token = weprotect_server::issue_token(server_dir.path(), "canary device")
        .unwrap()
        .token;
    let proxy = FaultProxy::start(server.addr(), FaultMix::harsh(), 13).await;
    let mut service = server.service_config();
    service.endpoint = proxy.url.clone();

    let data = tempfile::tempdir().unwrap();
    let dir = data.path();
    let now = Utc::now();
    let store = Store::open(
        dir.into(),
        DataKey::from_hex(KEY_HEX).unwrap(),
        StoreSettings::default(),
        now,
    )
    .unwrap();
    let draft = store.save_draft(None, canary_referral(), now).unwrap();
    let id = store
        .submit(draft, service.clone(), now)
        .unwrap()
        .referral_id;
    assert_clean(dir, KEY_HEX, "submit before sync");

    let recorder = Arc::new(Recorder::default());
    let engine = SyncEngine::new(
        store.clone(),
        service,
        fast_policy(),
        Arc::new(StaticToken(Some(token.clone()))),
        Some(recorder.clone() as Arc<dyn SyncObserver>),
    )
    .unwrap();
    let mut texts = Vec::new();
    for pass in 0..100 {
        let report = engine.sync_now(Duration::from_secs(5)).await.unwrap();
        let step = format!("sync pass {pass}");
        assert_clean(dir, KEY_HEX, &step);
        assert_clean(server_dir.path(), KEY_HEX, &format!("server, {step}"));
        texts.push(format!("{report:?}"));
        for entry in store.outbox().unwrap() {
            texts.push(format!("{:?}", entry.last_error_code));
        }
        if report.next_run_at.is_none() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        store.outbox().unwrap()[0].state,
        weprotect_core::store::OutboxState::Delivered
    );
    weprotect_server::add_status(
        server_dir.path(),
        &id,
        ReferralStatus::AdvisorAssigned,
        Utc::now(),
    )
    .unwrap();
    engine
        .refresh_statuses(Duration::from_secs(5))
        .await
        .unwrap();
    assert_clean(dir, KEY_HEX, "statuses");

    // Events the app shows, error codes, reports and every server log line.
    texts.extend(recorder.0.lock().unwrap().iter().map(|e| format!("{e:?}")));
    texts.extend(lines.lines());
    assert!(lines.lines().len() > 2, "the server logged nothing to scan");
    let found: Vec<String> = texts
        .iter()
        .flat_map(|t| leaks_in_text(t, KEY_HEX, t))
        .collect();
    assert!(found.is_empty(), "found in clear: {found:#?}");

    // Wipe leaves nothing behind: no file, so nothing personal.
    store.wipe().unwrap();
    assert_eq!(
        std::fs::read_dir(dir).unwrap().count(),
        0,
        "files left after wipe"
    );
    server.shutdown().await;
}
