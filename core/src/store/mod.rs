//! The device store: encrypted drafts and the durable offline outbox, in one SQLite file.
//!
//! # Why it looks like this
//!
//! An officer fills a referral in a flat with no signal, the phone kills the app, and the
//! referral is sent two days later from a car park. Meanwhile the phone may be lost or seized.
//! So the store must (1) never lose or duplicate a referral across kills and power loss,
//! (2) never reveal personal data to someone holding the phone's files, and (3) never destroy
//! data it could not read, unless the host explicitly wipes.
//!
//! * **Durability.** SQLite (bundled) in WAL mode with `synchronous = FULL`: a commit that
//!   returns is on disk (the form editor's autosave alone commits without waiting for the disk,
//!   see [`Store::autosave_draft`]). Each lifecycle step is one transaction: submit validates, seals,
//!   inserts the outbox row and deletes the draft together, so after a crash a submit is wholly
//!   there or wholly absent. One connection behind a mutex is the one writer.
//! * **Idempotency.** Submit gives each referral a fresh uuid v4, the referral id, which is the
//!   idempotency key the sync engine sends. The sealed envelope is stored once and sent
//!   byte-identical on every retry. `outbox.source_draft_id` is `UNIQUE` and the draft is gone
//!   after the first submit, so one draft can never make two entries. "Sending" is never
//!   stored: it lives in the sync engine's memory, so a crash mid-send simply sends again under
//!   the same id and the service de-duplicates.
//! * **Encryption at rest.** Every value that can hold personal data (draft bodies, list
//!   summaries, the local copy of a submitted referral) is sealed with the host's
//!   [`DataKey`] before SQLite sees it, bound to its table, row, column and schema version (see
//!   `cipher`). Clear columns hold ids, states, times, counts and short codes only; codes from
//!   outside are checked to be codes. `secure_delete` zeroes freed pages, and temp tables stay in
//!   memory. The key is never written; a sealed check value in `meta` tells a wrong key
//!   ([`StoreError::WrongKey`]) from damage, before anything is written.
//! * **Foreign and corrupt files.** A file that is not SQLite, or an SQLite database without our
//!   `application_id`, is refused with [`StoreError::NotAWeprotectStore`] before any write;
//!   damage gives [`StoreError::CorruptStore`]. Nothing is deleted except by [`Store::wipe`].
//! * **Minimisation.** Drafts idle longer than [`StoreSettings::draft_max_age`] are purged on
//!   open and by [`Store::purge_expired`]. Delivery purges the sealed bytes and the local copy
//!   in the same transaction that records the receipt; receipts go after
//!   [`StoreSettings::receipt_max_age`].
//!
//! The API is shaped for uniffi: `Arc<Store>`, `&self` methods, owned arguments and results, and
//! the clock as a parameter (`now`) so behaviour is deterministic in tests. See
//! docs/storage.md for the schema and the lifecycle.
//!
//! One file per concern: `schema` (migrations, opening), `cipher` (encrypted columns),
//! `drafts`, `outbox` (submit and the sync engine's calls), `rekey`, `wipe`, `error`.

mod addenda;
mod cipher;
pub(crate) use cipher::is_code;
mod drafts;
mod error;
mod files;
mod outbox;
mod profile;
mod rekey;
mod schema;
mod wipe;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::Duration;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, TransactionBehavior};

pub(crate) use addenda::REFERRAL_CLOSED_CODES;
pub use addenda::{AddendumEntry, QueuedAddendum};
pub use drafts::DraftSummary;
pub use error::{Result, StoreError};
pub(crate) use outbox::RecordedOutcome;
pub use outbox::{
    OutboxEntry, OutboxState, PendingDelivery, QueuedReferral, Receipt, StatusUpdate,
};
pub use profile::ReferrerProfile;
pub use schema::{DB_FILE_NAME, LATEST_VERSION};
pub use wipe::WipeReport;

