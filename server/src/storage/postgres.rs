//! The PostgreSQL backend: several server instances share one database.
//!
//! Plain SQL over `tokio-postgres`, with a `deadpool-postgres` pool; statements are prepared
//! once per connection. Everything the instances must agree on is in the database: the
//! referral record, tokens, statuses, the data key's check value and the service keys.
//!
//! Exactly once across instances rests on the primary key and one statement: a new referral,
//! its sender and its first status are inserted by one `INSERT ... ON CONFLICT DO NOTHING`
//! with data-modifying CTEs, one implicit transaction. When another instance inserted the
//! same id first, PostgreSQL waits for its commit and the insert does nothing; the next
//! statement then reads the committed row, and the racing duplicate answers with the same
//! receipt (or a conflict, for other bytes).
//!
//! Service references come from a sequence, so they are unique and increasing but may skip a
//! number when two instances raced on the same id (a sequence value is not given back).
//!
//! Migrations run on start, in one transaction that first takes a transaction-level advisory
//! lock, so instances starting together apply each step once; `schema_migrations` records the
//! steps done.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, Datelike, Utc};
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use tokio_postgres::NoTls;

use super::scrubber::Scrubber;
use super::{Pending, Scrub, run_check};
use crate::addenda::{
    AddendumReceipt, CheckedAddendum, Deletion, Known, Lookup, PendingAddendum, RecordedAddendum,
    StoredAddendum, Target, WithdrawalCodes,
};
use crate::error::{ApiError, Result, ServerError};
use crate::records::{Checked, Found, Receipt, Recorded};
use crate::status::{ReferralStatus, StatusEntry};
use crate::tokens::{IssuedToken, NewToken, TokenInfo, hash_token};

/// Connections in the pool of one instance.
const POOL_SIZE: usize = 16;

/// How long a request waits for a free connection of the pool.
const POOL_WAIT: std::time::Duration = std::time::Duration::from_secs(30);

/// How long to wait for a connection (unless the URL sets `connect_timeout`).
const CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// Key of the advisory lock migrations hold (any constant unique to this application).
const MIGRATION_LOCK: i64 = 0x5745_5052_4f54_4543; // "WEPROTEC"

/// Schema steps; step `n` (1-based) is recorded in `schema_migrations` once applied.
/// The tables and their meaning are those of the SQLite schema in `db.rs`.
const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value BYTEA NOT NULL
);

-- Device tokens. Only a SHA-256 of the token is stored; the token is shown once, at issue.
CREATE TABLE tokens (
    id           TEXT PRIMARY KEY,
    token_sha256 BYTEA NOT NULL UNIQUE,
    label        TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    revoked_at   TIMESTAMPTZ
);

CREATE SEQUENCE referral_seq;

-- One row per referral ever received, kept for ever: the permanent idempotency record.
CREATE TABLE referrals (
    referral_id       TEXT PRIMARY KEY,     -- the Idempotency-Key: a random UUID from the device
    seq               BIGINT NOT NULL UNIQUE,
    service_reference TEXT NOT NULL UNIQUE,
    body_sha256       BYTEA NOT NULL,       -- SHA-256 of the envelope bytes
    received_at       TIMESTAMPTZ NOT NULL,
    key_id            TEXT NOT NULL,
    schema_version    INTEGER NOT NULL,
    referral_json     BYTEA NOT NULL        -- ENCRYPTED: the referral, sealed with the data key
);

CREATE TABLE referral_senders (
    referral_id TEXT NOT NULL REFERENCES referrals (referral_id),
    token_id    TEXT NOT NULL REFERENCES tokens (id),
    PRIMARY KEY (referral_id, token_id)
);

-- What happened to a referral: statuses only, never notes.
CREATE TABLE status_updates (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    referral_id TEXT NOT NULL REFERENCES referrals (referral_id),
    status      TEXT NOT NULL,
    at          TIMESTAMPTZ NOT NULL
);
CREATE INDEX status_updates_by_referral ON status_updates (referral_id, at, id);
"#,
    r#"
-- Every service key a server on this database has used, current and retired.
CREATE TABLE service_keys (
    key_id      TEXT PRIMARY KEY,
    private_key BYTEA NOT NULL,             -- ENCRYPTED: sealed with the data key
    added_at    TIMESTAMPTZ NOT NULL
);
"#,
    r#"
