//! The database schema, its migrations, and how a connection is opened and checked.
//!
//! Migrations are a list of steps (rusqlite_migration); step *n* takes a version *n-1*
//! database to version *n*, and `PRAGMA user_version` records where a database is. A shipped
//! step is never edited: a change is a new step. All pending steps run in one transaction, so
//! a crash mid-migration leaves the old version intact. The test
//! `a_store_migrated_from_every_version_has_the_fresh_schema` checks that every path through
//! the list ends at exactly the schema of a fresh store.
//!
//! Columns marked `[enc]` hold values sealed with the device's data key
//! (XChaCha20-Poly1305), with associated data binding table, row id, column and the row's
//! `schema_version` (see `crate::crypto::data_key::aad`). Every other column is clear and holds
//! only ids, states, times (unix milliseconds, UTC), counts and short codes.

use std::path::Path;

use rusqlite::{Connection, OpenFlags, OptionalExtension};
use rusqlite_migration::{M, Migrations};

use super::error::{Result, StoreError};
use crate::crypto::DataKey;

/// `PRAGMA application_id` of a WEPROTECT store ("WPRT"): tells our file from any other SQLite
/// database, so the store never migrates or writes a file it does not own.
pub(crate) const APPLICATION_ID: i32 = 0x5750_5254;

/// The database file inside the store directory.
pub const DB_FILE_NAME: &str = "weprotect.db";

/// Files SQLite may create next to the database (write-ahead log, shared memory, rollback
/// journal). `wipe` removes them all.
pub(crate) const SIDE_FILE_SUFFIXES: [&str; 3] = ["-wal", "-shm", "-journal"];

/// Name of the key check value in `meta`.
const KEY_CHECK: &str = "key_check";

/// Version 1: the initial tables. Frozen: never edit, add a step instead.
const V1: &str = "
-- Small named values. key_check: DataKey::check_value(), sealed constant (not personal data).
CREATE TABLE meta (
    name  TEXT PRIMARY KEY NOT NULL,
    value BLOB NOT NULL
) STRICT;

-- Drafts being filled in. One row per draft; autosave overwrites body and summary.
CREATE TABLE drafts (
    id             TEXT PRIMARY KEY NOT NULL, -- uuid v4
    schema_version INTEGER NOT NULL,          -- referral schema version of body (bound in AAD)
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,          -- drafts idle longer than draft_max_age are purged
    body           BLOB NOT NULL,             -- [enc] the referral JSON
    summary        BLOB NOT NULL              -- [enc] JSON {title, missing, problems} for lists
) STRICT;
CREATE INDEX drafts_by_updated_at ON drafts(updated_at);

-- Submitted referrals. queued -> delivered | rejected. 'sending' is never stored.
CREATE TABLE outbox (
    referral_id       TEXT PRIMARY KEY NOT NULL, -- uuid v4: the idempotency key
    source_draft_id   TEXT NOT NULL UNIQUE,      -- one draft can never make two entries
    schema_version    INTEGER NOT NULL,          -- referral schema version (bound in AAD)
    state             TEXT NOT NULL CHECK (state IN ('queued', 'delivered', 'rejected')),
    queued_at         INTEGER NOT NULL,
    attempts          INTEGER NOT NULL DEFAULT 0,
    next_attempt_at   INTEGER,
    last_error_code   TEXT,
    sealed            BLOB,  -- HPKE envelope to the service: opaque, sent byte-identical on retry
    local_copy        BLOB,  -- [enc] the referral JSON, kept until delivered (reopen if rejected)
    summary           BLOB,  -- [enc] as drafts.summary; gone once delivered
    service_reference TEXT,  -- receipt: the service's reference number
    received_at       INTEGER, -- receipt: when the service received it (service clock)
    delivered_at      INTEGER, -- device clock; receipts older than receipt_max_age are purged
    rejection_code    TEXT,
    rejected_at       INTEGER,
    CHECK ((state = 'queued') = (sealed IS NOT NULL)),
    CHECK (state <> 'delivered' OR (local_copy IS NULL AND summary IS NULL))
) STRICT;
";

/// Version 2: status updates after delivery, and an index for the delivery scheduler.
const V2: &str = "
-- Status updates from the service about a delivered referral. Codes only, no personal data.
CREATE TABLE statuses (
    referral_id TEXT NOT NULL REFERENCES outbox(referral_id) ON DELETE CASCADE,
    status      TEXT NOT NULL,
    at          INTEGER NOT NULL,
    PRIMARY KEY (referral_id, status, at)
) STRICT, WITHOUT ROWID;
CREATE INDEX outbox_by_state_due ON outbox(state, next_attempt_at, queued_at);
CREATE INDEX outbox_by_state_delivered ON outbox(state, delivered_at);
";

