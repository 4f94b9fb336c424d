//! The console's tables on the SQLite backend: one connection of its own to the intake file,
//! used on the blocking pool, beside the intake storage's connections (see `store/mod.rs`).

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use super::{Account, AdvisorInfo, QueueRow, SessionRow};
use crate::addenda::Deletion;
use crate::db::{format_time, parse_time};
use crate::error::{Result, ServerError};

const SCHEMA: &str = r#"
-- Advisors and supervisors. No email is kept: `email_key` is a SHA-256 of the normalised email.
CREATE TABLE IF NOT EXISTS console_advisors (
    id               TEXT PRIMARY KEY,           -- adv_<hex>, shown in the audit log
    email_key        BLOB NOT NULL UNIQUE,
    role             TEXT NOT NULL,              -- advisor | supervisor
    password_hash    TEXT,                       -- argon2id PHC string
    totp_secret      BLOB,                       -- ENCRYPTED: sealed with the data key
    totp_last_step   INTEGER NOT NULL DEFAULT 0, -- a code is accepted once
    enrol_sha256     BLOB UNIQUE,                -- SHA-256 of the one-time enrolment token
    enrol_expires_at TEXT,
    failed_sign_ins  INTEGER NOT NULL DEFAULT 0,
    locked_until     TEXT,
    created_at       TEXT NOT NULL,
    revoked_at       TEXT
) STRICT;

-- Server-side sessions: the cookie holds a random value, only its SHA-256 is kept.
CREATE TABLE IF NOT EXISTS console_sessions (
    id_sha256    BLOB PRIMARY KEY,
    advisor_id   TEXT NOT NULL REFERENCES console_advisors (id),
    csrf         TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    last_seen_at TEXT NOT NULL
) STRICT;

-- Who did what, when: ids and action names only, never personal data.
CREATE TABLE IF NOT EXISTS console_audit (
    id          INTEGER PRIMARY KEY,
    at          TEXT NOT NULL,
    advisor_id  TEXT,
    action      TEXT NOT NULL,
    referral_id TEXT
) STRICT;
CREATE INDEX IF NOT EXISTS console_audit_by_referral ON console_audit (referral_id);

-- The console's view of a referral: its triage (computed once, when first seen, from the
-- opened referral: an urgency score and which red flags raised it) and who holds it.
CREATE TABLE IF NOT EXISTS console_cases (
    referral_id  TEXT PRIMARY KEY REFERENCES referrals (referral_id),
    urgency      INTEGER NOT NULL,
    flags        INTEGER NOT NULL,
    to_follow    INTEGER NOT NULL,
    assigned_to  TEXT REFERENCES console_advisors (id),
    content_deleted_at TEXT,                 -- retention ran: the referral's content is gone
    withdrawn    INTEGER NOT NULL DEFAULT 0  -- the victim withdrew consent
) STRICT;
CREATE INDEX IF NOT EXISTS console_cases_by_urgency ON console_cases (urgency DESC);

-- Contact attempts and other actions as the advisor recorded them (the device sees only the
-- status they became).
CREATE TABLE IF NOT EXISTS console_events (
    id          INTEGER PRIMARY KEY,
    referral_id TEXT NOT NULL REFERENCES referrals (referral_id),
    advisor_id  TEXT NOT NULL,
    at          TEXT NOT NULL,
    kind        TEXT NOT NULL,               -- e.g. contact:no_answer, order_granted
    detail      BLOB                         -- ENCRYPTED when present: sealed with the data key
) STRICT;
CREATE INDEX IF NOT EXISTS console_events_by_referral ON console_events (referral_id, id);

-- Sign-in attempts per client address and minute (the rate limit all instances share). The
-- address is a SHA-256 keyed with the data key, never the address itself.
CREATE TABLE IF NOT EXISTS console_sign_in_counts (
    addr_key     BLOB NOT NULL,
    window_start TEXT NOT NULL,
    attempts     INTEGER NOT NULL,
    PRIMARY KEY (addr_key, window_start)
) STRICT;
"#;

