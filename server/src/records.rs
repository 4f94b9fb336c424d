//! The permanent record of received referrals, and the receipt each one earned.
//!
//! This is where "exactly once" is decided (the SQLite statements are here; PostgreSQL's, with
//! the same meaning, in `storage/postgres.rs`). A referral id is recorded once, in a single
//! `BEGIN IMMEDIATE` transaction that also stores the sender and the first status, and the
//! transaction commits before the HTTP handler answers. Any later request with the same id
//! is a *replay* when its body hashes to the same SHA-256 and it comes from the same sender
//! (a token with the sending token's label: it gets the original receipt back, however long
//! afterwards), *another sender's* when the bytes are the same but the label is not (no
//! receipt, no read access), and a *conflict* otherwise. Two racing first submissions are
//! serialised by SQLite's write lock: the second one finds the first one's row.

use std::path::Path;

use chrono::{DateTime, Datelike, Utc};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use serde::{Deserialize, Serialize};
use weprotect_core::crypto::data_key::aad;

use crate::db;
use crate::error::{Result, ServerError};
use crate::keys;
use crate::status::ReferralStatus;

/// What the service answers when it holds a referral. The same receipt is returned for every
/// replay of the same envelope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    /// The referral id (the `Idempotency-Key`).
    pub referral_id: String,
    /// The service's own reference, e.g. `WP-2026-000123`, unique and sequential.
    pub service_reference: String,
    /// When the service first received the referral (UTC, millisecond precision).
    pub received_at: DateTime<Utc>,
}

/// The outcome of trying to record a submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Recorded {
    /// First receipt: a new row was committed.
    New(Receipt),
    /// The same id with the same bytes: the original receipt.
    Replay(Receipt),
    /// The same id with different bytes.
    Conflict,
    /// The same bytes from a token of another label: another sender gets no receipt.
    OtherSender,
}

/// A submission that passed every check, ready to be stored.
pub(crate) struct NewReferral<'a> {
    pub referral_id: &'a str,
    pub body_sha256: &'a [u8],
    pub key_id: &'a str,
    pub schema_version: u32,
    /// The referral JSON, already sealed with the data key (see [`row_aad`]).
    pub sealed_json: &'a [u8],
    pub token_id: &'a str,
}

/// A new submission that was opened, passed validation and is sealed for storage.
pub(crate) struct Checked {
    pub key_id: String,
    pub schema_version: u32,
    /// The referral JSON, sealed with the data key (see [`row_aad`]).
    pub sealed_json: Vec<u8>,
}

/// The associated data that binds a stored referral to its row.
pub(crate) fn row_aad(referral_id: &str, schema_version: u32) -> Vec<u8> {
    aad("referrals", referral_id, "referral_json", schema_version)
}

/// What the permanent record says about an earlier submission with the same id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Found {
    /// Other bytes under this id.
    Conflict,
    /// The same bytes, from a token of another label.
    OtherSender,
    /// The same bytes from the sender; `sender_known` is false when this token has not been
    /// recorded as a sender yet (a device that signed in again), and must be added.
    Replay {
        receipt: Receipt,
        sender_known: bool,
    },
}

impl Found {
    /// The outcome for the client (after a missing sender was added).
    pub(crate) fn into_recorded(self) -> Recorded {
        match self {
            Found::Conflict => Recorded::Conflict,
            Found::OtherSender => Recorded::OtherSender,
            Found::Replay { receipt, .. } => Recorded::Replay(receipt),
        }
    }

    /// Whether answering it needs a write (adding the token to the senders).
    pub(crate) fn needs_sender(&self) -> bool {
        matches!(
            self,
            Found::Replay {
                sender_known: false,
                ..
            }
        )
    }
}

/// The receipt's year and the service reference for sequence number `seq`.
pub(crate) fn service_reference(received_at: DateTime<Utc>, seq: i64) -> String {
    format!("WP-{}-{seq:06}", received_at.year())
}

/// Looks for an earlier submission with this id; reads only (see [`Found::needs_sender`]).
pub(crate) fn lookup(
    conn: &Connection,
    referral_id: &str,
    body_sha256: &[u8],
    token_id: &str,
) -> Result<Option<Found>> {
    let row = conn
        .prepare_cached(
            "SELECT body_sha256, service_reference, received_at,
                    EXISTS (SELECT 1 FROM referral_senders
                             WHERE referral_id = ?1 AND token_id = ?2)
               FROM referrals WHERE referral_id = ?1",
        )?
        .query_row(params![referral_id, token_id], |r| {
            Ok((
                r.get::<_, Vec<u8>>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, bool>(3)?,
            ))
        })
        .optional()?;
    let Some((stored_sha, service_reference, received_at, sender_known)) = row else {
        return Ok(None);
    };
    if stored_sha != body_sha256 {
        return Ok(Some(Found::Conflict));
    }
    // Only the sender (a token of the sending label) gets the receipt back. Someone else who
    // holds a copy of the envelope learns nothing from a replay and gains no read access.
    if !sender_known && !may_read_status(conn, referral_id, token_id)? {
        return Ok(Some(Found::OtherSender));
    }
    Ok(Some(Found::Replay {
        receipt: Receipt {
            referral_id: referral_id.to_string(),
            service_reference,
            received_at: db::parse_time(&received_at)?,
        },
        sender_known,
    }))
}