use crate::crypto::DataKey;

/// Retention settings. Tests and deployments override them; the defaults follow the issue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreSettings {
    /// Drafts not saved for longer than this are purged. Default 72 hours.
    pub draft_max_age: Duration,
    /// Receipts of delivered referrals older than this are purged. Default 30 days.
    pub receipt_max_age: Duration,
}

impl Default for StoreSettings {
    fn default() -> Self {
        StoreSettings {
            draft_max_age: Duration::from_secs(72 * 3600),
            receipt_max_age: Duration::from_secs(30 * 24 * 3600),
        }
    }
}

/// How many entries the store holds, by kind. Counts only, no decryption.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StoreCounts {
    /// Drafts.
    pub drafts: u32,
    /// Outbox entries (referrals) waiting to be delivered.
    pub queued: u32,
    /// Addenda waiting to be delivered: information that followed a delivered referral, or a
    /// withdrawal of consent. A host deciding whether anything is left to send (to start a pass
    /// when signal returns) counts these as well as [`StoreCounts::queued`].
    pub queued_addenda: u32,
    /// Receipts of delivered referrals.
    pub delivered: u32,
    /// Referrals the service refused for good.
    pub rejected: u32,
}

/// What [`Store::purge_expired`] removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PurgeReport {
    /// Drafts idle longer than the maximum age.
    pub drafts_purged: u32,
    /// Receipts older than the maximum age.
    pub receipts_purged: u32,
}

/// The device store. Open once per data directory and share as `Arc<Store>`.
pub struct Store {
    path: PathBuf,
    settings: StoreSettings,
    inner: Mutex<Option<Inner>>,
    /// The organisation's settings for this run of the app (never stored).
    deployment: Mutex<Option<crate::config::DeploymentSettings>>,
    /// What holds this store's data in memory and must let go of it when the store is wiped
    /// (the form editors opened on it).
    wipe_listeners: Mutex<Vec<Weak<dyn WipeListener>>>,
}

/// Something that holds a store's data in memory (an open form editor): told when the store
/// is wiped, so it drops that data at once instead of going on without a store.
pub(crate) trait WipeListener: Send + Sync {
    /// The store was wiped: drop every value held, and refuse every later call.
    fn store_wiped(&self);
}

/// What the mutex guards: the one connection (the one writer) and the key. `None` after wipe.
pub(crate) struct Inner {
    conn: Connection,
    key: DataKey,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").finish_non_exhaustive()
    }
}

impl Store {
    /// Opens the store in `dir` (created if missing) with the host's data key, migrates it to
    /// the current schema, and purges drafts and receipts older than the settings allow.
    /// It also starts validation's one-off warm-up on a background thread
    /// ([`warm_up_in_background`](crate::validation::warm_up_in_background)).
    ///
    /// # Errors
    ///
    /// [`StoreError::WrongKey`] if the store was written with another key,
    /// [`StoreError::NotAWeprotectStore`] for a foreign file, [`StoreError::CorruptStore`],
    /// [`StoreError::TooNew`]; in all of these nothing on disk was changed.
    pub fn open(
        dir: PathBuf,
        key: DataKey,
        settings: StoreSettings,
        now: DateTime<Utc>,
    ) -> Result<Arc<Store>> {
        std::fs::create_dir_all(&dir)?;
        let path = dir.join(DB_FILE_NAME);
        files::check_regular(&path)?;
        files::make_private(&dir, &path)?;
        let conn = schema::open_connection(&path, &key)?;
        let store = Store {
            path,
            settings,
            inner: Mutex::new(Some(Inner { conn, key })),
            deployment: Mutex::new(None),
            wipe_listeners: Mutex::new(Vec::new()),
        };
        store.purge_expired(now)?;
        // An app opens its store at launch: set validation up before the first keystroke needs it.
        crate::validation::warm_up_in_background();
        Ok(Arc::new(store))
    }

