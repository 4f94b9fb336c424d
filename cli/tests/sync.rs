//! `weprotect serve`, `admin`, `configure`, `submit` and `sync` together, as an operator and a
//! desktop user would run them: separate processes talking HTTP on loopback.

mod common;

use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const KEY: &str = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";

fn weprotect(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = common::weprotect();
    command.args(args).envs(env.iter().copied());
    common::feed(command, "")
}

struct Server(Child);
impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn serve(dir: &Path) -> Server {
    let child = Command::new(env!("CARGO_BIN_EXE_weprotect"))
        .args(["serve", "--bind", "127.0.0.1:0", "--server-dir"])
        .arg(dir)
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while !dir.join("service.json").exists() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "server did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    Server(child)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn a_submitted_referral_syncs_to_a_served_service_and_a_bad_token_exits_1() {
    let tmp = tempfile::tempdir().unwrap();
    let service_dir = tmp.path().join("service");
    let device = tmp.path().join("device");
    let device = device.to_str().unwrap();
    let _server = serve(&service_dir);
    let sd = service_dir.to_str().unwrap();

    let issued = weprotect(&["admin", "--server-dir", sd, "token-issue", "PC 1"], &[]);
    assert!(issued.status.success());
    let token = text(&issued.stdout).trim().to_string();
    let key = [("WEPROTECT_DATA_KEY", KEY)];
    let service_json = service_dir.join("service.json");
    let configured = weprotect(
        &[
            "--data-dir",
            device,
            "configure",
            "--service",
            service_json.to_str().unwrap(),
        ],
        &key,
    );
    assert!(configured.status.success(), "{}", text(&configured.stderr));

    let referral = tmp.path().join("referral.json");
    std::fs::write(&referral, weprotect(&["example"], &[]).stdout).unwrap();
    let saved = weprotect(
        &[
            "--data-dir",
            device,
            "draft",
            "save",
            referral.to_str().unwrap(),
        ],
        &key,
    );
    let draft = text(&saved.stdout).trim().to_string();
    assert!(
        weprotect(&["--data-dir", device, "submit", &draft], &key)
            .status
            .success()
    );

    let synced = weprotect(
        &["--data-dir", device, "sync"],
        &[key[0], ("WEPROTECT_TOKEN", &token)],
    );
    assert_eq!(synced.status.code(), Some(0), "{}", text(&synced.stderr));
    assert!(
        text(&synced.stdout).contains("delivered 1"),
        "{}",
        text(&synced.stdout)
    );

    let refused = weprotect(
        &["--data-dir", device, "sync"],
        &[key[0], ("WEPROTECT_TOKEN", "wpt_not_a_token")],
    );
    assert_eq!(refused.status.code(), Some(1));
    assert!(text(&refused.stdout).contains("sign in again"));
    assert!(!text(&refused.stdout).contains("wpt_not_a_token"));

    let outbox = weprotect(&["--data-dir", device, "outbox", "--json"], &key);
    let entries: serde_json::Value = serde_json::from_slice(&outbox.stdout).unwrap();
    assert_eq!(entries[0]["state"], "delivered");
}

#[test]
fn two_sync_processes_on_one_store_each_report_only_what_they_delivered() {
    const QUEUED: usize = 6;
    let tmp = tempfile::tempdir().unwrap();
    let service_dir = tmp.path().join("service");
    let device = tmp.path().join("device");
    // Slow answers, so that both passes are sending the same referrals at the same time.
    let child = Command::new(env!("CARGO_BIN_EXE_weprotect"))
        .args([
            "serve",
            "--bind",
            "127.0.0.1:0",
            "--faults",
            "delay_ms=400",
            "--server-dir",
        ])
        .arg(&service_dir)
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let _server = Server(child);
    let started = Instant::now();
    while !service_dir.join("service.json").exists() {
        assert!(started.elapsed() < Duration::from_secs(20));
        std::thread::sleep(Duration::from_millis(50));
    }
    let token = weprotect_server::issue_token(&service_dir, "PC 1")
        .unwrap()
        .token;
    let service_json = std::fs::read_to_string(service_dir.join("service.json")).unwrap();
    let service: weprotect_core::config::ServiceConfig =
        serde_json::from_str(&service_json).unwrap();
    {
        let store = weprotect_core::Store::open(
            device.clone(),
            weprotect_core::crypto::DataKey::from_hex(KEY).unwrap(),
            weprotect_core::StoreSettings::default(),
            chrono::Utc::now(),
        )
        .unwrap();
        for _ in 0..QUEUED {
            let id = store
                .save_draft(
                    None,
                    weprotect_core::example::example_referral(),
                    chrono::Utc::now(),
                )
                .unwrap();
            store
                .submit(id, service.clone(), chrono::Utc::now())
                .unwrap();
        }
    }
    let configured = weprotect(
        &[
            "--data-dir",
            device.to_str().unwrap(),
            "configure",
            "--service",
            service_dir.join("service.json").to_str().unwrap(),
        ],
        &[("WEPROTECT_DATA_KEY", KEY)],
    );
    assert!(configured.status.success());

    let sync = || {
        let mut command = common::weprotect();
        command
            .arg("--data-dir")
            .arg(&device)
            .args(["sync", "--json"])
            .env("WEPROTECT_DATA_KEY", KEY)
            .env("WEPROTECT_TOKEN", &token)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (a, b) = (sync(), sync());
    let mut delivered = Vec::new();
    for child in [a, b] {
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        delivered.push(report["delivered"].as_u64().unwrap());
    }
    println!("delivered per process: {delivered:?}");
    assert_eq!(
        delivered.iter().sum::<u64>(),
        QUEUED as u64,
        "{delivered:?}"
    );
    assert_eq!(
        weprotect_server::referral_count(&service_dir).unwrap(),
        QUEUED as u64
    );
}
