//! `weprotect sync`: one bounded delivery pass against the configured service, then a refresh
//! of status updates for delivered referrals.
//!
//! The bearer token comes from `WEPROTECT_TOKEN` (on a phone it comes from the app's sign-in).

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use weprotect_core::sync::{StaticToken, SyncEngine, SyncError, SyncPolicy, SyncReport};

use super::device;
use crate::Outcome;

/// The environment variable that holds the device's bearer token.
pub const TOKEN_ENV: &str = "WEPROTECT_TOKEN";

/// Runs one pass with `deadline_secs`.
pub fn run(dir: &Path, deadline_secs: u64, json: bool) -> Outcome {
    let store = match device::open_existing(dir) {
        Ok(store) => store,
        Err(outcome) => return outcome,
    };
    let service = match device::service(dir) {
        Ok(service) => service,
        Err(outcome) => return outcome,
    };
    let token = std::env::var(TOKEN_ENV)
        .ok()
        .filter(|t| !t.trim().is_empty());
    let engine = match SyncEngine::new(
        store,
        service,
        SyncPolicy::default(),
        Arc::new(StaticToken(token)),
        None,
    ) {
        Ok(engine) => engine,
        Err(e) => return Outcome::Unusable(format!("cannot sync: {e}")),
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => return Outcome::Unusable(format!("cannot start the runtime: {}", e.kind())),
    };
    let deadline = Duration::from_secs(deadline_secs);
    let started = std::time::Instant::now();
    let result = runtime.block_on(async {
        let mut report = engine.sync_now(deadline).await?;
        let mut refreshed = 0;
        if !report.needs_sign_in && !report.pin_mismatch {
            // Status updates get what is left of the same deadline.
            match engine
                .refresh_statuses(deadline.saturating_sub(started.elapsed()))
                .await
            {
                Ok(n) => refreshed = n,
                Err(SyncError::NeedsSignIn) => report.needs_sign_in = true,
                // Status updates are a courtesy: a failure here leaves them for the next sync.
                Err(_) => {}
            }
        }
        Ok::<_, SyncError>((report, refreshed))
    });
    let (report, refreshed) = match result {
        Ok(r) => r,
        Err(e) => return Outcome::Unusable(format!("sync failed: {e}")),
    };
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&report).expect("reports serialise")
        );
    } else {
        print_report(&report, refreshed);
    }
    if report.needs_sign_in || report.pin_mismatch {
        Outcome::Refused
    } else {
        Outcome::Ok
    }
}

/// Prints a pass the way an officer would want to read it.
pub fn print_report(report: &SyncReport, refreshed: u32) {
    println!(
        "delivered {}, rejected {}, failed attempts {}, still waiting {}",
        report.delivered, report.rejected, report.retried, report.waiting
    );
    if report.needs_sign_in {
        println!("the service refused the token: sign in again ({TOKEN_ENV}); nothing was lost");
    }
    if report.pin_mismatch {
        println!("the service's certificate matched no pin: nothing was sent");
    }
    if report.deadline_reached {
        println!("the deadline ended the pass; the rest stays queued");
    }
    if let Some(next) = report.next_run_at {
        println!(
            "next attempt due at {}",
            next.format("%Y-%m-%d %H:%M:%S UTC")
        );
    }
    if refreshed > 0 {
        println!("status updates fetched for {refreshed} referral(s)");
    }
}