-- Set when the victim withdrew consent: the referral's content was deleted then.
ALTER TABLE referrals ADD COLUMN withdrawn_at TIMESTAMPTZ;

CREATE SEQUENCE addendum_seq;

-- Addenda (issue 23), each received once and kept for ever (see db.rs).
CREATE TABLE addenda (
    addendum_id        TEXT PRIMARY KEY,
    referral_id        TEXT NOT NULL REFERENCES referrals (referral_id),
    seq                BIGINT NOT NULL UNIQUE,
    kind               TEXT NOT NULL,          -- information | consent_withdrawn
    body_sha256        BYTEA NOT NULL,
    received_at        TIMESTAMPTZ NOT NULL,
    key_id             TEXT NOT NULL,
    schema_version     INTEGER NOT NULL,
    token_id           TEXT NOT NULL REFERENCES tokens (id),
    content            BYTEA,                  -- ENCRYPTED: the information, sealed with the data key
    withdrawn_by       TEXT,
    withdrawn_at       TIMESTAMPTZ,
    recorded_how       TEXT,
    content_deleted_at TIMESTAMPTZ
);
CREATE INDEX addenda_by_referral ON addenda (referral_id, seq);

-- ANALYZE keeps sample values of a column (histogram bounds, most common values) in
-- pg_statistic; sealed content must not be copied there, where deleting it would not reach.
ALTER TABLE referrals ALTER COLUMN referral_json SET STATISTICS 0;
ALTER TABLE addenda ALTER COLUMN content SET STATISTICS 0;
"#,
];

/// Who may read a referral's status (`$1` referral id, `$2` the caller's token id): a token
/// that sent it, or an active token of the same non-empty label (see `records.rs`).
const MAY_READ: &str = "EXISTS (SELECT 1 FROM referral_senders s
                                  JOIN tokens sender ON sender.id = s.token_id
                                  JOIN tokens caller ON caller.id = $2
                                 WHERE s.referral_id = $1
                                   AND (s.token_id = $2
                                        OR (caller.label <> '' AND sender.label = caller.label)))";

/// Server-side bound on one statement (30 s: far above any of ours, which take milliseconds).
const STATEMENT_TIMEOUT_OPTION: &str = "-c statement_timeout=30000";

pub(crate) struct PgStorage {
    pool: Pool,
    /// Rewrites the tables after withdrawals, in the background (see [`PgStorage::scrub_later`]).
    scrubber: Arc<Scrubber>,
    /// The newest withdrawal's transaction id: a rewrite waits for every older snapshot.
    scrub_xid: Arc<AtomicI64>,
}

