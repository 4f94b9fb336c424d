//! Addenda: what a device sends about a referral the service already holds (issue 23).
//!
//! An addendum is either information that was to follow (values for the referral's to-follow
//! paths) or a withdrawal of consent. It is received exactly once under its own id, as a
//! referral is: the `addenda` table's primary key is the addendum id, and a known id with the
//! same body SHA-256 gets its original receipt back. Only a token whose label sent the referral
//! may add to it (the rule of `records::may_read_status`); everyone else, and an unknown
//! referral, get the same `404`.
//!
//! A withdrawal deletes the referral's content in the transaction that records it: the sealed
//! referral is emptied, every addendum's sealed information is dropped, and the status
//! `consent_withdrawn` is added. Every deletion of content goes through [`delete_content`] (on
//! PostgreSQL its twin in `storage/postgres.rs`): a device's withdrawal, an advisor's (the
//! console records the same withdrawal, [`withdraw`]) and the console's retention, which
//! deletes the same content but marks nothing withdrawn. Ids, times, the sender, statuses,
//! the fact and time of the withdrawal and its codes (who, how) stay. On SQLite the database
//! runs with `secure_delete`, so freed space is zeroed, and the WAL is checkpointed and
//! truncated right after, so no copy of the sealed bytes stays in the file or its WAL
//! (`db.rs`). PostgreSQL's part is in `storage/postgres.rs`; what it cannot promise is in
//! docs/SECURITY.md.
//!
//! The SQLite statements are here; PostgreSQL's, with the same meaning, are in
//! `storage/postgres.rs`.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use weprotect_core::addendum::{AddendumKind, RecordedHow, Withdrawal, WithdrawnBy};
use weprotect_core::crypto::DataKey;
use weprotect_core::crypto::data_key::aad;

use crate::db;
use crate::error::{Result, ServerError};
use crate::keys;
use crate::records;
use crate::status::ReferralStatus;

/// What the service answers when it holds an addendum; the same for every replay.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddendumReceipt {
    /// The addendum id (the `Idempotency-Key`).
    pub addendum_id: String,
    /// The referral it adds to.
    pub referral_id: String,
    /// The referral's service reference, e.g. `WP-2026-000123`.
    pub service_reference: String,
    /// When the service first received the addendum (UTC, millisecond precision).
    pub received_at: DateTime<Utc>,
}

/// An addendum as whoever reads the referral sees it (an advisor, the operator's tool).
/// `Debug` leaves the information's values out.
#[derive(Clone, PartialEq)]
pub struct Addendum {
    /// The addendum id.
    pub addendum_id: String,
    /// Information or a withdrawal of consent.
    pub kind: AddendumKind,
    /// When the service received it.
    pub received_at: DateTime<Utc>,
    /// For `information`: form path -> value. Personal data. `None` once deleted.
    pub information: Option<BTreeMap<String, Value>>,
    /// For `consent_withdrawn`: who, when, how (codes and a time; kept after deletion).
    pub withdrawal: Option<Withdrawal>,
    /// Whether its content was deleted (consent withdrawn).
    pub content_deleted: bool,
}

impl std::fmt::Debug for Addendum {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Addendum")
            .field("addendum_id", &self.addendum_id)
            .field("kind", &self.kind)
            .field("received_at", &self.received_at)
            .field(
                "paths",
                &self
                    .information
                    .as_ref()
                    .map(|i| i.keys().collect::<Vec<_>>()),
            )
            .field("withdrawal", &self.withdrawal)
            .field("content_deleted", &self.content_deleted)
            .finish()
    }
}

/// The referral an addendum is for, as the check needs it.
pub(crate) struct Target {
    pub service_reference: String,
    pub schema_version: u32,
    /// The referral, sealed with the data key (empty once its content was deleted).
    pub sealed_json: Vec<u8>,
    /// Consent was withdrawn: its content is gone.
    pub withdrawn: bool,
}

impl Target {
    /// Its content was deleted (consent withdrawn, or retention after it was closed).
    pub(crate) fn content_deleted(&self) -> bool {
        self.withdrawn || self.sealed_json.is_empty()
    }
}

