//! A device store written by the version 2 code (core/fixtures/v2-store, made once at the last
//! version 2 commit) still works after the update to referral schema version 3: the draft opens
//! with nothing typed lost (a confidential address kept with its care-of address), and the
//! queued referral is delivered byte for byte and checked by the version 2 rules.

mod fixture_store;

use chrono::Duration;
use fixture_store::Fixture;
use serde_json::Value;
use weprotect_core::SCHEMA_VERSION;
use weprotect_core::crypto::envelope;
use weprotect_core::model::Answer;
use weprotect_core::validation::{Rules, read_referral, validate_for_submission_with};
use weprotect_core::values::{PhoneNumber, Postcode};

const FIXTURE: Fixture = Fixture("v2-store");

/// Every leaf of `old` (a version 2 document) is at the same path in `new`: equal, in its
/// normalised form, or (the yes/no values version 3 answers yes / no / not known) as "yes"/"no".
fn assert_nothing_lost(old: &Value, new: &Value, path: &str) {
    match old {
        Value::Object(map) => {
            for (k, v) in map {
                assert!(new.get(k).is_some() || v.is_null(), "{path}.{k} lost");
                assert_nothing_lost(v, &new[k.as_str()], &format!("{path}.{k}"));
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                assert_nothing_lost(v, &new[i], &format!("{path}[{i}]"));
            }
        }
        Value::Bool(b) if !new.is_boolean() => {
            let answer = if *b { "yes" } else { "no" };
            assert_eq!(new.as_str(), Some(answer), "{path} changed");
        }
        Value::String(s) if new.as_str() != Some(s) => {
            let normalised = [
                PhoneNumber::parse(s).as_str().to_string(),
                Postcode::parse(s).as_str().to_string(),
            ];
            assert!(
                normalised.iter().any(|n| new.as_str() == Some(n)),
                "{path} changed"
            );
        }
        other => assert_eq!(other, new, "{path} changed"),
    }
}

#[test]
fn a_version_2_draft_opens_migrated_with_nothing_typed_lost() {
    let (_dir, store) = FIXTURE.open_copy();
    let id = FIXTURE.ids()["draft_id"].as_str().unwrap().to_string();
    let referral = store.load_draft(id).unwrap();
    assert_eq!(referral.schema_version, SCHEMA_VERSION);

    let mut typed: Value = serde_json::from_str(&FIXTURE.text("draft-v2.json")).unwrap();
    let mut now: Value = serde_json::to_value(&referral).unwrap();
    typed["schema_version"] = Value::Null;
    now["schema_version"] = Value::Null;
    assert_nothing_lost(&typed, &now, "referral");

    // The confidential address is kept beside its care-of address, never dropped.
    assert_eq!(referral.victim.address_confidential, Some(true));
    assert!(referral.victim.address.is_some());
    assert!(referral.victim.care_of_address.is_some());
    // Booleans that are answers now.
    let flags = referral.risk.flags.as_ref().unwrap();
    assert_eq!(flags.stalking, Some(Answer::Yes));
    assert_eq!(flags.weapons, Some(Answer::No));
    assert_eq!(flags.honour_based_abuse, None);
    assert_eq!(
        referral.childrens_social_care.as_ref().unwrap().involved,
        Some(Answer::No)
    );
}

#[test]
fn a_migrated_version_2_draft_saves_as_the_current_version() {
    let (dir, store) = FIXTURE.open_copy();
    let id = FIXTURE.ids()["draft_id"].as_str().unwrap().to_string();
    let referral = store.load_draft(id.clone()).unwrap();
    store
        .save_draft(
            Some(id.clone()),
            referral.clone(),
            FIXTURE.written_at() + Duration::hours(2),
        )
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
fn a_version_2_referral_in_the_outbox_is_delivered_byte_identical_and_checked_by_v2_rules() {
    let (_dir, store) = FIXTURE.open_copy();
    let referral_id = FIXTURE.ids()["referral_id"].as_str().unwrap().to_string();
    let due = store
        .due_for_delivery(FIXTURE.written_at() + Duration::hours(1), 10)
        .unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].referral_id, referral_id);
    let written_by_v2 = std::fs::read(FIXTURE.path("sealed-v2.bin")).unwrap();
    assert!(due[0].sealed == written_by_v2, "the sealed bytes changed");

    let sk = FIXTURE.service_key();
    let opened = envelope::open(&sk, &due[0].sealed).unwrap();
    assert_eq!(opened.schema_version, 2);
    let plaintext = std::str::from_utf8(&opened.plaintext).unwrap();
    let read = read_referral(plaintext).unwrap();
    assert_eq!(read.source_version, 2);
    let rules = Rules::for_version(opened.schema_version).unwrap();
    assert_eq!(rules, Rules::V2);
    validate_for_submission_with(&read.referral, rules, FIXTURE.written_at()).unwrap();
    assert!(store.load_submitted(referral_id).unwrap() == read.referral);
}
