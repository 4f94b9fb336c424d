//! `weprotect demo`: the whole story on one machine, with no set-up.
//!
//! A reference intake service starts on a free loopback port with temporary storage; a device
//! store is prepared; the example referral (fictional people) is filled and submitted while the
//! service is unreachable, so it waits in the encrypted outbox; signal returns, one sync pass
//! delivers it exactly once and the device shows the service's receipt; an advisor's status
//! update then reaches the device. The crime number, not issued at the scene, follows an hour
//! later as an addendum, and the service shows it with the referral. Everything is real: SQLite
//! files, HTTP on loopback, HPKE.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use chrono::{Local, Utc};
use weprotect_core::config::ServiceConfig;
use weprotect_core::crypto::DataKey;
use weprotect_core::example::example_referral;
use weprotect_core::store::{OutboxEntry, Store, StoreSettings};
use weprotect_core::sync::{StaticToken, SyncEngine, SyncPolicy};
use weprotect_server::{ReferralStatus, ServerConfig};

use crate::Outcome;

const STEPS: usize = 10;

fn step(n: usize, text: &str) {
    println!("[{n}/{STEPS}] {text}");
}

fn detail(text: impl AsRef<str>) {
    println!("      {}", text.as_ref());
}

/// Runs the demo; with `keep`, the device and service data stay under that directory.
pub fn run(keep: Option<&Path>, console: bool) -> Outcome {
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => return Outcome::Unusable(format!("cannot start the runtime: {}", e.kind())),
    };
    let temp;
    let root: PathBuf = match keep {
        // A kept demo's device is locked with that run's key: start each demo afresh.
        Some(dir) if std::fs::read_dir(dir).is_ok_and(|mut d| d.next().is_some()) => {
            return Outcome::Unusable(format!(
                "{} is not empty: give --keep a new or empty directory",
                dir.display()
            ));
        }
        Some(dir) => dir.to_path_buf(),
        None => match tempfile::tempdir() {
            Ok(t) => {
                temp = t;
                temp.path().to_path_buf()
            }
            Err(e) => return Outcome::Unusable(format!("no temporary directory: {}", e.kind())),
        },
    };
    match runtime.block_on(story(&root, keep.is_some(), console)) {
        Ok(()) => Outcome::Ok,
        Err(message) => Outcome::Unusable(format!("demo failed: {message}")),
    }
}