/// What the record says about an addendum id it already holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Known {
    /// The same bytes for the same referral: the original receipt.
    Replay(AddendumReceipt),
    /// Other bytes, or another referral, under this id.
    Conflict,
}

/// The answer of a lookup: the referral the token may add to, and the addendum id if known.
pub(crate) struct Lookup {
    pub target: Target,
    pub known: Option<Known>,
}

/// A submission whose id was not in the record when it was looked up.
pub(crate) struct PendingAddendum {
    pub addendum_id: String,
    pub referral_id: String,
    pub body_sha256: Vec<u8>,
    pub token_id: String,
}

/// An addendum that was opened and passed its checks, ready to be stored.
pub(crate) struct CheckedAddendum {
    pub kind: AddendumKind,
    pub key_id: String,
    pub schema_version: u32,
    /// The information (JSON object), sealed with the data key (see [`content_aad`]).
    pub sealed_content: Option<Vec<u8>>,
    pub withdrawal: Option<Withdrawal>,
}

/// The outcome of recording an addendum.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RecordedAddendum {
    /// First receipt; `deleted` when this withdrawal deleted the referral's content (the
    /// first withdrawal), so the caller scrubs what the database keeps of the old bytes.
    New {
        receipt: AddendumReceipt,
        deleted: bool,
    },
    /// The same id with the same bytes, committed first by a racing request.
    Replay(AddendumReceipt),
    /// The same id with other bytes.
    Conflict,
    /// Information for a referral whose consent was withdrawn meanwhile.
    Withdrawn,
    /// Information for a referral whose content retention deleted meanwhile.
    ContentDeleted,
    /// The referral is not the token's to add to.
    NotFound,
}

/// The associated data that binds an addendum's sealed information to its row.
pub(crate) fn content_aad(addendum_id: &str, schema_version: u32) -> Vec<u8> {
    aad("addenda", addendum_id, "content", schema_version)
}

/// Looks up the referral (if the token may add to it) and the addendum id; reads only.
pub(crate) fn lookup(
    conn: &Connection,
    referral_id: &str,
    addendum_id: &str,
    body_sha256: &[u8],
    token_id: &str,
) -> Result<Option<Lookup>> {
    if !records::may_read_status(conn, referral_id, token_id)? {
        return Ok(None);
    }
    let Some(target) = conn
        .prepare_cached(
            "SELECT service_reference, schema_version, referral_json, withdrawn_at IS NOT NULL
               FROM referrals WHERE referral_id = ?1",
        )?
        .query_row([referral_id], |r| {
            Ok(Target {
                service_reference: r.get(0)?,
                schema_version: r.get(1)?,
                sealed_json: r.get(2)?,
                withdrawn: r.get(3)?,
            })
        })
        .optional()?
    else {
        return Ok(None);
    };
    let row = conn
        .prepare_cached(
            "SELECT referral_id, body_sha256, received_at FROM addenda WHERE addendum_id = ?1",
        )?
        .query_row([addendum_id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, Vec<u8>>(1)?,
                r.get::<_, String>(2)?,
            ))
        })
        .optional()?;
    let known = match row {
        None => None,
        Some((stored_referral, stored_sha, received_at)) => {
            if stored_referral == referral_id && stored_sha == body_sha256 {
                Some(Known::Replay(AddendumReceipt {
                    addendum_id: addendum_id.to_string(),
                    referral_id: referral_id.to_string(),
                    service_reference: target.service_reference.clone(),
                    received_at: db::parse_time(&received_at)?,
                }))
            } else {
                Some(Known::Conflict)
            }
        }
    };
    Ok(Some(Lookup { target, known }))
}

