//! Proof loop: the device's clock jumps days back or forward between sync passes (the officer
//! corrects it, the network sets it, a flat battery resets it), while the server injects faults
//! so entries keep being rescheduled. Nothing may be lost, duplicated, or left waiting for days:
//! once the clock stops jumping, a few passes deliver everything.
//!
//! `WEPROTECT_PROOF=long` for the published figures; `WEPROTECT_SEED=N` replays a run.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};
use weprotect_core::example::example_referral;
use weprotect_core::sync::{Clock, StaticToken, SyncEngine};
use weprotect_core::values::InstantValue;
use weprotect_tests::proof::{Dice, Mode, Tally};
use weprotect_tests::rig::{Rig, fast_policy};

/// The system clock plus an offset the test moves.
#[derive(Default)]
struct JumpingClock(AtomicI64);

impl JumpingClock {
    fn jump_ms(&self, ms: i64) {
        self.0.fetch_add(ms, Ordering::SeqCst);
    }
}

impl Clock for JumpingClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now() + chrono::Duration::milliseconds(self.0.load(Ordering::SeqCst))
    }
}

const DAY_MS: i64 = 24 * 3600 * 1000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clock_jumps_of_days_lose_duplicate_or_strand_nothing() {
    let mode = Mode::from_env();
    let mut dice = Dice::from_env("proof_clock");
    let rig = Rig::start(
        format!(
            "503=0.3,drop=0.2,retry_after=0,seed={}",
            dice.below(1_000_000)
        )
        .parse()
        .unwrap(),
    )
    .await;
    let clock = Arc::new(JumpingClock::default());
    let engine = SyncEngine::with_clock(
        rig.store.clone(),
        rig.service.clone(),
        fast_policy(),
        Arc::new(StaticToken(Some(rig.token.clone()))),
        None,
        Vec::new(),
        clock.clone(),
    )
    .unwrap();

    let rounds = mode.pick(8, 60);
    let mut created = BTreeSet::new();
    let (mut back, mut forward) = (0u32, 0u32);
    for round in 0..rounds {
        // Submitted at the device's (wrong) time. The officer types the incident and consent
        // times from a watch, so they are real, and an hour before both clocks (the device
        // refuses times in its future, the service times in its own).
        let now = clock.now();
        for _ in 0..3 {
            let mut referral = example_referral();
            let at = InstantValue::from_datetime(
                (now.min(Utc::now()) - chrono::Duration::hours(1)).fixed_offset(),
            );
            referral.incident.occurred_at = Some(at.clone());
            referral.consent.obtained_at = Some(at);
            // The example's perpetrator was released after its own incident; keep that order.
            if let Some(custody) = referral.perpetrator.custody.as_mut() {
                custody.released_at = Some(InstantValue::from_datetime(
                    (now.min(Utc::now()) - chrono::Duration::minutes(30)).fixed_offset(),
                ));
            }
            let draft = rig.store.save_draft(None, referral, now).unwrap();
            created.insert(
                rig.store
                    .submit(draft, rig.service.clone(), now)
                    .unwrap()
                    .referral_id,
            );
        }
        engine.sync_now(Duration::from_secs(3)).await.unwrap();
        // 1 to 10 days back or forward. A jump back strands entries that just failed (they
        // wait for the old clock's time), so the last jump is always back.
        let days = 1 + dice.below(10) as i64;
        let jump = days * DAY_MS + dice.below(DAY_MS as u64) as i64;
        if dice.below(2) == 0 || round + 1 == rounds {
            back += 1;
            clock.jump_ms(-jump);
        } else {
            forward += 1;
            clock.jump_ms(jump);
        }
        engine.sync_now(Duration::from_secs(3)).await.unwrap();
    }

    // The clock stops jumping: within a bounded number of short passes everything is sent
    // (backoff here waits at most 200 ms; nothing may wait for the days the clock moved).
    let mut passes = 0;
    loop {
        passes += 1;
        let report = engine.sync_now(Duration::from_secs(3)).await.unwrap();
        if report.next_run_at.is_none() {
            break;
        }
        assert!(
            passes < 300,
            "entries stranded after the clock jumped: {report:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let tally = Tally::count(&created, rig.server_dir.path(), &rig.store);
    tally.report_and_check(
        "clock_jumps",
        mode,
        &format!("jumps_back={back} jumps_forward={forward} final_passes={passes}"),
    );
}
