//! The SQLite backend: one writer connection, and reader connections for everything else.
//!
//! SQLite serialises writers anyway, so one writer connection behind a mutex is all a server
//! needs; each write runs on the blocking pool because its commit waits for an fsync. Reads
//! (a token, an existing referral, a status history) run inline on a reader connection from a
//! small pool: in WAL mode a reader never waits for the writer, and an indexed lookup takes
//! microseconds, less than handing it to another thread would.
//!
//! A new submission costs one blocking hand-off: the envelope is opened and validated on the
//! blocking pool without any lock held, then the same task takes the writer and commits the
//! referral, its sender and its first status in one `BEGIN IMMEDIATE` transaction.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use rusqlite::{Connection, params};

use super::Pending;
use crate::db;
use crate::error::{ApiError, Result, ServerError};
use crate::records::{self, Checked, NewReferral, Receipt, Recorded};
use crate::status::{self, ReferralStatus, StatusEntry};
use crate::tokens::{self, IssuedToken, TokenInfo};

/// Reader connections kept for reuse; more are opened when requests need them.
const KEPT_READERS: usize = 8;

pub(crate) struct SqliteStorage {
    dir: PathBuf,
    writer: Arc<Mutex<Connection>>,
    readers: Mutex<Vec<Connection>>,
}

impl SqliteStorage {
    pub(crate) async fn open(dir: &Path) -> Result<SqliteStorage> {
        let owned = dir.to_path_buf();
        let writer = tokio::task::spawn_blocking(move || db::open(&owned))
            .await
            .map_err(|_| ServerError::Task)??;
        Ok(SqliteStorage {
            dir: dir.to_path_buf(),
            writer: Arc::new(Mutex::new(writer)),
            readers: Mutex::new(Vec::new()),
        })
    }

    /// Runs a read inline on a reader connection.
    fn read<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let taken = self.readers.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let conn = match taken {
            Some(conn) => conn,
            None => db::open_reader(&self.dir)?,
        };
        let result = f(&conn);
        let mut readers = self.readers.lock().unwrap_or_else(|e| e.into_inner());
        if readers.len() < KEPT_READERS {
            readers.push(conn);
        }
        result
    }

    /// Runs a write on the blocking pool with the writer connection.
    async fn write<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T> + Send + 'static,
    {
        let writer = Arc::clone(&self.writer);
        tokio::task::spawn_blocking(move || {
            let mut conn = writer.lock().unwrap_or_else(|e| e.into_inner());
            f(&mut conn)
        })
        .await
        .map_err(|_| ServerError::Task)?
    }

    pub(crate) async fn issue_token(&self, label: &str) -> Result<IssuedToken> {
        let label = label.to_string();
        self.write(move |conn| tokens::issue(conn, &label)).await
    }

    pub(crate) async fn revoke_token(&self, token_or_id: &str) -> Result<TokenInfo> {
        let token_or_id = token_or_id.to_string();
        self.write(move |conn| tokens::revoke(conn, &token_or_id))
            .await
    }

    pub(crate) fn list_tokens(&self) -> Result<Vec<TokenInfo>> {
        self.read(tokens::list)
    }

    pub(crate) async fn add_status(
        &self,
        referral_id: &str,
        status: ReferralStatus,
        at: DateTime<Utc>,
    ) -> Result<StatusEntry> {
        let id = referral_id.to_string();
        self.write(move |conn| status::add(conn, &id, status, at))
            .await
    }

    pub(crate) fn referral_count(&self) -> Result<u64> {
        self.read(|conn| {
            let count: i64 = conn.query_row("SELECT COUNT(*) FROM referrals", [], |r| r.get(0))?;
            Ok(u64::try_from(count).unwrap_or(0))
        })
    }

    pub(crate) fn receipts(&self) -> Result<Vec<Receipt>> {
        self.read(records::receipts_in)
    }

    pub(crate) fn sealed_referral(&self, referral_id: &str) -> Result<(Vec<u8>, u32)> {
        self.read(|conn| records::sealed(conn, referral_id))
    }

    pub(crate) fn meta_get(&self, key: &str) -> Result<Option<Vec<u8>>> {
        self.read(|conn| db::meta_get(conn, key))
    }

    pub(crate) async fn meta_set_once(&self, key: &str, value: Vec<u8>) -> Result<Vec<u8>> {
        let key = key.to_string();
        self.write(move |conn| {
            conn.execute(
                "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO NOTHING",
                params![key, value],
            )?;
            db::meta_get(conn, &key)?.ok_or(ServerError::Corrupt("meta"))
        })
        .await
    }

    pub(crate) async fn put_service_key(&self, key_id: &str, sealed: Vec<u8>) -> Result<()> {
        let key_id = key_id.to_string();
        self.write(move |conn| {
            conn.execute(
                "INSERT INTO service_keys (key_id, private_key, added_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (key_id) DO NOTHING",
                params![key_id, sealed, db::format_time(Utc::now())],
            )?;
            Ok(())
        })
        .await
    }

    pub(crate) fn service_keys(&self) -> Result<Vec<(String, Vec<u8>)>> {
        self.read(|conn| {
            let mut stmt =
                conn.prepare("SELECT key_id, private_key FROM service_keys ORDER BY added_at")?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }

    pub(crate) fn authenticate(&self, token: &str) -> Result<Option<String>> {
        self.read(|conn| tokens::authenticate(conn, token))
    }

    pub(crate) async fn find(
        &self,
        referral_id: &str,
        body_sha256: &[u8],
        token_id: &str,
    ) -> Result<Option<Recorded>> {
        let Some(found) =
            self.read(|conn| records::lookup(conn, referral_id, body_sha256, token_id))?
        else {
            return Ok(None);
        };
        if found.needs_sender() {
            let (id, token) = (referral_id.to_string(), token_id.to_string());
            self.write(move |conn| records::add_sender(conn, &id, &token))
                .await?;
        }
        Ok(Some(found.into_recorded()))
    }

    pub(crate) async fn record<F>(
        &self,
        pending: Pending,
        check: F,
    ) -> Result<std::result::Result<Recorded, ApiError>>
    where
        F: FnOnce() -> std::result::Result<Checked, ApiError> + Send + 'static,
    {
        let writer = Arc::clone(&self.writer);
        tokio::task::spawn_blocking(move || {
            let checked = match check() {
                Ok(checked) => checked,
                Err(refused) => return Ok(Err(refused)),
            };
            let new = NewReferral {
                referral_id: &pending.referral_id,
                body_sha256: &pending.body_sha256,
                key_id: &checked.key_id,
                schema_version: checked.schema_version,
                sealed_json: &checked.sealed_json,
                token_id: &pending.token_id,
            };
            let mut conn = writer.lock().unwrap_or_else(|e| e.into_inner());
            records::record(&mut conn, &new, Utc::now()).map(Ok)
        })
        .await
        .map_err(|_| ServerError::Task)?
    }

    pub(crate) fn history_for(
        &self,
        referral_id: &str,
        token_id: &str,
    ) -> Result<Option<Vec<StatusEntry>>> {
        self.read(|conn| {
            if !records::may_read_status(conn, referral_id, token_id)? {
                return Ok(None);
            }
            status::history(conn, referral_id)
        })
    }

    pub(crate) fn history(&self, referral_id: &str) -> Result<Option<Vec<StatusEntry>>> {
        self.read(|conn| status::history(conn, referral_id))
    }
}