/// Records a checked addendum in one `BEGIN IMMEDIATE` transaction, looking the id up again
/// under the write lock (racing duplicates give one row); a withdrawal deletes the content
/// and adds the status `consent_withdrawn` in the same transaction.
pub(crate) fn record(
    conn: &mut Connection,
    pending: &PendingAddendum,
    checked: &CheckedAddendum,
    now: DateTime<Utc>,
) -> Result<RecordedAddendum> {
    let received_at = db::parse_time(&db::format_time(now))?;
    let at = db::format_time(received_at);
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let Some(found) = lookup(
        &tx,
        &pending.referral_id,
        &pending.addendum_id,
        &pending.body_sha256,
        &pending.token_id,
    )?
    else {
        return Ok(RecordedAddendum::NotFound);
    };
    match found.known {
        Some(Known::Replay(receipt)) => return Ok(RecordedAddendum::Replay(receipt)),
        Some(Known::Conflict) => return Ok(RecordedAddendum::Conflict),
        None => {}
    }
    if checked.kind == AddendumKind::Information && found.target.withdrawn {
        return Ok(RecordedAddendum::Withdrawn);
    }
    if checked.kind == AddendumKind::Information && found.target.content_deleted() {
        return Ok(RecordedAddendum::ContentDeleted);
    }
    let seq: i64 = tx
        .prepare_cached("SELECT COALESCE(MAX(seq), 0) + 1 FROM addenda")?
        .query_row([], |r| r.get(0))?;
    let codes = WithdrawalCodes::of(checked.withdrawal.as_ref());
    tx.prepare_cached(
        "INSERT INTO addenda (addendum_id, referral_id, seq, kind, body_sha256, received_at,
                              key_id, schema_version, token_id, content,
                              withdrawn_by, withdrawn_at, recorded_how)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    )?
    .execute(params![
        pending.addendum_id,
        pending.referral_id,
        seq,
        checked.kind.as_str(),
        pending.body_sha256,
        at,
        checked.key_id,
        checked.schema_version,
        pending.token_id,
        checked.sealed_content,
        codes.withdrawn_by,
        codes.withdrawn_at.map(db::format_time),
        codes.recorded_how,
    ])?;
    let deleted = checked.kind == AddendumKind::ConsentWithdrawn
        && delete_content(&tx, &pending.referral_id, &at, Deletion::ConsentWithdrawn)?;
    tx.commit()?;
    Ok(RecordedAddendum::New {
        receipt: AddendumReceipt {
            addendum_id: pending.addendum_id.clone(),
            referral_id: pending.referral_id.clone(),
            service_reference: found.target.service_reference,
            received_at,
        },
        deleted,
    })
}

/// A withdrawal's codes as stored (text columns), or all `None`.
pub(crate) struct WithdrawalCodes {
    pub withdrawn_by: Option<String>,
    pub withdrawn_at: Option<DateTime<Utc>>,
    pub recorded_how: Option<String>,
}

impl WithdrawalCodes {
    pub(crate) fn of(withdrawal: Option<&Withdrawal>) -> WithdrawalCodes {
        let code = |v: Value| v.as_str().map(str::to_string);
        WithdrawalCodes {
            withdrawn_by: withdrawal
                .and_then(|w| serde_json::to_value(w.withdrawn_by).ok())
                .and_then(code),
            withdrawn_at: withdrawal.map(|w| w.withdrawn_at),
            recorded_how: withdrawal
                .and_then(|w| serde_json::to_value(w.recorded_how).ok())
                .and_then(code),
        }
    }

    /// The withdrawal these codes describe, if they are complete.
    pub(crate) fn withdrawal(&self) -> Result<Option<Withdrawal>> {
        let (Some(by), Some(at), Some(how)) =
            (&self.withdrawn_by, self.withdrawn_at, &self.recorded_how)
        else {
            return Ok(None);
        };
        let by: WithdrawnBy = serde_json::from_value(Value::String(by.clone()))
            .map_err(|_| ServerError::Corrupt("withdrawal code"))?;
        let how: RecordedHow = serde_json::from_value(Value::String(how.clone()))
            .map_err(|_| ServerError::Corrupt("withdrawal code"))?;
        Ok(Some(Withdrawal {
            withdrawn_by: by,
            withdrawn_at: at,
            recorded_how: how,
        }))
    }
}

/// Why a referral's content is deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Deletion {
    /// The victim withdrew consent (a device's withdrawal addendum, or an advisor recording
    /// it in the console): the referral is marked withdrawn and gets the status
    /// `consent_withdrawn` the device reads.
    ConsentWithdrawn,
    /// The console's retention, a while after the referral was closed: nothing is marked
    /// withdrawn and no status is added.
    Retention,
}

impl Deletion {
    /// The console's audit action for it.
    pub(crate) fn audit_action(self) -> &'static str {
        match self {
            Deletion::ConsentWithdrawn => "content_deleted_consent_withdrawn",
            Deletion::Retention => "content_deleted_retention",
        }
    }
}