/// The console's connection to the intake database.
#[derive(Clone)]
pub(crate) struct SqliteConsole {
    conn: Arc<Mutex<Connection>>,
}

impl SqliteConsole {
    /// Opens a connection to the intake database in `dir` and creates the console's tables
    /// if needed.
    pub(crate) async fn open(dir: &Path) -> Result<SqliteConsole> {
        let dir = dir.to_path_buf();
        let conn = tokio::task::spawn_blocking(move || open_connection(&dir))
            .await
            .map_err(|_| ServerError::Task)??;
        Ok(SqliteConsole {
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    /// Runs `f` on the connection on the blocking pool (a write waits for its fsync).
    async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let conn = Arc::clone(&self.conn);
        tokio::task::spawn_blocking(move || {
            let mut conn = conn.lock().unwrap_or_else(|e| e.into_inner());
            f(&mut conn)
        })
        .await
        .map_err(|_| ServerError::Task)?
    }

    pub(crate) async fn add_advisor(
        &self,
        id: String,
        email_key: Vec<u8>,
        role: &'static str,
        enrol_sha256: Vec<u8>,
        expires_at: DateTime<Utc>,
    ) -> Result<()> {
        self.run(move |conn| {
            let now = format_time(Utc::now());
            let updated = conn.execute(
                "UPDATE console_advisors SET role = ?2, enrol_sha256 = ?3, enrol_expires_at = ?4
                 WHERE email_key = ?1 AND revoked_at IS NULL AND password_hash IS NULL",
                params![email_key, role, enrol_sha256, format_time(expires_at)],
            )?;
            if updated == 0 {
                let inserted = conn.execute(
                    "INSERT INTO console_advisors (id, email_key, role, enrol_sha256, enrol_expires_at, created_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (email_key) DO NOTHING",
                    params![id, email_key, role, enrol_sha256, format_time(expires_at), now],
                )?;
                if inserted == 0 {
                    return Err(ServerError::Console(
                        "an advisor with this email is enrolled or was revoked",
                    ));
                }
            }
            Ok(())
        })
        .await
    }

    /// The advisor an unexpired enrolment token belongs to.
    pub(crate) async fn enrolment(&self, enrol_sha256: Vec<u8>) -> Result<Option<Account>> {
        self.run(move |conn| {
            let row = conn
                .query_row(
                    &format!(
                        "SELECT {ACCOUNT_COLUMNS}, enrol_expires_at FROM console_advisors
                         WHERE enrol_sha256 = ?1 AND revoked_at IS NULL"
                    ),
                    [enrol_sha256],
                    |r| Ok((account(r), r.get::<_, Option<String>>(6)?)),
                )
                .optional()?;
            let Some((account, expires)) = row else {
                return Ok(None);
            };
            let account = account?;
            let expired = match expires {
                Some(at) => parse_time(&at)? <= Utc::now(),
                None => true,
            };
            Ok((!expired).then_some(account))
        })
        .await
    }

    /// Keeps the TOTP secret shown on the enrolment page (sealed), until enrolment ends.
    pub(crate) async fn set_totp_secret(&self, advisor_id: String, sealed: Vec<u8>) -> Result<()> {
        self.run(move |conn| {
            conn.execute(
                "UPDATE console_advisors SET totp_secret = ?2 WHERE id = ?1 AND password_hash IS NULL",
                params![advisor_id, sealed],
            )?;
            Ok(())
        })
        .await
    }

    /// Ends enrolment: the password is set, the link no longer works.
    pub(crate) async fn finish_enrolment(
        &self,
        advisor_id: String,
        password_hash: String,
        step: i64,
    ) -> Result<()> {
        self.run(move |conn| {
            conn.execute(
                "UPDATE console_advisors SET password_hash = ?2, totp_last_step = ?3,
                        enrol_sha256 = NULL, enrol_expires_at = NULL
                 WHERE id = ?1",
                params![advisor_id, password_hash, step],
            )?;
            Ok(())
        })
        .await
    }

    pub(crate) async fn account_by_email(&self, email_key: Vec<u8>) -> Result<Option<Account>> {
        self.run(move |conn| {
            conn.query_row(
                &format!("SELECT {ACCOUNT_COLUMNS} FROM console_advisors WHERE email_key = ?1"),
                [email_key],
                |r| Ok(account(r)),
            )
            .optional()?
            .transpose()
        })
        .await
    }

    /// Counts a failed sign-in; locks the account for `lock_for` once `limit` are reached.
    pub(crate) async fn sign_in_failed(
        &self,
        advisor_id: String,
        limit: u32,
        lock_for: chrono::Duration,
    ) -> Result<()> {
        self.run(move |conn| {
            let until = format_time(Utc::now() + lock_for);
            conn.execute(
                "UPDATE console_advisors
                    SET failed_sign_ins = failed_sign_ins + 1,
                        locked_until = CASE WHEN failed_sign_ins + 1 >= ?2 THEN ?3 ELSE locked_until END
                  WHERE id = ?1",
                params![advisor_id, i64::from(limit), until],
            )?;
            Ok(())
        })
        .await
    }

    /// A successful sign-in: the failures are forgotten, the code's step is used up, and the
    /// session row is written, in one transaction. `false` when the step was used already
    /// (another sign-in raced with the same code).
    pub(crate) async fn sign_in_succeeded(
        &self,
        advisor_id: String,
        step: i64,
        session_sha256: Vec<u8>,
        csrf: String,
    ) -> Result<bool> {
        self.run(move |conn| {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let used = tx.execute(
                "UPDATE console_advisors SET failed_sign_ins = 0, locked_until = NULL, totp_last_step = ?2
                  WHERE id = ?1 AND totp_last_step < ?2 AND revoked_at IS NULL",
                params![advisor_id, step],
            )?;
            if used == 0 {
                return Ok(false);
            }
            let now = format_time(Utc::now());
            tx.execute(
                "INSERT INTO console_sessions (id_sha256, advisor_id, csrf, created_at, last_seen_at)
                 VALUES (?1, ?2, ?3, ?4, ?4)",
                params![session_sha256, advisor_id, csrf, now],
            )?;
            tx.commit()?;
            Ok(true)
        })
        .await
    }

    /// The session with this cookie hash, if its advisor is not revoked.
    pub(crate) async fn session(&self, session_sha256: Vec<u8>) -> Result<Option<SessionRow>> {
        self.run(move |conn| {
            let row = conn
                .query_row(
                    "SELECT s.advisor_id, a.role, s.csrf, s.created_at, s.last_seen_at
                       FROM console_sessions s JOIN console_advisors a ON a.id = s.advisor_id
                      WHERE s.id_sha256 = ?1 AND a.revoked_at IS NULL",
                    [session_sha256],
                    |r| {
                        Ok((
                            r.get::<_, String>(0)?,
                            r.get::<_, String>(1)?,
                            r.get::<_, String>(2)?,
                            r.get::<_, String>(3)?,
                            r.get::<_, String>(4)?,
                        ))
                    },
                )
                .optional()?;
            row.map(|(advisor_id, role, csrf, created, seen)| {
                Ok(SessionRow {
                    advisor_id,
                    role,
                    csrf,
                    created_at: parse_time(&created)?,
                    last_seen_at: parse_time(&seen)?,
                })
            })
            .transpose()
        })
        .await
    }

    pub(crate) async fn touch_session(&self, session_sha256: Vec<u8>) -> Result<()> {
        self.run(move |conn| {
            conn.execute(
                "UPDATE console_sessions SET last_seen_at = ?2 WHERE id_sha256 = ?1",
                params![session_sha256, format_time(Utc::now())],
            )?;
            Ok(())
        })
        .await
    }

    pub(crate) async fn end_session(&self, session_sha256: Vec<u8>) -> Result<()> {
        self.run(move |conn| {
            conn.execute(
                "DELETE FROM console_sessions WHERE id_sha256 = ?1",
                [session_sha256],
            )?;
            Ok(())
        })
        .await
    }

    /// Revokes an advisor and deletes their sessions, in one transaction.
    pub(crate) async fn revoke_advisor(&self, email_key: Vec<u8>) -> Result<()> {
        self.run(move |conn| {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let id: Option<String> = tx
                .query_row(
                    "SELECT id FROM console_advisors WHERE email_key = ?1",
                    [&email_key],
                    |r| r.get(0),
                )
                .optional()?;
            let Some(id) = id else {
                return Err(ServerError::Console("no advisor with this email"));
            };
            tx.execute(
                "UPDATE console_advisors SET revoked_at = COALESCE(revoked_at, ?2), enrol_sha256 = NULL WHERE id = ?1",
                params![id, format_time(Utc::now())],
            )?;
            tx.execute("DELETE FROM console_sessions WHERE advisor_id = ?1", [&id])?;
            tx.execute(
                "INSERT INTO console_audit (at, advisor_id, action) VALUES (?1, ?2, 'advisor_revoked')",
                params![format_time(Utc::now()), id],
            )?;
            tx.commit()?;
            Ok(())
        })
        .await
    }

    pub(crate) async fn advisors(&self) -> Result<Vec<AdvisorInfo>> {
        self.run(|conn| {
            let mut stmt = conn.prepare(
                "SELECT id, role, password_hash IS NOT NULL, revoked_at IS NOT NULL
                   FROM console_advisors ORDER BY created_at, id",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok(AdvisorInfo {
                    id: r.get(0)?,
                    role: r.get(1)?,
                    enrolled: r.get(2)?,
                    revoked: r.get(3)?,
                })
            })?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
        .await
    }

    /// Appends to the audit log.
    pub(crate) async fn audit_add(
        &self,
        advisor_id: Option<String>,
        action: &'static str,
        referral_id: Option<String>,
    ) -> Result<()> {
        self.run(move |conn| {
            conn.execute(
                "INSERT INTO console_audit (at, advisor_id, action, referral_id) VALUES (?1, ?2, ?3, ?4)",
                params![format_time(Utc::now()), advisor_id, action, referral_id],
            )?;
            Ok(())
        })
        .await
    }

    /// The audit log, newest first.
    pub(crate) async fn audit(&self, limit: u32) -> Result<Vec<crate::console::AuditEntry>> {
        self.run(move |conn| {
            let mut stmt = conn.prepare(
                "SELECT at, advisor_id, action, referral_id FROM console_audit ORDER BY id DESC LIMIT ?1",
            )?;
            let rows = stmt.query_map([i64::from(limit)], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, Option<String>>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, Option<String>>(3)?,
                ))
            })?;
            let mut out = Vec::new();
            for row in rows {
                let (at, advisor_id, action, referral_id) = row?;
                out.push(crate::console::AuditEntry {
                    at: parse_time(&at)?,
                    advisor_id,
                    action,
                    referral_id,
                });
            }
            Ok(out)
        })
        .await
    }

    /// Referral ids the console has not triaged yet.
    pub(crate) async fn untriaged(&self) -> Result<Vec<String>> {
        self.run(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT r.referral_id FROM referrals r
                  WHERE NOT EXISTS (SELECT 1 FROM console_cases c WHERE c.referral_id = r.referral_id)
                  ORDER BY r.seq",
            )?;
            let rows = stmt.query_map([], |r| r.get(0))?;
            Ok(rows.collect::<rusqlite::Result<Vec<String>>>()?)
        })
        .await
    }

    pub(crate) async fn put_triage(&self, triaged: Vec<(String, i64, i64, i64)>) -> Result<()> {
        self.run(move |conn| {
            let tx = conn.transaction()?;
            {
                let mut stmt = tx.prepare_cached(
                    "INSERT INTO console_cases (referral_id, urgency, flags, to_follow) VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (referral_id) DO NOTHING",
                )?;
                for (id, urgency, flags, to_follow) in &triaged {
                    stmt.execute(params![id, urgency, flags, to_follow])?;
                }
            }
            tx.commit()?;
            Ok(())
        })
        .await
    }

    /// Every triaged referral with its latest status, most urgent first, then oldest first.
    pub(crate) async fn queue(&self) -> Result<Vec<QueueRow>> {
        self.run(|conn| queue_rows(conn)).await
    }

    pub(crate) async fn assign(&self, referral_id: String, advisor_id: String) -> Result<bool> {
        self.run(move |conn| {
            Ok(conn.execute(
                "UPDATE console_cases SET assigned_to = ?2 WHERE referral_id = ?1",
                params![referral_id, advisor_id],
            )? == 1)
        })
        .await
    }

    pub(crate) async fn add_event_at(
        &self,
        referral_id: String,
        advisor_id: String,
        kind: String,
        at: DateTime<Utc>,
        detail: Option<Vec<u8>>,
    ) -> Result<()> {
        self.run(move |conn| {
            conn.execute(
                "INSERT INTO console_events (referral_id, advisor_id, at, kind, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![referral_id, advisor_id, format_time(at), kind, detail],
            )?;
            Ok(())
        })
        .await
    }

    /// A referral's recorded events, oldest first: (time, advisor, kind, sealed detail).
    pub(crate) async fn events(
        &self,
        referral_id: String,
    ) -> Result<Vec<(DateTime<Utc>, String, String, Option<Vec<u8>>)>> {
        self.run(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT at, advisor_id, kind, detail FROM console_events WHERE referral_id = ?1 ORDER BY id",
            )?;
            let rows = stmt.query_map([referral_id], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, Option<Vec<u8>>>(3)?,
                ))
            })?;
            let mut out = Vec::new();
            for row in rows {
                let (at, advisor, kind, detail) = row?;
                out.push((parse_time(&at)?, advisor, kind, detail));
            }
            Ok(out)
        })
        .await
    }

    /// Deletes the content of referrals closed at least `after` ago (retention) in one
    /// transaction, through the one deletion path (`addenda::delete_content`); ids, times and
    /// statuses stay. Returns how many referrals lost their content. The WAL is scrubbed
    /// afterwards by the intake's writer (`Console::reclaim`).
    pub(crate) async fn delete_closed_content(&self, after: chrono::Duration) -> Result<usize> {
        self.run(move |conn| {
            let cutoff = format_time(Utc::now() - after);
            let now = format_time(Utc::now());
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let ids: Vec<String> = {
                let mut stmt = tx.prepare_cached(
                    "SELECT c.referral_id FROM console_cases c
                      WHERE c.content_deleted_at IS NULL
                        AND (SELECT s.status FROM status_updates s WHERE s.referral_id = c.referral_id
                              ORDER BY s.at DESC, s.id DESC LIMIT 1) = 'closed'
                        AND (SELECT MAX(s.at) FROM status_updates s WHERE s.referral_id = c.referral_id
                              AND s.status = 'closed') <= ?1",
                )?;
                let rows = stmt.query_map([&cutoff], |r| r.get(0))?;
                rows.collect::<rusqlite::Result<_>>()?
            };
            for id in &ids {
                // The one deletion path: the referral, its addenda and its events' details.
                crate::addenda::delete_content(&tx, id, &now, Deletion::Retention)?;
            }
            tx.commit()?;
            Ok(ids.len())
        })
        .await
    }

    pub(crate) async fn count_sign_in(
        &self,
        addr_key: Vec<u8>,
        window: DateTime<Utc>,
    ) -> Result<i64> {
        self.run(move |conn| {
            Ok(conn.query_row(
                "INSERT INTO console_sign_in_counts (addr_key, window_start, attempts) VALUES (?1, ?2, 1)
                 ON CONFLICT (addr_key, window_start) DO UPDATE SET attempts = attempts + 1
                 RETURNING attempts",
                params![addr_key, format_time(window)],
                |r| r.get(0),
            )?)
        })
        .await
    }

    pub(crate) async fn forget_sign_ins_before(&self, before: DateTime<Utc>) -> Result<()> {
        self.run(move |conn| {
            conn.execute(
                "DELETE FROM console_sign_in_counts WHERE window_start < ?1",
                [format_time(before)],
            )?;
            Ok(())
        })
        .await
    }

    /// Whether retention deleted this referral's content.
    pub(crate) async fn content_deleted(&self, referral_id: String) -> Result<bool> {
        self.run(move |conn| {
            Ok(conn
                .query_row(
                    "SELECT content_deleted_at IS NOT NULL FROM console_cases WHERE referral_id = ?1",
                    [referral_id],
                    |r| r.get(0),
                )
                .optional()?
                .unwrap_or(false))
        })
        .await
    }

    /// One case as the queue shows it.
    pub(crate) async fn case(&self, referral_id: String) -> Result<Option<QueueRow>> {
        self.run(move |conn| {
            Ok(queue_rows(conn)?
                .into_iter()
                .find(|r| r.referral_id == referral_id))
        })
        .await
    }
}

