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
//! referral, its sender and its first status in one `BEGIN IMMEDIATE` transaction. Submissions
//! that were checked while another commit waited for its fsync share the next transaction
//! (group commit, see [`commit_grouped`]): each still gets its answer only after the commit
//! that holds its row returned, but they pay for one WAL write and one fsync between them.
//! Statements are prepared once per connection (`prepare_cached`).

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use rusqlite::{Connection, params};

use super::scrubber::Scrubber;
use super::{Pending, Scrub};
use crate::addenda::{
    self, CheckedAddendum, Lookup, PendingAddendum, RecordedAddendum, StoredAddendum,
};
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
    /// New referrals checked and waiting for the writer (see [`commit_grouped`]).
    queue: Arc<Mutex<VecDeque<Arc<Job>>>>,
    readers: Mutex<Vec<Connection>>,
    /// WAL scrubs after deletions that a reader kept from finishing (see [`SqliteStorage::scrub`]).
    scrubber: Arc<Scrubber>,
}

/// A checked submission waiting to be committed, and its outcome once it is.
struct Job {
    pending: Pending,
    checked: Checked,
    outcome: Mutex<Option<Result<Recorded>>>,
}

impl Job {
    fn new_referral(&self) -> NewReferral<'_> {
        NewReferral {
            referral_id: &self.pending.referral_id,
            body_sha256: &self.pending.body_sha256,
            key_id: &self.checked.key_id,
            schema_version: self.checked.schema_version,
            sealed_json: &self.checked.sealed_json,
            token_id: &self.pending.token_id,
        }
    }

    fn take_outcome(&self) -> Option<Result<Recorded>> {
        self.outcome
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
    }

    fn finish(&self, outcome: Result<Recorded>) {
        *self.outcome.lock().unwrap_or_else(|e| e.into_inner()) = Some(outcome);
    }
}

/// Most submissions committed in one transaction.
const MAX_GROUP: usize = 64;

