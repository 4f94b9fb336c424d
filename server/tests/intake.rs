//! End-to-end behaviour of the intake API against a real server on loopback.
//!
//! The same suite runs on PostgreSQL as `intake_postgres` (see `common::on_postgres`).

mod common;

use chrono::{TimeZone, Utc};
use common::*;
use reqwest::StatusCode;
use serde_json::{Value, json};
use weprotect_core::example::EXAMPLE_REFERRAL_JSON;
use weprotect_server::{Receipt, ReferralStatus, ServerConfig};

#[tokio::test]
async fn a_first_submission_is_created_with_a_receipt() {
    let h = harness(|_| {}).await;
    let id = new_id();
    let response = h
        .submit(&id, sealed_example(&h.server.service_config(), &id))
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(
        response.headers()["location"],
        format!("/v1/referrals/{id}/status").as_str()
    );
    let receipt: Receipt = response.json().await.unwrap();
    assert_eq!(receipt.referral_id, id);
    assert!(receipt.service_reference.starts_with("WP-20"));
    assert!((Utc::now() - receipt.received_at).num_seconds().abs() < 60);
    assert_eq!(referral_count(h.dir.path()).unwrap(), 1);
    // What is stored is what the device sealed.
    assert_eq!(
        read_referral(h.dir.path(), &id).unwrap(),
        EXAMPLE_REFERRAL_JSON
    );
}

#[tokio::test]
async fn service_references_are_unique_and_sequential() {
    let h = harness(|_| {}).await;
    let mut references = Vec::new();
    for _ in 0..3 {
        let id = new_id();
        let response = h
            .submit(&id, sealed_example(&h.server.service_config(), &id))
            .await;
        let receipt: Receipt = response.json().await.unwrap();
        references.push(receipt.service_reference);
    }
    let year = Utc::now().format("%Y");
    assert_eq!(
        references,
        vec![
            format!("WP-{year}-000001"),
            format!("WP-{year}-000002"),
            format!("WP-{year}-000003")
        ]
    );
}

#[tokio::test]
async fn replaying_the_same_bytes_returns_the_same_receipt_and_keeps_one_record() {
    let h = harness(|_| {}).await;
    let id = new_id();
    let body = sealed_example(&h.server.service_config(), &id);
    let first: Receipt = h.submit(&id, body.clone()).await.json().await.unwrap();
    for _ in 0..3 {
        let again = h.submit(&id, body.clone()).await;
        assert_eq!(again.status(), StatusCode::OK);
        assert_eq!(again.headers()["idempotent-replayed"], "true");
        assert_eq!(again.json::<Receipt>().await.unwrap(), first);
    }
    assert_eq!(referral_count(h.dir.path()).unwrap(), 1);
}

#[tokio::test]
async fn racing_first_submissions_of_one_referral_give_one_record_and_one_receipt() {
    let h = harness(|_| {}).await;
    let id = new_id();
    let body = sealed_example(&h.server.service_config(), &id);
    let tasks: Vec<_> = (0..8).map(|_| h.spawn_submit(&id, body.clone())).collect();
    let mut created = 0;
    let mut receipts_seen = Vec::new();
    for task in tasks {
        let (status, receipt) = task.await.unwrap();
        created += usize::from(status == StatusCode::CREATED);
        receipts_seen.push(receipt);
    }
    assert_eq!(created, 1);
    assert!(receipts_seen.windows(2).all(|w| w[0] == w[1]));
    assert_eq!(referral_count(h.dir.path()).unwrap(), 1);
}

#[tokio::test]
async fn many_referrals_at_once_each_get_one_record_and_every_answer_is_on_disk() {
    // Submissions that arrive together may share one commit (group commit on SQLite); each
    // must still be recorded once, replays of it answered with its receipt, references stay
    // unique, and every receipt answered is in the database.
    let h = harness(|c| c.limits.per_token = None).await;
    let service = h.server.service_config();
    let ids: Vec<String> = (0..24).map(|_| new_id()).collect();
    let mut tasks = Vec::new();
    for id in &ids {
        let body = sealed_example(&service, id);
        for _ in 0..2 {
            tasks.push((id.clone(), h.spawn_submit(id, body.clone())));
        }
    }
    let mut answered = std::collections::BTreeMap::<String, Vec<(StatusCode, Receipt)>>::new();
    for (id, task) in tasks {
        let (status, receipt) = task.await.unwrap();
        answered.entry(id).or_default().push((status, receipt));
    }
    for answers in answered.values() {
        let created = answers
            .iter()
            .filter(|(s, _)| *s == StatusCode::CREATED)
            .count();
        assert_eq!(created, 1, "{answers:?}");
        assert!(answers.iter().all(|(s, _)| s.is_success()));
        assert_eq!(answers[0].1, answers[1].1);
    }
    let stored = receipts(h.dir.path()).unwrap();
    assert_eq!(stored.len(), ids.len());
    for receipt in &stored {
        assert_eq!(answered[&receipt.referral_id][0].1, *receipt);
    }
    // Unique (PostgreSQL's sequence may skip a number a racing duplicate drew).
    let mut references: Vec<String> = stored.into_iter().map(|r| r.service_reference).collect();
    references.sort();
    references.dedup();
    assert_eq!(references.len(), ids.len());
}