/// Adds `token_id` to the referral's senders (a replay from a token of the sender's label).
pub(crate) fn add_sender(conn: &Connection, referral_id: &str, token_id: &str) -> Result<()> {
    conn.prepare_cached(
        "INSERT OR IGNORE INTO referral_senders (referral_id, token_id) VALUES (?1, ?2)",
    )?
    .execute(params![referral_id, token_id])?;
    Ok(())
}

/// Records a new referral with its sender and its first status in one `BEGIN IMMEDIATE`
/// transaction, unless one with this id exists (then it is a replay or a conflict: the check
/// is repeated under the write lock, so racing first submissions give one row).
pub(crate) fn record(
    conn: &mut Connection,
    new: &NewReferral<'_>,
    now: DateTime<Utc>,
) -> Result<Recorded> {
    let mut outcomes = record_all(conn, std::slice::from_ref(new), now)?;
    outcomes.pop().ok_or(ServerError::Corrupt("record outcome"))
}

/// Records several submissions in one `BEGIN IMMEDIATE` transaction (group commit: one fsync
/// for all of them), each exactly as [`record`] would, in order: a later one with the id of an
/// earlier one finds it and is its replay (or a conflict). Nothing is committed unless all
/// of them are; the caller answers none of them before this returns `Ok`.
pub(crate) fn record_all(
    conn: &mut Connection,
    all: &[NewReferral<'_>],
    now: DateTime<Utc>,
) -> Result<Vec<Recorded>> {
    let received_at = db::parse_time(&db::format_time(now))?;
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let outcomes = all
        .iter()
        .map(|new| record_in(&tx, new, received_at))
        .collect::<Result<Vec<_>>>()?;
    tx.commit()?;
    Ok(outcomes)
}

/// One submission's part of a recording transaction.
fn record_in(
    tx: &Connection,
    new: &NewReferral<'_>,
    received_at: DateTime<Utc>,
) -> Result<Recorded> {
    if let Some(found) = lookup(tx, new.referral_id, new.body_sha256, new.token_id)? {
        if found.needs_sender() {
            add_sender(tx, new.referral_id, new.token_id)?;
        }
        return Ok(found.into_recorded());
    }
    let seq: i64 = tx
        .prepare_cached("SELECT COALESCE(MAX(seq), 0) + 1 FROM referrals")?
        .query_row([], |r| r.get(0))?;
    let receipt = Receipt {
        referral_id: new.referral_id.to_string(),
        service_reference: service_reference(received_at, seq),
        received_at,
    };
    let at = db::format_time(received_at);
    tx.prepare_cached(
        "INSERT INTO referrals (referral_id, seq, service_reference, body_sha256, received_at,
                                key_id, schema_version, referral_json)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        new.referral_id,
        seq,
        receipt.service_reference,
        new.body_sha256,
        at,
        new.key_id,
        new.schema_version,
        new.sealed_json
    ])?;
    tx.prepare_cached("INSERT INTO referral_senders (referral_id, token_id) VALUES (?1, ?2)")?
        .execute(params![new.referral_id, new.token_id])?;
    tx.prepare_cached("INSERT INTO status_updates (referral_id, status, at) VALUES (?1, ?2, ?3)")?
        .execute(params![
            new.referral_id,
            ReferralStatus::Received.as_str(),
            at
        ])?;
    Ok(Recorded::New(receipt))
}

/// Whether the token with id `token_id` may read this referral's status: it sent (or
/// replayed) the referral, or it carries the same non-empty label as a token that did.
///
/// Tokens expire and officers sign in again; the label names the device (or officer) behind
/// the tokens, so a new token for the same label keeps seeing the statuses of referrals sent
/// under earlier ones. A revoked sender token still counts as the label's: revocation stops
/// that token, not the device's view of what it sent. The caller is already authenticated, so
/// `token_id` is an active token.
pub(crate) fn may_read_status(
    conn: &Connection,
    referral_id: &str,
    token_id: &str,
) -> Result<bool> {
    Ok(conn
        .prepare_cached(
            "SELECT 1 FROM referral_senders s
               JOIN tokens sender ON sender.id = s.token_id
               JOIN tokens caller ON caller.id = ?2
             WHERE s.referral_id = ?1
               AND (s.token_id = ?2 OR (caller.label <> '' AND sender.label = caller.label))
             LIMIT 1",
        )?
        .query_row(params![referral_id, token_id], |_| Ok(()))
        .optional()?
        .is_some())
}