/// Version 3: what the officer typed, beside the normalised referral (issue 20). A typed
/// `020 7946 0123` is kept as typed in the editor and normalised (`+442079460123`) in the
/// referral; without this column a reopened draft showed the normalised form.
const V3: &str = "
ALTER TABLE drafts ADD COLUMN typed BLOB; -- [enc] the form editor's document, as typed; NULL
                                          -- for drafts saved from a referral (JSON, reopen)
";

/// Version 4: follow-ups (issue 23). A referral keeps the list of its items to follow (paths
/// and codes, no values: it stays after the receipt purges everything personal), and addenda
/// (information that followed, a withdrawal of consent) queue beside referrals, each sealed
/// once to the service and sent byte-identical under its own id.
const V4: &str = "
ALTER TABLE outbox ADD COLUMN to_follow TEXT; -- JSON [{path, code}] still to follow: clear,
                                              -- paths and codes only; NULL for none
CREATE TABLE addenda (
    addendum_id     TEXT PRIMARY KEY NOT NULL, -- uuid v4: the idempotency key
    referral_id     TEXT NOT NULL REFERENCES outbox(referral_id) ON DELETE CASCADE,
    kind            TEXT NOT NULL CHECK (kind IN ('information', 'consent_withdrawn')),
    schema_version  INTEGER NOT NULL, -- the addendum document's version (ADDENDUM_SCHEMA_VERSION)
    state           TEXT NOT NULL CHECK (state IN ('queued', 'delivered', 'rejected')),
    queued_at       INTEGER NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER,
    last_error_code TEXT,
    items           TEXT NOT NULL, -- JSON [{path, code}] the addendum gives (clear: no values)
    sealed          BLOB,          -- HPKE envelope to the service, sent byte-identical on retry
    received_at     INTEGER,       -- receipt: service clock
    delivered_at    INTEGER,
    rejection_code  TEXT,
    rejected_at     INTEGER,
    CHECK ((state = 'queued') = (sealed IS NOT NULL))
) STRICT;
CREATE INDEX addenda_by_state_due ON addenda(state, next_attempt_at, queued_at);
CREATE INDEX addenda_by_referral ON addenda(referral_id, queued_at);
";

/// The newest schema version this build writes.
pub const LATEST_VERSION: usize = 4;

/// Every migration step, oldest first.
pub(crate) fn migrations() -> Migrations<'static> {
    Migrations::new(vec![
        M::up(V1).comment("initial tables"),
        M::up(V2).comment("status updates and scheduler indexes"),
        M::up(V3).comment("drafts keep what was typed"),
        M::up(V4).comment("to-follow lists and addenda"),
    ])
}

/// What `open` found on disk.
enum Found {
    /// No store yet (no file, an empty file, or an empty database).
    Fresh,
    /// A WEPROTECT store at this schema version.
    Existing(i64),
}

/// Opens (creating if needed) the database at `path`, proves `key` is the store's key, brings
/// the schema up to date and returns the connection. Nothing is written before the file is
/// known to be ours and the key known to be right.
pub(crate) fn open_connection(path: &Path, key: &DataKey) -> Result<Connection> {
    check_sqlite_header(path)?;
    let mut conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    // Connection-level settings; none of them writes to the file.
    conn.execute_batch(
        "PRAGMA secure_delete = ON; PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY;",
    )?;
    let found = identify(&conn)?;
    if let Found::Existing(version) = found {
        if version > LATEST_VERSION as i64 {
            return Err(StoreError::TooNew {
                found: version,
                supported: LATEST_VERSION,
            });
        }
        if verify_key(&conn, key)? {
            // The key opens the stored values; only its check value was damaged: rewrite it.
            replace_key_check(&conn, key)?;
        }
    }
    // From here on the file is ours and the key is right: writes are allowed.
    let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::CorruptStore(
            "cannot enable write-ahead logging",
        ));
    }
    // FULL: a commit is on disk when it returns, so an enqueued referral survives power loss.
    conn.execute_batch("PRAGMA synchronous = FULL;")?;
    if let Found::Fresh = found {
        conn.pragma_update(None, "application_id", APPLICATION_ID)?;
    }
    migrations().to_latest(&mut conn)?;
    ensure_key_check(&conn, key)?;
    Ok(conn)
}