impl PgStorage {
    pub(crate) async fn open(url: &str) -> Result<PgStorage> {
        let mut config: tokio_postgres::Config = url.parse()?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        // A database host that vanished (no FIN, no RST) is noticed by TCP keepalives; a
        // statement the database itself cannot finish is cancelled by it. Requests are
        // bounded on our side too (`Limits::database_deadline`).
        config.keepalives(true);
        config.keepalives_idle(std::time::Duration::from_secs(30));
        if config.get_options().is_none() {
            config.options(STATEMENT_TIMEOUT_OPTION);
        }
        let manager = Manager::from_config(
            config,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .runtime(deadpool_postgres::Runtime::Tokio1)
            // A request waits this long for a free connection, then is answered
            // `503 server.busy` with Retry-After and the device retries; it never hangs.
            .wait_timeout(Some(POOL_WAIT))
            .create_timeout(Some(POOL_WAIT))
            .build()
            .map_err(|e| ServerError::PostgresSetup(e.to_string()))?;
        let storage = PgStorage {
            pool,
            scrubber: Arc::default(),
            scrub_xid: Arc::new(AtomicI64::new(0)),
        };
        storage.migrate().await?;
        Ok(storage)
    }

    /// The pool, shared with the console's store.
    pub(crate) fn pool(&self) -> &Pool {
        &self.pool
    }

    pub(crate) fn scrubber(&self) -> &Scrubber {
        &self.scrubber
    }

    /// After a withdrawal committed (transaction `xid`): the tables are rewritten by a
    /// background task ([`rewrite_tables`]), retried until it succeeds, so the answer never
    /// waits for it.
    fn scrub_later(&self, xid: i64) -> Scrub {
        // The xid first: an attempt that counts this request then reads it.
        self.scrub_xid.fetch_max(xid, Ordering::SeqCst);
        if self.scrubber.request() {
            let (pool, scrubber, xid) = (
                self.pool.clone(),
                Arc::clone(&self.scrubber),
                Arc::clone(&self.scrub_xid),
            );
            tokio::spawn(async move {
                scrubber
                    .run("rewriting the tables after a withdrawal of consent", || {
                        let (pool, xid) = (pool.clone(), xid.load(Ordering::SeqCst));
                        async move { rewrite_tables(&pool, xid).await }
                    })
                    .await;
            });
        }
        Scrub::Background
    }

    async fn client(&self) -> Result<deadpool_postgres::Object> {
        Ok(self.pool.get().await?)
    }

    async fn migrate(&self) -> Result<()> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
            .await?;
        tx.batch_execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (
                 version    INTEGER PRIMARY KEY,
                 applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
             )",
        )
        .await?;
        let done: i32 = tx
            .query_one(
                "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
                &[],
            )
            .await?
            .get(0);
        let known = i32::try_from(MIGRATIONS.len()).unwrap_or(i32::MAX);
        if done > known {
            return Err(ServerError::SchemaTooNew);
        }
        for (version, sql) in (1..)
            .zip(MIGRATIONS)
            .skip(usize::try_from(done).unwrap_or(0))
        {
            tx.batch_execute(sql).await?;
            tx.execute(
                "INSERT INTO schema_migrations (version) VALUES ($1)",
                &[&version],
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub(crate) async fn issue_token(&self, label: &str) -> Result<IssuedToken> {
        let new = NewToken::generate(label)?;
        let client = self.client().await?;
        client
            .execute(
                "INSERT INTO tokens (id, token_sha256, label, created_at) VALUES ($1, $2, $3, $4)",
                &[
                    &new.issued.id,
                    &new.token_sha256,
                    &new.label,
                    &new.created_at,
                ],
            )
            .await?;
        Ok(new.issued)
    }

    pub(crate) async fn revoke_token(&self, token_or_id: &str) -> Result<TokenInfo> {
        let client = self.client().await?;
        let now = crate::db::parse_time(&crate::db::format_time(Utc::now()))?;
        let row = client
            .query_opt(
                "UPDATE tokens SET revoked_at = COALESCE(revoked_at, $3)
                  WHERE id = $1 OR token_sha256 = $2
                 RETURNING id, label, created_at, revoked_at",
                &[&token_or_id, &hash_token(token_or_id), &now],
            )
            .await?
            .ok_or(ServerError::TokenNotFound)?;
        Ok(token_info(&row))
    }

    pub(crate) async fn list_tokens(&self) -> Result<Vec<TokenInfo>> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT id, label, created_at, revoked_at FROM tokens ORDER BY created_at, id",
                &[],
            )
            .await?;
        Ok(rows.iter().map(token_info).collect())
    }

    pub(crate) async fn add_status(
        &self,
        referral_id: &str,
        status: ReferralStatus,
        at: DateTime<Utc>,
    ) -> Result<StatusEntry> {
        let client = self.client().await?;
        let inserted = client
            .execute(
                "INSERT INTO status_updates (referral_id, status, at)
                 SELECT referral_id, $2, $3 FROM referrals WHERE referral_id = $1",
                &[&referral_id, &status.as_str(), &at],
            )
            .await?;
        if inserted == 0 {
            return Err(ServerError::ReferralNotFound);
        }
        Ok(StatusEntry { status, at })
    }

    pub(crate) async fn referral_count(&self) -> Result<u64> {
        let client = self.client().await?;
        let count: i64 = client
            .query_one("SELECT COUNT(*) FROM referrals", &[])
            .await?
            .get(0);
        Ok(u64::try_from(count).unwrap_or(0))
    }

