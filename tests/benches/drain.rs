//! Draining the outbox to the reference server, measured against baselines from the same run.
//!
//! Every pair compares like with like: the same queued referrals (the same sealed bytes), the
//! same number of requests in flight, the same durability (every receipt in an fsync'd SQLite
//! commit before the pass ends), each side to its own fresh server holding the same keys. The
//! servers run in child processes, so the device's CPU and the server's CPU are measured apart.
//! Pairs are interleaved (engine first in even runs, plain client first in odd runs) over at
//! least five runs; medians and ranges are printed.
//!
//! 1. The engine against a plain reqwest client (POST, then one fsync'd commit per receipt) at 1
//!    and 4 in flight. Target: ratio <= 1.0.
//! 2. The engine's wall time per referral (4 in flight) against one fsync'd SQLite commit
//!    measured in the same run (the durability floor). Target: <= 2.0.
//! 3. The server's CPU per referral, measured through the public HTTP API (the plain client's
//!    runs, from the server process's own CPU counters), against the same floor.
//! 4. Memory: peak resident memory of a process draining a long queue (default 2,000; set
//!    `DRAIN_BENCH_MEMORY_N`), against its peak just after opening the store. Target: 64 MB.
//!
//! Lines starting with `FIGURE` are what `cargo xtask bench` puts into docs/PERFORMANCE.md.
//! `cargo bench -p weprotect-tests --bench drain` runs it in full; without `--bench` (as
//! `cargo test --all-targets` and `cargo xtask bench quick` run it) it is a small quick run.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::Utc;
use rusqlite::Connection;
use weprotect_core::config::ServiceConfig;
use weprotect_core::store::Store;
use weprotect_core::sync::{StaticToken, SyncEngine, SyncPolicy};
use weprotect_tests::rig::{open_device, queue_referrals};
use weprotect_tests::server_process::{
    ServerProcess, copy_dir, cpu_ns, post_referral, serve_until_stdin_closes, unthrottled,
};

const MEMORY_CHILD_ENV: &str = "WEPROTECT_DRAIN_CHILD";
const SERVER_CHILD_ENV: &str = "WEPROTECT_DRAIN_SERVER";

/// One drain: wall time, device CPU, server CPU.
#[derive(Clone, Copy)]
struct Sample {
    wall: Duration,
    device_cpu_ns: u64,
    server_cpu_ns: u64,
}

/// Runs passes until nothing is waiting; how many referrals they delivered.
async fn drain_all(engine: &SyncEngine) -> u32 {
    let mut delivered = 0;
    loop {
        let report = engine.sync_now(Duration::from_secs(600)).await.unwrap();
        delivered += report.delivered;
        if report.waiting == 0 {
            return delivered;
        }
    }
}

async fn engine_drain(
    device_template: &Path,
    server: &ServerProcess,
    service: &ServiceConfig,
    token: &str,
    concurrency: usize,
    n: usize,
) -> Sample {
    let device = copy_dir(device_template);
    let store = open_device(device.path().to_path_buf());
    let mut service = service.clone();
    service.endpoint = server.url.clone();
    let policy = SyncPolicy {
        concurrency,
        ..SyncPolicy::default()
    };
    let engine = SyncEngine::new(
        store.clone(),
        service,
        policy,
        Arc::new(StaticToken(Some(token.to_string()))),
        None,
    )
    .unwrap();
    let (device0, server0) = (cpu_ns("self"), server.cpu_ns());
    let started = Instant::now();
    let delivered = drain_all(&engine).await;
    let wall = started.elapsed();
    let sample = Sample {
        wall,
        device_cpu_ns: cpu_ns("self") - device0,
        server_cpu_ns: server.cpu_ns() - server0,
    };
    assert_eq!(delivered as usize, n);
    sample
}

/// The plain client: POSTs with the same headers and bodies, `concurrency` at a time, and
/// stores each receipt in one fsync'd commit of a bare SQLite table (same pragmas as the store).
async fn plain_drain(
    bodies: &[(String, Vec<u8>)],
    server: &ServerProcess,
    token: &str,
    concurrency: usize,
) -> Sample {
    let dir = tempfile::tempdir().unwrap();
    let conn = bare_connection(&dir.path().join("receipts.db"));
    conn.execute_batch("CREATE TABLE receipts (id TEXT PRIMARY KEY, body BLOB) STRICT;")
        .unwrap();
    let conn = Arc::new(Mutex::new(conn));
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency)
        .build()
        .unwrap();
    let url = server.url.clone();
    let (device0, server0) = (cpu_ns("self"), server.cpu_ns());
    let started = Instant::now();
    let owned: Vec<(String, Vec<u8>)> = bodies.to_vec();
    let next = Arc::new(Mutex::new(owned.into_iter()));
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..concurrency {
        let (client, url, token, next, conn) = (
            client.clone(),
            url.clone(),
            token.to_string(),
            next.clone(),
            conn.clone(),
        );
        workers.spawn(async move {
            loop {
                let Some((id, body)) = next.lock().unwrap().next() else {
                    return;
                };
                let r = post_referral(&client, &url, &token, &id, body).await;
                assert!(r.status().is_success(), "{}", r.status());
                let receipt = r.bytes().await.unwrap();
                let conn = conn.clone();
                tokio::task::spawn_blocking(move || {
                    conn.lock()
                        .unwrap()
                        .execute(
                            "INSERT INTO receipts VALUES (?1, ?2)",
                            rusqlite::params![id, receipt.to_vec()],
                        )
                        .unwrap();
                })
                .await
                .unwrap();
            }
        });
    }
    while workers.join_next().await.is_some() {}
    Sample {
        wall: started.elapsed(),
        device_cpu_ns: cpu_ns("self") - device0,
        server_cpu_ns: server.cpu_ns() - server0,
    }
}

