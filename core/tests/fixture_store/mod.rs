//! A device store written once by an older version's code (core/fixtures/v1-store,
//! core/fixtures/v2-store): its files, and a copy of its store opened by this build.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, Utc};
use serde_json::Value;
use weprotect_core::crypto::{DataKey, ServicePrivateKey};
use weprotect_core::{Store, StoreSettings};

/// One fixture folder under core/fixtures.
pub struct Fixture(pub &'static str);

impl Fixture {
    /// A file of the fixture.
    pub fn path(&self, name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures")
            .join(self.0)
            .join(name)
    }

    /// A text file of the fixture.
    pub fn text(&self, name: &str) -> String {
        std::fs::read_to_string(self.path(name)).unwrap()
    }

    /// `ids.json`: the draft id, the referral id, the service key id and the clock used.
    pub fn ids(&self) -> Value {
        serde_json::from_str(&self.text("ids.json")).unwrap()
    }

    /// The clock the fixture was written with.
    pub fn written_at(&self) -> DateTime<Utc> {
        self.ids()["written_at"].as_str().unwrap().parse().unwrap()
    }

    /// The service's private key the fixture's referral was sealed to.
    pub fn service_key(&self) -> ServicePrivateKey {
        ServicePrivateKey::from_hex(
            self.ids()["service_key_id"].as_str().unwrap().to_string(),
            self.text("service_private_key.hex").trim(),
        )
        .unwrap()
    }

    /// A copy of the fixture store (the committed one is never touched), opened an hour later.
    pub fn open_copy(&self) -> (tempfile::TempDir, std::sync::Arc<Store>) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::copy(
            self.path("store/weprotect.db"),
            dir.path().join("weprotect.db"),
        )
        .unwrap();
        let key = DataKey::from_hex(self.text("data_key.hex").trim()).unwrap();
        let store = Store::open(
            dir.path().to_path_buf(),
            key,
            StoreSettings::default(),
            self.written_at() + Duration::hours(1),
        )
        .unwrap();
        (dir, store)
    }
}