/// Opens an existing store for reading only: nothing is created, migrated, purged or written,
/// so it works on a read-only or full file system. When SQLite cannot open the write-ahead
/// log's shared memory there (a read-only mount without `-shm`), the file is opened as
/// immutable: nothing can write to a read-only mount anyway.
pub(crate) fn open_read_only_connection(path: &Path, key: &DataKey) -> Result<Connection> {
    if !path.exists() {
        return Err(StoreError::NotFound("store"));
    }
    check_sqlite_header(path)?;
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let try_open = |conn: Connection| -> Result<(Connection, Found)> {
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.execute_batch("PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY;")?;
        let found = identify(&conn)?;
        Ok((conn, found))
    };
    let opened = Connection::open_with_flags(path, flags)
        .map_err(StoreError::from)
        .and_then(try_open);
    let (conn, found) = match opened {
        Ok(opened) => opened,
        // SQLite could not open or create the -shm file (a read-only directory or disk): read
        // the database file as it is (immutable), which ignores the -wal file. Only when that
        // file is absent or empty; otherwise the changes it holds would be silently missing (a
        // deleted draft listed again, a delivered referral shown as queued), so refuse.
        Err(StoreError::Sqlite(_)) => {
            let wal = path.with_file_name(format!(
                "{}-wal",
                path.file_name()
                    .map(|n| n.to_string_lossy())
                    .unwrap_or_default()
            ));
            if std::fs::metadata(&wal).is_ok_and(|m| m.len() > 0) {
                return Err(StoreError::Io(std::io::Error::new(
                    std::io::ErrorKind::ReadOnlyFilesystem,
                    "the store's latest changes are in its -wal file, which cannot be read here \
                     (read-only, without its -shm file); open the store once with write access",
                )));
            }
            let mut uri = String::from("file:");
            for byte in path.to_string_lossy().bytes() {
                match byte {
                    b'?' | b'#' | b'%' => uri.push_str(&format!("%{byte:02X}")),
                    _ => uri.push(char::from(byte)),
                }
            }
            uri.push_str("?immutable=1");
            try_open(Connection::open_with_flags(
                uri,
                flags | OpenFlags::SQLITE_OPEN_URI,
            )?)?
        }
        Err(e) => return Err(e),
    };
    match found {
        Found::Fresh => Err(StoreError::NotFound("store")),
        Found::Existing(version) if version > LATEST_VERSION as i64 => Err(StoreError::TooNew {
            found: version,
            supported: LATEST_VERSION,
        }),
        Found::Existing(version) if version < LATEST_VERSION as i64 => Err(
            StoreError::InvalidState("the store needs an upgrade: open it once for writing"),
        ),
        Found::Existing(_) => {
            verify_key(&conn, key)?;
            Ok(conn)
        }
    }
}

/// Refuses a non-empty file that is not SQLite at all, before SQLite touches it.
fn check_sqlite_header(path: &Path) -> Result<()> {
    use std::io::Read;
    let mut file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e.into()),
    };
    let mut header = Vec::with_capacity(16);
    file.by_ref().take(16).read_to_end(&mut header)?;
    if header.is_empty() || header == b"SQLite format 3\0" {
        Ok(())
    } else {
        Err(StoreError::NotAWeprotectStore)
    }
}

/// What the file is. Runs after `check_sqlite_header` accepted the file (absent, empty, or
/// starting with SQLite's magic string), so when SQLite still cannot read the header (the page
/// size, the counters and the schema cookie in bytes 16-100 are damaged) the file is a damaged
/// database, most likely a damaged store: `CorruptStore`, not `NotAWeprotectStore`.
fn identify(conn: &Connection) -> Result<Found> {
    let damaged_header = |e: rusqlite::Error| match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::NotADatabase) => StoreError::CorruptStore("database header"),
        _ => StoreError::from(e),
    };
    let app_id: i32 = conn
        .pragma_query_value(None, "application_id", |r| r.get(0))
        .map_err(damaged_header)?;
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .map_err(damaged_header)?;
    if app_id == APPLICATION_ID {
        return Ok(if version == 0 {
            Found::Fresh
        } else {
            Found::Existing(version)
        });
    }
    let objects: i64 = conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))?;
    if app_id == 0 && version == 0 && objects == 0 {
        Ok(Found::Fresh)
    } else {
        Err(StoreError::NotAWeprotectStore)
    }
}