/// Deletes a referral's content, in the caller's transaction: the one deletion path on SQLite
/// (PostgreSQL's twin is `storage::delete_content_pg`). The sealed referral is emptied and
/// every addendum's sealed information dropped (ids, times, kinds and a withdrawal's codes
/// stay). For a withdrawal the referral is marked withdrawn and the status
/// `consent_withdrawn` added. When the console's tables are in this database its case is
/// marked (created when never triaged, so the queue never opens the deleted content), the
/// sealed details of its events dropped and the deletion audited.
///
/// `false` when there was nothing to do: the referral is unknown, or (for a withdrawal) was
/// withdrawn already.
pub(crate) fn delete_content(
    tx: &Connection,
    referral_id: &str,
    at: &str,
    why: Deletion,
) -> Result<bool> {
    let emptied = match why {
        Deletion::ConsentWithdrawn => tx
            .prepare_cached(
                "UPDATE referrals SET referral_json = X'', withdrawn_at = ?2
                  WHERE referral_id = ?1 AND withdrawn_at IS NULL",
            )?
            .execute(params![referral_id, at])?,
        Deletion::Retention => tx
            .prepare_cached("UPDATE referrals SET referral_json = X'' WHERE referral_id = ?1")?
            .execute([referral_id])?,
    };
    if emptied == 0 {
        return Ok(false);
    }
    tx.prepare_cached(
        "UPDATE addenda SET content = NULL, content_deleted_at = ?2
          WHERE referral_id = ?1 AND content_deleted_at IS NULL",
    )?
    .execute(params![referral_id, at])?;
    if why == Deletion::ConsentWithdrawn {
        tx.prepare_cached(
            "INSERT INTO status_updates (referral_id, status, at) VALUES (?1, ?2, ?3)",
        )?
        .execute(params![
            referral_id,
            ReferralStatus::ConsentWithdrawn.as_str(),
            at
        ])?;
    }
    let console: bool = tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'console_cases')",
        [],
        |r| r.get(0),
    )?;
    if console {
        match why {
            Deletion::ConsentWithdrawn => tx.execute(
                "INSERT INTO console_cases (referral_id, urgency, flags, to_follow,
                                            content_deleted_at, withdrawn)
                 VALUES (?1, 0, 0, 0, ?2, 1)
                 ON CONFLICT (referral_id) DO UPDATE
                    SET content_deleted_at = COALESCE(content_deleted_at, ?2), withdrawn = 1",
                params![referral_id, at],
            )?,
            Deletion::Retention => tx.execute(
                "UPDATE console_cases SET content_deleted_at = COALESCE(content_deleted_at, ?2)
                  WHERE referral_id = ?1",
                params![referral_id, at],
            )?,
        };
        tx.execute(
            "UPDATE console_events SET detail = NULL WHERE referral_id = ?1 AND detail IS NOT NULL",
            [referral_id],
        )?;
        tx.execute(
            "INSERT INTO console_audit (at, action, referral_id) VALUES (?1, ?2, ?3)",
            params![at, why.audit_action(), referral_id],
        )?;
    }
    Ok(true)
}

/// Records a withdrawal of consent that did not come from the device (an advisor recorded it
/// in the console): the same deletion and status as a device's withdrawal, in one
/// `BEGIN IMMEDIATE` transaction. `false` when consent was withdrawn already; an unknown
/// referral is [`ServerError::ReferralNotFound`].
pub(crate) fn withdraw(conn: &mut Connection, referral_id: &str) -> Result<bool> {
    let at = db::format_time(Utc::now());
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let known: bool = tx
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM referrals WHERE referral_id = ?1)")?
        .query_row([referral_id], |r| r.get(0))?;
    if !known {
        return Err(ServerError::ReferralNotFound);
    }
    let deleted = delete_content(&tx, referral_id, &at, Deletion::ConsentWithdrawn)?;
    tx.commit()?;
    Ok(deleted)
}

/// How long one scrub attempt waits for readers to move to the newest snapshot. Reads take
/// microseconds; a reader holding an old snapshot longer makes the attempt fail, and the
/// scrub is tried again later (`storage/scrubber.rs`), instead of holding the writer.
const SCRUB_BUSY_WAIT: std::time::Duration = std::time::Duration::from_millis(50);