/// How many referrals the server in `dir` holds.
pub fn referral_count(dir: &Path) -> Result<u64> {
    let conn = db::open(dir)?;
    let count: i64 = conn.query_row("SELECT COUNT(*) FROM referrals", [], |r| r.get(0))?;
    Ok(u64::try_from(count).unwrap_or(0))
}

/// Every receipt the server in `dir` has given, in order of receipt.
pub fn receipts(dir: &Path) -> Result<Vec<Receipt>> {
    receipts_in(&db::open(dir)?)
}

pub(crate) fn receipts_in(conn: &Connection) -> Result<Vec<Receipt>> {
    let mut stmt = conn.prepare(
        "SELECT referral_id, service_reference, received_at FROM referrals ORDER BY seq",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (referral_id, service_reference, received_at) = row?;
        out.push(Receipt {
            referral_id,
            service_reference,
            received_at: db::parse_time(&received_at)?,
        });
    }
    Ok(out)
}

/// The referral JSON as the device sent it, decrypted with the data key file in `dir`
/// (an advisor's view; fails with an I/O error when the data key is not kept in a file).
pub fn read_referral(dir: &Path, referral_id: &str) -> Result<String> {
    let conn = db::open(dir)?;
    let key = keys::load_data_key(dir, &conn)?;
    let (sealed, schema_version) = sealed(&conn, referral_id)?;
    open_sealed(&key, referral_id, &sealed, schema_version)
}

/// A stored referral, still sealed, and its schema version.
pub(crate) fn sealed(conn: &Connection, referral_id: &str) -> Result<(Vec<u8>, u32)> {
    conn.query_row(
        "SELECT referral_json, schema_version FROM referrals WHERE referral_id = ?1",
        [referral_id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .optional()?
    .ok_or(ServerError::ReferralNotFound)
}

/// Opens a stored referral's JSON with the data key.
pub(crate) fn open_sealed(
    key: &weprotect_core::crypto::DataKey,
    referral_id: &str,
    sealed: &[u8],
    schema_version: u32,
) -> Result<String> {
    // Emptied when consent was withdrawn (or by the console's retention).
    if sealed.is_empty() {
        return Err(ServerError::ContentDeleted);
    }
    let plain = key.open(&row_aad(referral_id, schema_version), sealed)?;
    String::from_utf8(plain).map_err(|_| ServerError::Corrupt("referral text"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new<'a>(id: &'a str, sha: &'a [u8], token_id: &'a str) -> NewReferral<'a> {
        NewReferral {
            referral_id: id,
            body_sha256: sha,
            key_id: "key",
            schema_version: 2,
            sealed_json: b"sealed",
            token_id,
        }
    }

    #[test]
    fn one_group_records_each_submission_as_if_it_came_alone() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = db::open(dir.path()).unwrap();
        let token = crate::tokens::issue(&conn, "device one").unwrap().id;
        let stranger = crate::tokens::issue(&conn, "device two").unwrap().id;
        let (a, b) = (
            "0b7c5a1e-4c6f-4d0e-9a53-2f1d8e6b7c01",
            "0b7c5a1e-4c6f-4d0e-9a53-2f1d8e6b7c02",
        );
        let now = Utc::now();
        let group = [
            new(a, b"sha a", &token),
            new(b, b"sha b", &token),
            new(a, b"sha a", &token),
            new(a, b"other bytes", &token),
            new(b, b"sha b", &stranger),
        ];
        let outcomes = record_all(&mut conn, &group, now).unwrap();
        let (Recorded::New(first), Recorded::New(second)) = (&outcomes[0], &outcomes[1]) else {
            panic!("{outcomes:?}")
        };
        assert_eq!(first.service_reference, service_reference(now, 1));
        assert_eq!(second.service_reference, service_reference(now, 2));
        assert_eq!(outcomes[2], Recorded::Replay(first.clone()));
        assert_eq!(outcomes[3], Recorded::Conflict);
        assert_eq!(outcomes[4], Recorded::OtherSender);
        // All committed together, and a later submission continues the sequence.
        assert_eq!(
            receipts_in(&conn).unwrap(),
            vec![first.clone(), second.clone()]
        );
        let c = "0b7c5a1e-4c6f-4d0e-9a53-2f1d8e6b7c03";
        let Recorded::New(third) = record(&mut conn, &new(c, b"sha c", &token), now).unwrap()
        else {
            panic!()
        };
        assert_eq!(third.service_reference, service_reference(now, 3));
    }

    #[test]
    fn a_group_that_fails_commits_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = db::open(dir.path()).unwrap();
        let token = crate::tokens::issue(&conn, "device one").unwrap().id;
        let group = [
            new("0b7c5a1e-4c6f-4d0e-9a53-2f1d8e6b7c01", b"sha a", &token),
            // No such token: the sender's foreign key fails.
            new(
                "0b7c5a1e-4c6f-4d0e-9a53-2f1d8e6b7c02",
                b"sha b",
                "tok_missing",
            ),
        ];
        assert!(record_all(&mut conn, &group, Utc::now()).is_err());
        assert!(receipts_in(&conn).unwrap().is_empty());
    }
}