    pub(crate) async fn receipts(&self) -> Result<Vec<Receipt>> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT referral_id, service_reference, received_at FROM referrals ORDER BY seq",
                &[],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|r| Receipt {
                referral_id: r.get(0),
                service_reference: r.get(1),
                received_at: r.get(2),
            })
            .collect())
    }

    pub(crate) async fn sealed_referral(&self, referral_id: &str) -> Result<(Vec<u8>, u32)> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                "SELECT referral_json, schema_version FROM referrals WHERE referral_id = $1",
                &[&referral_id],
            )
            .await?
            .ok_or(ServerError::ReferralNotFound)?;
        let version: i32 = row.get(1);
        let version = u32::try_from(version).map_err(|_| ServerError::Corrupt("schema version"))?;
        Ok((row.get(0), version))
    }

    pub(crate) async fn meta_get(&self, key: &str) -> Result<Option<Vec<u8>>> {
        let client = self.client().await?;
        Ok(client
            .query_opt("SELECT value FROM meta WHERE key = $1", &[&key])
            .await?
            .map(|r| r.get(0)))
    }

    pub(crate) async fn meta_set_once(&self, key: &str, value: Vec<u8>) -> Result<Vec<u8>> {
        let client = self.client().await?;
        client
            .execute(
                "INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
                &[&key, &value],
            )
            .await?;
        Ok(client
            .query_one("SELECT value FROM meta WHERE key = $1", &[&key])
            .await?
            .get(0))
    }

    pub(crate) async fn put_service_key(&self, key_id: &str, sealed: Vec<u8>) -> Result<()> {
        let client = self.client().await?;
        client
            .execute(
                "INSERT INTO service_keys (key_id, private_key, added_at) VALUES ($1, $2, now())
                 ON CONFLICT (key_id) DO NOTHING",
                &[&key_id, &sealed],
            )
            .await?;
        Ok(())
    }

    pub(crate) async fn service_keys(&self) -> Result<Vec<(String, Vec<u8>)>> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT key_id, private_key FROM service_keys ORDER BY added_at, key_id",
                &[],
            )
            .await?;
        Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
    }

    pub(crate) async fn authenticate(&self, token: &str) -> Result<Option<String>> {
        let client = self.client().await?;
        let statement = client
            .prepare_cached("SELECT id FROM tokens WHERE token_sha256 = $1 AND revoked_at IS NULL")
            .await?;
        Ok(client
            .query_opt(&statement, &[&hash_token(token)])
            .await?
            .map(|r| r.get(0)))
    }

    pub(crate) async fn find(
        &self,
        referral_id: &str,
        body_sha256: &[u8],
        token_id: &str,
    ) -> Result<Option<Recorded>> {
        let client = self.client().await?;
        find_with(&client, referral_id, body_sha256, token_id).await
    }

    pub(crate) async fn record<F>(
        &self,
        pending: Pending,
        check: F,
    ) -> Result<std::result::Result<Recorded, ApiError>>
    where
        F: FnOnce() -> std::result::Result<Checked, ApiError> + Send + 'static,
    {
        let checked = match run_check(check).await? {
            Ok(checked) => checked,
            Err(refused) => return Ok(Err(refused)),
        };
        let received_at = crate::db::parse_time(&crate::db::format_time(Utc::now()))?;
        let schema_version = i32::try_from(checked.schema_version)
            .map_err(|_| ServerError::Corrupt("schema version"))?;
        let client = self.client().await?;
        let statement = client
            .prepare_cached(
                "WITH next AS (
                     SELECT nextval('referral_seq') AS seq
                      WHERE NOT EXISTS (SELECT 1 FROM referrals WHERE referral_id = $1::text)
                 ), inserted AS (
                     INSERT INTO referrals (referral_id, seq, service_reference, body_sha256,
                                            received_at, key_id, schema_version, referral_json)
                     SELECT $1::text, seq,
                            'WP-' || $2::text || '-' ||
                                CASE WHEN seq < 1000000 THEN lpad(seq::text, 6, '0')
                                     ELSE seq::text END,
                            $3::bytea, $4::timestamptz, $5::text, $6::int4, $7::bytea
                       FROM next
                     ON CONFLICT (referral_id) DO NOTHING
                     RETURNING referral_id, service_reference, received_at
                 ), sender AS (
                     INSERT INTO referral_senders (referral_id, token_id)
                     SELECT referral_id, $8::text FROM inserted
                 ), first_status AS (
                     INSERT INTO status_updates (referral_id, status, at)
                     SELECT referral_id, 'received', received_at FROM inserted
                 )
                 SELECT service_reference FROM inserted",
            )
            .await?;
        let year = received_at.year().to_string();
        let row = client
            .query_opt(
                &statement,
                &[
                    &pending.referral_id,
                    &year,
                    &pending.body_sha256,
                    &received_at,
                    &checked.key_id,
                    &schema_version,
                    &checked.sealed_json,
                    &pending.token_id,
                ],
            )
            .await?;
        if let Some(row) = row {
            return Ok(Ok(Recorded::New(Receipt {
                referral_id: pending.referral_id,
                service_reference: row.get(0),
                received_at,
            })));
        }
        // Another request (on any instance) committed this id first.
        let found = find_with(
            &client,
            &pending.referral_id,
            &pending.body_sha256,
            &pending.token_id,
        )
        .await?
        .ok_or(ServerError::Corrupt("referral row"))?;
        Ok(Ok(found))
    }

    pub(crate) async fn history_for(
        &self,
        referral_id: &str,
        token_id: &str,
    ) -> Result<Option<Vec<StatusEntry>>> {
        let client = self.client().await?;
        let statement = client
            .prepare_cached(&format!(
                "SELECT status, at FROM status_updates
                  WHERE referral_id = $1 AND {MAY_READ}
                  ORDER BY at, id"
            ))
            .await?;
        let rows = client.query(&statement, &[&referral_id, &token_id]).await?;
        // Every referral has its `received` status, so no rows means no access.
        if rows.is_empty() {
            return Ok(None);
        }
        statuses(&rows).map(Some)
    }

    pub(crate) async fn history(&self, referral_id: &str) -> Result<Option<Vec<StatusEntry>>> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT status, at FROM status_updates WHERE referral_id = $1 ORDER BY at, id",
                &[&referral_id],
            )
            .await?;
        if rows.is_empty() {
            return Ok(None);
        }
        statuses(&rows).map(Some)
    }
}

