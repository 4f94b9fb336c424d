//! What the proof loops share: the run size (`WEPROTECT_PROOF=short|long`), a seeded generator
//! whose seed is printed so any failing run can be replayed (`WEPROTECT_SEED=N`), and the tally
//! of created / delivered exactly once / duplicated / lost referrals, read from the server's
//! records and the device's outbox (not from what the test believes it sent).
//!
//! Every loop prints one line starting with `PROOF ` with its figures; `cargo xtask proof`
//! collects those lines.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::Utc;
use weprotect_core::crypto::DataKey;
use weprotect_core::store::{OutboxEntry, OutboxState, Store, StoreError, StoreSettings};

/// How big a run is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// A CI-sized run (the default): seconds per loop.
    Short,
    /// The run the published figures come from: minutes per loop.
    Long,
}

impl Mode {
    /// From `WEPROTECT_PROOF` (`long`; anything else is short).
    pub fn from_env() -> Mode {
        match std::env::var("WEPROTECT_PROOF").as_deref() {
            Ok("long") => Mode::Long,
            _ => Mode::Short,
        }
    }

    /// `short` in short mode, `long` in long mode.
    pub fn pick<T>(self, short: T, long: T) -> T {
        match self {
            Mode::Short => short,
            Mode::Long => long,
        }
    }

    /// The mode's name.
    pub fn name(self) -> &'static str {
        self.pick("short", "long")
    }
}

/// A small seeded generator (splitmix64): no dependency, and the same seed gives the same run.
#[derive(Debug, Clone)]
pub struct Dice(u64);

impl Dice {
    /// A generator from `seed`.
    pub fn new(seed: u64) -> Dice {
        Dice(seed)
    }

