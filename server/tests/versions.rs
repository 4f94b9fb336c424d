//! The intake server reads referral schema versions 1 and 2, and checks each by its own rules.

mod common;

use common::*;
use reqwest::StatusCode;
use serde_json::{Value, json};
use weprotect_core::crypto::{ServicePublicKey, seal};
use weprotect_core::example::EXAMPLE_REFERRAL_JSON;
use weprotect_server::referral_count;

fn v1_fixture(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../core/fixtures/v1-store")
        .join(name)
}

fn seal_version(
    service: &weprotect_core::config::ServiceConfig,
    id: &str,
    version: u32,
    json: &str,
) -> Vec<u8> {
    let pk = ServicePublicKey::new(service.key_id.clone(), &service.public_key).unwrap();
    seal(&pk, id, version, json.as_bytes()).unwrap()
}

fn codes(body: &Value) -> Vec<String> {
    body["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["code"].as_str().unwrap().to_string())
        .collect()
}

/// A server holding the service key a fixture store's referral was sealed to receives the
/// envelope that phone queued, byte for byte, and keeps the document in its own version.
async fn the_envelope_a_phone_queued_is_received(store: &str, version: u32) {
    let (h, id, sealed) = fixture_harness(store, version).await;
    let response = h.submit(&id, sealed).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    // The service keeps the document as the phone wrote it, in its own version.
    let stored = weprotect_server::read_referral(h.dir.path(), &id).unwrap();
    let read = weprotect_core::validation::read_referral(&stored).unwrap();
    assert_eq!(read.source_version, version);
    h.server.shutdown().await;
}

#[tokio::test]
async fn the_envelope_a_version_1_phone_queued_is_received() {
    the_envelope_a_phone_queued_is_received("v1-store", 1).await;
}

#[tokio::test]
async fn the_envelope_a_version_2_phone_queued_is_received_and_checked_by_v2_rules() {
    the_envelope_a_phone_queued_is_received("v2-store", 2).await;
}

/// A version 1 document that version 1's rules accept but version 2's refuse: a risk level
/// below the answers' level with a rationale, a collar number for a charity worker.
fn v1_valid_v2_invalid() -> String {
    let fixture = std::fs::read_to_string(v1_fixture("submitted-v1.json")).unwrap();
    let mut doc: Value = serde_json::from_str(&fixture).unwrap();
    for answer in doc["risk"]["answers"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .take(14)
    {
        answer["answer"] = json!("yes");
    }
    doc["risk"]["officer_level"] = json!("medium");
    doc["risk"]["rationale"] = json!("Victim has moved away (fictional)");
    doc["referrer"]["organisation_type"] = json!("charity");
    doc["referrer"]["organisation_id"] = json!("example-charity");
    doc.to_string()
}

#[tokio::test]
async fn each_version_is_validated_by_its_own_rules() {
    let h = harness(|_| {}).await;
    let service = h.server.service_config();

    let id = new_id();
    let v1 = v1_valid_v2_invalid();
    let response = h.submit(&id, seal_version(&service, &id, 1, &v1)).await;
    assert_eq!(response.status(), StatusCode::CREATED);

    // The same content as a version 2 document breaks two version 2 rules.
    let mut v2: Value = serde_json::from_str(&v1).unwrap();
    v2["schema_version"] = json!(2);
    v2["incident"]["existing_orders"] = json!([]);
    let id = new_id();
    let body = error_code(
        h.submit(&id, seal_version(&service, &id, 2, &v2.to_string()))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let found = codes(&body);
    for code in [
        "risk.level_below_answers",
        "referrer.collar_number_not_police",
        "referrer.rank_not_police",
    ] {
        assert!(found.iter().any(|c| c == code), "{code}: {body}");
    }

    // A version 2 referral written by the version 2 code is accepted by the version 2 rules.
    let v2_written = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../core/fixtures/v2-store/submitted-v2.json"),
    )
    .unwrap();
    let id = new_id();
    let response = h
        .submit(&id, seal_version(&service, &id, 2, &v2_written))
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);

    // The current example is a valid version 3 referral.
    let id = new_id();
    let response = h
        .submit(&id, seal_version(&service, &id, 3, EXAMPLE_REFERRAL_JSON))
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);

    // The same v2 content as a version 3 document breaks a version 3 rule (a child listed
    // without the DA Act s.3 question), and the answer lists each finding with its kind.
    let mut v3: Value = serde_json::from_str(&v2_written).unwrap();
    v3["schema_version"] = json!(3);
    for flag in [
        "non_fatal_strangulation",
        "stalking",
        "coercive_control",
        "forced_marriage",
        "threats_to_kill",
        "weapons",
    ] {
        let yes = v3["risk"]["flags"][flag].as_bool().unwrap();
        v3["risk"]["flags"][flag] = json!(if yes { "yes" } else { "no" });
    }
    v3["childrens_social_care"]["involved"] = json!("yes");
    let id = new_id();
    let body = error_code(
        h.submit(&id, seal_version(&service, &id, 3, &v3.to_string()))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(
        codes(&body)
            .iter()
            .any(|c| c == "child.s3_question_required"),
        "{body}"
    );
    for p in body["problems"].as_array().unwrap() {
        assert_eq!(p["kind"], "error");
    }
}

#[tokio::test]
async fn the_header_and_the_document_must_agree_on_the_version() {
    let h = harness(|_| {}).await;
    let service = h.server.service_config();
    let id = new_id();
    // A version 3 document in an envelope that says version 1.
    let body = error_code(
        h.submit(&id, seal_version(&service, &id, 1, EXAMPLE_REFERRAL_JSON))
            .await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(body["code"], "referral.unknown_schema_version");
    let id = new_id();
    let body = error_code(
        h.submit(&id, seal_version(&service, &id, 2, EXAMPLE_REFERRAL_JSON))
            .await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(body["code"], "referral.unknown_schema_version");
    assert_eq!(referral_count(h.dir.path()).unwrap(), 0);
}
