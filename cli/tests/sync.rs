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
