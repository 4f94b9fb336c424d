//! The reference server for third-party API testers (`cargo xtask proof` runs schemathesis
//! against it): starts on a free loopback port with a fresh data directory, faults off, the
//! admin endpoint on, one device token, and one referral already delivered (so status routes
//! have a real id to find). Prints one JSON line `{"url", "token", "referral_id"}` on stdout,
//! then serves until its standard input closes. The device token is also the admin token, so
//! one `Authorization` header serves every operation of the document.

use std::io::{Read, Write};
use std::sync::Arc;
use std::time::Duration;

use weprotect_core::sync::{StaticToken, SyncEngine};
use weprotect_server::ServerConfig;
use weprotect_tests::rig::{fast_policy, open_device, queue_referrals};

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let server_dir = tempfile::tempdir().expect("temp dir");
    // The token is issued before start, so it can be the admin token as well.
    std::fs::create_dir_all(server_dir.path()).expect("server dir");
    let first = weprotect_server::start(ServerConfig::new(server_dir.path()))
        .await
        .expect("server");
    first.shutdown().await;
    let token = weprotect_server::issue_token(server_dir.path(), "api tester")
        .expect("token")
        .token;
    let mut config = ServerConfig::new(server_dir.path());
    config.admin_token = Some(token.clone());
    let server = weprotect_server::start(config).await.expect("server");

    let device_dir = tempfile::tempdir().expect("temp dir");
    let store = open_device(device_dir.path().to_path_buf());
    let service = server.service_config();
    let ids = queue_referrals(&store, &service, 1, chrono::Utc::now());
    let engine = SyncEngine::new(
        store,
        service,
        fast_policy(),
        Arc::new(StaticToken(Some(token.clone()))),
        None,
    )
    .expect("engine");
    let report = engine
        .sync_now(Duration::from_secs(10))
        .await
        .expect("sync");
    assert_eq!(report.delivered, 1, "the seed referral was not delivered");

    println!(
        "{}",
        serde_json::json!({"url": server.url(), "token": token, "referral_id": ids[0]})
    );
    let _ = std::io::stdout().flush();
    tokio::task::spawn_blocking(|| {
        let mut sink = Vec::new();
        let _ = std::io::stdin().read_to_end(&mut sink);
    })
    .await
    .expect("stdin");
    server.shutdown().await;
}
