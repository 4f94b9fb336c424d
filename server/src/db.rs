//! The SQLite intake database: one file in the data directory (the default backend; see
//! `storage` for PostgreSQL, which has the same tables and meaning).
//!
//! Durability is the point of this module. A `201 Created` promises the device that it may
//! delete its copy, so the row must be on disk before the answer leaves: the database runs in
//! WAL mode with `synchronous = FULL`, which makes every commit durable across a power cut,
//! not only across a crash of this process.
//!
//! The referral id (the `Idempotency-Key`) is the primary key of `referrals`, so "exactly
//! once" is enforced by the database itself, not by a cache in front of it. The key is kept
//! for ever: a device that was offline for a month still gets its original receipt.
//!
//! Columns holding personal data are marked `ENCRYPTED`: the referral JSON and an addendum's
//! information, sealed with the server's data key and bound to their rows (see `keys.rs`).
//! Everything else is identifiers, hashes, codes and times. Connections that write run with
//! `secure_delete`, so content deleted on a withdrawal of consent is zeroed in the file.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension};

use crate::error::Result;

/// File name of the database inside the data directory.
pub const DB_FILE: &str = "intake.sqlite3";

/// Schema steps; step `n` upgrades from `user_version` n to n + 1.
const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value BLOB NOT NULL
) STRICT;

-- Device tokens. Only a SHA-256 of the token is stored; the token is shown once, at issue.
CREATE TABLE tokens (
    id           TEXT PRIMARY KEY,         -- public handle, e.g. tok_3f9a0c1d2e4b
    token_sha256 BLOB NOT NULL UNIQUE,
    label        TEXT NOT NULL,            -- operator's label for the device; not personal data
    created_at   TEXT NOT NULL,
    revoked_at   TEXT
) STRICT;

-- One row per referral ever received, kept for ever: the permanent idempotency record.
CREATE TABLE referrals (
    referral_id       TEXT PRIMARY KEY,    -- the Idempotency-Key: a random UUID from the device
    seq               INTEGER NOT NULL UNIQUE,
    service_reference TEXT NOT NULL UNIQUE,
    body_sha256       BLOB NOT NULL,       -- SHA-256 of the envelope bytes, to tell a replay from a reuse
    received_at       TEXT NOT NULL,
    key_id            TEXT NOT NULL,       -- service key the envelope was sealed to
    schema_version    INTEGER NOT NULL,
    referral_json     BLOB NOT NULL        -- ENCRYPTED: the referral, sealed with the data key
) STRICT;

-- Which device tokens presented a referral (the first sender, and any token that replayed the
-- identical envelope later, e.g. after the device signed in again). Only they may read its status.
CREATE TABLE referral_senders (
    referral_id TEXT NOT NULL REFERENCES referrals(referral_id),
    token_id    TEXT NOT NULL REFERENCES tokens(id),
    PRIMARY KEY (referral_id, token_id)
) STRICT;

-- What happened to a referral: statuses only, never notes.
CREATE TABLE status_updates (
    id          INTEGER PRIMARY KEY,
    referral_id TEXT NOT NULL REFERENCES referrals(referral_id),
    status      TEXT NOT NULL,
    at          TEXT NOT NULL
) STRICT;
CREATE INDEX status_updates_by_referral ON status_updates (referral_id, at, id);
"#,
    r#"
-- Every service key a server on this database has used (current and retired), so that every
-- instance opens envelopes sealed to any of them, also after a key file was lost or deleted.
CREATE TABLE service_keys (
    key_id      TEXT PRIMARY KEY,
    private_key BLOB NOT NULL,                -- ENCRYPTED: the private key, sealed with the data key
    added_at    TEXT NOT NULL
) STRICT;
"#,
    r#"
-- Set when the victim withdrew consent: the referral's content was deleted then
-- (referral_json emptied), its ids, times, sender and statuses stay.
ALTER TABLE referrals ADD COLUMN withdrawn_at TEXT;

