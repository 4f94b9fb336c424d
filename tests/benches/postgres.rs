//! Referrals recorded per second by the intake server on PostgreSQL, on one instance and on
//! two instances sharing the database, with one instance on SQLite measured in the same run
//! for reference.
//!
//! Each run posts `N` distinct, already sealed referrals over loopback HTTP from `C` clients
//! at once (the sealing is the device's work and is done before the clock starts), and counts
//! the `201`s per second until the last answer. With two instances, the clients alternate
//! between them, as a load balancer would spread them. The three set-ups are interleaved
//! (one run of each, then again) over `RUNS` rounds, each on a fresh database, and reported as
//! median and range. The figure is the server's: same machine, same client, same bodies.
//!
//! Run with `cargo xtask bench postgres` (which installs PostgreSQL when missing) or
//! `cargo bench -p weprotect-tests --bench postgres`. `WEPROTECT_BENCH_QUICK=1` (or a run by
//! `cargo test --all-targets`, without `--bench`) makes it a short check that the bench still
//! runs (CI), not a measurement.

use std::sync::Arc;
use std::time::Instant;

use weprotect_core::crypto::{ServicePublicKey, seal};
use weprotect_core::example::EXAMPLE_REFERRAL_JSON;
use weprotect_server::{DATA_KEY_FILE, Database, RunningServer, SERVICE_KEY_FILE, ServerConfig};
use weprotect_tests::postgres;

/// Clients posting at once.
const CLIENTS: usize = 8;

struct Setup {
    servers: Vec<RunningServer>,
    token: String,
    _dirs: Vec<tempfile::TempDir>,
}

async fn setup(database: Database, instances: usize) -> Setup {
    let mut dirs: Vec<tempfile::TempDir> = Vec::new();
    let mut servers = Vec::new();
    for i in 0..instances {
        let dir = tempfile::tempdir().unwrap();
        if i > 0 {
            for file in [SERVICE_KEY_FILE, DATA_KEY_FILE] {
                std::fs::copy(dirs[0].path().join(file), dir.path().join(file)).unwrap();
            }
        }
        let mut config = ServerConfig::new(dir.path());
        config.database = database.clone();
        config.limits.per_token = None;
        servers.push(weprotect_server::start(config).await.unwrap());
        dirs.push(dir);
    }
    let token = servers[0]
        .storage()
        .issue_token("bench")
        .await
        .unwrap()
        .token;
    Setup {
        servers,
        token,
        _dirs: dirs,
    }
}

/// Seals `n` distinct referrals for the setup's service key.
fn bodies(setup: &Setup, n: usize) -> Vec<(String, Vec<u8>)> {
    let service = setup.servers[0].service_config();
    let key = ServicePublicKey::new(service.key_id.clone(), &service.public_key).unwrap();
    (0..n)
        .map(|_| {
            let id = uuid::Uuid::new_v4().to_string();
            let body = seal(
                &key,
                &id,
                weprotect_core::SCHEMA_VERSION,
                EXAMPLE_REFERRAL_JSON.as_bytes(),
            )
            .unwrap();
            (id, body)
        })
        .collect()
}

/// Posts every body with `CLIENTS` at once; returns referrals recorded per second.
async fn run(setup: &Setup, bodies: Vec<(String, Vec<u8>)>) -> f64 {
    let client = reqwest::Client::new();
    let urls: Vec<String> = setup.servers.iter().map(|s| s.url()).collect();
    let n = bodies.len();
    let queue = Arc::new(std::sync::Mutex::new(bodies));
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for c in 0..CLIENTS {
        let (client, queue, token) = (client.clone(), queue.clone(), setup.token.clone());
        let url = urls[c % urls.len()].clone();
        tasks.spawn(async move {
            loop {
                let Some((id, body)) = queue.lock().unwrap().pop() else {
                    return;
                };
                let response = client
                    .post(format!("{url}/v1/referrals"))
                    .bearer_auth(&token)
                    .header("idempotency-key", id)
                    .header("content-type", "application/octet-stream")
                    .body(body)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(response.status().as_u16(), 201);
            }
        });
    }
    while tasks.join_next().await.is_some() {}
    let elapsed = started.elapsed();
    assert_eq!(
        setup.servers[0].storage().referral_count().await.unwrap(),
        n as u64
    );
    n as f64 / elapsed.as_secs_f64()
}

fn median_and_range(mut values: Vec<f64>) -> (f64, f64, f64) {
    values.sort_by(f64::total_cmp);
    (
        values[values.len() / 2],
        values[0],
        values[values.len() - 1],
    )
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    // `cargo test --all-targets` runs bench targets without `--bench`, in a debug build: then
    // only a small smoke run proves the benchmark still works.
    let quick = std::env::var("WEPROTECT_BENCH_QUICK").is_ok_and(|v| v == "1")
        || !std::env::args().any(|a| a == "--bench");
    let (runs, n) = if quick { (1, 40) } else { (5, 400) };
    let Some(cluster) = postgres::cluster() else {
        return;
    };
    let mut figures: [Vec<f64>; 3] = Default::default();
    for _ in 0..runs {
        for (slot, figure) in figures.iter_mut().enumerate() {
            let setup = match slot {
                0 => setup(Database::DataDir, 1).await,
                1 => setup(Database::Postgres(cluster.create_database()), 1).await,
                _ => setup(Database::Postgres(cluster.create_database()), 2).await,
            };
            let bodies = bodies(&setup, n);
            figure.push(run(&setup, bodies).await);
            for server in setup.servers {
                server.shutdown().await;
            }
        }
    }
    println!(
        "intake throughput: {n} referrals per run, {CLIENTS} clients, {runs} interleaved runs{}",
        if quick {
            " (QUICK: not a measurement)"
        } else {
            ""
        }
    );
    let names = [
        "SQLite, one instance (reference)",
        "PostgreSQL, one instance",
        "PostgreSQL, two instances, one database",
    ];
    let medians: Vec<f64> = figures
        .iter()
        .zip(names)
        .map(|(values, name)| {
            let (median, low, high) = median_and_range(values.clone());
            println!("  {name}: {median:.0} referrals/s (range {low:.0}-{high:.0})");
            median
        })
        .collect();
    println!(
        "  two instances / one instance on PostgreSQL: {:.2}x; PostgreSQL / SQLite, one instance: {:.2}x",
        medians[2] / medians[1],
        medians[1] / medians[0]
    );
    // Rows for docs/PERFORMANCE.md (`cargo xtask bench`): figure, value, baseline, ratio, target.
    let cell = |values: &[f64]| {
        let (median, low, high) = median_and_range(values.to_vec());
        format!("{median:.0}/s ({low:.0}-{high:.0})")
    };
    println!(
        "FIGURE\tintake, PostgreSQL, one instance, {CLIENTS} clients\t{}\tSQLite, one instance: {}\t{:.2}x\tno target (capacity figure)",
        cell(&figures[1]),
        cell(&figures[0]),
        medians[1] / medians[0]
    );
    println!(
        "FIGURE\tintake, PostgreSQL, two instances, one database\t{}\tone instance: {}\t{:.2}x\tno target (capacity figure)",
        cell(&figures[2]),
        cell(&figures[1]),
        medians[2] / medians[1]
    );
}