fn bare_connection(path: &Path) -> Connection {
    let conn = Connection::open(path).unwrap();
    conn.execute_batch(
        "PRAGMA secure_delete = ON; PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;",
    )
    .unwrap();
    conn
}

/// The durability floor: one fsync'd commit (WAL, synchronous = FULL) of a receipt-sized row.
fn fsync_floor(commits: usize) -> Vec<Duration> {
    let dir = tempfile::tempdir().unwrap();
    let conn = bare_connection(&dir.path().join("floor.db"));
    conn.execute_batch("CREATE TABLE t (id INTEGER PRIMARY KEY, body BLOB) STRICT;")
        .unwrap();
    (0..commits)
        .map(|i| {
            let started = Instant::now();
            conn.execute(
                "INSERT INTO t VALUES (?1, ?2)",
                rusqlite::params![i as i64, vec![0x5a_u8; 120]],
            )
            .unwrap();
            started.elapsed()
        })
        .collect()
}

/// Median and range.
struct Spread {
    median: f64,
    low: f64,
    high: f64,
}

fn spread(mut v: Vec<f64>) -> Spread {
    v.sort_by(f64::total_cmp);
    Spread {
        median: v[v.len() / 2],
        low: v[0],
        high: v[v.len() - 1],
    }
}

impl std::fmt::Display for Spread {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:.2} ({:.2}-{:.2})", self.median, self.low, self.high)
    }
}

/// One table row for `cargo xtask bench`: figure, value, baseline, ratio, target.
fn figure(name: &str, value: &str, baseline: &str, ratio: &str, target: &str) {
    println!("FIGURE\t{name}\t{value}\t{baseline}\t{ratio}\t{target}");
}

fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// The memory child: opens the filled store, reports its peak after opening, drains, reports.
async fn memory_child(dir: PathBuf, endpoint_json: String, token: String) {
    let service: ServiceConfig = serde_json::from_str(&endpoint_json).unwrap();
    let store = open_device(dir);
    let opened = peak_rss_kib();
    let engine = SyncEngine::new(
        store,
        service,
        SyncPolicy::default(),
        Arc::new(StaticToken(Some(token))),
        None,
    )
    .unwrap();
    let delivered = drain_all(&engine).await;
    println!("{opened} {} {delivered}", peak_rss_kib());
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    if let Ok(dir) = std::env::var(SERVER_CHILD_ENV) {
        serve_until_stdin_closes(dir.into()).await;
        return;
    }
    if std::env::var(MEMORY_CHILD_ENV).is_ok() {
        let args: Vec<String> = std::env::args().collect();
        let n = args.len();
        memory_child(
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
    // Without `--bench` (cargo test --all-targets, cargo xtask bench quick) a small quick run
    // proves the benchmark still works.
    let full = std::env::args().any(|a| a == "--bench");
    let (n, runs) = if full { (100, 5) } else { (8, 2) };
    let _ = rustls::crypto::ring::default_provider().install_default();

    // A template server directory (keys, token) and a template device holding n queued.
    let template = tempfile::tempdir().unwrap();
    let server = weprotect_server::start(unthrottled(template.path()))
        .await
        .unwrap();
    let token = weprotect_server::issue_token(template.path(), "bench")
        .unwrap()
        .token;
    let service = server.service_config();
    server.shutdown().await;
    let device_template = tempfile::tempdir().unwrap();
    let bodies: Vec<(String, Vec<u8>)> = {
        let store = open_device(device_template.path().to_path_buf());
        queue_referrals(&store, &service, n, Utc::now());
        let due = store.due_for_delivery(Utc::now(), n as u32).unwrap();
        due.into_iter().map(|p| (p.referral_id, p.sealed)).collect()
    };
    assert_eq!(bodies.len(), n);

    let mut engine: [Vec<Sample>; 2] = [Vec::new(), Vec::new()];
    let mut plain: [Vec<Sample>; 2] = [Vec::new(), Vec::new()];
    let mut floor = Vec::new();
    for run in 0..runs {
        for (slot, concurrency) in [1, 4].into_iter().enumerate() {
            let (a, b) = (
                ServerProcess::start(template.path(), SERVER_CHILD_ENV),
                ServerProcess::start(template.path(), SERVER_CHILD_ENV),
            );
            if run % 2 == 0 {
                engine[slot].push(
                    engine_drain(device_template.path(), &a, &service, &token, concurrency, n)
                        .await,
                );
                plain[slot].push(plain_drain(&bodies, &b, &token, concurrency).await);
            } else {
                plain[slot].push(plain_drain(&bodies, &b, &token, concurrency).await);
                engine[slot].push(
                    engine_drain(device_template.path(), &a, &service, &token, concurrency, n)
                        .await,
                );
            }
        }
        floor.extend(fsync_floor(if full { 20 } else { 3 }));
    }
    let floor_us = spread(floor.iter().map(|d| d.as_secs_f64() * 1e6).collect());
    let per_ref_us = |s: &Sample| s.wall.as_secs_f64() * 1e6 / n as f64;
    let per_ref_cpu_us = |ns: u64| ns as f64 / 1e3 / n as f64;
    println!("drain of {n} referrals, {runs} interleaved runs; medians (range)");
    println!("fsync'd SQLite commit: {floor_us:.0} us");
    for (slot, concurrency) in [1, 4].into_iter().enumerate() {
        let e = spread(engine[slot].iter().map(per_ref_us).collect());
        let p = spread(plain[slot].iter().map(per_ref_us).collect());
        let ratio = spread(
            engine[slot]
                .iter()
                .zip(&plain[slot])
                .map(|(e, p)| e.wall.as_secs_f64() / p.wall.as_secs_f64())
                .collect(),
        );
        let ecpu = spread(
            engine[slot]
                .iter()
                .map(|s| per_ref_cpu_us(s.device_cpu_ns))
                .collect(),
        );
        let pcpu = spread(
            plain[slot]
                .iter()
                .map(|s| per_ref_cpu_us(s.device_cpu_ns))
                .collect(),
        );
        println!(
            "{concurrency} in flight: engine {e} us/referral (device CPU {ecpu} us), plain client {p} us/referral (device CPU {pcpu} us), ratio {ratio}"
        );
        figure(
            &format!("drain, {concurrency} in flight: engine, wall per referral"),
            &format!("{e:.0} µs"),
            &format!("plain reqwest client, same durability: {p:.0} µs"),
            &ratio.to_string(),
            "≤ 1.0",
        );
        let cpu_ratio = spread(
            engine[slot]
                .iter()
                .zip(&plain[slot])
                .map(|(e, p)| e.device_cpu_ns as f64 / p.device_cpu_ns.max(1) as f64)
                .collect(),
        );
        figure(
            &format!("drain, {concurrency} in flight: engine, device CPU per referral"),
            &format!("{ecpu:.0} µs"),
            &format!("plain reqwest client: {pcpu:.0} µs"),
            &cpu_ratio.to_string(),
            "≤ 1.0",
        );
    }
    let e4: Vec<f64> = engine[1].iter().map(per_ref_us).collect();
    let floor_ratio = spread(e4.iter().map(|e| e / floor_us.median).collect());
    figure(
        "drain, 4 in flight: engine, wall per referral",
        &format!("{:.0} µs", spread(e4)),
        &format!("one fsync'd SQLite commit: {floor_us:.0} µs"),
        &floor_ratio.to_string(),
        "≤ 2.0",
    );
    let server_cpu: Vec<f64> = plain[1]
        .iter()
        .map(|s| per_ref_cpu_us(s.server_cpu_ns))
        .collect();
    let server_ratio = spread(server_cpu.iter().map(|c| c / floor_us.median).collect());
    let server_cpu = spread(server_cpu);
    println!("server CPU per referral (through the HTTP API): {server_cpu} us");
    figure(
        "server CPU per referral, through the HTTP API (4 in flight)",
        &format!("{server_cpu:.0} µs"),
        &format!("one fsync'd SQLite commit: {floor_us:.0} µs"),
        &server_ratio.to_string(),
        "none (for information: the server shares the 2 cores)",
    );

    // Memory, in a child process so the figure is the device's alone.
    let memory_n: usize = std::env::var("DRAIN_BENCH_MEMORY_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if full { 2_000 } else { 20 });
    let target = ServerProcess::start(template.path(), SERVER_CHILD_ENV);
    let device_dir = tempfile::tempdir().unwrap();
    {
        let store: Arc<Store> = open_device(device_dir.path().to_path_buf());
        queue_referrals(&store, &service, memory_n, Utc::now());
    }
    let mut memory_service = service.clone();
    memory_service.endpoint = target.url.clone();
    let mut command = Command::new(std::env::current_exe().unwrap());
    command
        .env(MEMORY_CHILD_ENV, "1")
        .arg(device_dir.path())
        .arg(serde_json::to_string(&memory_service).unwrap())
        .arg(&token);
    let output = tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap();
    drop(target);
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
    assert_eq!(delivered as usize, memory_n);
    println!(
        "drain {memory_n}: peak RSS {:.1} MB (after opening the store {:.1} MB)",
        peak as f64 / 1024.0,
        opened as f64 / 1024.0,
    );
    figure(
        &format!("peak memory draining {memory_n} referrals"),
        &format!("{:.1} MB", peak as f64 / 1024.0),
        &format!("after opening the store: {:.1} MB", opened as f64 / 1024.0),
        &format!("{:.2}", peak as f64 / opened as f64),
        "≤ 64 MB",
    );
}
