//! The reference server's CPU per delivered referral, for profiling its request path.
//!
//! Starts the server in a child process (this executable again), POSTs `SERVER_CPU_N`
//! distinct sealed referrals (default 400) with a plain reqwest client, 4 in flight, then the
//! same bodies again (replays), and prints the server process's CPU time (the scheduler's
//! per-thread counters) per request for each phase, over `SERVER_CPU_RUNS` fresh servers
//! (default 3): median and range. With `SERVER_CPU_PAUSE` set, the child's pid is printed and
//! the load waits 2 s, time to attach `perf record -g -p PID`.
//!
//! `cargo run --release -p weprotect-tests --example server_cpu`
//!
//! Figures on a shared machine are indicative; compare runs made one after the other.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::Utc;
use weprotect_tests::rig::{open_device, queue_referrals};
use weprotect_tests::server_process::{
    ServerProcess, post_referral, serve_until_stdin_closes, unthrottled,
};

const SERVER_CHILD_ENV: &str = "WEPROTECT_SERVER_CPU_CHILD";

/// POSTs every body, 4 in flight; the expected status for all.
async fn post_all(url: &str, token: &str, bodies: &[(String, Vec<u8>)], expect: u16) {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(4)
        .build()
        .unwrap();
    let owned: Vec<(String, Vec<u8>)> = bodies.to_vec();
    let next = Arc::new(Mutex::new(owned.into_iter()));
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..4 {
        let (client, url, token, next) = (
            client.clone(),
            url.to_string(),
            token.to_string(),
            next.clone(),
        );
        workers.spawn(async move {
            loop {
                let Some((id, body)) = next.lock().unwrap().next() else {
                    return;
                };
                let r = post_referral(&client, &url, &token, &id, body).await;
                assert_eq!(r.status().as_u16(), expect);
                r.bytes().await.unwrap();
            }
        });
    }
    while workers.join_next().await.is_some() {}
}

fn median_range(mut v: Vec<f64>) -> String {
    v.sort_by(f64::total_cmp);
    format!(
        "{:.0} µs ({:.0}-{:.0})",
        v[v.len() / 2],
        v[0],
        v[v.len() - 1]
    )
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    if let Ok(dir) = std::env::var(SERVER_CHILD_ENV) {
        serve_until_stdin_closes(dir.into()).await;
        return;
    }
    let n: usize = std::env::var("SERVER_CPU_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(400);
    let runs: usize = std::env::var("SERVER_CPU_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    let _ = rustls::crypto::ring::default_provider().install_default();

    let template = tempfile::tempdir().unwrap();
    let server = weprotect_server::start(unthrottled(template.path()))
        .await
        .unwrap();
    let token = weprotect_server::issue_token(template.path(), "probe")
        .unwrap()
        .token;
    let service = server.service_config();
    server.shutdown().await;
    let device = tempfile::tempdir().unwrap();
    let store = open_device(device.path().to_path_buf());
    queue_referrals(&store, &service, n, Utc::now());
    let bodies: Vec<(String, Vec<u8>)> = store
        .due_for_delivery(Utc::now(), n as u32)
        .unwrap()
        .into_iter()
        .map(|p| (p.referral_id, p.sealed))
        .collect();
    assert_eq!(bodies.len(), n);

    let (mut new, mut replay, mut wall) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..runs {
        let server = ServerProcess::start(template.path(), SERVER_CHILD_ENV);
        let pid = server.pid();
        // Warm up the server (first validation, connections) outside the measurement.
        post_all(&server.url, &token, &bodies[..4], 201).await;
        if std::env::var("SERVER_CPU_PAUSE").is_ok() {
            println!("server pid {pid}");
            tokio::time::sleep(Duration::from_secs(2)).await;
        }
        let cpu0 = server.cpu_ns();
        let started = Instant::now();
        post_all(&server.url, &token, &bodies[4..], 201).await;
        wall.push(started.elapsed().as_secs_f64() * 1e6 / (n - 4) as f64);
        let cpu1 = server.cpu_ns();
        post_all(&server.url, &token, &bodies[4..], 200).await;
        let cpu2 = server.cpu_ns();
        new.push((cpu1 - cpu0) as f64 / 1e3 / (n - 4) as f64);
        replay.push((cpu2 - cpu1) as f64 / 1e3 / (n - 4) as f64);
    }
    println!(
        "{} referrals, 4 in flight, {runs} runs: median (range)",
        n - 4
    );
    println!("server CPU per new referral:    {}", median_range(new));
    println!("server CPU per replay:          {}", median_range(replay));
    println!("wall per new referral:          {}", median_range(wall));
}
