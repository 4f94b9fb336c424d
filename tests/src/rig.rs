//! A device and a service, both real: the reference intake server on a free loopback port with
//! its own temporary storage, and a device store (real SQLite file) configured for it.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use tempfile::TempDir;
use weprotect_core::config::ServiceConfig;
use weprotect_core::crypto::DataKey;
use weprotect_core::example::example_referral;
use weprotect_core::store::{Store, StoreSettings};
use weprotect_core::sync::{StaticToken, SyncEngine, SyncEvent, SyncObserver, SyncPolicy};
use weprotect_server::{Faults, Limits, RunningServer, ServerConfig};

/// The device's data key in tests (never a real key).
pub const DEVICE_KEY_HEX: &str = "4f1c2a9e0b7d3c5a8e6f1d2c3b4a59687766554433221100ffeeddccbbaa9988";

/// A running service and a device configured for it.
pub struct Rig {
    /// The server (drop or `shutdown` stops it).
    pub server: RunningServer,
    /// The server's data directory.
    pub server_dir: TempDir,
    /// The device's data directory.
    pub device_dir: TempDir,
    /// The device's store.
    pub store: Arc<Store>,
    /// A valid device token.
    pub token: String,
    /// The device's service description.
    pub service: ServiceConfig,
}

/// A retry policy fast enough for tests.
pub fn fast_policy() -> SyncPolicy {
    SyncPolicy {
        base_delay: Duration::from_millis(20),
        max_delay: Duration::from_millis(200),
        connect_timeout: Duration::from_secs(2),
        request_timeout: Duration::from_secs(5),
        ..SyncPolicy::default()
    }
}

impl Rig {
    /// Starts a server with `faults` and opens an empty device store.
    pub async fn start(faults: Faults) -> Rig {
        Rig::start_with(faults, |_| {}).await
    }

    /// Like [`Rig::start`], with the server's limits changed by `limits`.
    pub async fn start_with(faults: Faults, limits: impl FnOnce(&mut Limits)) -> Rig {
        let server_dir = tempfile::tempdir().unwrap();
        let mut config = ServerConfig::new(server_dir.path());
        config.faults = faults;
        limits(&mut config.limits);
        let server = weprotect_server::start(config).await.unwrap();
        let token = weprotect_server::issue_token(server_dir.path(), "test device")
            .unwrap()
            .token;
        let device_dir = tempfile::tempdir().unwrap();
        let store = open_device(device_dir.path().to_path_buf());
        let service = server.service_config();
        Rig {
            server,
            server_dir,
            device_dir,
            store,
            token,
            service,
        }
    }

    /// Submits `n` copies of the example referral; returns their referral ids, oldest first.
    pub fn queue(&self, n: usize) -> Vec<String> {
        queue_referrals(&self.store, &self.service, n, Utc::now())
    }

    /// An engine with the fast policy and a fixed, valid token.
    pub fn engine(&self, observer: Option<Arc<dyn SyncObserver>>) -> Arc<SyncEngine> {
        SyncEngine::new(
            self.store.clone(),
            self.service.clone(),
            fast_policy(),
            Arc::new(StaticToken(Some(self.token.clone()))),
            observer,
        )
        .unwrap()
    }

    /// How many referrals the server holds.
    pub fn server_count(&self) -> u64 {
        weprotect_server::referral_count(self.server_dir.path()).unwrap()
    }
}

/// Opens (or creates) a device store in `dir` with the test key.
pub fn open_device(dir: PathBuf) -> Arc<Store> {
    Store::open(
        dir,
        DataKey::from_hex(DEVICE_KEY_HEX).unwrap(),
        StoreSettings::default(),
        Utc::now(),
    )
    .unwrap()
}

/// Saves and submits `n` copies of the example referral at `now`.
pub fn queue_referrals(
    store: &Store,
    service: &ServiceConfig,
    n: usize,
    now: DateTime<Utc>,
) -> Vec<String> {
    queue_copies(store, service, n, now, example_referral())
}

/// Saves and submits `n` copies of the example referral without its crime number (issued
/// later: the referral goes with it to follow), at `now`.
pub fn queue_referrals_to_follow(
    store: &Store,
    service: &ServiceConfig,
    n: usize,
    now: DateTime<Utc>,
) -> Vec<String> {
    let mut referral = example_referral();
    referral.incident.crime_reference = None;
    queue_copies(store, service, n, now, referral)
}

fn queue_copies(
    store: &Store,
    service: &ServiceConfig,
    n: usize,
    now: DateTime<Utc>,
    referral: weprotect_core::Referral,
) -> Vec<String> {
    (0..n)
        .map(|_| {
            let draft = store.save_draft(None, referral.clone(), now).unwrap();
            store
                .submit(draft, service.clone(), now)
                .unwrap()
                .referral_id
        })
        .collect()
}

/// Queues the crime number that was to follow for each of `referral_ids` (as an addendum);
/// returns the addendum ids.
pub fn queue_crime_numbers(
    store: &Store,
    service: &ServiceConfig,
    referral_ids: &[String],
    now: DateTime<Utc>,
) -> Vec<String> {
    referral_ids
        .iter()
        .enumerate()
        .map(|(i, id)| {
            let information = std::collections::BTreeMap::from([(
                "incident.crime_reference".to_string(),
                serde_json::json!(format!("CR/{:06}/26", i + 1)),
            )]);
            store
                .queue_information(id.clone(), information, service.clone(), now)
                .unwrap()
                .addendum_id
        })
        .collect()
}

/// Records every event, for assertions.
#[derive(Default)]
pub struct Recorder(pub Mutex<Vec<SyncEvent>>);

impl SyncObserver for Recorder {
    fn on_event(&self, event: SyncEvent) {
        self.0.lock().unwrap().push(event);
    }
}

impl Recorder {
    /// How many attempts started.
    pub fn sends(&self) -> usize {
        self.0
            .lock()
            .unwrap()
            .iter()
            .filter(|e| matches!(e, SyncEvent::Sending { .. }))
            .count()
    }
}