async fn story(root: &Path, keep: bool, console: bool) -> Result<(), String> {
    let service_dir = root.join("service");
    let device_dir = root.join("device");

    step(
        1,
        "Starting the reference intake service on a free loopback port (temporary storage)",
    );
    let server = weprotect_server::start(ServerConfig::new(&service_dir))
        .await
        .map_err(|e| format!("service: {e}"))?;
    let token = weprotect_server::issue_token(&service_dir, "demo device")
        .map_err(|e| format!("token: {e}"))?;
    let service: ServiceConfig = server.service_config();
    detail(format!(
        "listening on {}; sealing key {}",
        server.url(),
        service.key_id
    ));
    detail(format!("device token {} issued", token.id));

    step(
        2,
        "Preparing the device: a fresh data key (on a phone: Keystore/Keychain) and the service description",
    );
    let key = DataKey::generate();
    let key_hex = key.to_hex();
    let store = Store::open(
        device_dir.clone(),
        key,
        StoreSettings::default(),
        Utc::now(),
    )
    .map_err(|e| format!("device store: {e}"))?;
    std::fs::write(
        device_dir.join(ServiceConfig::FILE_NAME),
        serde_json::to_string_pretty(&service).expect("service descriptions serialise"),
    )
    .map_err(|e| format!("service description: {}", e.kind()))?;
    detail(format!("encrypted store {}", store.db_path().display()));

    step(
        3,
        "Filling the example referral (fictional people) and saving it as an encrypted draft",
    );
    // The crime number is not issued yet at the scene: it will follow.
    let mut referral = example_referral();
    referral.incident.crime_reference = None;
    let check = weprotect_core::validate_draft(&referral, Utc::now());
    let draft = store
        .save_draft(None, referral, Utc::now())
        .map_err(|e| format!("draft: {e}"))?;
    let to_follow: Vec<String> = check.to_follow().map(|p| p.path.clone()).collect();
    detail(format!(
        "draft {draft} saved; {} error(s), {} warning(s); to follow: {}",
        check.errors().count(),
        check.warnings().count(),
        to_follow.join(", ")
    ));

    step(4, "Signal lost: the service is unreachable");
    server
        .set_reachable(false)
        .await
        .map_err(|e| format!("service: {e}"))?;

    step(
        5,
        "Submitting: validated, sealed to the service's key (HPKE), queued in the outbox",
    );
    let queued = store
        .submit(draft, service.clone(), Utc::now())
        .map_err(|e| format!("submit: {e}"))?;
    detail(format!(
        "referral {} queued (its id is the idempotency key)",
        queued.referral_id
    ));
    let engine = SyncEngine::new(
        store.clone(),
        service.clone(),
        SyncPolicy::default(),
        Arc::new(StaticToken(Some(token.token.clone()))),
        None,
    )
    .map_err(|e| format!("sync: {e}"))?;
    let report = engine
        .sync_now(Duration::from_secs(30))
        .await
        .map_err(|e| format!("sync: {e}"))?;
    let entry = only_entry(&store)?;
    let next = report.next_run_at.ok_or("nothing is waiting")?;
    detail(format!(
        "sync attempt failed ({}); still queued: {}; next attempt at {} (in {:.1} s)",
        entry.last_error_code.as_deref().unwrap_or("unknown"),
        report.waiting,
        next.with_timezone(&Local).format("%H:%M:%S%.3f"),
        (next - Utc::now()).num_milliseconds().max(0) as f64 / 1000.0
    ));

    step(6, "Signal returns: the service is reachable again");
    server
        .set_reachable(true)
        .await
        .map_err(|e| format!("service: {e}"))?;
    tokio::time::sleep((next - Utc::now()).to_std().unwrap_or_default()).await;

    step(7, "Syncing");
    let report = engine
        .sync_now(Duration::from_secs(30))
        .await
        .map_err(|e| format!("sync: {e}"))?;
    let entry = only_entry(&store)?;
    let receipt = entry.receipt.clone().ok_or("no receipt on the device")?;
    detail(format!(
        "delivered {} (still waiting: {})",
        report.delivered, report.waiting
    ));
    detail(format!(
        "receipt: service reference {} received at {}",
        receipt.service_reference,
        receipt
            .received_at
            .with_timezone(&Local)
            .format("%Y-%m-%d %H:%M:%S")
    ));
    detail(format!(
        "on the device only the receipt remains (the sealed copy and local copy are purged: {})",
        if entry.title.is_none() { "yes" } else { "no" }
    ));
    let held = weprotect_server::referral_count(&service_dir).map_err(|e| e.to_string())?;
    detail(format!("the service holds {held} referral(s)"));

    step(8, "An advisor is assigned at the service");
    weprotect_server::add_status(
        &service_dir,
        &queued.referral_id,
        ReferralStatus::AdvisorAssigned,
        Utc::now(),
    )
    .map_err(|e| format!("status: {e}"))?;

    step(9, "The device fetches status updates");
    engine
        .refresh_statuses(Duration::from_secs(30))
        .await
        .map_err(|e| format!("statuses: {e}"))?;
    for s in only_entry(&store)?.statuses {
        detail(format!(
            "{} at {}",
            s.status,
            s.at.with_timezone(&Local).format("%H:%M:%S")
        ));
    }
    step(
        10,
        "An hour later the crime number is issued: the officer sends it, and the service shows it",
    );
    let information = std::collections::BTreeMap::from([(
        "incident.crime_reference".to_string(),
        serde_json::json!("CR/0012345/26"),
    )]);
    let addendum = store
        .queue_information(
            queued.referral_id.clone(),
            information,
            service.clone(),
            Utc::now(),
        )
        .map_err(|e| format!("follow-up: {e}"))?;
    detail(format!(
        "addendum {} sealed to the service and queued (its own idempotency key)",
        addendum.addendum_id
    ));
    let report = engine
        .sync_now(Duration::from_secs(30))
        .await
        .map_err(|e| format!("sync: {e}"))?;
    detail(format!(
        "delivered {} (still waiting: {}); still to follow on the device: {}",
        report.delivered,
        report.waiting,
        only_entry(&store)?.to_follow.len()
    ));
    for added in weprotect_server::read_addenda(&service_dir, &queued.referral_id)
        .map_err(|e| format!("service: {e}"))?
    {
        for path in added.information.iter().flat_map(|i| i.keys()) {
            detail(format!(
                "the service holds {path}, received {}",
                added.received_at.with_timezone(&Local).format("%H:%M:%S")
            ));
        }
    }
    if console {
        // The service keeps running so a newcomer can look at the referral in a browser.
        let enrolment = weprotect_server::console::add_advisor(
            &service_dir,
            &weprotect_server::Database::DataDir,
            "demo.advisor@service.example",
            weprotect_server::console::Role::Supervisor,
        )
        .await
        .map_err(|e| format!("console: {e}"))?;
        println!(
            "The advisors' console is running at {}/console/",
            server.url()
        );
        println!(
            "  one-time sign-in for the demo advisor (demo.advisor@service.example, supervisor):"
        );
        println!("  {}{}", server.url(), enrolment.path());
        println!(
            "  open it, add the key to an authenticator app, choose a password, then sign in. Ctrl-C stops."
        );
        tokio::signal::ctrl_c()
            .await
            .map_err(|e| format!("waiting for Ctrl-C: {}", e.kind()))?;
    }
    server.shutdown().await;
    if keep {
        println!("Kept under {}:", root.display());
        println!("  service data: {}", service_dir.display());
        println!(
            "  device data:  {} (demo data key, fictional data: WEPROTECT_DATA_KEY={})",
            device_dir.display(),
            &*key_hex
        );
        println!(
            "  try: WEPROTECT_DATA_KEY=... weprotect --data-dir {} outbox",
            device_dir.display()
        );
    }
    println!(
        "Done: one referral, delivered exactly once, receipt {}.",
        receipt.service_reference
    );
    Ok(())
}

fn only_entry(store: &Store) -> Result<OutboxEntry, String> {
    store
        .outbox()
        .map_err(|e| format!("outbox: {e}"))?
        .into_iter()
        .next()
        .ok_or_else(|| "the outbox is empty".to_string())
}
