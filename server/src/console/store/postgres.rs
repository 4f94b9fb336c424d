//! The console's tables on the PostgreSQL backend: the intake storage's pool, plain SQL, the
//! same tables and meaning as `sqlite.rs`, so several instances on one database serve the same
//! advisors, sessions, claims and audit log.
//!
//! What must hold across instances rests on rows and single statements: a TOTP step is used
//! up by an `UPDATE ... WHERE totp_last_step < $step` (two instances racing with one code: the
//! second finds the row changed and refuses); a revocation and the deletion of its sessions
//! are one transaction; retention marks cases with one `UPDATE ... RETURNING` whose row locks
//! make a second instance's sweep skip what the first has taken. The tables are created under
//! a transaction-level advisory lock, so instances starting together do it once.

use chrono::{DateTime, Utc};
use deadpool_postgres::Pool;

use super::{Account, AdvisorInfo, Event, QueueRow, SessionRow};
use crate::console::AuditEntry;
use crate::error::{Result, ServerError};

/// Key of the advisory lock held while the console's tables are created ("WPCONSOL").
const SCHEMA_LOCK: i64 = 0x5750_434f_4e53_4f4c;

const SCHEMA: &str = r#"
-- Advisors and supervisors. No email is kept: `email_key` is a SHA-256 of the normalised email.
CREATE TABLE IF NOT EXISTS console_advisors (
    id               TEXT PRIMARY KEY,           -- adv_<hex>, shown in the audit log
    email_key        BYTEA NOT NULL UNIQUE,
    role             TEXT NOT NULL,              -- advisor | supervisor
    password_hash    TEXT,                       -- argon2id PHC string
    totp_secret      BYTEA,                      -- ENCRYPTED: sealed with the data key
    totp_last_step   BIGINT NOT NULL DEFAULT 0,  -- a code is accepted once
    enrol_sha256     BYTEA UNIQUE,               -- SHA-256 of the one-time enrolment token
    enrol_expires_at TIMESTAMPTZ,
    failed_sign_ins  INTEGER NOT NULL DEFAULT 0,
    locked_until     TIMESTAMPTZ,
    created_at       TIMESTAMPTZ NOT NULL,
    revoked_at       TIMESTAMPTZ
);