/// The writer's usual busy timeout (as `db::open` sets it), restored after an attempt.
const WRITER_BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// After a deletion: copies the WAL into the database file and truncates it, so the pages
/// that held the deleted content (zeroed in the file by `secure_delete`) leave no older copy
/// in the WAL. One attempt, waiting at most [`SCRUB_BUSY_WAIT`] for readers; `false` when a
/// reader holding an older snapshot kept it from finishing (the caller tries again later:
/// SQLite's own automatic checkpoints are PASSIVE and never truncate the WAL).
pub(crate) fn scrub_wal(conn: &Connection) -> Result<bool> {
    conn.busy_timeout(SCRUB_BUSY_WAIT)?;
    let busy = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| {
        r.get::<_, i64>(0)
    });
    conn.busy_timeout(WRITER_BUSY_TIMEOUT)?;
    Ok(busy? == 0)
}

/// A stored addendum, its information still sealed.
pub(crate) struct StoredAddendum {
    pub addendum_id: String,
    pub kind: String,
    pub received_at: DateTime<Utc>,
    pub schema_version: u32,
    pub sealed_content: Option<Vec<u8>>,
    pub codes: WithdrawalCodes,
    pub content_deleted: bool,
}

/// A referral's addenda in order of receipt, sealed.
pub(crate) fn stored(conn: &Connection, referral_id: &str) -> Result<Vec<StoredAddendum>> {
    let mut stmt = conn.prepare_cached(
        "SELECT addendum_id, kind, received_at, schema_version, content,
                withdrawn_by, withdrawn_at, recorded_how, content_deleted_at IS NOT NULL
           FROM addenda WHERE referral_id = ?1 ORDER BY seq",
    )?;
    let rows = stmt.query_map([referral_id], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, u32>(3)?,
            r.get::<_, Option<Vec<u8>>>(4)?,
            r.get::<_, Option<String>>(5)?,
            r.get::<_, Option<String>>(6)?,
            r.get::<_, Option<String>>(7)?,
            r.get::<_, bool>(8)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, kind, received_at, version, content, by, at, how, deleted) = row?;
        out.push(StoredAddendum {
            addendum_id: id,
            kind,
            received_at: db::parse_time(&received_at)?,
            schema_version: version,
            sealed_content: content,
            codes: WithdrawalCodes {
                withdrawn_by: by,
                withdrawn_at: at.as_deref().map(db::parse_time).transpose()?,
                recorded_how: how,
            },
            content_deleted: deleted,
        });
    }
    Ok(out)
}

/// Opens stored addenda with the data key.
pub(crate) fn open_all(key: &DataKey, stored: Vec<StoredAddendum>) -> Result<Vec<Addendum>> {
    stored
        .into_iter()
        .map(|s| {
            let kind =
                AddendumKind::from_name(&s.kind).ok_or(ServerError::Corrupt("addendum kind"))?;
            let information = match &s.sealed_content {
                Some(sealed) => {
                    let plain = zeroize::Zeroizing::new(
                        key.open(&content_aad(&s.addendum_id, s.schema_version), sealed)?,
                    );
                    Some(
                        serde_json::from_slice(&plain)
                            .map_err(|_| ServerError::Corrupt("addendum content"))?,
                    )
                }
                None => None,
            };
            Ok(Addendum {
                withdrawal: s.codes.withdrawal()?,
                addendum_id: s.addendum_id,
                kind,
                received_at: s.received_at,
                information,
                content_deleted: s.content_deleted,
            })
        })
        .collect()
}

/// The addenda of a referral held by the server in `dir`, opened with the data key file there
/// (an advisor's view, as [`crate::read_referral`]); in order of receipt. A referral without
/// addenda has an empty list; an unknown referral is [`ServerError::ReferralNotFound`].
pub fn read_addenda(dir: &Path, referral_id: &str) -> Result<Vec<Addendum>> {
    let conn = db::open(dir)?;
    let key = keys::load_data_key(dir, &conn)?;
    records::sealed(&conn, referral_id)?;
    open_all(&key, stored(&conn, referral_id)?)
}
