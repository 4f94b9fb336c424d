//! Proof loops: kill -9 at random moments, in the spirit of SQLite's crash tests.
//!
//! * A device process (`device_child`) saving drafts, submitting, syncing and rotating its data
//!   key in a random mix, with the service injecting faults, is killed again and again. After
//!   every kill the store opens under one of the two keys, passes `integrity_check`, and still
//!   holds every referral submitted before (the set of outbox entries never shrinks).
//! * The server process (`server_child`) is killed while a device syncs to it, and restarted on
//!   the same data directory and port; the device simply retries.
//!
//! Then signal returns for good, and everything is counted from both ends: created, delivered
//! exactly once, duplicated, lost. Target: 0 duplicated, 0 lost.
//!
//! `WEPROTECT_PROOF=long` for the published figures; `WEPROTECT_SEED=N` replays a run.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use weprotect_core::config::ServiceConfig;
use weprotect_core::sync::{StaticToken, SyncEngine, SyncPolicy};
use weprotect_tests::proof::{Dice, Mode, Tally, open_either_key};
use weprotect_tests::rig::{
    Rig, fast_policy, open_device, queue_crime_numbers, queue_referrals, queue_referrals_to_follow,
};

/// Runs sync passes until nothing waits, each when the engine asks for it (a referral waiting out
/// a backoff or the token's rate limit is not due before); returns the number of passes, or
/// panics when the outbox has not drained in `budget`.
async fn drain(engine: &SyncEngine, budget: Duration) -> u32 {
    let started = Instant::now();
    let mut passes = 0;
    loop {
        passes += 1;
        let report = engine.sync_now(Duration::from_secs(5)).await.unwrap();
        let Some(next) = report.next_run_at else {
            return passes;
        };
        assert!(
            started.elapsed() < budget,
            "the outbox did not drain in {budget:?} ({passes} passes, {} waiting)",
            report.waiting
        );
        let wait = (next - chrono::Utc::now()).to_std().unwrap_or_default();
        tokio::time::sleep(wait.clamp(Duration::from_millis(5), Duration::from_secs(1))).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_devices_across_save_submit_sync_and_rekey_loses_and_duplicates_nothing() {
    let mode = Mode::from_env();
    let kills = mode.pick(20, 160);
    let mut dice = Dice::from_env("proof_kills device");
    let faults = format!(
        "503=0.1,drop=0.15,delay_ms=2,jitter_ms=20,retry_after=0,seed={}",
        dice.below(1_000_000)
    );
    let rig = Rig::start(faults.parse().unwrap()).await;
    // The device's own directory: the rig's store is never used here, so only the child and
    // the checks below touch it.
    let device = tempfile::tempdir().unwrap();
    let service_file = device.path().join("service.json");
    std::fs::write(&service_file, serde_json::to_string(&rig.service).unwrap()).unwrap();

    let mut created: BTreeSet<String> = BTreeSet::new();
    let mut by_phase: BTreeMap<String, u32> = BTreeMap::new();
    let started = Instant::now();
    for kill in 0..kills {
        let mut child = Command::new(env!("CARGO_BIN_EXE_device_child"))
            .arg(device.path())
            .arg(&service_file)
            .arg(&rig.token)
            .arg(dice.next_u64().to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let reader = std::thread::spawn(move || {
            BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
                .last()
                .unwrap_or_default()
        });
        // A debug-build child needs tens of ms per step: lifetimes of up to ~1 s span several.
        tokio::time::sleep(Duration::from_millis(30 + dice.below(1_200))).await;
        if let Some(status) = child.try_wait().unwrap() {
            let mut err = String::new();
            std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
            panic!("kill {kill}: the device exited by itself ({status}): {err}");
        }
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        let last = reader.join().unwrap();
        let phase = last.strip_prefix("phase ").unwrap_or("start").to_string();
        *by_phase.entry(phase).or_default() += 1;

        let (store, _) = open_either_key(device.path().to_path_buf());
        assert!(store.integrity_check().unwrap(), "after kill {kill}");
        let now: BTreeSet<String> = store
            .outbox()
            .unwrap()
            .into_iter()
            .map(|e| e.referral_id)
            .collect();
        assert!(
            created.is_subset(&now),
            "after kill {kill}: a submitted referral vanished from the device"
        );
        created = now;
    }
    let killing = started.elapsed();

    // Signal is back for good and the phone stays on: deliver what is left.
    let (store, _) = open_either_key(device.path().to_path_buf());
    let engine = SyncEngine::new(
        store.clone(),
        rig.service.clone(),
        fast_policy(),
        Arc::new(StaticToken(Some(rig.token.clone()))),
        None,
    )
    .unwrap();
    let passes = drain(&engine, Duration::from_secs(600)).await;
    let phases: Vec<String> = by_phase.iter().map(|(p, n)| format!("{p}:{n}")).collect();
    Tally::count(&created, rig.server_dir.path(), &store).report_and_check(
        "device_kills",
        mode,
        &format!(
            "kills={kills} by_phase={} final_passes={passes} killing_s={:.1} server_faults={faults}",
            phases.join(","),
            killing.as_secs_f64()
        ),
    );
}

/// How many times the server log says the server started listening.
fn starts_logged(log: &Path) -> usize {
    std::fs::read_to_string(log)
        .map(|text| text.matches("listening on").count())
        .unwrap_or(0)
}

/// The server as a child process on a fixed address, logging to `log`. Returns once the server
/// accepts connections and has logged its start (the port is bound a moment before the log line,
/// so waiting for the port alone would let a quick kill land before the line is written).
fn spawn_server(dir: &Path, addr: SocketAddr, faults: &str, log_path: &Path) -> Child {
    let starts_before = starts_logged(log_path);
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log_path)
        .unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_server_child"))
        .arg(dir)
        .arg(addr.to_string())
        .arg(faults)
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap();
    let started = Instant::now();
    while TcpStream::connect(addr).is_err() || starts_logged(log_path) <= starts_before {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the server did not start"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    child
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_the_server_while_it_commits_loses_and_duplicates_nothing() {
    let mode = Mode::from_env();
    let kills = mode.pick(8, 60);
    let mut dice = Dice::from_env("proof_kills server");
    let faults = format!(
        "503=0.05,drop=0.1,delay_ms=2,jitter_ms=30,retry_after=0,seed={}",
        dice.below(1_000_000)
    );
    let server_dir = tempfile::tempdir().unwrap();
    let files = tempfile::tempdir().unwrap();
    let log = files.path().join("server.log");
    let addr = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let mut server = spawn_server(server_dir.path(), addr, &faults, &log);
    let token = weprotect_server::issue_token(server_dir.path(), "proof device")
        .unwrap()
        .token;
    let service: ServiceConfig = serde_json::from_str(
        &std::fs::read_to_string(server_dir.path().join(ServiceConfig::FILE_NAME)).unwrap(),
    )
    .unwrap();

    let device_dir = tempfile::tempdir().unwrap();
    let store = open_device(device_dir.path().to_path_buf());
    let policy = SyncPolicy {
        request_timeout: Duration::from_secs(2),
        ..fast_policy()
    };
    let engine = SyncEngine::new(
        store.clone(),
        service.clone(),
        policy,
        Arc::new(StaticToken(Some(token))),
        None,
    )
    .unwrap();
    // The device syncs all the time, as a phone with signal would.
    let syncing = {
        let engine = engine.clone();
        tokio::spawn(async move {
            loop {
                let _ = engine.sync_now(Duration::from_secs(3)).await;
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
    };

    let mut created = BTreeSet::new();
    let started = Instant::now();
    for _ in 0..kills {
        created.extend(queue_referrals(&store, &service, 2, chrono::Utc::now()));
        // Two more with their crime numbers to follow, sent at once as addenda.
        let to_follow = queue_referrals_to_follow(&store, &service, 2, chrono::Utc::now());
        queue_crime_numbers(&store, &service, &to_follow, chrono::Utc::now());
        created.extend(to_follow);
        tokio::time::sleep(Duration::from_millis(10 + dice.below(250))).await;
        server.kill().unwrap(); // SIGKILL, often mid-request
        server.wait().unwrap();
        // Down for a moment, as a server that crashed and restarts would be.
        tokio::time::sleep(Duration::from_millis(dice.below(100))).await;
        server = spawn_server(server_dir.path(), addr, &faults, &log);
    }
    let killing = started.elapsed();
    syncing.abort();
    let _ = syncing.await;

    let passes = drain(&engine, Duration::from_secs(600)).await;
    let tally = Tally::count(&created, server_dir.path(), &store);
    server.kill().unwrap();
    server.wait().unwrap();
    let log_text = std::fs::read_to_string(&log).unwrap();
    let restarts = log_text.matches("listening on").count();
    tally.report_and_check(
        "server_kills",
        mode,
        &format!(
            "kills={kills} final_passes={passes} killing_s={:.1} server_faults={faults}",
            killing.as_secs_f64()
        ),
    );
    assert!(restarts as u32 > kills, "the server log shows every start");
}