impl PgStorage {
    pub(crate) async fn lookup_addendum(
        &self,
        referral_id: &str,
        addendum_id: &str,
        body_sha256: &[u8],
        token_id: &str,
    ) -> Result<Option<Lookup>> {
        let client = self.client().await?;
        let statement = client
            .prepare_cached(&format!(
                "SELECT r.service_reference, r.schema_version, r.referral_json,
                        r.withdrawn_at IS NOT NULL, a.referral_id, a.body_sha256, a.received_at
                   FROM referrals r LEFT JOIN addenda a ON a.addendum_id = $3
                  WHERE r.referral_id = $1 AND {MAY_READ}"
            ))
            .await?;
        let Some(row) = client
            .query_opt(&statement, &[&referral_id, &token_id, &addendum_id])
            .await?
        else {
            return Ok(None);
        };
        let target = Target {
            service_reference: row.get(0),
            schema_version: version(row.get(1))?,
            sealed_json: row.get(2),
            withdrawn: row.get(3),
        };
        let stored_referral: Option<String> = row.get(4);
        let known = stored_referral.map(|stored_referral| {
            let stored_sha: Vec<u8> = row.get(5);
            if stored_referral == referral_id && stored_sha == body_sha256 {
                Known::Replay(AddendumReceipt {
                    addendum_id: addendum_id.to_string(),
                    referral_id: referral_id.to_string(),
                    service_reference: target.service_reference.clone(),
                    received_at: row.get(6),
                })
            } else {
                Known::Conflict
            }
        });
        Ok(Some(Lookup { target, known }))
    }