    /// Opens the existing store in `dir` for reading only: listing drafts, showing one, listing
    /// the outbox. Nothing is created (a mistyped directory gives [`StoreError::NotFound`]
    /// `("store")`), migrated, purged or written, so it works on a read-only or full disk.
    /// Writing through the returned store fails.
    ///
    /// # Errors
    ///
    /// As [`Store::open`], plus `NotFound("store")` when there is no store in `dir`.
    pub fn open_read_only(
        dir: PathBuf,
        key: DataKey,
        settings: StoreSettings,
    ) -> Result<Arc<Store>> {
        let path = dir.join(DB_FILE_NAME);
        files::check_regular(&path)?;
        let conn = schema::open_read_only_connection(&path, &key)?;
        Ok(Arc::new(Store {
            path,
            settings,
            inner: Mutex::new(Some(Inner { conn, key })),
            deployment: Mutex::new(None),
            wipe_listeners: Mutex::new(Vec::new()),
        }))
    }

    /// The settings this store was opened with.
    pub fn settings(&self) -> StoreSettings {
        self.settings
    }

    /// The database file's path (the directory also holds its -wal and -shm files).
    pub fn db_path(&self) -> PathBuf {
        self.path.clone()
    }

    /// Counts of drafts and outbox entries by state, without decrypting anything.
    pub fn counts(&self) -> Result<StoreCounts> {
        self.with(|inner| {
            let mut counts = StoreCounts {
                drafts: inner
                    .conn
                    .query_row("SELECT count(*) FROM drafts", [], |r| r.get(0))?,
                queued_addenda: inner.conn.query_row(
                    "SELECT count(*) FROM addenda WHERE state = 'queued'",
                    [],
                    |r| r.get(0),
                )?,
                ..StoreCounts::default()
            };
            let mut stmt = inner
                .conn
                .prepare("SELECT state, count(*) FROM outbox GROUP BY state")?;
            let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, u32>(1)?)))?;
            for row in rows {
                let (state, n) = row?;
                match state.as_str() {
                    "queued" => counts.queued = n,
                    "delivered" => counts.delivered = n,
                    "rejected" => counts.rejected = n,
                    _ => return Err(StoreError::CorruptStore("unknown outbox state")),
                }
            }
            Ok(counts)
        })
    }

    /// Removes drafts idle longer than `draft_max_age` and receipts older than
    /// `receipt_max_age`, in one transaction. Queued and rejected referrals are never purged.
    pub fn purge_expired(&self, now: DateTime<Utc>) -> Result<PurgeReport> {
        let draft_cutoff = cutoff(now, self.settings.draft_max_age);
        let receipt_cutoff = cutoff(now, self.settings.receipt_max_age);
        self.with(|inner| {
            let tx = inner
                .conn
                .transaction_with_behavior(TransactionBehavior::Immediate)?;
            let drafts_purged =
                tx.execute("DELETE FROM drafts WHERE updated_at < ?1", [draft_cutoff])?;
            let receipts_purged = tx.execute(
                "DELETE FROM outbox WHERE state = 'delivered' AND delivered_at < ?1
                   AND NOT EXISTS (SELECT 1 FROM addenda a
                                   WHERE a.referral_id = outbox.referral_id
                                     AND a.state = 'queued')",
                [receipt_cutoff],
            )?;
            tx.commit()?;
            Ok(PurgeReport {
                drafts_purged: count_u32(drafts_purged),
                receipts_purged: count_u32(receipts_purged),
            })
        })
    }

    /// Runs SQLite's full `integrity_check`. True when the file is sound.
    pub fn integrity_check(&self) -> Result<bool> {
        self.with(|inner| {
            let result: String = inner
                .conn
                .query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
            Ok(result == "ok")
        })
    }

    /// True once the store was wiped: every call returns [`StoreError::Closed`].
    pub fn is_closed(&self) -> bool {
        self.lock().is_none()
    }

    /// Registers `listener` to be told when this store is wiped (see [`WipeListener`]).
    pub(crate) fn on_wipe(&self, listener: Weak<dyn WipeListener>) {
        let mut listeners = self
            .wipe_listeners
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        listeners.retain(|l| l.strong_count() > 0);
        listeners.push(listener);
    }

    /// Tells every live listener that the store was wiped. Called without the store's lock
    /// held: a listener takes its own lock, which an editor holds while it saves into the store.
    fn notify_wiped(&self) {
        let listeners = std::mem::take(
            &mut *self
                .wipe_listeners
                .lock()
                .unwrap_or_else(|e| e.into_inner()),
        );
        for listener in listeners.iter().filter_map(Weak::upgrade) {
            listener.store_wiped();
        }
    }

    /// Runs `f` with the connection and key, holding the one-writer lock.
    fn with<T>(&self, f: impl FnOnce(&mut Inner) -> Result<T>) -> Result<T> {
        let mut guard = self.lock();
        match guard.as_mut() {
            Some(inner) => f(inner),
            None => Err(StoreError::Closed),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Option<Inner>> {
        // A panic while holding the lock dropped its transaction, which rolled back: the
        // connection is still consistent, so a poisoned lock is safe to reuse.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn dir(&self) -> &Path {
        self.path.parent().unwrap_or(Path::new("."))
    }
}

/// `now - age` in stored form; saturates rather than failing for absurd ages.
fn cutoff(now: DateTime<Utc>, age: Duration) -> i64 {
    let age_ms = i64::try_from(age.as_millis()).unwrap_or(i64::MAX);
    cipher::to_millis(now).saturating_sub(age_ms)
}

fn count_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
pub(crate) mod test_support;

#[cfg(test)]
mod tests {
    use super::test_support::*;
    use super::*;

    fn files_in(dir: &Path) -> Vec<(String, Vec<u8>)> {
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                (
                    e.file_name().to_string_lossy().into_owned(),
                    std::fs::read(e.path()).unwrap(),
                )
            })
            .collect();
        files.sort();
        files
    }

    #[test]
    fn the_store_uses_wal_full_sync_and_secure_delete() {
        let (_dir, store) = open_store();
        store
            .with(|inner| {
                let get = |p: &str| -> String {
                    inner
                        .conn
                        .query_row(&format!("PRAGMA {p}"), [], |r| {
                            r.get::<_, rusqlite::types::Value>(0)
                        })
                        .map(|v| format!("{v:?}"))
                        .unwrap()
                };
                assert_eq!(get("journal_mode"), "Text(\"wal\")");
                assert_eq!(get("synchronous"), "Integer(2)"); // FULL
                assert_eq!(get("secure_delete"), "Integer(1)");
                assert_eq!(get("foreign_keys"), "Integer(1)");
                Ok(())
            })
            .unwrap();
    }

    #[test]
    fn wrong_key_is_refused_and_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().into(), key(), StoreSettings::default(), t0()).unwrap();
        let id = store
            .save_draft(None, crate::example::example_referral(), t0())
            .unwrap();
        drop(store);
        let before = files_in(dir.path());
        let err = Store::open(
            dir.path().into(),
            DataKey::generate(),
            StoreSettings::default(),
            // Far in the future: a purge would delete the draft if open got that far.
            t0() + chrono::Duration::days(365),
        )
        .unwrap_err();
        assert!(matches!(err, StoreError::WrongKey));
        assert_eq!(files_in(dir.path()), before);
        let store = Store::open(dir.path().into(), key(), StoreSettings::default(), t0()).unwrap();
        assert!(store.load_draft(id).is_ok());
    }

    #[test]
    fn a_file_that_is_not_sqlite_is_refused_and_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(DB_FILE_NAME);
        std::fs::write(&path, b"these are somebody's notes, not a database").unwrap();
        let err =
            Store::open(dir.path().into(), key(), StoreSettings::default(), t0()).unwrap_err();
        assert!(matches!(err, StoreError::NotAWeprotectStore));
        assert_eq!(
            std::fs::read(&path).unwrap(),
            b"these are somebody's notes, not a database"
        );
    }

    #[test]
    fn another_sqlite_database_is_refused_and_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(DB_FILE_NAME);
        {
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(
                "CREATE TABLE contacts (name TEXT); INSERT INTO contacts VALUES ('x');",
            )
            .unwrap();
        }
        let before = files_in(dir.path());
        let err =
            Store::open(dir.path().into(), key(), StoreSettings::default(), t0()).unwrap_err();
        assert!(matches!(err, StoreError::NotAWeprotectStore));
        assert_eq!(files_in(dir.path()), before);
    }

    #[test]
    fn a_store_with_a_damaged_header_is_corrupt_not_foreign_and_is_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        drop(Store::open(dir.path().into(), key(), StoreSettings::default(), t0()).unwrap());
        let path = dir.path().join(DB_FILE_NAME);
        let mut bytes = std::fs::read(&path).unwrap();
        // Keep SQLite's magic string (bytes 0-15), damage the header fields after it.
        for b in &mut bytes[16..48] {
            *b = 0xA5;
        }
        std::fs::write(&path, &bytes).unwrap();
        let err =
            Store::open(dir.path().into(), key(), StoreSettings::default(), t0()).unwrap_err();
        assert!(matches!(err, StoreError::CorruptStore(_)), "{err:?}");
        let err =
            Store::open_read_only(dir.path().into(), key(), StoreSettings::default()).unwrap_err();
        assert!(matches!(err, StoreError::CorruptStore(_)), "{err:?}");
        assert_eq!(std::fs::read(&path).unwrap(), bytes, "nothing written");
    }

    #[test]
    fn a_damaged_store_gives_a_clear_error_and_is_not_deleted() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().into(), key(), StoreSettings::default(), t0()).unwrap();
        for _ in 0..50 {
            store
                .save_draft(None, crate::example::example_referral(), t0())
                .unwrap();
        }
        drop(store);
        let path = dir.path().join(DB_FILE_NAME);
        let mut bytes = std::fs::read(&path).unwrap();
        // Keep the header (so it still looks like SQLite), smash the pages after the first.
        for b in bytes.iter_mut().skip(4096 + 100) {
            *b = 0xA5;
        }
        std::fs::write(&path, &bytes).unwrap();
        let result = Store::open(dir.path().into(), key(), StoreSettings::default(), t0())
            .and_then(|s| s.list_drafts().map(|_| s));
        assert!(
            matches!(
                result,
                Err(StoreError::CorruptStore(_) | StoreError::NotAWeprotectStore)
            ),
            "{result:?}"
        );
        assert!(path.exists());
    }

    #[test]
    fn a_store_from_a_newer_build_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        drop(Store::open(dir.path().into(), key(), StoreSettings::default(), t0()).unwrap());
        let conn = Connection::open(dir.path().join(DB_FILE_NAME)).unwrap();
        conn.pragma_update(None, "user_version", 99).unwrap();
        drop(conn);
        let err =
            Store::open(dir.path().into(), key(), StoreSettings::default(), t0()).unwrap_err();
        assert!(matches!(err, StoreError::TooNew { found: 99, .. }));
    }

    #[test]
    fn reopening_keeps_everything() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().into(), key(), StoreSettings::default(), t0()).unwrap();
        let id = store
            .save_draft(None, crate::example::example_referral(), t0())
            .unwrap();
        drop(store);
        let store = Store::open(dir.path().into(), key(), StoreSettings::default(), t0()).unwrap();
        assert_eq!(store.list_drafts().unwrap()[0].id, id);
        assert!(store.integrity_check().unwrap());
    }
}