    /// From `WEPROTECT_SEED`, else from the clock; prints the seed for replay, tagged `what`.
    pub fn from_env(what: &str) -> Dice {
        let seed = std::env::var("WEPROTECT_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_nanos() as u64
            });
        eprintln!("{what}: replay with WEPROTECT_SEED={seed}");
        Dice(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n` > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// The outcome of a loop, counted from both ends.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// Referrals submitted on the device (committed to its outbox).
    pub created: u64,
    /// Held once by the server and delivered on the device with that record's receipt.
    pub delivered_once: u64,
    /// Extra copies held by the server (records beyond the first for one referral).
    pub duplicated: u64,
    /// Created but missing on the server, or not delivered with the right receipt on the device.
    pub lost: u64,
    /// Records on the server that the device never created.
    pub unexpected: u64,
    /// Addenda (information that followed, withdrawals) the device queued to send: every one
    /// not dropped on the device by a withdrawal of consent before it was sent.
    pub addenda_created: u64,
    /// Held by the server and delivered on the device with the server's receipt time.
    pub addenda_delivered_once: u64,
    /// Refused by the service for good because this device's withdrawal of consent reached it
    /// first (`referral.withdrawn`), and not held there. Any other refusal counts as lost.
    pub addenda_refused: u64,
    /// Queued on the device but missing on the server, or held without the device's receipt.
    pub addenda_lost: u64,
    /// Addenda on the server the device never queued.
    pub addenda_unexpected: u64,
}

impl Tally {
    /// Counts what happened to `created` (the referral ids the device committed), reading the
    /// server's records in `server_dir` and the device's outbox in `device`.
    pub fn count(created: &BTreeSet<String>, server_dir: &Path, device: &Store) -> Tally {
        let mut on_server: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for r in weprotect_server::receipts(server_dir).unwrap() {
            on_server
                .entry(r.referral_id)
                .or_default()
                .push(r.service_reference);
        }
        let stored = weprotect_server::referral_count(server_dir).unwrap();
        let outbox: BTreeMap<String, _> = device
            .outbox()
            .unwrap()
            .into_iter()
            .map(|e| (e.referral_id.clone(), e))
            .collect();
        let mut tally = Tally {
            created: created.len() as u64,
            ..Tally::default()
        };
        for id in created {
            let refs = on_server.get(id).map(Vec::as_slice).unwrap_or(&[]);
            let receipt = outbox
                .get(id)
                .filter(|e| e.state == OutboxState::Delivered)
                .and_then(|e| e.receipt.as_ref());
            match (refs, receipt) {
                ([one], Some(r)) if r.service_reference == *one => tally.delivered_once += 1,
                (refs, _) if refs.len() > 1 => {} // counted below, once per extra copy
                _ => tally.lost += 1,
            }
        }
        tally.unexpected = on_server.keys().filter(|k| !created.contains(*k)).count() as u64;
        tally.count_addenda(&outbox, server_dir);
        // Every record beyond the first for a referral is one duplicate.
        tally.duplicated = stored.saturating_sub(on_server.len() as u64);
        tally
    }

    /// The addenda from both ends: what each referral's outbox entry queued, against what the
    /// server holds for it (one row per addendum id: the id is the primary key).
    fn count_addenda(&mut self, outbox: &BTreeMap<String, OutboxEntry>, server_dir: &Path) {
        for (referral_id, entry) in outbox {
            if entry.addenda.is_empty() && entry.state != OutboxState::Delivered {
                continue;
            }
            let held: BTreeMap<String, chrono::DateTime<Utc>> =
                match weprotect_server::read_addenda(server_dir, referral_id) {
                    Ok(list) => list
                        .into_iter()
                        .map(|a| (a.addendum_id, a.received_at))
                        .collect(),
                    Err(_) => BTreeMap::new(),
                };
            let mine: BTreeSet<&str> = entry
                .addenda
                .iter()
                .map(|a| a.addendum_id.as_str())
                .collect();
            self.addenda_unexpected +=
                held.keys().filter(|id| !mine.contains(id.as_str())).count() as u64;
            for a in &entry.addenda {
                match (a.state, a.rejection_code.as_deref()) {
                    // Dropped on the device when consent was withdrawn: never to be sent (one
                    // already in flight may have arrived, which is no loss).
                    (OutboxState::Rejected, Some("consent.withdrawn")) => continue,
                    // Refused because this device's withdrawal reached the service first, and
                    // not held there. Any other refusal (the loops send only valid information)
                    // or a refused addendum the server holds is a loss.
                    (OutboxState::Rejected, Some("referral.withdrawn"))
                        if entry.consent_withdrawn && !held.contains_key(&a.addendum_id) =>
                    {
                        self.addenda_created += 1;
                        self.addenda_refused += 1;
                        continue;
                    }
                    (OutboxState::Rejected, _) => {
                        self.addenda_created += 1;
                        self.addenda_lost += 1;
                        continue;
                    }
                    _ => self.addenda_created += 1,
                }
                match (held.get(&a.addendum_id), a.state, a.received_at) {
                    (Some(at), OutboxState::Delivered, Some(mine)) if *at == mine => {
                        self.addenda_delivered_once += 1;
                    }
                    _ => self.addenda_lost += 1,
                }
            }
        }
    }

    /// Prints the `PROOF` line for `loop_name` with `extra` figures, then asserts the targets:
    /// nothing duplicated, nothing lost, nothing the device did not send.
    pub fn report_and_check(&self, loop_name: &str, mode: Mode, extra: &str) {
        let line = format!(
            "PROOF {loop_name} mode={} created={} delivered_exactly_once={} duplicated={} lost={} unexpected={} addenda_created={} addenda_delivered_exactly_once={} addenda_refused={} addenda_lost={} addenda_unexpected={} {extra}",
            mode.name(),
            self.created,
            self.delivered_once,
            self.duplicated,
            self.lost,
            self.unexpected,
            self.addenda_created,
            self.addenda_delivered_once,
            self.addenda_refused,
            self.addenda_lost,
            self.addenda_unexpected
        );
        println!("{line}");
        assert_eq!(self.duplicated, 0, "{line}");
        assert_eq!(self.lost, 0, "{line}");
        assert_eq!(self.unexpected, 0, "{line}");
        assert_eq!(self.delivered_once, self.created, "{line}");
        assert!(self.created > 0, "{line}");
        assert_eq!(self.addenda_lost, 0, "{line}");
        assert_eq!(self.addenda_unexpected, 0, "{line}");
        assert_eq!(
            self.addenda_delivered_once + self.addenda_refused,
            self.addenda_created,
            "{line}"
        );
    }
}

/// The two data keys the kill loop's device rotates between (test keys, never real ones).
pub const DEVICE_KEYS: [&str; 2] = [
    crate::rig::DEVICE_KEY_HEX,
    "a1b2c3d4e5f60718293a4b5c6d7e8f90112233445566778899aabbccddeeff00",
];

/// The key that is not `index`.
pub fn other_key(index: usize) -> DataKey {
    DataKey::from_hex(DEVICE_KEYS[1 - index]).unwrap()
}

/// Opens the store in `dir` with whichever of [`DEVICE_KEYS`] it is under, as a host holding a
/// current and a pending key must after a crash during rekey; returns the key's index.
pub fn open_either_key(dir: PathBuf) -> (Arc<Store>, usize) {
    for (index, hex) in DEVICE_KEYS.iter().enumerate() {
        match Store::open(
            dir.clone(),
            DataKey::from_hex(hex).unwrap(),
            StoreSettings::default(),
            Utc::now(),
        ) {
            Ok(store) => return (store, index),
            Err(StoreError::WrongKey) => continue,
            Err(e) => panic!("the device store does not open: {e}"),
        }
    }
    panic!("the device store opens under neither key")
}