    /// Records an addendum in one transaction that first locks the referral's row, so
    /// addenda to one referral (a duplicate racing on another instance, a withdrawal racing
    /// information) are serialised; the addendum id's primary key settles the rest.
    pub(crate) async fn record_addendum(
        &self,
        pending: PendingAddendum,
        checked: CheckedAddendum,
    ) -> Result<(RecordedAddendum, Scrub)> {
        let received_at = crate::db::parse_time(&crate::db::format_time(Utc::now()))?;
        let schema_version = i32::try_from(checked.schema_version)
            .map_err(|_| ServerError::Corrupt("schema version"))?;
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let Some(row) = tx
            .query_opt(
                &format!(
                    "SELECT r.service_reference, r.withdrawn_at IS NOT NULL, {MAY_READ},
                            octet_length(r.referral_json) = 0
                       FROM referrals r WHERE r.referral_id = $1 FOR UPDATE"
                ),
                &[&pending.referral_id, &pending.token_id],
            )
            .await?
        else {
            return Ok((RecordedAddendum::NotFound, Scrub::NotNeeded));
        };
        let service_reference: String = row.get(0);
        let withdrawn: bool = row.get(1);
        let content_deleted: bool = row.get(3);
        if !row.get::<_, bool>(2) {
            return Ok((RecordedAddendum::NotFound, Scrub::NotNeeded));
        }
        let receipt = AddendumReceipt {
            addendum_id: pending.addendum_id.clone(),
            referral_id: pending.referral_id.clone(),
            service_reference,
            received_at,
        };
        if let Some(known) = known_addendum(&tx, &pending, &receipt).await? {
            return Ok((known, Scrub::NotNeeded));
        }
        if checked.kind == weprotect_core::addendum::AddendumKind::Information {
            if withdrawn {
                return Ok((RecordedAddendum::Withdrawn, Scrub::NotNeeded));
            }
            if content_deleted {
                return Ok((RecordedAddendum::ContentDeleted, Scrub::NotNeeded));
            }
        }
        let codes = WithdrawalCodes::of(checked.withdrawal.as_ref());
        let inserted = tx
            .execute(
                "INSERT INTO addenda (addendum_id, referral_id, seq, kind, body_sha256,
                                      received_at, key_id, schema_version, token_id, content,
                                      withdrawn_by, withdrawn_at, recorded_how)
                 VALUES ($1, $2, nextval('addendum_seq'), $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
                 ON CONFLICT (addendum_id) DO NOTHING",
                &[
                    &pending.addendum_id,
                    &pending.referral_id,
                    &checked.kind.as_str(),
                    &pending.body_sha256,
                    &received_at,
                    &checked.key_id,
                    &schema_version,
                    &pending.token_id,
                    &checked.sealed_content,
                    &codes.withdrawn_by,
                    &codes.withdrawn_at,
                    &codes.recorded_how,
                ],
            )
            .await?;
        if inserted == 0 {
            // The same id, committed meanwhile for another referral (this one's row lock
            // does not cover it): read what it is.
            tx.rollback().await?;
            let known = known_addendum(&client, &pending, &receipt)
                .await?
                .ok_or(ServerError::Corrupt("addendum row"))?;
            return Ok((known, Scrub::NotNeeded));
        }
        let mut withdrawal_xid: Option<i64> = None;
        let mut deleted = false;
        if checked.kind == weprotect_core::addendum::AddendumKind::ConsentWithdrawn && !withdrawn {
            withdrawal_xid = Some(tx.query_one("SELECT txid_current()", &[]).await?.get(0));
            deleted = delete_content(
                &tx,
                &pending.referral_id,
                received_at,
                Deletion::ConsentWithdrawn,
            )
            .await?;
        }
        tx.commit().await?;
        let scrub = match withdrawal_xid {
            Some(xid) if deleted => self.scrub_later(xid),
            _ => Scrub::NotNeeded,
        };
        Ok((RecordedAddendum::New { receipt, deleted }, scrub))
    }

    /// Records a withdrawal of consent an advisor recorded in the console: the same deletion
    /// and status as a device's withdrawal, then the same scrub.
    pub(crate) async fn withdraw(&self, referral_id: &str) -> Result<(bool, Scrub)> {
        let at = crate::db::parse_time(&crate::db::format_time(Utc::now()))?;
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        if tx
            .query_opt(
                "SELECT 1 FROM referrals WHERE referral_id = $1",
                &[&referral_id],
            )
            .await?
            .is_none()
        {
            return Err(ServerError::ReferralNotFound);
        }
        let xid: i64 = tx.query_one("SELECT txid_current()", &[]).await?.get(0);
        let deleted = delete_content(&tx, referral_id, at, Deletion::ConsentWithdrawn).await?;
        tx.commit().await?;
        let scrub = if deleted {
            self.scrub_later(xid)
        } else {
            Scrub::NotNeeded
        };
        Ok((deleted, scrub))
    }

    pub(crate) async fn stored_addenda(&self, referral_id: &str) -> Result<Vec<StoredAddendum>> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT addendum_id, kind, received_at, schema_version, content,
                        withdrawn_by, withdrawn_at, recorded_how, content_deleted_at IS NOT NULL
                   FROM addenda WHERE referral_id = $1 ORDER BY seq",
                &[&referral_id],
            )
            .await?;
        rows.iter()
            .map(|r| {
                Ok(StoredAddendum {
                    addendum_id: r.get(0),
                    kind: r.get(1),
                    received_at: r.get(2),
                    schema_version: version(r.get(3))?,
                    sealed_content: r.get(4),
                    codes: WithdrawalCodes {
                        withdrawn_by: r.get(5),
                        withdrawn_at: r.get(6),
                        recorded_how: r.get(7),
                    },
                    content_deleted: r.get(8),
                })
            })
            .collect()
    }
}