#[tokio::test]
async fn the_same_key_with_different_bytes_is_refused_as_reused() {
    let h = harness(|_| {}).await;
    let id = new_id();
    let service = h.server.service_config();
    assert_eq!(
        h.submit(&id, sealed_example(&service, &id)).await.status(),
        StatusCode::CREATED
    );
    // Sealing again gives other bytes, exactly what a device must never do on retry.
    let body = error_code(
        h.submit(&id, sealed_example(&service, &id)).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(body["code"], "idempotency_key.reused");
    assert_eq!(referral_count(h.dir.path()).unwrap(), 1);
}

#[tokio::test]
async fn missing_unknown_and_revoked_tokens_are_unauthorised() {
    let h = harness(|_| {}).await;
    let service = h.server.service_config();
    let url = h.server.url();
    let id = new_id();
    let body = sealed_example(&service, &id);

    let missing = submit(&h.client, &url, None, Some(&id), body.clone()).await;
    assert!(missing.headers().contains_key("www-authenticate"));
    assert_eq!(
        error_code(missing, StatusCode::UNAUTHORIZED).await["code"],
        "auth.missing_token"
    );
    let unknown = submit(&h.client, &url, Some("wpt_0000"), Some(&id), body.clone()).await;
    assert_eq!(
        error_code(unknown, StatusCode::UNAUTHORIZED).await["code"],
        "auth.invalid_token"
    );

    let device = issue_token(h.dir.path(), "soon revoked").unwrap();
    revoke_token(h.dir.path(), &device.id).unwrap();
    let revoked = submit(&h.client, &url, Some(&device.token), Some(&id), body).await;
    assert_eq!(
        error_code(revoked, StatusCode::UNAUTHORIZED).await["code"],
        "auth.invalid_token"
    );
    assert_eq!(
        h.status(&id, &device.token).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(referral_count(h.dir.path()).unwrap(), 0);
}

#[tokio::test]
async fn a_body_over_the_limit_is_too_large() {
    let h = harness(|c| c.max_body_bytes = 1024).await;
    let id = new_id();
    let body = sealed_example(&h.server.service_config(), &id);
    assert!(body.len() > 1024);
    let response = h.submit(&id, body).await;
    assert_eq!(
        error_code(response, StatusCode::PAYLOAD_TOO_LARGE).await["code"],
        "body.too_large"
    );
    assert_eq!(referral_count(h.dir.path()).unwrap(), 0);
}

#[tokio::test]
async fn malformed_submissions_are_bad_requests_with_stable_codes() {
    let h = harness(|_| {}).await;
    let service = h.server.service_config();
    let url = h.server.url();
    let id = new_id();

    let no_key = submit(
        &h.client,
        &url,
        Some(&h.token),
        None,
        sealed_example(&service, &id),
    )
    .await;
    let other_id = new_id();
    let wrong_key = h.submit(&other_id, sealed_example(&service, &id)).await;
    let garbage = h.submit(&id, b"not an envelope".to_vec()).await;
    let not_json = h
        .submit(
            &id,
            seal_json(&service, &id, "Jamie Testperson, 1 Example Street"),
        )
        .await;
    let old_schema = h
        .submit(&id, seal_json(&service, &id, r#"{"schema_version": 99}"#))
        .await;
    let mut stranger = service.clone();
    stranger.key_id = "someone-else".into();
    let unknown_service_key = h.submit(&id, sealed_example(&stranger, &id)).await;
    // Right key id, wrong key: as if the device held a stale public key.
    let (_, other_public) =
        weprotect_core::crypto::ServicePrivateKey::generate(service.key_id.clone()).unwrap();
    let mut stale = service.clone();
    stale.public_key = other_public.to_hex();
    let undecryptable = h.submit(&id, sealed_example(&stale, &id)).await;

    for (response, code) in [
        (no_key, "idempotency_key.missing"),
        (wrong_key, "idempotency_key.mismatch"),
        (garbage, "envelope.malformed"),
        (not_json, "referral.not_json"),
        (old_schema, "referral.unknown_schema_version"),
        (unknown_service_key, "envelope.unknown_key"),
        (undecryptable, "envelope.undecryptable"),
    ] {
        let text = response_text(response, StatusCode::BAD_REQUEST).await;
        let body: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(body["code"], code, "{text}");
        assert!(CANARIES.iter().all(|c| !text.contains(c)), "{text}");
    }
    assert_eq!(referral_count(h.dir.path()).unwrap(), 0);
}

async fn response_text(response: reqwest::Response, status: StatusCode) -> String {
    assert_eq!(response.status(), status);
    response.text().await.unwrap()
}

#[tokio::test]
async fn an_invalid_referral_is_unprocessable_with_paths_and_codes_but_no_personal_data() {
    let h = harness(|_| {}).await;
    let service = h.server.service_config();
    let mut referral: Value = serde_json::from_str(EXAMPLE_REFERRAL_JSON).unwrap();
    referral["safe_contact"]["phone"] = json!("CANARY-PHONE-12");
    referral["referrer"]["email"] = json!("CANARY-not-an-email");
    referral["consent"]["given"] = json!(false);
    let id = new_id();
    let response = h
        .submit(&id, seal_json(&service, &id, &referral.to_string()))
        .await;
    let text = response_text(response, StatusCode::UNPROCESSABLE_ENTITY).await;
    let body: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(body["code"], "referral.invalid");
    let problems = body["problems"].as_array().unwrap();
    let paths: Vec<&str> = problems
        .iter()
        .map(|p| p["path"].as_str().unwrap())
        .collect();
    assert!(paths.contains(&"safe_contact.phone"), "{text}");
    assert!(paths.contains(&"referrer.email"), "{text}");
    assert!(paths.contains(&"consent.given"), "{text}");
    for problem in problems {
        let keys: Vec<&String> = problem.as_object().unwrap().keys().collect();
        assert_eq!(
            keys,
            ["code", "kind", "path"],
            "only path, code and kind travel: {text}"
        );
        assert_eq!(problem["kind"], "error", "a refusal lists errors only");
    }
    assert!(!text.contains("CANARY"), "{text}");
    assert!(CANARIES.iter().all(|c| !text.contains(c)), "{text}");
    assert_eq!(referral_count(h.dir.path()).unwrap(), 0);

    // A shape error (wrong type) is reported the same way.
    let mut referral: Value = serde_json::from_str(EXAMPLE_REFERRAL_JSON).unwrap();
    referral["victim"]["interpreter_required"] = json!("CANARY");
    let id = new_id();
    let response = h
        .submit(&id, seal_json(&service, &id, &referral.to_string()))
        .await;
    let text = response_text(response, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(text.contains("victim.interpreter_required"), "{text}");
    assert!(!text.contains("CANARY"), "{text}");
}

#[tokio::test]
async fn a_referral_with_a_key_given_twice_is_refused_with_its_path_and_not_stored() {
    let h = harness(|_| {}).await;
    let doc: Value = serde_json::from_str(EXAMPLE_REFERRAL_JSON).unwrap();
    // `consent.given` twice: a reader keeping the first value would act on a consent the
    // device's checks never saw.
    let twice = doc
        .to_string()
        .replacen("\"consent\":{", "\"consent\":{\"given\":false,", 1);
    assert_ne!(twice, doc.to_string());
    let id = new_id();
    let response = h
        .submit(&id, seal_json(&h.server.service_config(), &id, &twice))
        .await;
    let body = error_code(response, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(body["code"], "referral.invalid");
    assert_eq!(
        body["problems"],
        json!([{"path": "consent.given", "code": "document.duplicate_key", "kind": "error"}])
    );
    assert_eq!(referral_count(h.dir.path()).unwrap(), 0);
}

#[tokio::test]
async fn a_device_clock_a_little_fast_is_tolerated_but_a_gross_future_time_is_not() {
    let h = harness(|_| {}).await;
    let service = h.server.service_config();
    let submit_at = |ahead: chrono::TimeDelta| {
        let mut referral: Value = serde_json::from_str(EXAMPLE_REFERRAL_JSON).unwrap();
        let at = (Utc::now() + ahead).to_rfc3339();
        referral["incident"]["occurred_at"] = json!(at);
        referral["consent"]["obtained_at"] = json!(at);
        // The example's perpetrator was released before its own incident time.
        referral["perpetrator"]["custody"] = Value::Null;
        let id = new_id();
        let body = seal_json(&service, &id, &referral.to_string());
        (id, body)
    };

    // A phone 30 minutes fast: past core's 5-minute skew, within the server's tolerance.
    let (id, body) = submit_at(chrono::TimeDelta::minutes(30));
    assert_eq!(h.submit(&id, body).await.status(), StatusCode::CREATED);

    // Three hours ahead is not drift: refused, with the paths and codes.
    let (id, body) = submit_at(chrono::TimeDelta::hours(3));
    let body = error_code(h.submit(&id, body).await, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(body["code"], "referral.invalid");
    let codes: Vec<&str> = body["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"incident.in_future"), "{body}");
    assert_eq!(referral_count(h.dir.path()).unwrap(), 1);
}

#[tokio::test]
async fn the_sender_reads_the_status_history_after_an_advisor_acts() {
    let h = harness(|_| {}).await;
    let id = new_id();
    let receipt: Receipt = h
        .submit(&id, sealed_example(&h.server.service_config(), &id))
        .await
        .json()
        .await
        .unwrap();
    let assigned_at = Utc::now();
    add_status(
        h.dir.path(),
        &id,
        ReferralStatus::AdvisorAssigned,
        assigned_at,
    )
    .unwrap();
    add_status(
        h.dir.path(),
        &id,
        ReferralStatus::VictimContacted,
        assigned_at,
    )
    .unwrap();

    let response = h.status(&id, &h.token).await;
    assert_eq!(response.status(), StatusCode::OK);
    let history: Value = response.json().await.unwrap();
    let statuses: Vec<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        ["received", "advisor_assigned", "victim_contacted"]
    );
    assert_eq!(
        history[0]["at"].as_str().unwrap(),
        serde_json::to_value(receipt.received_at).unwrap()
    );
    for entry in history.as_array().unwrap() {
        assert_eq!(entry.as_object().unwrap().len(), 2, "only status and at");
    }
}

#[tokio::test]
async fn another_token_cannot_read_a_referrals_status() {
    let h = harness(|_| {}).await;
    let id = new_id();
    h.submit(&id, sealed_example(&h.server.service_config(), &id))
        .await;
    let other = issue_token(h.dir.path(), "other device").unwrap();
    let theirs = h.status(&id, &other.token).await;
    let unknown = h.status(&new_id(), &h.token).await;
    // Not yours and does not exist look the same.
    assert_eq!(
        error_code(theirs, StatusCode::NOT_FOUND).await["code"],
        "referral.not_found"
    );
    assert_eq!(
        error_code(unknown, StatusCode::NOT_FOUND).await["code"],
        "referral.not_found"
    );
}

#[tokio::test]
async fn many_statuses_are_read_in_one_request_and_only_the_senders_own() {
    let h = harness(|_| {}).await;
    let (mine, theirs) = (new_id(), new_id());
    h.submit(&mine, sealed_example(&h.server.service_config(), &mine))
        .await;
    let other = issue_token(h.dir.path(), "other device").unwrap();
    submit(
        &h.client,
        &h.server.url(),
        Some(&other.token),
        Some(&theirs),
        sealed_example(&h.server.service_config(), &theirs),
    )
    .await;
    let query = |token: String, body: serde_json::Value| {
        h.client
            .post(format!("{}/v1/referrals/statuses", h.server.url()))
            .bearer_auth(token)
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
    };
    // Another label's referral and an unknown id are both simply absent.
    let ids = serde_json::json!({ "referral_ids": [mine, theirs, new_id(), mine] });
    let response = query(h.token.clone(), ids).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body: serde_json::Value = response.json().await.unwrap();
    let statuses = body["statuses"].as_array().unwrap();
    assert_eq!(statuses.len(), 1, "{body}");
    assert_eq!(statuses[0]["referral_id"], mine.as_str());
    assert_eq!(statuses[0]["history"][0]["status"], "received");

    for (body, code) in [
        (
            serde_json::json!({ "referral_ids": [] }),
            "status_query.invalid",
        ),
        (
            serde_json::json!({ "referral_ids": vec![mine.clone(); 101] }),
            "status_query.invalid",
        ),
        (serde_json::json!({ "ids": [mine] }), "status_query.invalid"),
        (
            serde_json::json!({ "referral_ids": ["NOT-A-UUID"] }),
            "referral_id.invalid",
        ),
    ] {
        let response = query(h.token.clone(), body).await.unwrap();
        assert_eq!(
            error_code(response, StatusCode::BAD_REQUEST).await["code"],
            code
        );
    }
    let response = query(
        "wpt_guess".into(),
        serde_json::json!({ "referral_ids": [mine] }),
    )
    .await
    .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn submit_does_not_tell_another_sender_whether_a_referral_id_exists() {
    let h = harness(|_| {}).await;
    let known = new_id();
    h.submit(&known, sealed_example(&h.server.service_config(), &known))
        .await;
    let other = issue_token(h.dir.path(), "other device").unwrap();
    let service = h.server.service_config();
    // Bodies that are not a valid referral, sent under a known id and an unknown one: the
    // same answer (before issue 21: 422 `idempotency_key.reused` against 400 or 422 `referral.*`).
    for body in ["{not json", "{}"] {
        let unknown = new_id();
        let on_known = submit(
            &h.client,
            &h.server.url(),
            Some(&other.token),
            Some(&known),
            seal_json(&service, &known, body),
        )
        .await;
        let on_unknown = submit(
            &h.client,
            &h.server.url(),
            Some(&other.token),
            Some(&unknown),
            seal_json(&service, &unknown, body),
        )
        .await;
        assert_eq!(on_known.status(), on_unknown.status(), "{body}");
        let (known_code, unknown_code): (serde_json::Value, serde_json::Value) = (
            on_known.json().await.unwrap(),
            on_unknown.json().await.unwrap(),
        );
        assert_eq!(known_code["code"], unknown_code["code"], "{body}");
    }
    let on_known = submit(
        &h.client,
        &h.server.url(),
        Some(&other.token),
        Some(&known),
        b"garbage".to_vec(),
    )
    .await;
    let on_unknown = submit(
        &h.client,
        &h.server.url(),
        Some(&other.token),
        Some(&new_id()),
        b"garbage".to_vec(),
    )
    .await;
    assert_eq!(on_known.status(), StatusCode::BAD_REQUEST);
    assert_eq!(on_unknown.status(), StatusCode::BAD_REQUEST);
    // Nothing was added.
    assert_eq!(referral_count(h.dir.path()).unwrap(), 1);
}

#[tokio::test]
async fn a_device_that_signed_in_again_gets_its_receipt_and_status_with_the_new_token() {
    let h = harness(|_| {}).await;
    let id = new_id();
    let body = sealed_example(&h.server.service_config(), &id);
    let first: Receipt = h.submit(&id, body.clone()).await.json().await.unwrap();
    revoke_token(h.dir.path(), &h.token).unwrap();
    // Same device, new sign-in: a new token with the same label.
    let fresh = issue_token(h.dir.path(), "test device").unwrap();
    let again = submit(
        &h.client,
        &h.server.url(),
        Some(&fresh.token),
        Some(&id),
        body,
    )
    .await;
    assert_eq!(again.status(), StatusCode::OK);
    assert_eq!(again.json::<Receipt>().await.unwrap(), first);
    assert_eq!(h.status(&id, &fresh.token).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_replay_by_another_sender_gets_no_receipt_and_no_status() {
    let h = harness(|_| {}).await;
    let id = new_id();
    let body = sealed_example(&h.server.service_config(), &id);
    let first: Receipt = h.submit(&id, body.clone()).await.json().await.unwrap();
    let stranger = issue_token(h.dir.path(), "another device").unwrap();
    for _ in 0..2 {
        let replay = submit(
            &h.client,
            &h.server.url(),
            Some(&stranger.token),
            Some(&id),
            body.clone(),
        )
        .await;
        assert!(replay.headers().get("location").is_none());
        let text = response_text(replay, StatusCode::CONFLICT).await;
        assert!(text.contains("referral.other_sender"), "{text}");
        assert!(!text.contains(&first.service_reference), "{text}");
        assert_eq!(
            h.status(&id, &stranger.token).await.status(),
            StatusCode::NOT_FOUND
        );
    }
    // The sender keeps getting its receipt.
    let again = h.submit(&id, body).await;
    assert_eq!(again.status(), StatusCode::OK);
    assert_eq!(again.json::<Receipt>().await.unwrap(), first);
}

#[tokio::test]
async fn a_referral_id_that_is_not_a_canonical_uuid_is_refused_and_never_echoed() {
    let lines = weprotect_server::LogLines::new();
    let log = lines.clone();
    let h = harness(|c| c.log = weprotect_server::LogTarget::Memory(log)).await;
    let service = h.server.service_config();
    let good = new_id();
    for bad in [
        "CANARY-not-a-uuid".to_string(),
        good.to_uppercase(),
        good.replace('-', ""),
        format!("{{{good}}}"),
        format!("{good}/../x"),
    ] {
        let response = h.submit(&bad, sealed_example(&service, &good)).await;
        assert!(response.headers().get("location").is_none());
        let text = response_text(response, StatusCode::BAD_REQUEST).await;
        assert!(text.contains("idempotency_key.invalid"), "{text}");
        assert!(!text.contains("CANARY"), "{text}");
    }
    let response = h
        .client
        .get(format!(
            "{}/v1/referrals/CANARY-not-a-uuid/status",
            h.server.url()
        ))
        .bearer_auth(&h.token)
        .send()
        .await
        .unwrap();
    let text = response_text(response, StatusCode::BAD_REQUEST).await;
    assert!(text.contains("referral_id.invalid"), "{text}");
    assert_eq!(referral_count(h.dir.path()).unwrap(), 0);
    assert!(!lines.lines().is_empty());
    assert!(lines.lines().iter().all(|l| !l.contains("CANARY")));
}

#[tokio::test]
async fn a_new_token_with_the_senders_label_reads_the_status_without_resending() {
    let h = harness(|_| {}).await;
    let id = new_id();
    let sent = h
        .submit(&id, sealed_example(&h.server.service_config(), &id))
        .await;
    assert_eq!(sent.status(), StatusCode::CREATED);
    // The officer signs in again: the old token is revoked, a new one has the same label.
    revoke_token(h.dir.path(), &h.token).unwrap();
    let fresh = issue_token(h.dir.path(), "test device").unwrap();
    let response = h.status(&id, &fresh.token).await;
    assert_eq!(response.status(), StatusCode::OK);
    let history: Value = response.json().await.unwrap();
    assert_eq!(history[0]["status"], "received");

    // Another label, or a label that only starts the same, is a stranger: 404.
    for label in ["other device", "test device 2"] {
        let other = issue_token(h.dir.path(), label).unwrap();
        assert_eq!(
            error_code(h.status(&id, &other.token).await, StatusCode::NOT_FOUND).await["code"],
            "referral.not_found",
            "{label:?}"
        );
    }
}

/// Labels that look like another label on screen (issue 21): Arabic letter mark, word joiner,
/// combining grapheme joiner, variation selector 16, Mongolian vowel separator, tag characters,
/// soft hyphen, Hangul filler.
const INVISIBLE: &[&str] = &[
    "device\u{061c} 17",
    "device\u{2060} 17",
    "device\u{034f} 17",
    "device 17\u{fe0f}",
    "device\u{180e} 17",
    "device 17\u{e0041}\u{e007f}",
    "dev\u{00ad}ice 17",
    "device\u{3164}17",
];

#[test]
fn a_token_needs_a_label_naming_its_device() {
    let dir = tempfile::tempdir().unwrap();
    for blank in ["", "   "] {
        assert!(matches!(
            issue_token(dir.path(), blank),
            Err(weprotect_server::ServerError::BlankLabel)
        ));
    }
    let long = "d".repeat(weprotect_server::MAX_LABEL_CHARS + 1);
    for bad in [
        "device\n17",
        "device\u{7}",
        "evil\u{202e}71 ecived",
        long.as_str(),
    ]
    .into_iter()
    .chain(INVISIBLE.iter().copied())
    {
        assert!(
            matches!(
                issue_token(dir.path(), bad),
                Err(weprotect_server::ServerError::BadLabel)
            ),
            "{bad:?}"
        );
    }
    assert_eq!(list_tokens(dir.path()).unwrap().len(), 0);
    let fine = "force-x device 17 (Sgt's phone) é";
    issue_token(dir.path(), fine).unwrap();
    issue_token(dir.path(), &"d".repeat(weprotect_server::MAX_LABEL_CHARS)).unwrap();
    assert_eq!(list_tokens(dir.path()).unwrap()[0].label, fine);
}

#[tokio::test]
async fn a_used_database_whose_service_key_is_missing_refuses_to_start() {
    let h = harness(|_| {}).await;
    let id = new_id();
    let sealed = sealed_example(&h.server.service_config(), &id);
    assert_eq!(h.submit(&id, sealed).await.status(), StatusCode::CREATED);
    let Harness { dir, server, .. } = h;
    server.shutdown().await;
    let key = dir.path().join(weprotect_server::SERVICE_KEY_FILE);
    let saved = std::fs::read(&key).unwrap();
    std::fs::remove_file(&key).unwrap();

    let refused = start(ServerConfig::new(dir.path())).await;
    let Err(error) = refused else {
        panic!("started without its service key")
    };
    assert!(matches!(
        error,
        weprotect_server::ServerError::MissingServiceKey(_)
    ));
    assert!(error.to_string().contains("restore"), "{error}");
    assert!(!key.exists(), "no new key made in silence");

    // With the key restored (as it was copied out, 0644), it starts and tightens the file.
    std::fs::write(&key, saved).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    let server = start(ServerConfig::new(dir.path())).await.unwrap();
    assert_eq!(referral_count(dir.path()).unwrap(), 1);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    server.shutdown().await;
}

#[tokio::test]
async fn a_lost_service_key_is_not_replaced_because_retired_keys_are_kept() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(ServerConfig::new(dir.path())).await.unwrap();
    let first = server.service_config().key_id;
    server.shutdown().await;
    // A deliberate rotation: the current key is moved into old_service_keys/.
    let key = dir.path().join(weprotect_server::SERVICE_KEY_FILE);
    let old = dir.path().join(weprotect_server::OLD_SERVICE_KEYS_DIR);
    std::fs::create_dir(&old).unwrap();
    std::fs::rename(&key, old.join("first.json")).unwrap();
    let server = start(ServerConfig::new(dir.path())).await.unwrap();
    let second = server.service_config().key_id;
    assert_ne!(first, second, "a rotation makes a new key");
    server.shutdown().await;

    // Then the new current key is lost: old_service_keys/ still holds the first one, but the
    // second is not there, so this is a loss, not a rotation.
    std::fs::remove_file(&key).unwrap();
    let refused = start(ServerConfig::new(dir.path())).await;
    let Err(error) = refused else {
        panic!("a lost service key was replaced in silence")
    };
    assert!(matches!(
        error,
        weprotect_server::ServerError::MissingServiceKey(_)
    ));
    assert!(!key.exists(), "no new key made in silence");
}

#[cfg(unix)]
#[tokio::test]
async fn the_data_directory_is_0700_and_the_database_and_its_wal_are_0600() {
    use std::os::unix::fs::PermissionsExt;
    let parent = tempfile::tempdir().unwrap();
    let dir = parent.path().join("intake");
    // An operator made the directory with the usual umask.
    std::fs::create_dir(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    let server = start(ServerConfig::new(&dir)).await.unwrap();
    let token = issue_token(&dir, "test device").unwrap().token;
    let id = new_id();
    let response = submit(
        &client(),
        &server.url(),
        Some(&token),
        Some(&id),
        sealed_example(&server.service_config(), &id),
    )
    .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&dir), 0o700);
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if name == "service.json" {
            continue; // public: the endpoint and the public key
        }
        assert_eq!(mode(&path), 0o600, "{name}");
        checked += 1;
    }
    if on_postgres() {
        // The records are in PostgreSQL; the directory holds the two key files.
        assert!(checked >= 2, "{checked}");
    } else {
        assert!(dir.join("intake.sqlite3-wal").exists());
        assert!(checked >= 5, "{checked}");
    }
    server.shutdown().await;
}

#[tokio::test]
async fn records_receipts_and_statuses_survive_a_restart() {
    let h = harness(|_| {}).await;
    let id = new_id();
    let service = h.server.service_config();
    let body = sealed_example(&service, &id);
    let first: Receipt = h.submit(&id, body.clone()).await.json().await.unwrap();
    add_status(
        h.dir.path(),
        &id,
        ReferralStatus::Closed,
        Utc.with_ymd_and_hms(2030, 1, 1, 0, 0, 0).unwrap(),
    )
    .unwrap();
    let Harness {
        dir,
        server,
        token,
        client,
    } = h;
    server.shutdown().await;

    let server = start(ServerConfig::new(dir.path())).await.unwrap();
    let again = server.service_config();
    assert_eq!(
        (again.key_id, again.public_key),
        (service.key_id, service.public_key)
    );
    let replay = submit(&client, &server.url(), Some(&token), Some(&id), body).await;
    assert_eq!(replay.status(), StatusCode::OK);
    assert_eq!(replay.json::<Receipt>().await.unwrap(), first);
    assert_eq!(receipts(dir.path()).unwrap(), vec![first]);
    let history: Value = client
        .get(format!("{}/v1/referrals/{id}/status", server.url()))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(history.as_array().unwrap().len(), 2);
    assert_eq!(history[1]["status"], "closed");
    server.shutdown().await;
}

#[tokio::test]
async fn after_a_key_rotation_envelopes_sealed_to_a_retired_key_are_still_received() {
    let h = harness(|_| {}).await;
    let old = h.server.service_config();
    let Harness {
        dir,
        server,
        token,
        client,
    } = h;
    server.shutdown().await;

    // Rotate: retire the current key, and a fresh one is made on the next start.
    let retired = dir.path().join(weprotect_server::OLD_SERVICE_KEYS_DIR);
    std::fs::create_dir(&retired).unwrap();
    std::fs::rename(
        dir.path().join(weprotect_server::SERVICE_KEY_FILE),
        retired.join(format!("{}.json", old.key_id)),
    )
    .unwrap();
    let server = start(ServerConfig::new(dir.path())).await.unwrap();
    let new = server.service_config();
    assert_ne!(new.key_id, old.key_id);

    // Queued before the rotation, sent after it.
    let queued = new_id();
    let response = submit(
        &client,
        &server.url(),
        Some(&token),
        Some(&queued),
        sealed_example(&old, &queued),
    )
    .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let fresh = new_id();
    let response = submit(
        &client,
        &server.url(),
        Some(&token),
        Some(&fresh),
        sealed_example(&new, &fresh),
    )
    .await;
    assert_eq!(response.status(), StatusCode::CREATED);

    // A key id the service never held is still refused.
    let mut stranger = new.clone();
    stranger.key_id = "someone-else".into();
    let other = new_id();
    let response = submit(
        &client,
        &server.url(),
        Some(&token),
        Some(&other),
        sealed_example(&stranger, &other),
    )
    .await;
    assert_eq!(
        error_code(response, StatusCode::BAD_REQUEST).await["code"],
        "envelope.unknown_key"
    );
    assert_eq!(referral_count(dir.path()).unwrap(), 2);
    server.shutdown().await;
}

#[tokio::test]
async fn the_data_directory_holds_no_personal_data_in_clear() {
    let h = harness(|_| {}).await;
    let service = h.server.service_config();
    for _ in 0..5 {
        let id = new_id();
        let response = h.submit(&id, sealed_example(&service, &id)).await;
        assert_eq!(response.status(), StatusCode::CREATED);
    }
    let check = |when: &str| {
        for (name, bytes) in all_files(h.dir.path()) {
            for canary in CANARIES {
                assert!(!contains(&bytes, canary), "{canary} in {name} ({when})");
            }
        }
    };
    check("while running, WAL not checkpointed");
    let Harness { dir, server, .. } = h;
    server.shutdown().await;
    let h_dir = dir;
    let mut files = all_files(h_dir.path());
    if let weprotect_server::Database::Postgres(url) = database_for(h_dir.path()) {
        // The database's table files (after a checkpoint) and the write-ahead log.
        files.extend(postgres::cluster().unwrap().database_files(&url));
    }
    for (name, bytes) in files {
        let text = String::from_utf8_lossy(&bytes).to_ascii_lowercase();
        for canary in CANARIES {
            assert!(
                !text.contains(&canary.to_ascii_lowercase()),
                "{canary} in {name} (after shutdown)"
            );
        }
    }
}

#[tokio::test]
async fn service_json_describes_the_running_server_and_keys_are_private() {
    let h = harness(|_| {}).await;
    let text = std::fs::read_to_string(h.dir.path().join("service.json")).unwrap();
    let written: weprotect_core::config::ServiceConfig = serde_json::from_str(&text).unwrap();
    assert_eq!(written, h.server.service_config());
    assert_eq!(written.endpoint, h.server.url());
    assert!(written.spki_pins.is_empty());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for file in [
            weprotect_server::SERVICE_KEY_FILE,
            weprotect_server::DATA_KEY_FILE,
        ] {
            let mode = std::fs::metadata(h.dir.path().join(file))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "{file}");
        }
    }
}

#[tokio::test]
async fn starting_with_the_wrong_data_key_is_refused() {
    let h = harness(|_| {}).await;
    let Harness { dir, server, .. } = h;
    server.shutdown().await;
    let mut config = ServerConfig::new(dir.path());
    config.data_key = Some(std::sync::Arc::new(
        weprotect_core::crypto::DataKey::generate(),
    ));
    assert!(matches!(
        start(config).await,
        Err(weprotect_server::ServerError::WrongDataKey(_))
    ));
}

#[tokio::test]
async fn the_admin_endpoint_adds_a_status_with_the_admin_token_only() {
    let h = harness(|c| c.admin_token = Some("admin-secret".into())).await;
    let id = new_id();
    h.submit(&id, sealed_example(&h.server.service_config(), &id))
        .await;
    let url = format!("{}/admin/v1/referrals/{id}/status", h.server.url());
    let refused = h
        .client
        .post(&url)
        .bearer_auth(&h.token)
        .json(&json!({"status": "advisor_assigned"}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    let added = h
        .client
        .post(&url)
        .bearer_auth("admin-secret")
        .json(&json!({"status": "advisor_assigned", "at": "2030-01-01T09:00:00Z"}))
        .send()
        .await
        .unwrap();
    assert_eq!(added.status(), StatusCode::CREATED);
    let history: Value = h.status(&id, &h.token).await.json().await.unwrap();
    assert_eq!(history[1]["status"], "advisor_assigned");
    assert_eq!(history[1]["at"], "2030-01-01T09:00:00Z");

    // Without an admin token configured, the endpoint does not exist.
    let plain = harness(|_| {}).await;
    let response = plain
        .client
        .post(format!(
            "{}/admin/v1/referrals/{id}/status",
            plain.server.url()
        ))
        .bearer_auth("admin-secret")
        .json(&json!({"status": "closed"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn unknown_routes_and_methods_answer_json_errors() {
    let h = harness(|_| {}).await;
    let url = h.server.url();
    let missing = h
        .client
        .get(format!("{url}/v2/nothing"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        error_code(missing, StatusCode::NOT_FOUND).await["code"],
        "route.not_found"
    );
    let wrong = h
        .client
        .get(format!("{url}/v1/referrals"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        error_code(wrong, StatusCode::METHOD_NOT_ALLOWED).await["code"],
        "route.method_not_allowed"
    );
}

#[tokio::test]
async fn an_unreadable_path_parameter_is_a_json_error_with_a_stable_code() {
    let h = harness(|c| c.admin_token = Some("admin-secret".into())).await;
    let url = h.server.url();
    // `%FF%FE` decodes to bytes that are not UTF-8: axum's own rejection is plain text.
    let status_url = format!("{url}/v1/referrals/%FF%FE/status");
    let response = h.status("%FF%FE", &h.token).await;
    let text = response_text(response, StatusCode::BAD_REQUEST).await;
    let body: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(body["code"], "request.invalid_path", "{text}");
    assert!(body["message"].is_string(), "{text}");
    // Without a token the answer stays 401: the path is not read for strangers.
    let anonymous = h.client.get(&status_url).send().await.unwrap();
    error_code(anonymous, StatusCode::UNAUTHORIZED).await;

    let admin = h
        .client
        .post(format!("{url}/admin/v1/referrals/%FF%FE/status"))
        .bearer_auth("admin-secret")
        .json(&json!({"status": "advisor_assigned"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        error_code(admin, StatusCode::BAD_REQUEST).await["code"],
        "request.invalid_path"
    );

    // The submission route's header and body rejections are JSON too.
    let id = new_id();
    let sealed = sealed_example(&h.server.service_config(), &id);
    let bad_header = h
        .client
        .post(format!("{url}/v1/referrals"))
        .bearer_auth(&h.token)
        .header(
            "idempotency-key",
            reqwest::header::HeaderValue::from_bytes(b"\xff\xfe").unwrap(),
        )
        .body(sealed)
        .send()
        .await
        .unwrap();
    assert_eq!(
        error_code(bad_header, StatusCode::BAD_REQUEST).await["code"],
        "idempotency_key.invalid"
    );
    let no_body = h
        .client
        .post(format!("{url}/v1/referrals"))
        .bearer_auth(&h.token)
        .header("idempotency-key", &id)
        .send()
        .await
        .unwrap();
    assert_eq!(
        error_code(no_body, StatusCode::BAD_REQUEST).await["code"],
        "envelope.malformed"
    );
}

#[tokio::test]
async fn the_log_names_routes_and_statuses_but_never_personal_data_or_tokens() {
    let lines = weprotect_server::LogLines::new();
    let target = weprotect_server::LogTarget::Memory(lines.clone());
    let h = harness(|c| c.log = target).await;
    let service = h.server.service_config();
    let id = new_id();
    let body = sealed_example(&service, &id);
    h.submit(&id, body.clone()).await;
    h.submit(&id, body).await;
    let mut referral: Value = serde_json::from_str(EXAMPLE_REFERRAL_JSON).unwrap();
    referral["safe_contact"]["phone"] = json!("CANARY-PHONE-12");
    let bad = new_id();
    h.submit(&bad, seal_json(&service, &bad, &referral.to_string()))
        .await;
    h.submit(&bad, b"Jamie Testperson CANARY".to_vec()).await;
    h.status(&id, &h.token).await;
    h.status(&id, "wpt_CANARY").await;
    h.client
        .get(format!("{}/v1/Jamie-Testperson-CANARY", h.server.url()))
        .send()
        .await
        .unwrap();

    let lines = lines.lines();
    let all = lines.join("\n");
    assert!(all.contains("POST /v1/referrals 201"), "{all}");
    assert!(all.contains("POST /v1/referrals 200"), "{all}");
    assert!(all.contains("POST /v1/referrals 422"), "{all}");
    assert!(all.contains("POST /v1/referrals 400"), "{all}");
    assert!(all.contains("GET /v1/referrals/{id}/status 200"), "{all}");
    assert!(all.contains("GET /v1/referrals/{id}/status 401"), "{all}");
    assert!(all.contains(&format!("referral={id}")), "{all}");
    assert!(!all.contains("CANARY"), "{all}");
    assert!(!all.contains(&h.token), "{all}");
    assert!(CANARIES.iter().all(|c| !all.contains(c)), "{all}");
}