-- Server-side sessions: the cookie holds a random value, only its SHA-256 is kept.
CREATE TABLE IF NOT EXISTS console_sessions (
    id_sha256    BYTEA PRIMARY KEY,
    advisor_id   TEXT NOT NULL REFERENCES console_advisors (id),
    csrf         TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    last_seen_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX IF NOT EXISTS console_sessions_by_advisor ON console_sessions (advisor_id);

-- Who did what, when: ids and action names only, never personal data.
CREATE TABLE IF NOT EXISTS console_audit (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          TIMESTAMPTZ NOT NULL,
    advisor_id  TEXT,
    action      TEXT NOT NULL,
    referral_id TEXT
);
CREATE INDEX IF NOT EXISTS console_audit_by_referral ON console_audit (referral_id);

-- The console's view of a referral: its triage and who holds it.
CREATE TABLE IF NOT EXISTS console_cases (
    referral_id        TEXT PRIMARY KEY REFERENCES referrals (referral_id),
    urgency            BIGINT NOT NULL,
    flags              BIGINT NOT NULL,
    to_follow          BIGINT NOT NULL,
    assigned_to        TEXT REFERENCES console_advisors (id),
    content_deleted_at TIMESTAMPTZ,               -- retention ran: the referral's content is gone
    withdrawn          BOOLEAN NOT NULL DEFAULT false
);
CREATE INDEX IF NOT EXISTS console_cases_by_urgency ON console_cases (urgency DESC);

-- Contact attempts and other actions as the advisor recorded them.
CREATE TABLE IF NOT EXISTS console_events (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    referral_id TEXT NOT NULL REFERENCES referrals (referral_id),
    advisor_id  TEXT NOT NULL,
    at          TIMESTAMPTZ NOT NULL,
    kind        TEXT NOT NULL,               -- e.g. contact:no_answer, order_granted
    detail      BYTEA                        -- ENCRYPTED when present: sealed with the data key
);
CREATE INDEX IF NOT EXISTS console_events_by_referral ON console_events (referral_id, id);

-- Sign-in attempts per client address and minute (the rate limit all instances share). The
-- address is a SHA-256 keyed with the data key, never the address itself.
CREATE TABLE IF NOT EXISTS console_sign_in_counts (
    addr_key     BYTEA NOT NULL,
    window_start TIMESTAMPTZ NOT NULL,
    attempts     INTEGER NOT NULL,
    PRIMARY KEY (addr_key, window_start)
);
"#;

/// The console's tables, as `SCHEMA` creates them.
const TABLES: [&str; 6] = [
    "console_advisors",
    "console_sessions",
    "console_audit",
    "console_cases",
    "console_events",
    "console_sign_in_counts",
];

const ACCOUNT_COLUMNS: &str =
    "id, password_hash, totp_secret, totp_last_step, locked_until, revoked_at IS NOT NULL";

/// The queue's query on PostgreSQL (the same as SQLite's `QUEUE_SQL`), with an optional
/// `WHERE` for one case.
fn queue_sql(where_clause: &str) -> String {
    format!(
        "SELECT c.referral_id, r.service_reference, r.received_at, c.urgency, c.flags,
                c.to_follow, c.assigned_to, c.withdrawn,
                (SELECT s.status FROM status_updates s WHERE s.referral_id = c.referral_id
                  ORDER BY s.at DESC, s.id DESC LIMIT 1),
                EXISTS (SELECT 1 FROM status_updates s WHERE s.referral_id = c.referral_id
                         AND s.status = 'victim_contacted')
           FROM console_cases c JOIN referrals r ON r.referral_id = c.referral_id
          {where_clause}
          ORDER BY c.urgency DESC, r.received_at, r.seq"
    )
}

/// The referrals closed at least the retention period ago (`$1`, the cutoff) whose content
/// is still there.
const DUE_FOR_DELETION: &str = "content_deleted_at IS NULL
    AND (SELECT s.status FROM status_updates s WHERE s.referral_id = console_cases.referral_id
          ORDER BY s.at DESC, s.id DESC LIMIT 1) = 'closed'
    AND (SELECT MAX(s.at) FROM status_updates s WHERE s.referral_id = console_cases.referral_id
          AND s.status = 'closed') <= $1";

/// The console's tables on the intake storage's PostgreSQL pool.
#[derive(Clone)]
pub(crate) struct PgConsole {
    pool: Pool,
}

/// Times as the SQLite backend keeps them (milliseconds), so both answer the same.
fn millis(at: DateTime<Utc>) -> Result<DateTime<Utc>> {
    crate::db::parse_time(&crate::db::format_time(at))
}

fn account(row: &tokio_postgres::Row) -> Account {
    Account {
        id: row.get(0),
        password_hash: row.get(1),
        totp_secret: row.get(2),
        totp_last_step: row.get(3),
        locked_until: row.get(4),
        revoked: row.get(5),
    }
}

fn queue_row(row: &tokio_postgres::Row) -> QueueRow {
    QueueRow {
        referral_id: row.get(0),
        service_reference: row.get(1),
        received_at: row.get(2),
        urgency: row.get(3),
        flags: row.get(4),
        to_follow: row.get(5),
        assigned_to: row.get(6),
        withdrawn: row.get(7),
        last_status: row
            .get::<_, Option<String>>(8)
            .unwrap_or_else(|| "received".to_string()),
        contacted: row.get(9),
    }
}

impl PgConsole {
    /// Creates the console's tables if needed (once, whichever instance starts first).
    pub(crate) async fn open(pool: Pool) -> Result<PgConsole> {
        let mut client = pool.get().await?;
        // Once they exist, creating them again is skipped: even `CREATE INDEX IF NOT EXISTS`
        // locks its table, which would queue behind (and hold up) a running rewrite.
        let present: i64 = client
            .query_one(
                "SELECT COUNT(*) FROM pg_tables
                  WHERE schemaname = current_schema() AND tablename = ANY($1)",
                &[&TABLES.to_vec()],
            )
            .await?
            .get(0);
        if present == TABLES.len() as i64 {
            drop(client);
            return Ok(PgConsole { pool });
        }
        let tx = client.transaction().await?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&SCHEMA_LOCK])
            .await?;
        tx.batch_execute(SCHEMA).await?;
        tx.commit().await?;
        drop(client);
        Ok(PgConsole { pool })
    }

    async fn client(&self) -> Result<deadpool_postgres::Object> {
        Ok(self.pool.get().await?)
    }

    pub(crate) async fn add_advisor(
        &self,
        id: String,
        email_key: Vec<u8>,
        role: &'static str,
        enrol_sha256: Vec<u8>,
        expires_at: DateTime<Utc>,
    ) -> Result<()> {
        let client = self.client().await?;
        let expires_at = millis(expires_at)?;
        let updated = client
            .execute(
                "UPDATE console_advisors SET role = $2, enrol_sha256 = $3, enrol_expires_at = $4
                  WHERE email_key = $1 AND revoked_at IS NULL AND password_hash IS NULL",
                &[&email_key, &role, &enrol_sha256, &expires_at],
            )
            .await?;
        if updated == 0 {
            let inserted = client
                .execute(
                    "INSERT INTO console_advisors (id, email_key, role, enrol_sha256, enrol_expires_at, created_at)
                     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (email_key) DO NOTHING",
                    &[&id, &email_key, &role, &enrol_sha256, &expires_at, &millis(Utc::now())?],
                )
                .await?;
            if inserted == 0 {
                return Err(ServerError::Console(
                    "an advisor with this email is enrolled or was revoked",
                ));
            }
        }
        Ok(())
    }

    pub(crate) async fn enrolment(&self, enrol_sha256: Vec<u8>) -> Result<Option<Account>> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                &format!(
                    "SELECT {ACCOUNT_COLUMNS} FROM console_advisors
                      WHERE enrol_sha256 = $1 AND revoked_at IS NULL AND enrol_expires_at > $2"
                ),
                &[&enrol_sha256, &Utc::now()],
            )
            .await?;
        Ok(row.as_ref().map(account))
    }

    pub(crate) async fn set_totp_secret(&self, advisor_id: String, sealed: Vec<u8>) -> Result<()> {
        let client = self.client().await?;
        client
            .execute(
                "UPDATE console_advisors SET totp_secret = $2 WHERE id = $1 AND password_hash IS NULL",
                &[&advisor_id, &sealed],
            )
            .await?;
        Ok(())
    }

    pub(crate) async fn finish_enrolment(
        &self,
        advisor_id: String,
        password_hash: String,
        step: i64,
    ) -> Result<()> {
        let client = self.client().await?;
        client
            .execute(
                "UPDATE console_advisors SET password_hash = $2, totp_last_step = $3,
                        enrol_sha256 = NULL, enrol_expires_at = NULL
                  WHERE id = $1",
                &[&advisor_id, &password_hash, &step],
            )
            .await?;
        Ok(())
    }

    pub(crate) async fn account_by_email(&self, email_key: Vec<u8>) -> Result<Option<Account>> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                &format!("SELECT {ACCOUNT_COLUMNS} FROM console_advisors WHERE email_key = $1"),
                &[&email_key],
            )
            .await?;
        Ok(row.as_ref().map(account))
    }

    pub(crate) async fn sign_in_failed(
        &self,
        advisor_id: String,
        limit: u32,
        lock_for: chrono::Duration,
    ) -> Result<()> {
        let client = self.client().await?;
        let until = millis(Utc::now() + lock_for)?;
        let limit = i32::try_from(limit).unwrap_or(i32::MAX);
        client
            .execute(
                "UPDATE console_advisors
                    SET failed_sign_ins = failed_sign_ins + 1,
                        locked_until = CASE WHEN failed_sign_ins + 1 >= $2 THEN $3 ELSE locked_until END
                  WHERE id = $1",
                &[&advisor_id, &limit, &until],
            )
            .await?;
        Ok(())
    }

    pub(crate) async fn sign_in_succeeded(
        &self,
        advisor_id: String,
        step: i64,
        session_sha256: Vec<u8>,
        csrf: String,
    ) -> Result<bool> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let used = tx
            .execute(
                "UPDATE console_advisors SET failed_sign_ins = 0, locked_until = NULL, totp_last_step = $2
                  WHERE id = $1 AND totp_last_step < $2 AND revoked_at IS NULL",
                &[&advisor_id, &step],
            )
            .await?;
        if used == 0 {
            return Ok(false);
        }
        let now = millis(Utc::now())?;
        tx.execute(
            "INSERT INTO console_sessions (id_sha256, advisor_id, csrf, created_at, last_seen_at)
             VALUES ($1, $2, $3, $4, $4)",
            &[&session_sha256, &advisor_id, &csrf, &now],
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    pub(crate) async fn session(&self, session_sha256: Vec<u8>) -> Result<Option<SessionRow>> {
        let client = self.client().await?;
        let statement = client
            .prepare_cached(
                "SELECT s.advisor_id, a.role, s.csrf, s.created_at, s.last_seen_at
                   FROM console_sessions s JOIN console_advisors a ON a.id = s.advisor_id
                  WHERE s.id_sha256 = $1 AND a.revoked_at IS NULL",
            )
            .await?;
        let row = client.query_opt(&statement, &[&session_sha256]).await?;
        Ok(row.map(|r| SessionRow {
            advisor_id: r.get(0),
            role: r.get(1),
            csrf: r.get(2),
            created_at: r.get(3),
            last_seen_at: r.get(4),
        }))
    }

    pub(crate) async fn touch_session(&self, session_sha256: Vec<u8>) -> Result<()> {
        let client = self.client().await?;
        client
            .execute(
                "UPDATE console_sessions SET last_seen_at = $2 WHERE id_sha256 = $1",
                &[&session_sha256, &millis(Utc::now())?],
            )
            .await?;
        Ok(())
    }

    pub(crate) async fn end_session(&self, session_sha256: Vec<u8>) -> Result<()> {
        let client = self.client().await?;
        client
            .execute(
                "DELETE FROM console_sessions WHERE id_sha256 = $1",
                &[&session_sha256],
            )
            .await?;
        Ok(())
    }

    pub(crate) async fn revoke_advisor(&self, email_key: Vec<u8>) -> Result<()> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let now = millis(Utc::now())?;
        let Some(row) = tx
            .query_opt(
                "UPDATE console_advisors
                    SET revoked_at = COALESCE(revoked_at, $2), enrol_sha256 = NULL
                  WHERE email_key = $1 RETURNING id",
                &[&email_key, &now],
            )
            .await?
        else {
            return Err(ServerError::Console("no advisor with this email"));
        };
        let id: String = row.get(0);
        tx.execute("DELETE FROM console_sessions WHERE advisor_id = $1", &[&id])
            .await?;
        tx.execute(
            "INSERT INTO console_audit (at, advisor_id, action) VALUES ($1, $2, 'advisor_revoked')",
            &[&now, &id],
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub(crate) async fn advisors(&self) -> Result<Vec<AdvisorInfo>> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT id, role, password_hash IS NOT NULL, revoked_at IS NOT NULL
                   FROM console_advisors ORDER BY created_at, id",
                &[],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|r| AdvisorInfo {
                id: r.get(0),
                role: r.get(1),
                enrolled: r.get(2),
                revoked: r.get(3),
            })
            .collect())
    }

    pub(crate) async fn audit_add(
        &self,
        advisor_id: Option<String>,
        action: &'static str,
        referral_id: Option<String>,
    ) -> Result<()> {
        let client = self.client().await?;
        client
            .execute(
                "INSERT INTO console_audit (at, advisor_id, action, referral_id) VALUES ($1, $2, $3, $4)",
                &[&millis(Utc::now())?, &advisor_id, &action, &referral_id],
            )
            .await?;
        Ok(())
    }

    pub(crate) async fn audit(&self, limit: u32) -> Result<Vec<AuditEntry>> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT at, advisor_id, action, referral_id FROM console_audit ORDER BY id DESC LIMIT $1",
                &[&i64::from(limit)],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|r| AuditEntry {
                at: r.get(0),
                advisor_id: r.get(1),
                action: r.get(2),
                referral_id: r.get(3),
            })
            .collect())
    }

    pub(crate) async fn untriaged(&self) -> Result<Vec<String>> {
        let client = self.client().await?;
        let statement = client
            .prepare_cached(
                "SELECT r.referral_id FROM referrals r
                  WHERE NOT EXISTS (SELECT 1 FROM console_cases c WHERE c.referral_id = r.referral_id)
                  ORDER BY r.seq",
            )
            .await?;
        Ok(client
            .query(&statement, &[])
            .await?
            .iter()
            .map(|r| r.get(0))
            .collect())
    }

    pub(crate) async fn put_triage(&self, triaged: Vec<(String, i64, i64, i64)>) -> Result<()> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let statement = tx
            .prepare_cached(
                "INSERT INTO console_cases (referral_id, urgency, flags, to_follow) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (referral_id) DO NOTHING",
            )
            .await?;
        for (id, urgency, flags, to_follow) in &triaged {
            tx.execute(&statement, &[id, urgency, flags, to_follow])
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub(crate) async fn queue(&self) -> Result<Vec<QueueRow>> {
        let client = self.client().await?;
        let statement = client.prepare_cached(&queue_sql("")).await?;
        Ok(client
            .query(&statement, &[])
            .await?
            .iter()
            .map(queue_row)
            .collect())
    }

    pub(crate) async fn case(&self, referral_id: String) -> Result<Option<QueueRow>> {
        let client = self.client().await?;
        let statement = client
            .prepare_cached(&queue_sql("WHERE c.referral_id = $1"))
            .await?;
        Ok(client
            .query_opt(&statement, &[&referral_id])
            .await?
            .as_ref()
            .map(queue_row))
    }

    pub(crate) async fn assign(&self, referral_id: String, advisor_id: String) -> Result<bool> {
        let client = self.client().await?;
        Ok(client
            .execute(
                "UPDATE console_cases SET assigned_to = $2 WHERE referral_id = $1",
                &[&referral_id, &advisor_id],
            )
            .await?
            == 1)
    }

    pub(crate) async fn add_event_at(
        &self,
        referral_id: String,
        advisor_id: String,
        kind: String,
        at: DateTime<Utc>,
        detail: Option<Vec<u8>>,
    ) -> Result<()> {
        let client = self.client().await?;
        client
            .execute(
                "INSERT INTO console_events (referral_id, advisor_id, at, kind, detail) VALUES ($1, $2, $3, $4, $5)",
                &[&referral_id, &advisor_id, &at, &kind, &detail],
            )
            .await?;
        Ok(())
    }

    pub(crate) async fn events(&self, referral_id: String) -> Result<Vec<Event>> {
        let client = self.client().await?;
        let statement = client
            .prepare_cached(
                "SELECT at, advisor_id, kind, detail FROM console_events WHERE referral_id = $1 ORDER BY id",
            )
            .await?;
        Ok(client
            .query(&statement, &[&referral_id])
            .await?
            .iter()
            .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
            .collect())
    }

    pub(crate) async fn delete_closed_content(&self, after: chrono::Duration) -> Result<usize> {
        let now = millis(Utc::now())?;
        let cutoff = now - after;
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        // The row locks taken here make another instance's sweep wait, then skip these cases
        // (their `content_deleted_at` is set when it re-reads them).
        let ids: Vec<String> = tx
            .query(
                &format!(
                    "UPDATE console_cases SET content_deleted_at = $2
                      WHERE {DUE_FOR_DELETION}
                     RETURNING referral_id"
                ),
                &[&cutoff, &now],
            )
            .await?
            .iter()
            .map(|r| r.get(0))
            .collect();
        for id in &ids {
            // The one deletion path: the referral, its addenda and its events' details.
            crate::storage::delete_content_pg(&tx, id, now, crate::addenda::Deletion::Retention)
                .await?;
        }
        tx.commit().await?;
        Ok(ids.len())
    }

    /// Clears the old row versions a deletion left: PostgreSQL's MVCC keeps the row as it was
    /// until a vacuum, and a vacuum frees its space without overwriting it, so its bytes (sealed)
    /// stay in the table's files until new rows reuse the space. `VACUUM` runs at once rather
    /// than whenever autovacuum comes by; with `rewrite`, `VACUUM FULL` writes the two tables
    /// anew and removes the old files, so nothing deleted is left in them.
    ///
    /// A rewrite must copy a deleted row that some open snapshot may still see, so it first
    /// waits (at most 5 s) until every snapshot in this database is younger than the deletion;
    /// it then holds an exclusive lock on `referrals` while it runs (devices are answered `503`
    /// with `Retry-After` meanwhile, and retry), waiting at most 2 s for that lock. Either wait
    /// running out is an error, and the next retention sweep tries again.
    pub(crate) async fn reclaim(&self, rewrite: bool) -> Result<()> {
        let client = self.client().await?;
        if !rewrite {
            client
                .batch_execute("VACUUM referrals, addenda, console_events")
                .await?;
            return Ok(());
        }
        if !Self::older_snapshots_gone(&client).await? {
            return Err(ServerError::Console(
                "a transaction older than the deletion is still open",
            ));
        }
        client.batch_execute("SET lock_timeout = '2s'").await?;
        let done = client
            .batch_execute("VACUUM FULL referrals, addenda, console_events")
            .await;
        client.batch_execute("RESET lock_timeout").await?;
        done?;
        // Recorded, so the DPO (and a test) can see when the files were rewritten.
        client
            .execute(
                "INSERT INTO console_audit (at, action) VALUES ($1, 'deleted_content_rewritten_out')",
                &[&millis(Utc::now())?],
            )
            .await?;
        Ok(())
    }

    /// Waits until no session holds a snapshot older than now, and no transaction that began
    /// before now is still running (the deletion committed before), so that a rewrite may drop
    /// the deleted rows. `false` after 5 s. A transaction id taken now marks "now". A snapshot
    /// whose `xmin` is not after it may still see the deleted rows; so may a transaction that
    /// is between two statements, which has no snapshot in `pg_stat_activity` but holds back
    /// what vacuum may remove: the oldest running transaction is the `xmin` of a fresh snapshot.
    async fn older_snapshots_gone(client: &deadpool_postgres::Object) -> Result<bool> {
        let now: i64 = client
            .query_one("SELECT pg_current_xact_id()::text::bigint", &[])
            .await?
            .get(0);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        loop {
            let older: i64 = client
                .query_one(
                    "SELECT (SELECT COUNT(*) FROM pg_stat_activity
                              WHERE datname = current_database() AND pid <> pg_backend_pid()
                                AND backend_xmin IS NOT NULL
                                AND age(backend_xmin) >= age(($1::bigint % 4294967296)::text::xid))
                          + (txid_snapshot_xmin(txid_current_snapshot()) <= $1)::int",
                    &[&now],
                )
                .await?
                .get(0);
            if older == 0 {
                return Ok(true);
            }
            if std::time::Instant::now() > deadline {
                return Ok(false);
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }

    pub(crate) async fn count_sign_in(
        &self,
        addr_key: Vec<u8>,
        window: DateTime<Utc>,
    ) -> Result<i64> {
        let client = self.client().await?;
        let attempts: i32 = client
            .query_one(
                "INSERT INTO console_sign_in_counts (addr_key, window_start, attempts) VALUES ($1, $2, 1)
                 ON CONFLICT (addr_key, window_start)
                 DO UPDATE SET attempts = console_sign_in_counts.attempts + 1
                 RETURNING attempts",
                &[&addr_key, &window],
            )
            .await?
            .get(0);
        Ok(i64::from(attempts))
    }

    pub(crate) async fn forget_sign_ins_before(&self, before: DateTime<Utc>) -> Result<()> {
        let client = self.client().await?;
        client
            .execute(
                "DELETE FROM console_sign_in_counts WHERE window_start < $1",
                &[&before],
            )
            .await?;
        Ok(())
    }

    pub(crate) async fn content_deleted(&self, referral_id: String) -> Result<bool> {
        let client = self.client().await?;
        Ok(client
            .query_opt(
                "SELECT content_deleted_at IS NOT NULL FROM console_cases WHERE referral_id = $1",
                &[&referral_id],
            )
            .await?
            .is_some_and(|r| r.get(0)))
    }
}
