//! Wiping the device store: the database and every file SQLite keeps beside it.
//!
//! A force must be able to wipe a device, including when the data key is lost, so wiping
//! needs no key: [`Store::wipe_dir`] works on a directory, [`Store::wipe`] on an open store
//! (it closes it first). The report says how many undelivered referrals (queued or rejected)
//! and drafts were destroyed, counted from clear columns; an unreadable file counts as zero.
//!
//! Files are unlinked, not overwritten: every personal value in them is ciphertext under a key
//! the host keeps, and on flash storage overwriting in place does not reach the old blocks
//! anyway. Destroying the key in the keystore is what makes old copies unreadable.
//! `service.json` (device configuration, no personal data) is left in place.

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags};

use super::Store;
use super::error::{Result, StoreError};
use super::schema::{APPLICATION_ID, DB_FILE_NAME, SIDE_FILE_SUFFIXES};

/// What a wipe destroyed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WipeReport {
    /// Referrals submitted but never delivered (queued or rejected) that are now gone.
    pub undelivered_destroyed: u32,
    /// Drafts that are now gone.
    pub drafts_destroyed: u32,
    /// Files removed (the database and its -wal, -shm and -journal files).
    pub files_removed: u32,
}

impl Store {
    /// Closes this store and removes its database files. Every later call on this store
    /// returns [`StoreError::Closed`]; open the directory again to start afresh.
    ///
    /// Form editors opened on this store drop every value they hold, and refuse every later
    /// call with `Closed`, before this returns.
    pub fn wipe(&self) -> Result<WipeReport> {
        let mut guard = self.lock();
        let counts = match guard.as_ref() {
            Some(inner) => count_destroyed(&inner.conn).unwrap_or((0, 0)),
            None => (0, 0),
        };
        // Closing the connection first, so no handle writes to the files after they go.
        drop(guard.take());
        let removed = remove_files(self.dir());
        drop(guard);
        self.notify_wiped();
        let files_removed = removed?;
        Ok(WipeReport {
            undelivered_destroyed: counts.0,
            drafts_destroyed: counts.1,
            files_removed,
        })
    }

    /// Removes the store in `dir` without opening it and without the key (for a lost key or
    /// a remote wipe). No `Store` for `dir` may be open in this process.
    pub fn wipe_dir(dir: PathBuf) -> Result<WipeReport> {
        let path = dir.join(DB_FILE_NAME);
        let counts = if path.exists() {
            count_without_key(&path).unwrap_or((0, 0))
        } else {
            (0, 0)
        };
        let files_removed = remove_files(&dir)?;
        Ok(WipeReport {
            undelivered_destroyed: counts.0,
            drafts_destroyed: counts.1,
            files_removed,
        })
    }
}

fn count_without_key(path: &Path) -> Result<(u32, u32)> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    let app_id: i32 = conn.pragma_query_value(None, "application_id", |r| r.get(0))?;
    if app_id != APPLICATION_ID {
        return Err(StoreError::NotAWeprotectStore);
    }
    count_destroyed(&conn)
}

fn count_destroyed(conn: &Connection) -> Result<(u32, u32)> {
    Ok(conn.query_row(
        "SELECT (SELECT count(*) FROM outbox WHERE state IN ('queued', 'rejected')),
                (SELECT count(*) FROM drafts)",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?)
}

fn remove_files(dir: &Path) -> Result<u32> {
    let mut removed = 0;
    let main = dir.join(DB_FILE_NAME);
    let side = SIDE_FILE_SUFFIXES.map(|suffix| dir.join(format!("{DB_FILE_NAME}{suffix}")));
    // Side files first: a database without its -wal is merely older, while a -wal left behind
    // could be replayed into the next database created under the same name.
    for path in side.iter().chain(std::iter::once(&main)) {
        match std::fs::remove_file(path) {
            Ok(()) => removed += 1,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::super::StoreSettings;
    use super::super::test_support::*;
    use super::*;

    #[test]
    fn wipe_removes_every_database_file_and_counts_what_was_undelivered() {
        let (dir, store) = open_store();
        let (_sk, service) = service();
        store
            .save_draft(None, crate::example::example_referral(), t0())
            .unwrap();
        for _ in 0..3 {
            let id = store
                .save_draft(None, crate::example::example_referral(), t0())
                .unwrap();
            store.submit(id, service.clone(), t0()).unwrap();
        }
        let report = store.wipe().unwrap();
        assert_eq!(report.undelivered_destroyed, 3);
        assert_eq!(report.drafts_destroyed, 1);
        assert!(report.files_removed >= 1);
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert!(left.is_empty(), "{left:?}");
        assert!(matches!(store.list_drafts(), Err(StoreError::Closed)));
        // The directory can be used again from scratch.
        let again = Store::open(dir.path().into(), key(), StoreSettings::default(), t0()).unwrap();
        assert_eq!(again.counts().unwrap(), Default::default());
    }

    #[test]
    fn wipe_dir_works_without_the_key() {
        let (dir, store) = open_store();
        let (_sk, service) = service();
        let id = store
            .save_draft(None, crate::example::example_referral(), t0())
            .unwrap();
        store.submit(id, service, t0()).unwrap();
        drop(store);
        let report = Store::wipe_dir(dir.path().into()).unwrap();
        assert_eq!(report.undelivered_destroyed, 1);
        assert!(!dir.path().join(DB_FILE_NAME).exists());
        assert_eq!(
            Store::wipe_dir(dir.path().into()).unwrap(),
            WipeReport::default()
        );
    }

    #[test]
    fn a_second_handle_on_the_same_folder_is_not_closed_by_a_wipe() {
        // What docs/bindings.md ("One folder, one Store") warns about: the second handle keeps
        // working on the removed files, so what it saves afterwards is in no file of the
        // folder. Apps open each folder once; if that changes, this test says so.
        let (dir, store) = open_store();
        let other = Store::open(dir.path().into(), key(), StoreSettings::default(), t0()).unwrap();
        store.wipe().unwrap();
        assert!(!other.is_closed());
        other
            .save_draft(None, crate::example::example_referral(), t0())
            .unwrap();
        assert!(
            !dir.path().join(DB_FILE_NAME).exists(),
            "nothing was recreated"
        );
        drop(other);
        let again = Store::open(dir.path().into(), key(), StoreSettings::default(), t0()).unwrap();
        assert_eq!(again.counts().unwrap().drafts, 0);
    }
}