/// Proves `key` is the store's key. `Ok(true)`: the key check value is damaged, but the key
/// opens the stored values, so it is the right key (the caller rewrites the check value when it
/// may write). A check that fails and no value that opens is a wrong key.
fn verify_key(conn: &Connection, key: &DataKey) -> Result<bool> {
    let check: Option<Vec<u8>> = conn
        .query_row("SELECT value FROM meta WHERE name = ?1", [KEY_CHECK], |r| {
            r.get(0)
        })
        .optional()?;
    match check {
        Some(value) if key.verify_check_value(&value) => Ok(false),
        Some(_) if opens_a_stored_value(conn, key)? => Ok(true),
        Some(_) => Err(StoreError::WrongKey),
        // A crash between creating the tables and writing the check value leaves a store
        // with no check value; that is only acceptable while nothing is encrypted in it.
        None if holds_no_encrypted_values(conn)? => Ok(false),
        None => Err(StoreError::CorruptStore("key check value missing")),
    }
}

/// Whether `key` opens one of the first stored summaries: each is sealed with the data key and
/// bound to its row, so one that opens proves the key.
fn opens_a_stored_value(conn: &Connection, key: &DataKey) -> Result<bool> {
    use super::cipher::{self, DRAFT_SUMMARY, OUTBOX_SUMMARY};
    for (column, sql) in [
        (
            DRAFT_SUMMARY,
            "SELECT id, schema_version, summary FROM drafts LIMIT 8",
        ),
        (
            OUTBOX_SUMMARY,
            "SELECT referral_id, schema_version, summary FROM outbox
             WHERE summary IS NOT NULL LIMIT 8",
        ),
    ] {
        let mut stmt = conn.prepare(sql)?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, Vec<u8>>(2)?,
            ))
        })?;
        for row in rows {
            let (id, version, sealed) = row?;
            let Ok(version) = cipher::version_from_sql(version) else {
                continue;
            };
            if cipher::open(key, column, &id, version, &sealed).is_ok() {
                return Ok(true);
            }
        }
    }
    Ok(false)
}

fn holds_no_encrypted_values(conn: &Connection) -> Result<bool> {
    let n: i64 = conn.query_row(
        "SELECT (SELECT count(*) FROM drafts) + (SELECT count(*) FROM outbox)",
        [],
        |r| r.get(0),
    )?;
    Ok(n == 0)
}

fn ensure_key_check(conn: &Connection, key: &DataKey) -> Result<()> {
    conn.execute(
        "INSERT OR IGNORE INTO meta (name, value) VALUES (?1, ?2)",
        rusqlite::params![KEY_CHECK, key.check_value()],
    )?;
    Ok(())
}

/// Replaces the key check value (inside the rekey transaction).
pub(crate) fn replace_key_check(conn: &Connection, key: &DataKey) -> Result<()> {
    conn.execute(
        "INSERT OR REPLACE INTO meta (name, value) VALUES (?1, ?2)",
        rusqlite::params![KEY_CHECK, key.check_value()],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema_of(conn: &Connection) -> (Vec<(String, String, Option<String>)>, i64) {
        let mut stmt = conn
            .prepare("SELECT type, name, sql FROM sqlite_master ORDER BY type, name")
            .unwrap();
        let objects = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<std::result::Result<Vec<_>, _>>()
            .unwrap();
        let version = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        (objects, version)
    }

    #[test]
    fn the_migration_list_is_valid_and_ends_at_the_latest_version() {
        migrations().validate().unwrap();
        let mut conn = Connection::open_in_memory().unwrap();
        migrations().to_latest(&mut conn).unwrap();
        assert_eq!(schema_of(&conn).1, LATEST_VERSION as i64);
    }

    #[test]
    fn a_store_migrated_from_every_version_has_the_fresh_schema() {
        let mut fresh = Connection::open_in_memory().unwrap();
        migrations().to_latest(&mut fresh).unwrap();
        let expected = schema_of(&fresh);
        assert!(expected.0.iter().any(|(_, name, _)| name == "statuses"));

        for start in 1..LATEST_VERSION {
            let mut conn = Connection::open_in_memory().unwrap();
            conn.execute_batch("PRAGMA foreign_keys = ON").unwrap();
            migrations().to_version(&mut conn, start).unwrap();
            // Rows written by the old version must survive the upgrade.
            conn.execute(
                "INSERT INTO drafts (id, schema_version, created_at, updated_at, body, summary)
                 VALUES ('d1', 1, 0, 0, x'00', x'00')",
                [],
            )
            .unwrap();
            migrations().to_latest(&mut conn).unwrap();
            assert_eq!(schema_of(&conn), expected, "migrated from version {start}");
            let drafts: i64 = conn
                .query_row("SELECT count(*) FROM drafts", [], |r| r.get(0))
                .unwrap();
            assert_eq!(drafts, 1);
        }
    }
}
