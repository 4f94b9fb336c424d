//! Where the server keeps its records: one SQLite file in the data directory (the default), or
//! a PostgreSQL database that several server instances share.
//!
//! Both backends keep the same tables with the same meaning (`db.rs` for SQLite,
//! `postgres.rs` for PostgreSQL, each with its own migrations applied on start), and both
//! keep the promises the API makes:
//!
//! * **Exactly once, across instances.** The referral id is the primary key. A new referral,
//!   its sender and its first status are written in one transaction, committed durably before
//!   the answer leaves. A racing duplicate, on this instance or another, finds the committed
//!   row and answers with the same receipt.
//! * **Every instance answers the same.** Tokens, statuses, the data key's check value and
//!   every service key ever used (sealed with the data key) live in the database, not in one
//!   instance's memory or directory.
//!
//! And the request path is short (issue 12): a submission reads the record once, and only a
//! new referral is opened and validated (once) and written in one transaction. With SQLite
//! the reads run inline on a WAL reader connection (they never wait for the writer) and the
//! open, validation and commit share one blocking hand-off, and new referrals that wait for
//! the writer together share its next transaction and fsync (group commit, `sqlite.rs`); with
//! PostgreSQL the queries are async and only the open and validation go to the blocking pool.

mod postgres;
mod scrubber;
mod sqlite;

pub(crate) use postgres::delete_content as delete_content_pg;

use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::addenda::{Addendum, CheckedAddendum, Lookup, PendingAddendum, RecordedAddendum};
use crate::error::{ApiError, Result};
use crate::records::{Checked, Receipt, Recorded};
use crate::status::{ReferralStatus, StatusEntry};
use crate::tokens::{IssuedToken, TokenInfo};

/// Which database a server uses.
#[derive(Clone, Default, PartialEq, Eq)]
pub enum Database {
    /// One SQLite file in the data directory (`intake.sqlite3`): the default.
    #[default]
    DataDir,
    /// A PostgreSQL database, by connection URL (`postgres://user:password@host:port/db`),
    /// which several instances may share.
    Postgres(String),
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Database::DataDir => f.write_str("DataDir"),
            // The URL may hold a password.
            Database::Postgres(_) => f.write_str("Postgres(..)"),
        }
    }
}

/// A `--database` value that is neither `sqlite` nor a PostgreSQL URL.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown database; use `sqlite` (a file in the data directory) or a URL postgres://user:password@host:port/database"
)]
pub struct UnknownDatabase;

/// `sqlite` (or an empty string) is the data directory's SQLite file; `postgres://...` and
/// `postgresql://...` are a PostgreSQL database.
impl FromStr for Database {
    type Err = UnknownDatabase;

    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        let s = s.trim();
        if s.is_empty() || s.eq_ignore_ascii_case("sqlite") {
            Ok(Database::DataDir)
        } else if s.starts_with("postgres://") || s.starts_with("postgresql://") {
            Ok(Database::Postgres(s.to_string()))
        } else {
            Err(UnknownDatabase)
        }
    }
}

/// A submission whose id was not in the record when it was looked up.
pub(crate) struct Pending {
    pub referral_id: String,
    pub body_sha256: Vec<u8>,
    pub token_id: String,
}

/// An open database of either backend. Cheap to clone; clones share the connections.
#[derive(Clone)]
pub struct Storage {
    backend: Arc<Backend>,
}

enum Backend {
    Sqlite(sqlite::SqliteStorage),
    Postgres(postgres::PgStorage),
}

impl Storage {
    /// Opens the database (creating and migrating it if needed). `data_dir` holds the SQLite
    /// file for [`Database::DataDir`].
    pub async fn open(database: &Database, data_dir: &Path) -> Result<Storage> {
        let backend = match database {
            Database::DataDir => Backend::Sqlite(sqlite::SqliteStorage::open(data_dir).await?),
            Database::Postgres(url) => Backend::Postgres(postgres::PgStorage::open(url).await?),
        };
        Ok(Storage {
            backend: Arc::new(backend),
        })
    }

    /// Waits until every scrub after a deletion requested so far is done: the SQLite WAL
    /// truncated, PostgreSQL's tables rewritten (see [`Scrub`]). A deletion's answer does not
    /// wait for its scrub; a test, or an operator's tool about to copy the database files,
    /// does.
    pub async fn scrubbed(&self) {
        match &*self.backend {
            Backend::Sqlite(s) => s.scrubber().wait().await,
            Backend::Postgres(p) => p.scrubber().wait().await,
        }
    }

    /// Where a scrub that keeps failing is reported.
    pub(crate) fn set_log(&self, log: crate::log::LogTarget) {
        match &*self.backend {
            Backend::Sqlite(s) => s.scrubber().set_log(log),
            Backend::Postgres(p) => p.scrubber().set_log(log),
        }
    }

