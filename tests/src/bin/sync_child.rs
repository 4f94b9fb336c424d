//! A child process for the kill test: syncs the device store in `DIR` until nothing waits, or
//! until it is killed (SIGKILL) by the parent test at a random moment.
//!
//! Usage: `sync_child DIR SERVICE_JSON TOKEN`. The data key is the test rig's. Exits 0 when the
//! outbox holds nothing queued.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use weprotect_core::config::ServiceConfig;
use weprotect_core::sync::{StaticToken, SyncEngine};
use weprotect_tests::rig::{fast_policy, open_device};

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, dir, service, token] = args.as_slice() else {
        eprintln!("usage: sync_child DIR SERVICE_JSON TOKEN");
        std::process::exit(2);
    };
    let service: ServiceConfig =
        serde_json::from_str(&std::fs::read_to_string(service).expect("service file"))
            .expect("service json");
    let store = open_device(PathBuf::from(dir));
    let engine = SyncEngine::new(
        store,
        service,
        fast_policy(),
        Arc::new(StaticToken(Some(token.clone()))),
        None,
    )
    .expect("engine");
    loop {
        let report = engine
            .sync_now(Duration::from_secs(10))
            .await
            .expect("pass");
        let Some(next) = report.next_run_at else {
            return;
        };
        let wait = (next - Utc::now()).to_std().unwrap_or_default();
        tokio::time::sleep(wait.min(Duration::from_secs(2))).await;
    }
}