/// Deletes a referral's content, in the caller's transaction: the PostgreSQL twin of
/// `addenda::delete_content` (the one deletion path; same statements, same meaning). `false`
/// when there was nothing to do: the referral is unknown, or (for a withdrawal) was withdrawn
/// already. The `UPDATE` of the referral's row locks it, so racing withdrawals (a device's, an
/// advisor's, on any instance) delete and add the status once.
pub(crate) async fn delete_content(
    tx: &impl deadpool_postgres::GenericClient,
    referral_id: &str,
    at: DateTime<Utc>,
    why: Deletion,
) -> Result<bool> {
    let emptied = match why {
        Deletion::ConsentWithdrawn => {
            tx.execute(
                "UPDATE referrals SET referral_json = ''::bytea, withdrawn_at = $2
                  WHERE referral_id = $1 AND withdrawn_at IS NULL",
                &[&referral_id, &at],
            )
            .await?
        }
        Deletion::Retention => {
            tx.execute(
                "UPDATE referrals SET referral_json = ''::bytea WHERE referral_id = $1",
                &[&referral_id],
            )
            .await?
        }
    };
    if emptied == 0 {
        return Ok(false);
    }
    tx.execute(
        "UPDATE addenda SET content = NULL, content_deleted_at = $2
          WHERE referral_id = $1 AND content_deleted_at IS NULL",
        &[&referral_id, &at],
    )
    .await?;
    if why == Deletion::ConsentWithdrawn {
        tx.execute(
            "INSERT INTO status_updates (referral_id, status, at) VALUES ($1, $2, $3)",
            &[
                &referral_id,
                &ReferralStatus::ConsentWithdrawn.as_str(),
                &at,
            ],
        )
        .await?;
    }
    let console: bool = tx
        .query_one("SELECT to_regclass('console_cases') IS NOT NULL", &[])
        .await?
        .get(0);
    if console {
        match why {
            Deletion::ConsentWithdrawn => {
                tx.execute(
                    "INSERT INTO console_cases (referral_id, urgency, flags, to_follow,
                                                content_deleted_at, withdrawn)
                     VALUES ($1, 0, 0, 0, $2, true)
                     ON CONFLICT (referral_id) DO UPDATE
                        SET content_deleted_at = COALESCE(console_cases.content_deleted_at, $2),
                            withdrawn = true",
                    &[&referral_id, &at],
                )
                .await?
            }
            Deletion::Retention => {
                tx.execute(
                    "UPDATE console_cases SET content_deleted_at = COALESCE(content_deleted_at, $2)
                      WHERE referral_id = $1",
                    &[&referral_id, &at],
                )
                .await?
            }
        };
        tx.execute(
            "UPDATE console_events SET detail = NULL WHERE referral_id = $1 AND detail IS NOT NULL",
            &[&referral_id],
        )
        .await?;
        tx.execute(
            "INSERT INTO console_audit (at, action, referral_id) VALUES ($1, $2, $3)",
            &[&at, &why.audit_action(), &referral_id],
        )
        .await?;
    }
    Ok(true)
}

/// How long a rewrite waits for a lock before it gives up (and is tried again later).
const REWRITE_LOCK_TIMEOUT: &str = "2s";

/// One attempt at scrubbing after a withdrawal (transaction `xid`), on a connection of its
/// own from the pool. An UPDATE leaves the old row versions in the table's pages (MVCC) until
/// vacuum, and a plain VACUUM marks their space free without overwriting it. `VACUUM FULL`
/// rewrites `referrals`, `addenda` and (when the console's tables are here) `console_events`,
/// whose sealed details the withdrawal dropped, with their TOAST tables, into new files and
/// truncates the old ones (docs/SECURITY.md). It would copy row versions that a snapshot older
/// than the withdrawal could still see, so it is not tried while one is open, in any database
/// of the cluster (a long query, a `pg_dump`, autovacuum's ANALYZE). It holds an exclusive
/// lock on the tables while it runs, and waits at most [`REWRITE_LOCK_TIMEOUT`] for it, so a
/// session holding a share lock makes it fail (and be tried again) rather than queue every
/// intake query behind it.
async fn rewrite_tables(pool: &Pool, xid: i64) -> std::result::Result<(), String> {
    let client = pool
        .get()
        .await
        .map_err(|e| format!("no connection: {e}"))?;
    let older: i64 = client
        .query_one(
            "SELECT (SELECT count(*) FROM pg_stat_activity
                      WHERE pid <> pg_backend_pid() AND backend_xmin IS NOT NULL
                        AND age(backend_xmin) >= age(($1::bigint % 4294967296)::text::xid))
                  + (txid_snapshot_xmin(txid_current_snapshot()) <= $1)::int",
            &[&xid],
        )
        .await
        .map_err(|e| format!("looking for older snapshots: {e}"))?
        .get(0);
    if older > 0 {
        return Err("a transaction older than the withdrawal is still open".into());
    }
    let console: bool = client
        .query_one("SELECT to_regclass('console_events') IS NOT NULL", &[])
        .await
        .map_err(|e| e.to_string())?
        .get(0);
    let tables = if console {
        "referrals, addenda, console_events"
    } else {
        "referrals, addenda"
    };
    client
        .batch_execute(&format!("SET lock_timeout = '{REWRITE_LOCK_TIMEOUT}'"))
        .await
        .map_err(|e| e.to_string())?;
    let rewritten = client
        .batch_execute(&format!("VACUUM (FULL) {tables}"))
        .await;
    let reset = client.batch_execute("RESET lock_timeout").await;
    rewritten.map_err(|e| format!("VACUUM FULL failed: {e}"))?;
    reset.map_err(|e| e.to_string())
}