    /// `sqlite` or `postgres`.
    pub fn backend_name(&self) -> &'static str {
        match &*self.backend {
            Backend::Sqlite(_) => "sqlite",
            Backend::Postgres(_) => "postgres",
        }
    }

    /// The data directory holding the SQLite file, or `None` on PostgreSQL. The console
    /// (issue 24) keeps its own tables in the same database and opens its own connection.
    pub(crate) fn sqlite_dir(&self) -> Option<&Path> {
        match &*self.backend {
            Backend::Sqlite(s) => Some(s.dir()),
            Backend::Postgres(_) => None,
        }
    }

    /// The PostgreSQL pool, or `None` on SQLite. The console (issue 24) keeps its own tables
    /// in the same database and shares the pool.
    pub(crate) fn postgres_pool(&self) -> Option<deadpool_postgres::Pool> {
        match &*self.backend {
            Backend::Sqlite(_) => None,
            Backend::Postgres(p) => Some(p.pool().clone()),
        }
    }

    /// Issues a device token (see [`crate::issue_token`]).
    pub async fn issue_token(&self, label: &str) -> Result<IssuedToken> {
        match &*self.backend {
            Backend::Sqlite(s) => s.issue_token(label).await,
            Backend::Postgres(p) => p.issue_token(label).await,
        }
    }

    /// Revokes a token by value or id (see [`crate::revoke_token`]).
    pub async fn revoke_token(&self, token_or_id: &str) -> Result<TokenInfo> {
        match &*self.backend {
            Backend::Sqlite(s) => s.revoke_token(token_or_id).await,
            Backend::Postgres(p) => p.revoke_token(token_or_id).await,
        }
    }

    /// All tokens ever issued, oldest first.
    pub async fn list_tokens(&self) -> Result<Vec<TokenInfo>> {
        match &*self.backend {
            Backend::Sqlite(s) => s.list_tokens(),
            Backend::Postgres(p) => p.list_tokens().await,
        }
    }

    /// Adds an advisor's status update (see [`crate::add_status`]).
    pub async fn add_status(
        &self,
        referral_id: &str,
        status: ReferralStatus,
        at: DateTime<Utc>,
    ) -> Result<StatusEntry> {
        if !status.settable() {
            return Err(crate::ServerError::StatusNotSettable);
        }
        let at = crate::db::parse_time(&crate::db::format_time(at))?;
        match &*self.backend {
            Backend::Sqlite(s) => s.add_status(referral_id, status, at).await,
            Backend::Postgres(p) => p.add_status(referral_id, status, at).await,
        }
    }

    /// A referral's status history, oldest first.
    pub async fn status_history(&self, referral_id: &str) -> Result<Vec<StatusEntry>> {
        self.history(referral_id)
            .await?
            .ok_or(crate::ServerError::ReferralNotFound)
    }

    /// How many referrals the database holds.
    pub async fn referral_count(&self) -> Result<u64> {
        match &*self.backend {
            Backend::Sqlite(s) => s.referral_count(),
            Backend::Postgres(p) => p.referral_count().await,
        }
    }

    /// Every receipt given, in order of receipt.
    pub async fn receipts(&self) -> Result<Vec<Receipt>> {
        match &*self.backend {
            Backend::Sqlite(s) => s.receipts(),
            Backend::Postgres(p) => p.receipts().await,
        }
    }

    /// A stored referral's JSON, opened with the data key (an advisor's view).
    pub async fn read_referral(
        &self,
        data_key: &weprotect_core::crypto::DataKey,
        referral_id: &str,
    ) -> Result<String> {
        let (sealed, version) = self.sealed_referral(referral_id).await?;
        crate::records::open_sealed(data_key, referral_id, &sealed, version)
    }

    /// A referral's addenda, opened with the data key, in order of receipt (an advisor's view,
    /// beside [`Storage::read_referral`]): information as JSON values by path, a withdrawal's
    /// codes, and whether the content was deleted. An unknown referral is
    /// [`crate::ServerError::ReferralNotFound`]; one without addenda has an empty list.
    pub async fn read_addenda(
        &self,
        data_key: &weprotect_core::crypto::DataKey,
        referral_id: &str,
    ) -> Result<Vec<Addendum>> {
        self.sealed_referral(referral_id).await?;
        let stored = match &*self.backend {
            Backend::Sqlite(s) => s.stored_addenda(referral_id)?,
            Backend::Postgres(p) => p.stored_addenda(referral_id).await?,
        };
        crate::addenda::open_all(data_key, stored)
    }

    /// The referral an addendum is for, if the token may add to it, and the addendum id's
    /// record if it is known (reads only).
    pub(crate) async fn lookup_addendum(
        &self,
        referral_id: &str,
        addendum_id: &str,
        body_sha256: &[u8],
        token_id: &str,
    ) -> Result<Option<Lookup>> {
        match &*self.backend {
            Backend::Sqlite(s) => {
                s.lookup_addendum(referral_id, addendum_id, body_sha256, token_id)
            }
            Backend::Postgres(p) => {
                p.lookup_addendum(referral_id, addendum_id, body_sha256, token_id)
                    .await
            }
        }
    }

    /// Records a checked addendum in one transaction (a withdrawal deletes the content and
    /// adds its status there), then, after a first withdrawal, scrubs what the database keeps
    /// of the deleted bytes (see [`Scrub`]).
    pub(crate) async fn record_addendum(
        &self,
        pending: PendingAddendum,
        checked: CheckedAddendum,
    ) -> Result<(RecordedAddendum, Scrub)> {
        match &*self.backend {
            Backend::Sqlite(s) => s.record_addendum(pending, checked).await,
            Backend::Postgres(p) => p.record_addendum(pending, checked).await,
        }
    }

    /// Records a withdrawal of consent an advisor recorded (the console): the same withdrawal
    /// as a device's, through the same deletion path (`addenda::delete_content` and its
    /// PostgreSQL twin): content and addenda deleted, the referral marked withdrawn, the status
    /// `consent_withdrawn` added, the console's case marked; then the same scrub. `false` (and
    /// nothing done) when consent was withdrawn already; an unknown referral is
    /// [`crate::ServerError::ReferralNotFound`].
    pub(crate) async fn withdraw_consent(&self, referral_id: &str) -> Result<(bool, Scrub)> {
        match &*self.backend {
            Backend::Sqlite(s) => s.withdraw(referral_id).await,
            Backend::Postgres(p) => p.withdraw(referral_id).await,
        }
    }

    /// After a deletion made on another connection (the console's retention): on SQLite,
    /// truncates the WAL with the writer (see [`Scrub`]); on PostgreSQL nothing (the console
    /// vacuums its tables itself).
    pub(crate) async fn scrub_after_deletion(&self) -> Result<Scrub> {
        match &*self.backend {
            Backend::Sqlite(s) => s.scrub_after_deletion().await,
            Backend::Postgres(_) => Ok(Scrub::NotNeeded),
        }
    }

    /// A stored referral, still sealed with the data key, and its schema version.
    pub(crate) async fn sealed_referral(&self, referral_id: &str) -> Result<(Vec<u8>, u32)> {
        match &*self.backend {
            Backend::Sqlite(s) => s.sealed_referral(referral_id),
            Backend::Postgres(p) => p.sealed_referral(referral_id).await,
        }
    }

    pub(crate) async fn meta_get(&self, key: &str) -> Result<Option<Vec<u8>>> {
        match &*self.backend {
            Backend::Sqlite(s) => s.meta_get(key),
            Backend::Postgres(p) => p.meta_get(key).await,
        }
    }

    /// Writes `value` unless the key is set already; returns the value the database holds
    /// (another instance may have set it first).
    pub(crate) async fn meta_set_once(&self, key: &str, value: Vec<u8>) -> Result<Vec<u8>> {
        match &*self.backend {
            Backend::Sqlite(s) => s.meta_set_once(key, value).await,
            Backend::Postgres(p) => p.meta_set_once(key, value).await,
        }
    }

    /// Keeps a service key (sealed with the data key) unless one with this id is kept.
    pub(crate) async fn put_service_key(&self, key_id: &str, sealed: Vec<u8>) -> Result<()> {
        match &*self.backend {
            Backend::Sqlite(s) => s.put_service_key(key_id, sealed).await,
            Backend::Postgres(p) => p.put_service_key(key_id, sealed).await,
        }
    }

    /// Every service key kept, sealed, by key id.
    pub(crate) async fn service_keys(&self) -> Result<Vec<(String, Vec<u8>)>> {
        match &*self.backend {
            Backend::Sqlite(s) => s.service_keys(),
            Backend::Postgres(p) => p.service_keys().await,
        }
    }

    /// The id of a valid (issued, not revoked) token, or `None`.
    pub(crate) async fn authenticate(&self, token: &str) -> Result<Option<String>> {
        if !crate::tokens::looks_like_token(token) {
            return Ok(None);
        }
        match &*self.backend {
            Backend::Sqlite(s) => s.authenticate(token),
            Backend::Postgres(p) => p.authenticate(token).await,
        }
    }

    /// The record's answer to an id it already holds (adding a new sender token of the
    /// sender's label), or `None` for a new id.
    pub(crate) async fn find(
        &self,
        referral_id: &str,
        body_sha256: &[u8],
        token_id: &str,
    ) -> Result<Option<Recorded>> {
        match &*self.backend {
            Backend::Sqlite(s) => s.find(referral_id, body_sha256, token_id).await,
            Backend::Postgres(p) => p.find(referral_id, body_sha256, token_id).await,
        }
    }

    /// Opens and validates a new submission with `check` (once, on the blocking pool), then
    /// records it in one transaction with its sender and first status. A racing duplicate
    /// that committed first turns this into its replay (or a conflict).
    pub(crate) async fn record<F>(
        &self,
        pending: Pending,
        check: F,
    ) -> Result<std::result::Result<Recorded, ApiError>>
    where
        F: FnOnce() -> std::result::Result<Checked, ApiError> + Send + 'static,
    {
        match &*self.backend {
            Backend::Sqlite(s) => s.record(pending, check).await,
            Backend::Postgres(p) => p.record(pending, check).await,
        }
    }

    /// The history of a referral the token may read, `None` when it may not or there is none.
    pub(crate) async fn history_for(
        &self,
        referral_id: &str,
        token_id: &str,
    ) -> Result<Option<Vec<StatusEntry>>> {
        match &*self.backend {
            Backend::Sqlite(s) => s.history_for(referral_id, token_id),
            Backend::Postgres(p) => p.history_for(referral_id, token_id).await,
        }
    }

    /// The histories of those of `referral_ids` the token may read, in the order given; the
    /// others (unknown, or another label's) are left out.
    pub(crate) async fn histories_for(
        &self,
        referral_ids: &[String],
        token_id: &str,
    ) -> Result<Vec<(String, Vec<StatusEntry>)>> {
        let mut found = Vec::new();
        for id in referral_ids {
            if let Some(history) = self.history_for(id, token_id).await? {
                found.push((id.clone(), history));
            }
        }
        Ok(found)
    }

    async fn history(&self, referral_id: &str) -> Result<Option<Vec<StatusEntry>>> {
        match &*self.backend {
            Backend::Sqlite(s) => s.history(referral_id),
            Backend::Postgres(p) => p.history(referral_id).await,
        }
    }
}

