//! A device store written by the version 1 code (core/fixtures/v1-store, made once at the last
//! version 1 commit) still works after the update to referral schema version 2.

mod fixture_store;

use chrono::Duration;
use fixture_store::Fixture;
use serde_json::Value;
use weprotect_core::SCHEMA_VERSION;
use weprotect_core::crypto::envelope;
use weprotect_core::validation::{Rules, read_referral, validate_for_submission_with};
use weprotect_core::values::{PhoneNumber, Postcode};

const FIXTURE: Fixture = Fixture("v1-store");

/// Every leaf of `v1` (a version 1 document) is at the same path in `v2`, equal or in its
/// normalised form, except the ones version 2 moved.
fn assert_nothing_lost(v1: &Value, v2: &Value, path: &str) {
    match v1 {
        Value::Object(map) => {
            for (k, v) in map {
                assert!(v2.get(k).is_some() || v.is_null(), "{path}.{k} lost");
                assert_nothing_lost(v, &v2[k.as_str()], &format!("{path}.{k}"));
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                assert_nothing_lost(v, &v2[i], &format!("{path}[{i}]"));
            }
        }
        Value::String(s) if v2.as_str() != Some(s) => {
            let normalised = [
                PhoneNumber::parse(s).as_str().to_string(),
                Postcode::parse(s).as_str().to_string(),
            ];
            assert!(
                normalised.iter().any(|n| v2.as_str() == Some(n)),
                "{path} changed"
            );
        }
        other => assert_eq!(other, v2, "{path} changed"),
    }
}

#[test]
fn a_version_1_draft_opens_migrated_with_nothing_typed_lost() {
    let (_dir, store) = FIXTURE.open_copy();
    let id = FIXTURE.ids()["draft_id"].as_str().unwrap().to_string();
    let list = store.list_drafts().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].id, id);
    let referral = store.load_draft(id).unwrap();
    assert_eq!(referral.schema_version, SCHEMA_VERSION);

    let mut typed: Value = serde_json::from_str(&FIXTURE.text("draft-v1.json")).unwrap();
    let mut now: Value = serde_json::to_value(&referral).unwrap();
    // The one field version 2 restructures: the free text is the first order's details.
    let orders = typed["incident"]["existing_orders"].take();
    assert_eq!(now["incident"]["existing_orders"][0]["details"], orders);
    assert!(now["incident"]["existing_orders"][0]["order_type"].is_null());
    now["incident"]["existing_orders"] = Value::Null;
    typed["schema_version"] = Value::Null;
    now["schema_version"] = Value::Null;
    assert_nothing_lost(&typed, &now, "referral");

    // The drama mobile that version 1 could not read is a valid mobile now.
    let phone = referral.safe_contact.phone.as_ref().unwrap();
    assert_eq!(phone.e164(), Some("+447700900123"));
}

#[test]
fn a_migrated_version_1_draft_saves_as_the_current_version() {
    let (dir, store) = FIXTURE.open_copy();
    let id = FIXTURE.ids()["draft_id"].as_str().unwrap().to_string();
    let referral = store.load_draft(id.clone()).unwrap();
    let later = FIXTURE.written_at() + Duration::hours(2);
    store
        .save_draft(Some(id.clone()), referral.clone(), later)
        .unwrap();
    assert!(store.load_draft(id.clone()).unwrap() == referral);
    drop(store);
    let conn = rusqlite::Connection::open(dir.path().join("weprotect.db")).unwrap();
    let version: u32 = conn
        .query_row(
            "SELECT schema_version FROM drafts WHERE id = ?1",
            [&id],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(version, SCHEMA_VERSION);
}

#[test]
fn a_version_1_referral_in_the_outbox_is_delivered_byte_identical() {
    let (_dir, store) = FIXTURE.open_copy();
    let referral_id = FIXTURE.ids()["referral_id"].as_str().unwrap().to_string();
    let due = store
        .due_for_delivery(FIXTURE.written_at() + Duration::hours(1), 10)
        .unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].referral_id, referral_id);
    let written_by_v1 = std::fs::read(FIXTURE.path("sealed-v1.bin")).unwrap();
    assert!(due[0].sealed == written_by_v1, "the sealed bytes changed");

    // The service opens it as a version 1 document and checks it by version 1's rules.
    let sk = FIXTURE.service_key();
    let opened = envelope::open(&sk, &due[0].sealed).unwrap();
    assert_eq!(opened.schema_version, 1);
    let read = read_referral(std::str::from_utf8(&opened.plaintext).unwrap()).unwrap();
    assert_eq!(read.source_version, 1);
    let rules = Rules::for_version(opened.schema_version).unwrap();
    validate_for_submission_with(&read.referral, rules, FIXTURE.written_at()).unwrap();
    // Its local copy still opens (for the outbox list and a rejected referral's reopening).
    assert!(store.load_submitted(referral_id).unwrap() == read.referral);
}
