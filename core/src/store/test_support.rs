//! Helpers for the store's unit tests: a store in a temporary directory, a fixed clock.

use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};

use super::{Store, StoreSettings};
use crate::config::ServiceConfig;
use crate::crypto::{DataKey, ServicePrivateKey};

/// A fixed "now", a day after the example referral's incident.
pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 21, 10, 0, 0).unwrap()
}

pub const KEY_HEX: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

pub fn key() -> DataKey {
    DataKey::from_hex(KEY_HEX).unwrap()
}

pub fn open_store() -> (tempfile::TempDir, Arc<Store>) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(
        dir.path().to_path_buf(),
        key(),
        StoreSettings::default(),
        t0(),
    )
    .unwrap();
    (dir, store)
}

pub fn service() -> (ServicePrivateKey, ServiceConfig) {
    let (sk, pk) = ServicePrivateKey::generate("service-key-1".into()).unwrap();
    let config = ServiceConfig {
        endpoint: "https://intake.example.org".into(),
        key_id: "service-key-1".into(),
        public_key: pk.to_hex(),
        spki_pins: Vec::new(),
        jurisdictions: Vec::new(),
    };
    (sk, config)
}
