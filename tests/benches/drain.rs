//! Draining the outbox to the reference server on loopback, measured in one run against
//! baselines from the same run:
//!
//! 1. Speed: the sync engine draining 1,000 queued referrals, against a plain sequential
//!    reqwest loop posting the same sealed bodies (same headers) to a fresh server.
//!    Target: the engine is faster than the loop.
//! 2. Memory: peak resident memory of a process draining 10,000 queued referrals, against the
//!    same process's peak just after opening the store. Target: at most 64 MB.
//!
//! Run with `cargo xtask bench drain` (or `cargo bench -p weprotect-tests --bench drain`).
//! Set `DRAIN_BENCH_MEMORY_N` to change the 10,000.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use weprotect_core::config::ServiceConfig;
use weprotect_core::store::Store;
use weprotect_core::sync::{StaticToken, SyncEngine, SyncPolicy};
use weprotect_server::{RunningServer, ServerConfig};
use weprotect_tests::rig::{open_device, queue_referrals};

const CHILD_ENV: &str = "WEPROTECT_DRAIN_CHILD";

struct Service {
    server: RunningServer,
    _dir: tempfile::TempDir,
    token: String,
}

/// The bench measures draining, not the rate limit: by default one token may send 10 requests a
/// second after a burst of 60, which would make the figures the limiter's.
fn unthrottled(dir: &std::path::Path) -> ServerConfig {
    let mut config = ServerConfig::new(dir);
    config.limits.per_token = None;
    config
}

async fn serve(dir: tempfile::TempDir, token: String) -> Service {
    let server = weprotect_server::start(unthrottled(dir.path()))
        .await
        .unwrap();
    Service {
        server,
        _dir: dir,
        token,
    }
}

async fn service() -> Service {
    let dir = tempfile::tempdir().unwrap();
    let token = weprotect_server::issue_token(dir.path(), "bench")
        .unwrap()
        .token;
    serve(dir, token).await
}

/// Two servers with the same keys and tokens but separate databases, so the engine and the
/// plain loop each deliver to an empty service that can open the same envelopes.
async fn twin_services() -> (Service, Service) {
    let first = tempfile::tempdir().unwrap();
    let server = weprotect_server::start(unthrottled(first.path()))
        .await
        .unwrap();
    let token = weprotect_server::issue_token(first.path(), "bench")
        .unwrap()
        .token;
    server.shutdown().await;
    let second = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(first.path()).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), second.path().join(entry.file_name())).unwrap();
    }
    (
        serve(first, token.clone()).await,
        serve(second, token).await,
    )
}

fn device_with(n: usize, service: &Service, dir: &Path) -> Arc<Store> {
    let store = open_device(dir.to_path_buf());
    queue_referrals(&store, &service.server.service_config(), n, Utc::now());
    store
}

/// Syncs until nothing waits; returns the time taken and how many were delivered.
async fn drain(store: Arc<Store>, service: ServiceConfig, token: String) -> (Duration, u32) {
    let engine = SyncEngine::new(
        store,
        service,
        SyncPolicy::default(),
        Arc::new(StaticToken(Some(token))),
        None,
    )
    .unwrap();
    let started = Instant::now();
    let mut delivered = 0;
    loop {
        let report = engine.sync_now(Duration::from_secs(600)).await.unwrap();
        delivered += report.delivered;
        if report.waiting == 0 {
            break;
        }
    }
    (started.elapsed(), delivered)
}

async fn plain_loop(bodies: Vec<(String, Vec<u8>)>, service: &Service) -> Duration {
    let client = reqwest::Client::new();
    let url = format!("{}/v1/referrals", service.server.url());
    let started = Instant::now();
    for (id, body) in bodies {
        let r = client
            .post(&url)
            .bearer_auth(&service.token)
            .header("Idempotency-Key", id)
            .header("Content-Type", "application/octet-stream")
            .body(body)
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "{}", r.status());
        r.bytes().await.unwrap();
    }
    started.elapsed()
}

fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// The child: opens the filled store, reports its peak after opening, drains, reports again.
async fn child(dir: PathBuf, endpoint_json: String, token: String) {
    let service: ServiceConfig = serde_json::from_str(&endpoint_json).unwrap();
    let store = open_device(dir);
    let opened = peak_rss_kib();
    let (_, delivered) = drain(store, service, token).await;
    println!("{opened} {} {delivered}", peak_rss_kib());
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    if std::env::var(CHILD_ENV).is_ok() {
        let args: Vec<String> = std::env::args().collect();
        let n = args.len();
        child(
            args[n - 3].clone().into(),
            args[n - 2].clone(),
            args[n - 1].clone(),
        )
        .await;
        return;
    }
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    // `cargo test --all-targets` runs bench targets without `--bench`, in a debug build: then
    // only a small smoke run proves the benchmark still works.
    let full = std::env::args().any(|a| a == "--bench");
    let speed_n: usize = if full { 1_000 } else { 20 };

    // The plain loop's client uses the same TLS provider as the engine (ring).
    let _ = rustls::crypto::ring::default_provider().install_default();

    // 1. Speed.
    let (for_engine, for_loop) = twin_services().await;
    let device_dir = tempfile::tempdir().unwrap();
    let store = device_with(speed_n, &for_engine, device_dir.path());
    let bodies: Vec<(String, Vec<u8>)> = store
        .due_for_delivery(Utc::now(), speed_n as u32)
        .unwrap()
        .into_iter()
        .map(|p| (p.referral_id, p.sealed))
        .collect();
    assert_eq!(bodies.len(), speed_n);
    let looped = plain_loop(bodies, &for_loop).await;
    let (drained, delivered) = drain(
        store,
        for_engine.server.service_config(),
        for_engine.token.clone(),
    )
    .await;
    assert_eq!(delivered as usize, speed_n);
    println!(
        "drain {speed_n}: engine {:.2} s ({:.0}/s), plain sequential loop {:.2} s ({:.0}/s)",
        drained.as_secs_f64(),
        speed_n as f64 / drained.as_secs_f64(),
        looped.as_secs_f64(),
        speed_n as f64 / looped.as_secs_f64()
    );
    println!(
        "ratio engine/plain_loop = {:.2} (target < 1.0)",
        drained.as_secs_f64() / looped.as_secs_f64()
    );

    // 2. Memory, in a child process so the figure is the device's alone.
    let n: usize = std::env::var("DRAIN_BENCH_MEMORY_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if full { 10_000 } else { 50 });
    let target = service().await;
    let device_dir = tempfile::tempdir().unwrap();
    let filling = Instant::now();
    drop(device_with(n, &target, device_dir.path()));
    eprintln!(
        "filled {n} referrals in {:.1} s",
        filling.elapsed().as_secs_f64()
    );
    let mut command = std::process::Command::new(std::env::current_exe().unwrap());
    command
        .env(CHILD_ENV, "1")
        .arg(device_dir.path())
        .arg(serde_json::to_string(&target.server.service_config()).unwrap())
        .arg(&target.token);
    let output = tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    let figures: Vec<u64> = text
        .split_whitespace()
        .filter_map(|w| w.parse().ok())
        .collect();
    let [opened, peak, delivered] = figures[..] else {
        panic!(
            "child failed: {text} {}",
            String::from_utf8_lossy(&output.stderr)
        );
    };
    assert_eq!(delivered as usize, n);
    println!(
        "drain {n}: peak RSS {:.1} MB (after opening the store {:.1} MB); ratio peak/opened = {:.2}",
        peak as f64 / 1024.0,
        opened as f64 / 1024.0,
        peak as f64 / opened as f64
    );
    println!(
        "peak memory while draining {n} = {:.1} MB (target <= 64 MB)",
        peak as f64 / 1024.0
    );
}
