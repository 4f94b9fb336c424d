//! Kill -9 of a syncing device at random moments, with the service injecting faults (503s,
//! responses lost after commit, delays): in the end every referral is on the server exactly
//! once, and every one is delivered on the device with the server's receipt.

use std::collections::BTreeSet;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use weprotect_core::store::OutboxState;
use weprotect_tests::rig::{Rig, open_device};

const FIRST_BATCH: usize = 40;
const REFILL: usize = 10;
const KILLS: usize = 110;

/// A small deterministic generator for kill times (no extra dependency).
struct Dice(u64);
impl Dice {
    fn next_ms(&mut self, max: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % max
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_a_syncing_device_at_random_never_loses_or_duplicates_a_referral() {
    let faults = "503=0.15,drop=0.2,delay_ms=5,jitter_ms=15,retry_after=1,seed=11"
        .parse()
        .unwrap();
    let rig = Rig::start(faults).await;
    let mut ids: BTreeSet<String> = rig.queue(FIRST_BATCH).into_iter().collect();
    let service_file = rig.device_dir.path().join("service.json");
    std::fs::write(&service_file, serde_json::to_string(&rig.service).unwrap()).unwrap();

    let child = || {
        Command::new(env!("CARGO_BIN_EXE_sync_child"))
            .arg(rig.device_dir.path())
            .arg(&service_file)
            .arg(&rig.token)
            .stdout(Stdio::null())
            .spawn()
            .unwrap()
    };
    let mut dice = Dice(0x9E37_79B9_7F4A_7C15);
    let mut killed = 0;
    for _ in 0..10 * KILLS {
        if killed == KILLS {
            break;
        }
        let mut c = child();
        tokio::time::sleep(Duration::from_millis(5 + dice.next_ms(60))).await;
        if c.try_wait().unwrap().is_none() {
            c.kill().unwrap(); // SIGKILL
            killed += 1;
            c.wait().unwrap();
        } else if c.wait().unwrap().success() {
            // The queue drained before the kill: queue more so later kills land mid-sync.
            ids.extend(rig.queue(REFILL));
        }
    }
    assert_eq!(killed, KILLS, "too few kills landed mid-run");

    // Signal is back for good: one last run to the end.
    let mut last = child();
    let started = Instant::now();
    let status = loop {
        if let Some(status) = last.try_wait().unwrap() {
            break status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(90),
            "the last run did not finish"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(status.success());

    let server: BTreeSet<String> = weprotect_server::receipts(rig.server_dir.path())
        .unwrap()
        .into_iter()
        .map(|r| r.referral_id)
        .collect();
    assert_eq!(
        rig.server_count(),
        ids.len() as u64,
        "duplicates or losses on the server"
    );
    assert_eq!(server, ids);

    let device = open_device(rig.device_dir.path().to_path_buf());
    assert!(device.integrity_check().unwrap());
    let receipts = weprotect_server::receipts(rig.server_dir.path()).unwrap();
    let outbox = device.outbox().unwrap();
    assert_eq!(
        outbox.len(),
        ids.len(),
        "an entry went missing on the device"
    );
    for entry in outbox {
        assert_eq!(entry.state, OutboxState::Delivered, "{entry:?}");
        let on_server = receipts
            .iter()
            .find(|r| r.referral_id == entry.referral_id)
            .unwrap();
        assert_eq!(
            entry.receipt.unwrap().service_reference,
            on_server.service_reference
        );
    }
}