/// Commits `job` with whatever other checked submissions wait for the writer, in one
/// transaction (group commit), and returns `job`'s outcome once it is durable.
///
/// The job joins the queue, then waits for the writer. Whoever holds the writer commits
/// every queued job (its own and those that queued while the previous commit's fsync ran)
/// in one `BEGIN IMMEDIATE` transaction, and hands each job its outcome before letting the
/// writer go; a job that finds its outcome there when it gets the writer returns it at
/// once. Each outcome is set only after the commit returned, so no answer leaves before its
/// row is on disk. Should the group's transaction fail, each job of the group is recorded
/// again on its own, so one submission's failure is not another's.
fn commit_grouped(
    writer: &Mutex<Connection>,
    queue: &Mutex<VecDeque<Arc<Job>>>,
    job: Arc<Job>,
) -> Result<Recorded> {
    queue
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push_back(Arc::clone(&job));
    let mut conn = writer.lock().unwrap_or_else(|e| e.into_inner());
    loop {
        if let Some(outcome) = job.take_outcome() {
            return outcome;
        }
        let group: Vec<Arc<Job>> = {
            let mut queue = queue.lock().unwrap_or_else(|e| e.into_inner());
            let n = queue.len().min(MAX_GROUP);
            queue.drain(..n).collect()
        };
        if group.is_empty() {
            // Unreachable: a job without an outcome is still queued, and only the writer's
            // holder takes jobs from the queue.
            return Err(ServerError::Task);
        }
        let all: Vec<NewReferral<'_>> = group.iter().map(|j| j.new_referral()).collect();
        match records::record_all(&mut conn, &all, Utc::now()) {
            Ok(outcomes) => {
                for (j, outcome) in group.iter().zip(outcomes) {
                    j.finish(Ok(outcome));
                }
            }
            Err(_) if group.len() > 1 => {
                for (j, new) in group.iter().zip(&all) {
                    j.finish(records::record(&mut conn, new, Utc::now()));
                }
            }
            Err(error) => group[0].finish(Err(error)),
        }
    }
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
            queue: Arc::new(Mutex::new(VecDeque::new())),
            readers: Mutex::new(Vec::new()),
            scrubber: Arc::default(),
        })
    }

    pub(crate) fn scrubber(&self) -> &Scrubber {
        &self.scrubber
    }

    /// After a deletion committed: truncates the WAL now (`addenda::scrub_wal`), or, when a
    /// reader holding an older snapshot keeps it from finishing, remembers it: it is tried
    /// again after each later write (while the writer is held anyway) and by a background
    /// task on a timer, until it succeeds. The writer is never held waiting for the reader.
    async fn scrub(&self) -> Result<Scrub> {
        let writer = Arc::clone(&self.writer);
        let done = tokio::task::spawn_blocking(move || {
            let conn = writer.lock().unwrap_or_else(|e| e.into_inner());
            addenda::scrub_wal(&conn)
        })
        .await
        .map_err(|_| ServerError::Task)??;
        if done {
            return Ok(Scrub::Done);
        }
        if self.scrubber.request() {
            // The task holds the writer weakly: once the storage is closed, so is the writer,
            // and SQLite checkpoints and removes the WAL when its last connection closes.
            let (writer, scrubber) = (Arc::downgrade(&self.writer), Arc::clone(&self.scrubber));
            tokio::spawn(async move {
                scrubber
                    .run("truncating the WAL after a deletion", || {
                        let writer = writer.clone();
                        async move {
                            let done = tokio::task::spawn_blocking(move || {
                                let Some(writer) = writer.upgrade() else {
                                    return Ok(true);
                                };
                                let conn = writer.lock().unwrap_or_else(|e| e.into_inner());
                                addenda::scrub_wal(&conn)
                            })
                            .await
                            .map_err(|_| "the attempt's task failed".to_string())?
                            .map_err(|e| e.to_string())?;
                            if done {
                                Ok(())
                            } else {
                                Err("a reader holds an older snapshot".to_string())
                            }
                        }
                    })
                    .await;
            });
        }
        Ok(Scrub::Deferred(
            "a reader kept the WAL from being truncated".into(),
        ))
    }

    /// The data directory (see `Storage::sqlite_dir`).
    pub(crate) fn dir(&self) -> &Path {
        &self.dir
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
        let (writer, scrubber) = (Arc::clone(&self.writer), Arc::clone(&self.scrubber));
        tokio::task::spawn_blocking(move || {
            let mut conn = writer.lock().unwrap_or_else(|e| e.into_inner());
            let result = f(&mut conn);
            retry_scrub(&conn, &scrubber);
            result
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
        let (writer, queue) = (Arc::clone(&self.writer), Arc::clone(&self.queue));
        let scrubber = Arc::clone(&self.scrubber);
        tokio::task::spawn_blocking(move || {
            let checked = match check() {
                Ok(checked) => checked,
                Err(refused) => return Ok(Err(refused)),
            };
            let job = Arc::new(Job {
                pending,
                checked,
                outcome: Mutex::new(None),
            });
            let outcome = commit_grouped(&writer, &queue, job).map(Ok);
            if scrubber.pending() {
                retry_scrub(&writer.lock().unwrap_or_else(|e| e.into_inner()), &scrubber);
            }
            outcome
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

    pub(crate) fn lookup_addendum(
        &self,
        referral_id: &str,
        addendum_id: &str,
        body_sha256: &[u8],
        token_id: &str,
    ) -> Result<Option<Lookup>> {
        self.read(|conn| addenda::lookup(conn, referral_id, addendum_id, body_sha256, token_id))
    }

    pub(crate) async fn record_addendum(
        &self,
        pending: PendingAddendum,
        checked: CheckedAddendum,
    ) -> Result<(RecordedAddendum, Scrub)> {
        let recorded = self
            .write(move |conn| addenda::record(conn, &pending, &checked, Utc::now()))
            .await?;
        let scrub = match &recorded {
            RecordedAddendum::New { deleted: true, .. } => self.scrub().await?,
            _ => Scrub::NotNeeded,
        };
        Ok((recorded, scrub))
    }

    pub(crate) async fn withdraw(&self, referral_id: &str) -> Result<(bool, Scrub)> {
        let id = referral_id.to_string();
        let deleted = self.write(move |conn| addenda::withdraw(conn, &id)).await?;
        let scrub = if deleted {
            self.scrub().await?
        } else {
            Scrub::NotNeeded
        };
        Ok((deleted, scrub))
    }

    pub(crate) async fn scrub_after_deletion(&self) -> Result<Scrub> {
        self.scrub().await
    }

    pub(crate) fn stored_addenda(&self, referral_id: &str) -> Result<Vec<StoredAddendum>> {
        self.read(|conn| addenda::stored(conn, referral_id))
    }
}

/// After a write, with the writer held: tries a WAL scrub left undone by a reader again.
fn retry_scrub(conn: &Connection, scrubber: &Scrubber) {
    if !scrubber.pending() {
        return;
    }
    let covered = scrubber.requested();
    if addenda::scrub_wal(conn).unwrap_or(false) {
        scrubber.done_up_to(covered);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(id: &str, token_id: &str) -> Arc<Job> {
        Arc::new(Job {
            pending: Pending {
                referral_id: id.to_string(),
                body_sha256: id.as_bytes().to_vec(),
                token_id: token_id.to_string(),
            },
            checked: Checked {
                key_id: "key".into(),
                schema_version: 2,
                sealed_json: b"sealed".to_vec(),
            },
            outcome: Mutex::new(None),
        })
    }

    /// Runs a checkpoint; the frames the WAL held.
    fn wal_frames(conn: &Connection, mode: &str) -> i64 {
        conn.query_row(&format!("PRAGMA wal_checkpoint({mode})"), [], |r| r.get(1))
            .unwrap()
    }

    #[test]
    fn jobs_queued_while_the_writer_is_busy_are_committed_together_and_each_gets_its_own_outcome() {
        let dir = tempfile::tempdir().unwrap();
        let conn = db::open(dir.path()).unwrap();
        let token = crate::tokens::issue(&conn, "device").unwrap().id;
        let writer = Arc::new(Mutex::new(conn));
        let queue = Arc::new(Mutex::new(VecDeque::new()));
        let ids: Vec<String> = (1..=6)
            .map(|n| format!("0b7c5a1e-4c6f-4d0e-9a53-2f1d8e6b7c{n:02}"))
            .collect();
        // Hold the writer (as a commit waiting for its fsync would) while all six queue up.
        let held = writer.lock().unwrap();
        let threads: Vec<_> = ids
            .iter()
            .map(|id| {
                let (writer, queue, job) = (writer.clone(), queue.clone(), job(id, &token));
                std::thread::spawn(move || commit_grouped(&writer, &queue, job).unwrap())
            })
            .collect();
        while queue.lock().unwrap().len() < ids.len() {
            std::thread::yield_now();
        }
        // Only now can they be committed: in one transaction, the whole queue at once.
        wal_frames(&held, "TRUNCATE");
        drop(held);
        let outcomes: Vec<Recorded> = threads.into_iter().map(|t| t.join().unwrap()).collect();
        assert!(queue.lock().unwrap().is_empty());
        let conn = writer.lock().unwrap();
        let grouped = wal_frames(&conn, "PASSIVE");
        // One more referral on its own: the pages one commit writes.
        wal_frames(&conn, "TRUNCATE");
        drop(conn);
        let alone = "0b7c5a1e-4c6f-4d0e-9a53-2f1d8e6b7c99";
        commit_grouped(&writer, &queue, job(alone, &token)).unwrap();
        let conn = writer.lock().unwrap();
        let one = wal_frames(&conn, "PASSIVE");
        // Six commits would write about six times the pages of one.
        assert!(
            grouped < 2 * one,
            "six referrals: {grouped} frames, one: {one}"
        );
        let stored = records::receipts_in(&conn).unwrap();
        assert_eq!(stored.len(), ids.len() + 1);
        for outcome in outcomes {
            let Recorded::New(receipt) = outcome else {
                panic!("{outcome:?}")
            };
            assert!(stored.contains(&receipt));
        }
    }
}