/// What became of the old bytes after a deletion of a referral's content (`scrubber.rs`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Scrub {
    /// Nothing was deleted by this request.
    NotNeeded,
    /// SQLite: the WAL was checkpointed and truncated at once.
    Done,
    /// PostgreSQL: the tables are rewritten (`VACUUM FULL`) by a background task, retried
    /// until it succeeds; [`Storage::scrubbed`] waits for it.
    Background,
    /// SQLite: a reader kept the WAL from being truncated now; why, without personal data.
    /// It is tried again after later writes and by a background task until it succeeds.
    Deferred(String),
}

/// Runs `check` on the blocking pool (the HPKE open and validation are CPU work).
async fn run_check<F>(check: F) -> Result<std::result::Result<Checked, ApiError>>
where
    F: FnOnce() -> std::result::Result<Checked, ApiError> + Send + 'static,
{
    tokio::task::spawn_blocking(check)
        .await
        .map_err(|_| crate::ServerError::Task)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_database_is_sqlite_by_default_or_a_postgres_url_and_debug_hides_the_url() {
        assert_eq!("".parse::<Database>(), Ok(Database::DataDir));
        assert_eq!("sqlite".parse::<Database>(), Ok(Database::DataDir));
        let url = "postgres://intake:s3cret@db.example:5432/intake";
        assert_eq!(
            url.parse::<Database>(),
            Ok(Database::Postgres(url.to_string()))
        );
        assert!("postgresql://h/db".parse::<Database>().is_ok());
        assert_eq!("mysql://h/db".parse::<Database>(), Err(UnknownDatabase));
        assert!(!format!("{:?}", Database::Postgres(url.into())).contains("s3cret"));
    }

    #[tokio::test]
    async fn an_unreachable_postgres_fails_the_start_clearly_without_the_password() {
        // Port 1 on loopback: nothing listens there.
        let database = Database::Postgres("postgres://intake:s3cret@127.0.0.1:1/intake".into());
        let dir = tempfile::tempdir().unwrap();
        let Err(error) = Storage::open(&database, dir.path()).await else {
            panic!("opened a database that does not exist")
        };
        let message = error.to_string();
        assert!(message.contains("postgres"), "{message}");
        assert!(!message.contains("s3cret"), "{message}");
        let bad = Database::Postgres("postgres://intake@127.0.0.1:notaport/intake".into());
        assert!(Storage::open(&bad, dir.path()).await.is_err());
    }
}