const ACCOUNT_COLUMNS: &str =
    "id, password_hash, totp_secret, totp_last_step, locked_until, revoked_at IS NOT NULL";

fn account(r: &rusqlite::Row<'_>) -> Result<Account> {
    let locked: Option<String> = r.get(4)?;
    Ok(Account {
        id: r.get(0)?,
        password_hash: r.get(1)?,
        totp_secret: r.get(2)?,
        totp_last_step: r.get(3)?,
        locked_until: locked.as_deref().map(parse_time).transpose()?,
        revoked: r.get(5)?,
    })
}

/// The queue's one query: cases joined with their referral and latest status, most urgent
/// first, then oldest first. Public so the benchmark can time it bare (`console_queue`).
pub const QUEUE_SQL: &str = "
SELECT c.referral_id, r.service_reference, r.received_at, c.urgency, c.flags, c.to_follow,
       c.assigned_to, c.withdrawn,
       (SELECT s.status FROM status_updates s WHERE s.referral_id = c.referral_id
         ORDER BY s.at DESC, s.id DESC LIMIT 1),
       EXISTS (SELECT 1 FROM status_updates s WHERE s.referral_id = c.referral_id
                AND s.status = 'victim_contacted')
  FROM console_cases c JOIN referrals r ON r.referral_id = c.referral_id
 ORDER BY c.urgency DESC, r.received_at, r.seq";

