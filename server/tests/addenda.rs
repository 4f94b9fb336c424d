//! `POST /v1/referrals/{id}/addenda` (issue 23) end to end: a real server on loopback, real
//! envelopes sealed as a device seals them, the real database files scanned afterwards.
//! `addenda_postgres.rs` runs the same tests on PostgreSQL.

mod common;

use common::*;
use reqwest::StatusCode;
use serde_json::{Value, json};
use weprotect_core::addendum::AddendumKind;
use weprotect_server::{ReferralStatus, ServerError};

/// A distinctive value in the information that follows, to look for in the files afterwards.
const CANARY_REFERENCE: &str = "CANARYCR-771/26";

fn codes(body: &Value) -> Vec<(String, String)> {
    body["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["path"].as_str().unwrap().to_string(),
                p["code"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[tokio::test]
async fn an_addendum_is_received_once_and_a_replay_gets_the_original_receipt() {
    let h = harness(|_| {}).await;
    let (referral, sent) = h.sent_referral().await;
    let id = new_id();
    let doc = information(
        &referral,
        &id,
        json!({"incident.crime_reference": CANARY_REFERENCE}),
    );
    let body = seal_addendum_doc(&h.server.service_config(), &id, &doc);
    let first = add(
        &h.client,
        &h.server.url(),
        &h.token,
        &referral,
        &id,
        body.clone(),
    )
    .await;
    assert_eq!(first.status(), StatusCode::CREATED);
    assert_eq!(
        first.headers()["location"],
        format!("/v1/referrals/{referral}/status").as_str()
    );
    let receipt: Value = first.json().await.unwrap();
    assert_eq!(receipt["addendum_id"], id.as_str());
    assert_eq!(receipt["referral_id"], referral.as_str());
    assert_eq!(receipt["service_reference"], sent["service_reference"]);
    assert!(receipt["received_at"].is_string());

    let again = add(&h.client, &h.server.url(), &h.token, &referral, &id, body).await;
    assert_eq!(again.status(), StatusCode::OK);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(again.json::<Value>().await.unwrap(), receipt);

    // The same id with other bytes (a new sealing of another document) is refused.
    let other = information(
        &referral,
        &id,
        json!({"victim.date_of_birth": "1990-04-12"}),
    );
    let response = h.add(&referral, &id, &other).await;
    assert_eq!(
        error_code(response, StatusCode::UNPROCESSABLE_ENTITY).await["code"],
        "idempotency_key.reused"
    );

    // Whoever reads the referral sees the information that followed, once.
    let addenda = read_addenda(h.dir.path(), &referral).unwrap();
    assert_eq!(addenda.len(), 1);
    assert_eq!(addenda[0].kind, AddendumKind::Information);
    assert_eq!(
        addenda[0].information.as_ref().unwrap()["incident.crime_reference"],
        CANARY_REFERENCE
    );
    assert!(!format!("{addenda:?}").contains(CANARY_REFERENCE));
    h.server.shutdown().await;
}

#[tokio::test]
async fn another_senders_referral_and_an_unknown_referral_get_the_same_404() {
    let h = harness(|_| {}).await;
    let (referral, _) = h.sent_referral().await;
    let stranger = issue_token(h.dir.path(), "another device").unwrap().token;
    let answer = |referral: String, token: String| {
        let (client, url) = (h.client.clone(), h.server.url());
        let service = h.server.service_config();
        async move {
            let id = new_id();
            let body = seal_addendum_doc(&service, &id, &withdrawal(&referral, &id));
            let response = add(&client, &url, &token, &referral, &id, body).await;
            (response.status(), response.text().await.unwrap())
        }
    };
    let others = answer(referral.clone(), stranger.clone()).await;
    let unknown = answer(new_id(), h.token.clone()).await;
    assert_eq!(others.0, StatusCode::NOT_FOUND);
    assert_eq!(others, unknown);
    assert!(others.1.contains("referral.not_found"), "{}", others.1);
    // Nothing changed for the sender.
    let history = h
        .status(&referral, &h.token)
        .await
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(history.as_array().unwrap().len(), 1);
    assert!(read_addenda(h.dir.path(), &referral).unwrap().is_empty());
    h.server.shutdown().await;
}

#[tokio::test]
async fn another_token_of_the_same_label_may_add_to_the_referral() {
    let h = harness(|_| {}).await;
    let (referral, sent) = h.sent_referral().await;
    // The device was re-enrolled (a new token, the same label): it may still add.
    let same_label = issue_token(h.dir.path(), "test device").unwrap().token;
    assert_ne!(same_label, h.token);
    let id = new_id();
    let doc = information(
        &referral,
        &id,
        json!({"incident.crime_reference": "CR/77/26"}),
    );
    let body = seal_addendum_doc(&h.server.service_config(), &id, &doc);
    let response = add(
        &h.client,
        &h.server.url(),
        &same_label,
        &referral,
        &id,
        body.clone(),
    )
    .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let receipt: Value = response.json().await.unwrap();
    assert_eq!(receipt["service_reference"], sent["service_reference"]);
    // The first token gets the same receipt for the same bytes.
    let replay = add(&h.client, &h.server.url(), &h.token, &referral, &id, body).await;
    assert_eq!(replay.status(), StatusCode::OK);
    assert_eq!(replay.json::<Value>().await.unwrap(), receipt);
    let addenda = read_addenda(h.dir.path(), &referral).unwrap();
    assert_eq!(addenda.len(), 1);
    assert_eq!(
        addenda[0].information.as_ref().unwrap()["incident.crime_reference"],
        "CR/77/26"
    );
    h.server.shutdown().await;
}

#[tokio::test]
async fn information_that_breaks_a_rule_is_refused_by_path_and_code_without_its_value() {
    let h = harness(|_| {}).await;
    let (referral, _) = h.sent_referral().await;
    // A path that was not to follow, and a date of birth in the future: each refused by its
    // path and code, and neither value is echoed.
    for (given, path, code) in [
        (
            json!({"victim.name": "CANARYNAME Someone"}),
            "victim.name",
            Some("addendum.not_to_follow"),
        ),
        (
            json!({"victim.date_of_birth": "2999-01-01"}),
            "victim.date_of_birth",
            None,
        ),
    ] {
        let id = new_id();
        let doc = information(&referral, &id, given);
        let response = h.add(&referral, &id, &doc).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let text = response.text().await.unwrap();
        let body: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(body["code"], "addendum.invalid", "{text}");
        let found = codes(&body);
        assert!(found.iter().all(|(p, _)| p == path), "{found:?}");
        if let Some(code) = code {
            assert_eq!(found, [(path.to_string(), code.to_string())]);
        }
        assert!(
            body["problems"]
                .as_array()
                .unwrap()
                .iter()
                .all(|p| p["kind"] == "error")
        );
        assert!(
            !text.contains("CANARYNAME") && !text.contains("2999"),
            "{text}"
        );
    }

    // The referral id inside must be the path's.
    let id = new_id();
    let doc = information(
        &new_id(),
        &id,
        json!({"incident.crime_reference": "CR/1/26"}),
    );
    let body = error_code(
        h.add(&referral, &id, &doc).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(
        codes(&body),
        [("referral_id".into(), "addendum.referral_mismatch".into())]
    );
    // A referral's envelope is not an addendum, even under the right ids: as a device seals
    // a referral today (a referral's schema version) it is refused by its version...
    let id = new_id();
    let doc = information(
        &referral,
        &id,
        json!({"incident.crime_reference": "CR/1/26"}),
    );
    let sealed = seal_json(&h.server.service_config(), &id, &doc.to_string());
    let response = add(&h.client, &h.server.url(), &h.token, &referral, &id, sealed).await;
    let body = error_code(response, StatusCode::BAD_REQUEST).await;
    assert_eq!(body["code"], "addendum.unknown_schema_version", "{body}");
    // ...and under the addendum's schema version, a valid addendum document sealed as a
    // referral (the referral's HPKE info) reaches the HPKE open, which refuses it.
    let service = h.server.service_config();
    let pk =
        weprotect_core::crypto::ServicePublicKey::new(service.key_id, &service.public_key).unwrap();
    let sealed = weprotect_core::crypto::seal(
        &pk,
        &id,
        weprotect_core::addendum::ADDENDUM_SCHEMA_VERSION,
        doc.to_string().as_bytes(),
    )
    .unwrap();
    let response = add(&h.client, &h.server.url(), &h.token, &referral, &id, sealed).await;
    let body = error_code(response, StatusCode::BAD_REQUEST).await;
    assert_eq!(body["code"], "envelope.undecryptable", "{body}");
    // The same document sealed as an addendum is received: it was the sealing that was refused.
    assert_eq!(
        h.add(&referral, &id, &doc).await.status(),
        StatusCode::CREATED
    );
    let addenda = read_addenda(h.dir.path(), &referral).unwrap();
    assert_eq!(addenda.len(), 1);
    assert_eq!(addenda[0].addendum_id, id);
    h.server.shutdown().await;
}

#[tokio::test]
async fn racing_duplicates_of_an_addendum_give_one_row_and_identical_receipts() {
    let h = harness(|_| {}).await;
    let (referral, _) = h.sent_referral().await;
    let id = new_id();
    let doc = information(
        &referral,
        &id,
        json!({"incident.crime_reference": "CR/42/26"}),
    );
    let body = seal_addendum_doc(&h.server.service_config(), &id, &doc);
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let (client, url, token) = (client(), h.server.url(), h.token.clone());
            let (referral, id, body) = (referral.clone(), id.clone(), body.clone());
            tokio::spawn(async move {
                let response = add(&client, &url, &token, &referral, &id, body).await;
                (response.status(), response.json::<Value>().await.unwrap())
            })
        })
        .collect();
    let mut answers = Vec::new();
    for task in tasks {
        answers.push(task.await.unwrap());
    }
    let created = answers
        .iter()
        .filter(|(s, _)| *s == StatusCode::CREATED)
        .count();
    assert_eq!(created, 1, "{answers:?}");
    assert!(
        answers
            .iter()
            .all(|(s, _)| *s == StatusCode::CREATED || *s == StatusCode::OK)
    );
    assert!(
        answers.iter().all(|(_, r)| *r == answers[0].1),
        "{answers:?}"
    );
    assert_eq!(read_addenda(h.dir.path(), &referral).unwrap().len(), 1);
    h.server.shutdown().await;
}

/// The sealed bytes the database holds for a referral and its addenda (a window from the
/// middle of each, long enough to be unique), read straight from the tables.
fn sealed_windows(dir: &std::path::Path, referral_id: &str) -> Vec<Vec<u8>> {
    let blobs: Vec<Vec<u8>> = match database_for(dir) {
        weprotect_server::Database::DataDir => {
            let conn = rusqlite::Connection::open(dir.join(weprotect_server::DB_FILE)).unwrap();
            let mut blobs: Vec<Vec<u8>> = vec![
                conn.query_row(
                    "SELECT referral_json FROM referrals WHERE referral_id = ?1",
                    [referral_id],
                    |r| r.get(0),
                )
                .unwrap(),
            ];
            let mut stmt = conn
                .prepare(
                    "SELECT content FROM addenda WHERE referral_id = ?1 AND content IS NOT NULL",
                )
                .unwrap();
            blobs.extend(
                stmt.query_map([referral_id], |r| r.get(0))
                    .unwrap()
                    .map(|b| b.unwrap()),
            );
            blobs
        }
        weprotect_server::Database::Postgres(url) => {
            let id = referral_id.to_string();
            postgres::on_own_runtime(async move {
                let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
                    .await
                    .map_err(|e| e.to_string())?;
                tokio::spawn(connection);
                let rows = client
                    .query(
                        "SELECT referral_json FROM referrals WHERE referral_id = $1
                         UNION ALL
                         SELECT content FROM addenda WHERE referral_id = $1 AND content IS NOT NULL",
                        &[&id],
                    )
                    .await
                    .map_err(|e| e.to_string())?;
                Ok(rows.iter().map(|r| r.get::<_, Vec<u8>>(0)).collect())
            })
            .unwrap()
        }
    };
    blobs
        .iter()
        .map(|b| {
            assert!(b.len() >= 64, "a sealed value of {} bytes", b.len());
            b[b.len() / 2 - 16..b.len() / 2 + 16].to_vec()
        })
        .collect()
}

/// On PostgreSQL, the files (relfilenodes) of the referrals and addenda tables and their TOAST
/// tables: a rewrite (`VACUUM FULL`) gives each a new one.
fn table_files(dir: &std::path::Path) -> Option<Vec<u32>> {
    let weprotect_server::Database::Postgres(url) = database_for(dir) else {
        return None;
    };
    postgres::on_own_runtime(async move {
        let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
            .await
            .map_err(|e| e.to_string())?;
        tokio::spawn(connection);
        let rows = client
            .query(
                "SELECT c.relfilenode, t.relfilenode FROM pg_class c
                   JOIN pg_class t ON t.oid = c.reltoastrelid
                  WHERE c.relname IN ('referrals', 'addenda') ORDER BY c.relname",
                &[],
            )
            .await
            .map_err(|e| e.to_string())?;
        Ok(rows
            .iter()
            .flat_map(|r| [r.get::<_, u32>(0), r.get::<_, u32>(1)])
            .collect())
    })
    .map_err(|e| eprintln!("table files: {e}"))
    .ok()
}

/// The PostgreSQL relation a data file belongs to, to name it in a failure.
fn relation_of(dir: &std::path::Path, file: &str) -> String {
    let weprotect_server::Database::Postgres(url) = database_for(dir) else {
        return "SQLite".into();
    };
    let node: Option<u32> = file.rsplit('/').next().and_then(|n| n.parse().ok());
    let Some(node) = node else {
        return "?".into();
    };
    postgres::on_own_runtime(async move {
        let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
            .await
            .map_err(|e| e.to_string())?;
        tokio::spawn(connection);
        let row = client
            .query_opt(
                "SELECT relname::text FROM pg_class WHERE pg_relation_filenode(oid) = $1",
                &[&node],
            )
            .await
            .map_err(|e| e.to_string())?;
        Ok(row.map_or("no relation (an old file)".into(), |r| r.get(0)))
    })
    .unwrap_or_else(|e| e)
}

fn holds(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[tokio::test]
async fn a_withdrawal_deletes_the_content_and_the_device_sees_consent_withdrawn() {
    let h = harness(|_| {}).await;
    let (referral, _) = h.sent_referral().await;
    let info = new_id();
    let doc = information(
        &referral,
        &info,
        json!({"incident.crime_reference": CANARY_REFERENCE}),
    );
    let info_body = seal_addendum_doc(&h.server.service_config(), &info, &doc);
    let response = add(
        &h.client,
        &h.server.url(),
        &h.token,
        &referral,
        &info,
        info_body.clone(),
    )
    .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    // Two corrections of the same item (allowed: each is checked against the referral as sent).
    for n in 1..=2 {
        let id = new_id();
        let value = format!("{CANARY_REFERENCE}-{n}");
        let doc = information(&referral, &id, json!({"incident.crime_reference": value}));
        assert_eq!(
            h.add(&referral, &id, &doc).await.status(),
            StatusCode::CREATED
        );
    }
    let windows = sealed_windows(h.dir.path(), &referral);
    assert_eq!(windows.len(), 4);
    // On PostgreSQL, the planner's statistics are gathered now, while the content is there:
    // ANALYZE must not have copied any of it into pg_statistic.
    if let weprotect_server::Database::Postgres(url) = database_for(h.dir.path()) {
        postgres::on_own_runtime(async move {
            let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
                .await
                .map_err(|e| e.to_string())?;
            tokio::spawn(connection);
            client
                .batch_execute("ANALYZE referrals, addenda")
                .await
                .map_err(|e| e.to_string())
        })
        .unwrap();
    }

    let files_before = table_files(h.dir.path());
    let first = new_id();
    let response = h
        .add(&referral, &first, &withdrawal(&referral, &first))
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    // The answer did not wait for the scrub; it is done in the background.
    tokio::time::timeout(
        std::time::Duration::from_secs(60),
        h.server.storage().scrubbed(),
    )
    .await
    .expect("the scrub after the withdrawal was never done");
    // On PostgreSQL both tables and their TOAST tables were rewritten into new files.
    if let (Some(before), Some(after)) = (files_before, table_files(h.dir.path())) {
        assert_eq!(before.len(), 4);
        assert!(
            before.iter().all(|file| !after.contains(file)),
            "{before:?} {after:?}"
        );
    }

    // The device sees it through the status endpoints it already polls.
    let history: Value = h.status(&referral, &h.token).await.json().await.unwrap();
    let statuses: Vec<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["received", "consent_withdrawn"]);
    let batch: Value = h
        .client
        .post(format!("{}/v1/referrals/statuses", h.server.url()))
        .bearer_auth(&h.token)
        .json(&json!({"referral_ids": [referral]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(batch.to_string().contains("consent_withdrawn"), "{batch}");

    // Information can no longer be added; a replay still gets its receipt; a second
    // withdrawal is received and changes nothing more.
    let late = new_id();
    let doc = information(
        &referral,
        &late,
        json!({"victim.date_of_birth": "1990-04-12"}),
    );
    assert_eq!(
        error_code(h.add(&referral, &late, &doc).await, StatusCode::CONFLICT).await["code"],
        "referral.withdrawn"
    );
    let replay = add(
        &h.client,
        &h.server.url(),
        &h.token,
        &referral,
        &info,
        info_body,
    )
    .await;
    assert_eq!(replay.status(), StatusCode::OK);
    let second = new_id();
    let response = h
        .add(&referral, &second, &withdrawal(&referral, &second))
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let after: Value = h.status(&referral, &h.token).await.json().await.unwrap();
    assert_eq!(after, history);

    // Readers: ids, times and the withdrawal's codes stay; the content is gone.
    assert!(matches!(
        read_referral(h.dir.path(), &referral),
        Err(ServerError::ContentDeleted)
    ));
    let addenda = read_addenda(h.dir.path(), &referral).unwrap();
    assert_eq!(addenda.len(), 5);
    for a in &addenda[..3] {
        assert_eq!(a.kind, AddendumKind::Information);
        assert!(a.information.is_none() && a.content_deleted);
    }
    assert_eq!(addenda[3].kind, AddendumKind::ConsentWithdrawn);
    let codes = serde_json::to_value(addenda[3].withdrawal.unwrap()).unwrap();
    assert_eq!(codes["withdrawn_by"], "victim");
    assert_eq!(codes["recorded_how"], "by_phone");
    assert!(
        add_status(
            h.dir.path(),
            &referral,
            ReferralStatus::ConsentWithdrawn,
            chrono::Utc::now()
        )
        .is_err()
    );

    // The console has the case as withdrawn, though it never triaged it.
    if let weprotect_server::Database::Postgres(url) = database_for(h.dir.path()) {
        let id = referral.clone();
        let (withdrawn, deleted, audited) = postgres::on_own_runtime(async move {
            let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
                .await
                .map_err(|e| e.to_string())?;
            tokio::spawn(connection);
            let row = client
                .query_one(
                    "SELECT c.withdrawn, c.content_deleted_at IS NOT NULL,
                            (SELECT COUNT(*) FROM console_audit a WHERE a.referral_id = $1
                               AND a.action = 'content_deleted_consent_withdrawn')
                       FROM console_cases c WHERE c.referral_id = $1",
                    &[&id],
                )
                .await
                .map_err(|e| e.to_string())?;
            Ok::<_, String>((
                row.get::<_, bool>(0),
                row.get::<_, bool>(1),
                row.get::<_, i64>(2),
            ))
        })
        .unwrap();
        assert!(withdrawn && deleted);
        assert_eq!(audited, 1);
    }
    if !on_postgres() {
        let conn =
            rusqlite::Connection::open(h.dir.path().join(weprotect_server::DB_FILE)).unwrap();
        let (withdrawn, deleted): (bool, bool) = conn
            .query_row(
                "SELECT withdrawn, content_deleted_at IS NOT NULL FROM console_cases
                  WHERE referral_id = ?1",
                [&referral],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert!(withdrawn && deleted);
        let audited: i64 = conn
            .query_row(
                "SELECT COUNT(*) FROM console_audit
                  WHERE referral_id = ?1 AND action = 'content_deleted_consent_withdrawn'",
                [&referral],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(audited, 1);
    }

    // No copy of the content, in clear or sealed, is left in the database's files.
    let Harness { dir, server, .. } = h;
    let mut files = all_files(dir.path());
    let mut wal = Vec::new();
    if let weprotect_server::Database::Postgres(url) = database_for(dir.path()) {
        for (name, bytes) in postgres::cluster().unwrap().database_files(&url) {
            if name.contains("pg_wal") {
                wal.push((name, bytes));
            } else {
                files.push((name, bytes));
            }
        }
    }
    for (name, bytes) in &files {
        for canary in CANARIES.iter().chain([&CANARY_REFERENCE]) {
            assert!(!contains(bytes, canary), "{canary} in {name}");
        }
        for window in &windows {
            assert!(
                !holds(bytes, window),
                "sealed content left in {name} ({})",
                relation_of(dir.path(), name)
            );
        }
    }
    // PostgreSQL's write-ahead log keeps the sealed bytes until its segments are recycled
    // (docs/SECURITY.md); never the plaintext, which never reaches the database.
    let kept = wal
        .iter()
        .filter(|(_, bytes)| windows.iter().any(|w| holds(bytes, w)))
        .count();
    for (name, bytes) in &wal {
        for canary in CANARIES.iter().chain([&CANARY_REFERENCE]) {
            assert!(!contains(bytes, canary), "{canary} in {name}");
        }
    }
    if !wal.is_empty() {
        eprintln!(
            "PostgreSQL WAL: {kept} of {} segments still hold sealed bytes",
            wal.len()
        );
    }
    server.shutdown().await;
}

/// A session holding a snapshot (and, on PostgreSQL, a share lock on `referrals`) taken
/// before a withdrawal, as a long report or `pg_dump` would: SQLite cannot truncate its WAL
/// past it, PostgreSQL must not rewrite the tables under it.
enum OldSnapshot {
    Sqlite(rusqlite::Connection),
    Postgres(tokio_postgres::Client),
}

impl OldSnapshot {
    async fn take(dir: &std::path::Path) -> OldSnapshot {
        match database_for(dir) {
            weprotect_server::Database::DataDir => {
                let conn = rusqlite::Connection::open(dir.join(weprotect_server::DB_FILE)).unwrap();
                conn.execute_batch("BEGIN").unwrap();
                let n: i64 = conn
                    .query_row("SELECT COUNT(*) FROM referrals", [], |r| r.get(0))
                    .unwrap();
                assert_eq!(n, 1);
                OldSnapshot::Sqlite(conn)
            }
            weprotect_server::Database::Postgres(url) => {
                let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
                    .await
                    .unwrap();
                tokio::spawn(connection);
                client
                    .batch_execute(
                        "BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT COUNT(*) FROM referrals",
                    )
                    .await
                    .unwrap();
                OldSnapshot::Postgres(client)
            }
        }
    }

    async fn end(self) {
        match self {
            OldSnapshot::Sqlite(conn) => conn.execute_batch("COMMIT").unwrap(),
            OldSnapshot::Postgres(client) => client.batch_execute("COMMIT").await.unwrap(),
        }
    }
}

#[tokio::test]
async fn a_reader_open_during_a_withdrawal_delays_the_scrub_not_the_answer_and_it_is_done_after() {
    let h = harness(|_| {}).await;
    let (referral, _) = h.sent_referral().await;
    let info = new_id();
    let doc = information(
        &referral,
        &info,
        json!({"incident.crime_reference": CANARY_REFERENCE}),
    );
    assert_eq!(
        h.add(&referral, &info, &doc).await.status(),
        StatusCode::CREATED
    );
    let windows = sealed_windows(h.dir.path(), &referral);
    assert_eq!(windows.len(), 2);
    let files_before = table_files(h.dir.path());
    let wal = |dir: &std::path::Path| -> Vec<u8> {
        std::fs::read(dir.join(format!("{}-wal", weprotect_server::DB_FILE))).unwrap_or_default()
    };

    let reader = OldSnapshot::take(h.dir.path()).await;
    let started = std::time::Instant::now();
    let withdrawn = new_id();
    let response = h
        .add(&referral, &withdrawn, &withdrawal(&referral, &withdrawn))
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    // The answer did not wait for the reader (before, SQLite held the writer retrying, and
    // PostgreSQL's VACUUM FULL queued behind the reader's lock until it ended).
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "the withdrawal's answer took {:?}",
        started.elapsed()
    );
    // The scrub waits for the reader.
    assert!(
        tokio::time::timeout(
            std::time::Duration::from_millis(500),
            h.server.storage().scrubbed()
        )
        .await
        .is_err(),
        "the scrub was done while an older snapshot was open"
    );
    if !on_postgres() {
        // Meanwhile the WAL still holds the sealed content (so the scan below can see it).
        let before = wal(h.dir.path());
        assert!(windows.iter().any(|w| holds(&before, w)));
    }

    // The reader ends; one more write (another referral) comes.
    reader.end().await;
    let other = new_id();
    assert_eq!(
        h.submit(&other, sealed_example(&h.server.service_config(), &other))
            .await
            .status(),
        StatusCode::CREATED
    );
    if !on_postgres() {
        // That write scrubbed the WAL before it was answered.
        let after = wal(h.dir.path());
        for window in &windows {
            assert!(!holds(&after, window), "sealed content left in the WAL");
        }
    }
    tokio::time::timeout(
        std::time::Duration::from_secs(60),
        h.server.storage().scrubbed(),
    )
    .await
    .expect("the scrub was never done");
    if let (Some(before), Some(after)) = (files_before, table_files(h.dir.path())) {
        assert!(
            before.iter().all(|file| !after.contains(file)),
            "{before:?} {after:?}"
        );
    }
    let Harness { dir, server, .. } = h;
    let mut files = all_files(dir.path());
    if let weprotect_server::Database::Postgres(url) = database_for(dir.path()) {
        files.extend(
            postgres::cluster()
                .unwrap()
                .database_files(&url)
                .into_iter()
                .filter(|(name, _)| !name.contains("pg_wal")),
        );
    }
    for (name, bytes) in &files {
        assert!(!contains(bytes, CANARY_REFERENCE), "in clear in {name}");
        for window in &windows {
            assert!(
                !holds(bytes, window),
                "sealed content left in {name} ({})",
                relation_of(dir.path(), name)
            );
        }
    }
    server.shutdown().await;
}

/// A server holding a fixture store's service key, with the referral that phone queued received.
async fn fixture_server(store: &str, version: u32) -> (Harness, String) {
    let (h, id, sealed) = fixture_harness(store, version).await;
    assert_eq!(h.submit(&id, sealed).await.status(), StatusCode::CREATED);
    (h, id)
}

async fn an_older_referral_receives_addenda(store: &str, version: u32) {
    let (h, referral) = fixture_server(store, version).await;
    // Nothing was to follow in versions 1 and 2: information is refused by its path.
    let id = new_id();
    let doc = information(
        &referral,
        &id,
        json!({"incident.crime_reference": "CR/7/26"}),
    );
    let body = error_code(
        h.add(&referral, &id, &doc).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(
        codes(&body),
        [(
            "incident.crime_reference".into(),
            "addendum.not_to_follow".into()
        )]
    );
    // A withdrawal is received and deletes the content.
    let id = new_id();
    let response = h.add(&referral, &id, &withdrawal(&referral, &id)).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let history: Value = h.status(&referral, &h.token).await.json().await.unwrap();
    assert_eq!(
        history.as_array().unwrap().last().unwrap()["status"],
        "consent_withdrawn"
    );
    assert!(matches!(
        read_referral(h.dir.path(), &referral),
        Err(ServerError::ContentDeleted)
    ));
    h.server.shutdown().await;
}

#[tokio::test]
async fn a_version_1_referral_receives_addenda() {
    an_older_referral_receives_addenda("v1-store", 1).await;
}

#[tokio::test]
async fn a_version_2_referral_receives_addenda() {
    an_older_referral_receives_addenda("v2-store", 2).await;
}

#[tokio::test]
async fn an_addendum_whose_answer_was_lost_after_its_commit_gets_its_receipt_on_the_retry() {
    let h = harness(|_| {}).await;
    let (referral, _) = h.sent_referral().await;
    let id = new_id();
    let doc = information(
        &referral,
        &id,
        json!({"incident.crime_reference": "CR/9/26"}),
    );
    let body = seal_addendum_doc(&h.server.service_config(), &id, &doc);
    h.server.set_faults("drop=1".parse().unwrap());
    let lost = h
        .client
        .post(format!(
            "{}/v1/referrals/{referral}/addenda",
            h.server.url()
        ))
        .bearer_auth(&h.token)
        .header("idempotency-key", &id)
        .body(body.clone())
        .send()
        .await;
    assert!(lost.is_err(), "the answer was not dropped");
    h.server.set_faults(weprotect_server::Faults::default());
    let retry = add(&h.client, &h.server.url(), &h.token, &referral, &id, body).await;
    assert_eq!(retry.status(), StatusCode::OK);
    assert_eq!(retry.headers()["idempotent-replayed"], "true");
    assert_eq!(read_addenda(h.dir.path(), &referral).unwrap().len(), 1);
    h.server.shutdown().await;
}
