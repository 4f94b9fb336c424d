//! Two server instances on one PostgreSQL database, as a service behind a load balancer runs
//! them: exactly once must rest on the database, not on either instance.
//!
//! Needs PostgreSQL (`weprotect_tests::postgres`): without it these tests print SKIP and
//! pass, unless `WEPROTECT_REQUIRE_POSTGRES=1` (`cargo xtask test`), when they fail.

use std::collections::HashSet;
use std::sync::atomic::Ordering;
use std::time::Duration;

use weprotect_core::config::ServiceConfig;
use weprotect_core::crypto::{ServicePublicKey, seal};
use weprotect_core::example::EXAMPLE_REFERRAL_JSON;
use weprotect_server::{
    DATA_KEY_FILE, Database, Receipt, RunningServer, SERVICE_KEY_FILE, ServerConfig,
};
use weprotect_tests::postgres;
use weprotect_tests::rig::{fast_policy, open_device, queue_referrals};
use weprotect_tests::round_robin::RoundRobin;

/// Two instances sharing one database; the second got the first one's key files, as an
/// operator copies them (or both take them from a KMS).
struct Pair {
    a: RunningServer,
    b: RunningServer,
    database: Database,
    _dirs: (tempfile::TempDir, tempfile::TempDir),
}

async fn pair() -> Option<Pair> {
    let cluster = postgres::cluster()?;
    let database = Database::Postgres(cluster.create_database());
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let config = |dir: &std::path::Path| {
        let mut config = ServerConfig::new(dir);
        config.database = database.clone();
        config.limits.per_token = None;
        config
    };
    let _ = rustls::crypto::ring::default_provider().install_default();
    let a = weprotect_server::start(config(dir_a.path())).await.unwrap();
    for file in [SERVICE_KEY_FILE, DATA_KEY_FILE] {
        std::fs::copy(dir_a.path().join(file), dir_b.path().join(file)).unwrap();
    }
    let b = weprotect_server::start(config(dir_b.path())).await.unwrap();
    assert_eq!(a.service_config().key_id, b.service_config().key_id);
    Some(Pair {
        a,
        b,
        database,
        _dirs: (dir_a, dir_b),
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_syncing_through_a_balancer_that_drops_responses_gets_each_referral_recorded_once()
{
    let Some(pair) = pair().await else { return };
    let storage = pair.a.storage();
    let token = storage.issue_token("device 1").await.unwrap().token;
    let proxy = RoundRobin::start(vec![pair.a.addr(), pair.b.addr()], 0.3, 14).await;
    let service = ServiceConfig {
        endpoint: proxy.url(),
        ..pair.a.service_config()
    };

    let device_dir = tempfile::tempdir().unwrap();
    let store = open_device(device_dir.path().to_path_buf());
    let queued = queue_referrals(&store, &service, 30, chrono::Utc::now());
    let engine = weprotect_core::sync::SyncEngine::new(
        store.clone(),
        service,
        fast_policy(),
        std::sync::Arc::new(weprotect_core::sync::StaticToken(Some(token))),
        None,
    )
    .unwrap();
    for _ in 0..60 {
        let report = engine.sync_now(Duration::from_secs(20)).await.unwrap();
        if report.waiting == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let outbox = store.outbox().unwrap();
    let on_server = storage.receipts().await.unwrap();
    assert_eq!(on_server.len(), queued.len(), "every referral exactly once");
    let ids: HashSet<&str> = on_server.iter().map(|r| r.referral_id.as_str()).collect();
    assert_eq!(ids, queued.iter().map(String::as_str).collect());
    for entry in &outbox {
        let receipt = entry.receipt.as_ref().expect("delivered");
        let held = on_server
            .iter()
            .find(|r| r.referral_id == entry.referral_id)
            .unwrap();
        assert_eq!(receipt.service_reference, held.service_reference);
    }
    let tally = proxy.tally();
    assert!(
        tally.dropped.load(Ordering::Relaxed) > 0,
        "no response was dropped"
    );
    for (i, n) in tally.connections.iter().enumerate() {
        assert!(
            n.load(Ordering::Relaxed) > 0,
            "instance {i} got no connection"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_identical_submissions_split_across_two_instances_give_one_record() {
    let Some(pair) = pair().await else { return };
    let storage = pair.b.storage();
    let token = storage.issue_token("device 2").await.unwrap().token;
    let service = pair.a.service_config();
    let id = uuid::Uuid::new_v4().to_string();
    let key = ServicePublicKey::new(service.key_id.clone(), &service.public_key).unwrap();
    let body = seal(
        &key,
        &id,
        weprotect_core::SCHEMA_VERSION,
        EXAMPLE_REFERRAL_JSON.as_bytes(),
    )
    .unwrap();

    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap();
    let urls = [pair.a.url(), pair.b.url()];
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..200 {
        let (client, url, token, id, body) = (
            client.clone(),
            urls[i % 2].clone(),
            token.clone(),
            id.clone(),
            body.clone(),
        );
        tasks.spawn(async move {
            let response = client
                .post(format!("{url}/v1/referrals"))
                .bearer_auth(token)
                .header("idempotency-key", id)
                .header("content-type", "application/octet-stream")
                .body(body)
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            let body = response.bytes().await.unwrap();
            let receipt: Receipt = serde_json::from_slice(&body)
                .unwrap_or_else(|_| panic!("{status}: {}", String::from_utf8_lossy(&body)));
            (status, receipt)
        });
    }
    let mut statuses = Vec::new();
    let mut receipts = HashSet::new();
    while let Some(done) = tasks.join_next().await {
        let (status, receipt) = done.unwrap();
        statuses.push(status);
        receipts.insert(serde_json::to_string(&receipt).unwrap());
    }
    assert_eq!(
        statuses.iter().filter(|&&s| s == 201).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(statuses.iter().filter(|&&s| s == 200).count(), 199);
    assert_eq!(receipts.len(), 1, "identical receipts");
    assert_eq!(storage.referral_count().await.unwrap(), 1);
    assert_eq!(
        storage.status_history(&id).await.unwrap().len(),
        1,
        "one first status"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_statuses_and_retired_keys_are_shared_by_every_instance() {
    let Some(pair) = pair().await else { return };
    // A token issued through one instance works on the other; revoked on one, on both.
    let issued = pair.a.storage().issue_token("device 3").await.unwrap();
    let client = reqwest::Client::new();
    let status_of = |url: String| {
        let (client, token) = (client.clone(), issued.token.clone());
        async move {
            client
                .get(format!(
                    "{url}/v1/referrals/{}/status",
                    uuid::Uuid::new_v4()
                ))
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(
        status_of(pair.b.url()).await,
        404,
        "known token, unknown referral"
    );
    pair.b.storage().revoke_token(&issued.id).await.unwrap();
    assert_eq!(status_of(pair.a.url()).await, 401);

    // One instance rotates its service key (the old one retired into old_service_keys/); an
    // envelope sealed to the new key, sent to an instance that started before the rotation,
    // is opened with the key the rotating instance kept in the database.
    let dir_c = tempfile::tempdir().unwrap();
    std::fs::copy(
        pair._dirs.0.path().join(DATA_KEY_FILE),
        dir_c.path().join(DATA_KEY_FILE),
    )
    .unwrap();
    let retired = dir_c.path().join(weprotect_server::OLD_SERVICE_KEYS_DIR);
    std::fs::create_dir(&retired).unwrap();
    std::fs::copy(
        pair._dirs.0.path().join(SERVICE_KEY_FILE),
        retired.join("old.json"),
    )
    .unwrap();
    let mut config = ServerConfig::new(dir_c.path());
    config.database = pair.database.clone();
    let c = weprotect_server::start(config).await.unwrap();
    let rotated = c.service_config();
    assert_ne!(rotated.key_id, pair.a.service_config().key_id);

    let token = pair
        .a
        .storage()
        .issue_token("device 4")
        .await
        .unwrap()
        .token;
    let id = uuid::Uuid::new_v4().to_string();
    let key = ServicePublicKey::new(rotated.key_id.clone(), &rotated.public_key).unwrap();
    let body = seal(
        &key,
        &id,
        weprotect_core::SCHEMA_VERSION,
        EXAMPLE_REFERRAL_JSON.as_bytes(),
    )
    .unwrap();
    let response = client
        .post(format!("{}/v1/referrals", pair.a.url()))
        .bearer_auth(&token)
        .header("idempotency-key", &id)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 201);
    c.shutdown().await;
}