fn queue_rows(conn: &Connection) -> Result<Vec<QueueRow>> {
    let mut stmt = conn.prepare_cached(QUEUE_SQL)?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, i64>(3)?,
            r.get::<_, i64>(4)?,
            r.get::<_, i64>(5)?,
            r.get::<_, Option<String>>(6)?,
            r.get::<_, bool>(7)?,
            r.get::<_, Option<String>>(8)?,
            r.get::<_, bool>(9)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (
            referral_id,
            service_reference,
            received,
            urgency,
            flags,
            to_follow,
            assigned_to,
            withdrawn,
            last,
            contacted,
        ) = row?;
        out.push(QueueRow {
            referral_id,
            service_reference,
            received_at: parse_time(&received)?,
            urgency,
            flags,
            to_follow,
            assigned_to,
            last_status: last.unwrap_or_else(|| "received".to_string()),
            contacted,
            withdrawn,
        });
    }
    Ok(out)
}

fn open_connection(dir: &Path) -> Result<Connection> {
    let mut conn = Connection::open(crate::db::db_path(dir))?;
    conn.busy_timeout(Duration::from_secs(10))?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", true)?;
    // What this connection deletes (retention, withdrawal) is overwritten with zeros in the
    // file, not only unlinked from the b-tree.
    conn.pragma_update(None, "secure_delete", true)?;
    // As the intake's writer (`db::open`): a reset WAL is truncated.
    conn.pragma_update(None, "journal_size_limit", 0)?;
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    tx.execute_batch(SCHEMA)?;
    tx.commit()?;
    Ok(conn)
}