-- Addenda (issue 23): what a device sent about a referral after it, each once, kept for ever
-- as the referral is (the permanent idempotency record of addenda).
CREATE TABLE addenda (
    addendum_id        TEXT PRIMARY KEY,    -- the Idempotency-Key: a random UUID from the device
    referral_id        TEXT NOT NULL REFERENCES referrals(referral_id),
    seq                INTEGER NOT NULL UNIQUE,
    kind               TEXT NOT NULL,       -- information | consent_withdrawn
    body_sha256        BLOB NOT NULL,       -- SHA-256 of the envelope bytes
    received_at        TEXT NOT NULL,
    key_id             TEXT NOT NULL,       -- service key the envelope was sealed to
    schema_version     INTEGER NOT NULL,    -- the addendum document's version
    token_id           TEXT NOT NULL REFERENCES tokens(id),
    content            BLOB,                -- ENCRYPTED: the information, sealed with the data key;
                                            -- NULL for a withdrawal and once deleted
    withdrawn_by       TEXT,                -- a withdrawal's codes (no free text)
    withdrawn_at       TEXT,
    recorded_how       TEXT,
    content_deleted_at TEXT
) STRICT;
CREATE INDEX addenda_by_referral ON addenda (referral_id, seq);
"#,
];

/// Path of the database file in `dir`.
pub fn db_path(dir: &Path) -> PathBuf {
    dir.join(DB_FILE)
}

/// Opens a second connection to the database in `dir` (already opened and migrated by
/// [`open`]) for reads: in WAL mode a reader never waits for the writer's commit.
pub fn open_reader(dir: &Path) -> Result<Connection> {
    let conn = Connection::open(db_path(dir))?;
    conn.busy_timeout(Duration::from_secs(10))?;
    conn.pragma_update(None, "query_only", true)?;
    Ok(conn)
}

/// Opens (creating and migrating if needed) the database in `dir`.
/// The database, its WAL and shared-memory files are readable by the owner only.
pub fn open(dir: &Path) -> Result<Connection> {
    crate::files::create_private_file(&db_path(dir))?;
    for suffix in ["-wal", "-shm"] {
        let mut name = db_path(dir).into_os_string();
        name.push(suffix);
        let path = PathBuf::from(name);
        if path.exists() {
            crate::files::restrict(&path, 0o600)?;
        }
    }
    let mut conn = Connection::open(db_path(dir))?;
    conn.busy_timeout(Duration::from_secs(10))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", true)?;
    // Deleted content (a withdrawal of consent) is overwritten with zeros in the file, not
    // only unlinked from the b-tree; the WAL is checkpointed and truncated after it (addenda.rs).
    conn.pragma_update(None, "secure_delete", true)?;
    // When the WAL is reset (a checkpoint copied every frame back, and the next write starts
    // it again), the file is truncated to what that write needs: frames of older pages,
    // deleted content's among them, are not left beyond it. A checkpoint that truncates is
    // still run after every deletion (`addenda::scrub_wal`).
    conn.pragma_update(None, "journal_size_limit", 0)?;
    migrate(&mut conn)?;
    Ok(conn)
}

fn migrate(conn: &mut Connection) -> Result<()> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let version: i64 = tx.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let done = usize::try_from(version).unwrap_or(0);
    for (step, sql) in (0_i64..).zip(MIGRATIONS.iter()).skip(done) {
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", step + 1)?;
    }
    tx.commit()?;
    Ok(())
}

/// Reads a value from `meta`.
pub fn meta_get(conn: &Connection, key: &str) -> Result<Option<Vec<u8>>> {
    Ok(conn
        .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
        .optional()?)
}

/// Formats an instant the way the database and the API store it: RFC 3339, UTC, milliseconds.
pub fn format_time(at: chrono::DateTime<chrono::Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Parses an instant written by [`format_time`].
pub fn parse_time(text: &str) -> Result<chrono::DateTime<chrono::Utc>> {
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&chrono::Utc))
        .map_err(|_| crate::error::ServerError::Corrupt("timestamp"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opening_twice_migrates_once_and_uses_wal_with_full_sync() {
        let dir = tempfile::tempdir().unwrap();
        drop(open(dir.path()).unwrap());
        let conn = open(dir.path()).unwrap();
        let mode: String = conn
            .pragma_query_value(None, "journal_mode", |r| r.get(0))
            .unwrap();
        let sync: i64 = conn
            .pragma_query_value(None, "synchronous", |r| r.get(0))
            .unwrap();
        let version: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        assert_eq!(sync, 2);
        assert_eq!(version, MIGRATIONS.len() as i64);
    }
}