/// The answer for an addendum id the record already holds (a replay or a conflict).
async fn known_addendum(
    client: &impl deadpool_postgres::GenericClient,
    pending: &PendingAddendum,
    receipt: &AddendumReceipt,
) -> Result<Option<RecordedAddendum>> {
    let Some(row) = client
        .query_opt(
            "SELECT referral_id, body_sha256, received_at FROM addenda WHERE addendum_id = $1",
            &[&pending.addendum_id],
        )
        .await?
    else {
        return Ok(None);
    };
    let stored_referral: String = row.get(0);
    let stored_sha: Vec<u8> = row.get(1);
    Ok(Some(
        if stored_referral == pending.referral_id && stored_sha == pending.body_sha256 {
            RecordedAddendum::Replay(AddendumReceipt {
                received_at: row.get(2),
                ..receipt.clone()
            })
        } else {
            RecordedAddendum::Conflict
        },
    ))
}

fn version(stored: i32) -> Result<u32> {
    u32::try_from(stored).map_err(|_| ServerError::Corrupt("schema version"))
}

/// The record's answer to a known id (see `records::lookup`), adding a new sender token of
/// the sender's label.
async fn find_with(
    client: &deadpool_postgres::Object,
    referral_id: &str,
    body_sha256: &[u8],
    token_id: &str,
) -> Result<Option<Recorded>> {
    let statement = client
        .prepare_cached(&format!(
            "SELECT r.body_sha256, r.service_reference, r.received_at,
                    EXISTS (SELECT 1 FROM referral_senders
                             WHERE referral_id = $1 AND token_id = $2),
                    {MAY_READ}
               FROM referrals r WHERE r.referral_id = $1"
        ))
        .await?;
    let Some(row) = client
        .query_opt(&statement, &[&referral_id, &token_id])
        .await?
    else {
        return Ok(None);
    };
    let stored_sha: Vec<u8> = row.get(0);
    let sender_known: bool = row.get(3);
    let may_read: bool = row.get(4);
    let found = if stored_sha != body_sha256 {
        Found::Conflict
    } else if !may_read {
        Found::OtherSender
    } else {
        Found::Replay {
            receipt: Receipt {
                referral_id: referral_id.to_string(),
                service_reference: row.get(1),
                received_at: row.get(2),
            },
            sender_known,
        }
    };
    if found.needs_sender() {
        client
            .execute(
                "INSERT INTO referral_senders (referral_id, token_id) VALUES ($1, $2)
                 ON CONFLICT DO NOTHING",
                &[&referral_id, &token_id],
            )
            .await?;
    }
    Ok(Some(found.into_recorded()))
}

fn token_info(row: &tokio_postgres::Row) -> TokenInfo {
    TokenInfo {
        id: row.get(0),
        label: row.get(1),
        created_at: row.get(2),
        revoked_at: row.get(3),
    }
}

fn statuses(rows: &[tokio_postgres::Row]) -> Result<Vec<StatusEntry>> {
    rows.iter()
        .map(|r| {
            let status: &str = r.get(0);
            Ok(StatusEntry {
                status: status
                    .parse()
                    .map_err(|_| ServerError::Corrupt("status name"))?,
                at: r.get(1),
            })
        })
        .collect()
}
