//! Proof loop: a device syncs a batch of referrals through the fault-injecting TCP proxy
//! (requests and responses cut mid-way, stalls, delays, resets) to the real reference server on
//! loopback, which injects its own faults too (503s, responses dropped after commit, delays).
//! Counted from both ends: every referral created is on the server exactly once and delivered
//! on the device with that record's receipt; half of them go with their crime number to follow
//! and it is sent as an addendum, which must arrive once too; nothing duplicated, nothing lost.
//!
//! `WEPROTECT_PROOF=long` for the published figures; `WEPROTECT_SEED=N` replays a run.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use weprotect_core::sync::{StaticToken, SyncEngine, SyncPolicy};
use weprotect_tests::fault_proxy::{FaultMix, FaultProxy};
use weprotect_tests::proof::{Dice, Mode, Tally};
use weprotect_tests::rig::Rig;

/// Short timeouts, so stalls cost little; the proxy's stalls outlast the request timeout.
fn policy() -> SyncPolicy {
    SyncPolicy {
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(150),
        connect_timeout: Duration::from_millis(800),
        request_timeout: Duration::from_millis(1_000),
        ..SyncPolicy::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn referrals_synced_through_a_faulty_network_arrive_exactly_once() {
    let mode = Mode::from_env();
    let mut dice = Dice::from_env("proof_faults");
    let seed = dice.next_u64();
    let server_faults = format!(
        "503=0.1,drop=0.15,delay_ms=1,jitter_ms=10,retry_after=0,seed={}",
        seed % 1_000_000
    );
    let rig = Rig::start(server_faults.parse().unwrap()).await;
    let proxy = FaultProxy::start(rig.server.addr(), FaultMix::harsh(), seed).await;
    let mut service = rig.service.clone();
    service.endpoint = proxy.url.clone();
    let engine = SyncEngine::new(
        rig.store.clone(),
        service.clone(),
        policy(),
        Arc::new(StaticToken(Some(rig.token.clone()))),
        None,
    )
    .unwrap();

    // Referrals keep arriving while earlier ones are still being sent, as on a shift.
    let batches = mode.pick(3, 20);
    let per_batch = mode.pick(10, 20);
    let mut created = BTreeSet::new();
    let mut passes = 0u32;
    for batch in 0..=batches {
        if batch < batches {
            created.extend(weprotect_tests::rig::queue_referrals(
                &rig.store,
                &service,
                per_batch / 2,
                Utc::now(),
            ));
            // The other half with their crime numbers to follow, sent as addenda.
            let to_follow = weprotect_tests::rig::queue_referrals_to_follow(
                &rig.store,
                &service,
                per_batch - per_batch / 2,
                Utc::now(),
            );
            weprotect_tests::rig::queue_crime_numbers(&rig.store, &service, &to_follow, Utc::now());
            created.extend(to_follow);
        }
        // A few passes per batch; after the last batch, passes until nothing waits.
        let limit = if batch == batches { 400 } else { 2 };
        for _ in 0..limit {
            passes += 1;
            let report = engine.sync_now(Duration::from_secs(4)).await.unwrap();
            let Some(next) = report.next_run_at else {
                break;
            };
            let wait = (next - Utc::now()).to_std().unwrap_or_default();
            tokio::time::sleep(wait.clamp(Duration::from_millis(5), Duration::from_millis(300)))
                .await;
        }
    }

    let tally = Tally::count(&created, rig.server_dir.path(), &rig.store);
    tally.report_and_check(
        "network_faults",
        mode,
        &format!(
            "passes={passes} {} server_faults={server_faults}",
            proxy.stats
        ),
    );
    assert!(rig.store.integrity_check().unwrap());
}
