//! The outbox: submitted referrals, sealed for the service, until the service has them.
//!
//! States: `queued` (sealed bytes stored, waiting for the sync engine), `delivered` (the
//! service's receipt; the sealed bytes and the local copy are purged in the same transaction),
//! `rejected` (a permanent refusal with a reason code; the encrypted local copy stays so the
//! officer can reopen it as a new draft). "Sending" is deliberately not a state: it exists only
//! in the sync engine's memory, so after a crash the entry is simply still `queued` and is
//! sent again under the same referral id, which the service de-duplicates. A rejected entry
//! never blocks the others.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Row, TransactionBehavior, params};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::addenda::{self, AddendumEntry};
use super::cipher::{self, OUTBOX_LOCAL_COPY, OUTBOX_SUMMARY, check_code};
use super::drafts::{Summary, load_draft_in, referral_bytes, referral_from_bytes};
use super::error::{Result, StoreError};
use super::{Inner, Store};
use crate::addendum::AddendumKind;
use crate::config::ServiceConfig;
use crate::crypto::{ServicePublicKey, envelope};
use crate::model::ToFollowItem;
use crate::model::{Referral, SCHEMA_VERSION};
use crate::validation::submission;

/// Where an outbox entry is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutboxState {
    /// Waiting to be delivered (possibly after failed attempts).
    Queued,
    /// The service acknowledged it with a receipt.
    Delivered,
    /// The service refused it for good; it can be reopened as a draft.
    Rejected,
}

impl OutboxState {
    pub(crate) fn from_sql(s: &str) -> Result<OutboxState> {
        match s {
            "queued" => Ok(OutboxState::Queued),
            "delivered" => Ok(OutboxState::Delivered),
            "rejected" => Ok(OutboxState::Rejected),
            _ => Err(StoreError::CorruptStore("unknown outbox state")),
        }
    }
}

/// The service's acknowledgement of a delivered referral.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    /// The service's reference number for the referral (a code, not personal data).
    pub service_reference: String,
    /// When the service received it (the service's clock).
    pub received_at: DateTime<Utc>,
}

/// A status update from the service about a delivered referral (for example `contacted`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusUpdate {
    /// The status code.
    pub status: String,
    /// When the status was reached (the service's clock).
    pub at: DateTime<Utc>,
}

/// What [`Store::submit`] enqueued.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueuedReferral {
    /// The new referral id: the idempotency key for every delivery attempt.
    pub referral_id: String,
    /// The draft it came from (now deleted).
    pub draft_id: String,
    /// When it was enqueued.
    pub queued_at: DateTime<Utc>,
}

/// One outbox entry as the officer's "sent" screen shows it. Only `title` is personal data
/// (decrypted for display while the local copy exists); `Debug` leaves it out.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxEntry {
    /// The referral id (idempotency key).
    pub referral_id: String,
    /// Queued, delivered or rejected.
    pub state: OutboxState,
    /// The incident or case reference, never a name; `None` once delivered (the local copy is
    /// purged).
    pub title: Option<String>,
    /// When it was submitted.
    pub queued_at: DateTime<Utc>,
    /// Failed delivery attempts so far.
    pub attempts: u32,
    /// When the sync engine should try next (queued entries only).
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// Code of the last failed attempt.
    pub last_error_code: Option<String>,
    /// The receipt, once delivered.
    pub receipt: Option<Receipt>,
    /// Why the service refused it, once rejected.
    pub rejection_code: Option<String>,
    /// Status updates after delivery, oldest first.
    pub statuses: Vec<StatusUpdate>,
    /// Its encrypted summary cannot be read (damaged on disk): it is listed by its id and
    /// state only, and the rest of the outbox is unaffected.
    pub damaged: bool,
    /// What is still to follow (paths and codes, never values): what the follow-up editor
    /// offers. Empty once everything was given or consent was withdrawn.
    pub to_follow: Vec<ToFollowItem>,
    /// Information sent after it and withdrawals of consent, oldest first, each with its state.
    pub addenda: Vec<AddendumEntry>,
    /// The victim withdrew consent (a withdrawal is queued or delivered): nothing more can be
    /// added.
    pub consent_withdrawn: bool,
}

impl std::fmt::Debug for OutboxEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutboxEntry")
            .field("referral_id", &self.referral_id)
            .field("state", &self.state)
            .field("queued_at", &self.queued_at)
            .field("attempts", &self.attempts)
            .field("next_attempt_at", &self.next_attempt_at)
            .field("last_error_code", &self.last_error_code)
            .field("receipt", &self.receipt)
            .field("rejection_code", &self.rejection_code)
            .field("statuses", &self.statuses)
            .field("to_follow", &self.to_follow)
            .field("addenda", &self.addenda)
            .field("consent_withdrawn", &self.consent_withdrawn)
            .finish_non_exhaustive()
    }
}

/// A queued referral (or addendum) the sync engine should send now: the exact bytes to send,
/// every time.
#[derive(Clone, PartialEq, Eq)]
pub struct PendingDelivery {
    /// The referral id (an addendum's own id for an addendum): send it as the idempotency key.
    pub referral_id: String,
    /// The sealed envelope, byte-identical on every attempt.
    pub sealed: Vec<u8>,
    /// Failed attempts so far.
    pub attempts: u32,
    /// For an addendum, the referral it adds to (it is posted to that referral's `addenda`).
    pub addendum_of: Option<String>,
}

impl std::fmt::Debug for PendingDelivery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PendingDelivery")
            .field("referral_id", &self.referral_id)
            .field("sealed_len", &self.sealed.len())
            .field("attempts", &self.attempts)
            .field("addendum_of", &self.addendum_of)
            .finish()
    }
}

impl Store {
    /// Submits a draft: strict validation, then, in one transaction, seal the referral to the
    /// service's key under a fresh referral id, enqueue it and delete the draft.
    ///
    /// # Errors
    ///
    /// [`StoreError::Invalid`] with every problem when the referral is not ready (nothing is
    /// changed); [`StoreError::NotFound`] if the draft does not exist (for example it was
    /// already submitted); [`StoreError::ServiceConfig`] if the key in `service` is unusable.
    pub fn submit(
        &self,
        draft_id: String,
        service: ServiceConfig,
        now: DateTime<Utc>,
    ) -> Result<QueuedReferral> {
        let served = service.served().to_vec();
        let public_key = ServicePublicKey::new(service.key_id, &service.public_key)
            .map_err(StoreError::ServiceConfig)?;
        self.with(|inner| {
            let tx = inner
                .conn
                .transaction_with_behavior(TransactionBehavior::Immediate)?;
            // Read inside the transaction so nothing can change the draft in between.
            let referral = load_draft_in(&tx, &inner.key, &draft_id)?;
            // The strict check gives the JSON it measured: sealed as it is.
            let (plaintext, to_follow) =
                submission(&referral, &served, now).map_err(StoreError::Invalid)?;
            let referral_id = uuid::Uuid::new_v4().to_string();
            let sealed = envelope::seal(&public_key, &referral_id, SCHEMA_VERSION, &plaintext)
                .map_err(StoreError::ServiceConfig)?;
            let version = referral.schema_version;
            let local_copy = cipher::seal(
                &inner.key,
                OUTBOX_LOCAL_COPY,
                &referral_id,
                version,
                &plaintext,
            );
            let summary = cipher::seal(
                &inner.key,
                OUTBOX_SUMMARY,
                &referral_id,
                version,
                &Summary::of_submittable(&referral).to_bytes(),
            );
            let t = cipher::to_millis(now);
            tx.prepare_cached(
                "INSERT INTO outbox (referral_id, source_draft_id, schema_version, state,
                    queued_at, attempts, next_attempt_at, sealed, local_copy, summary, to_follow)
                 VALUES (?1, ?2, ?3, 'queued', ?4, 0, ?4, ?5, ?6, ?7, ?8)",
            )?
            .execute(params![
                referral_id,
                draft_id,
                version,
                t,
                sealed,
                local_copy,
                summary,
                super::addenda::items_to_sql(&to_follow)
            ])?;
            tx.prepare_cached("DELETE FROM drafts WHERE id = ?1")?
                .execute([&draft_id])?;
            tx.commit()?;
            Ok(QueuedReferral {
                referral_id,
                draft_id,
                queued_at: now,
            })
        })
    }

    /// Every outbox entry, newest first, with receipts and statuses. Decrypts only titles.
    pub fn outbox(&self) -> Result<Vec<OutboxEntry>> {
        self.with(|inner| {
            let mut stmt = inner.conn.prepare(
                "SELECT referral_id, state, schema_version, summary, queued_at, attempts,
                        next_attempt_at, last_error_code, service_reference, received_at,
                        rejection_code, to_follow
                 FROM outbox ORDER BY queued_at DESC, referral_id",
            )?;
            let mut rows = stmt.query([])?;
            let mut entries = Vec::new();
            while let Some(row) = rows.next()? {
                entries.push(entry_from_row(inner, row)?);
            }
            drop(rows);
            let mut statuses = inner
                .conn
                .prepare("SELECT status, at FROM statuses WHERE referral_id = ?1 ORDER BY at")?;
            for entry in &mut entries {
                entry.addenda = addenda::addenda_of(&inner.conn, &entry.referral_id)?;
                entry.consent_withdrawn = entry.addenda.iter().any(|a| {
                    a.kind == AddendumKind::ConsentWithdrawn && a.state != OutboxState::Rejected
                });
                if entry.state != OutboxState::Delivered {
                    continue;
                }
                let rows = statuses.query_map([&entry.referral_id], |r| {
                    Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
                })?;
                for row in rows {
                    let (status, at) = row?;
                    entry.statuses.push(StatusUpdate {
                        status,
                        at: cipher::from_millis(at)?,
                    });
                }
            }
            Ok(entries)
        })
    }

    /// The referral as it was submitted (queued or rejected entries; delivered ones are purged).
    ///
    /// # Errors
    ///
    /// [`StoreError::NotFound`] if there is no such entry, [`StoreError::InvalidState`] once
    /// delivered.
    pub fn load_submitted(&self, referral_id: String) -> Result<Referral> {
        self.with(|inner| load_local_copy(inner, &referral_id))
    }

    /// For the sync engine: queued entries due at `now` (next attempt time reached), oldest
    /// first, at most `limit`: referrals, and addenda of delivered referrals (an addendum waits
    /// for its referral's receipt).
    pub fn due_for_delivery(&self, now: DateTime<Utc>, limit: u32) -> Result<Vec<PendingDelivery>> {
        self.with(|inner| {
            let mut stmt = inner.conn.prepare_cached(
                "SELECT id, sealed, attempts, addendum_of FROM (
                     SELECT referral_id AS id, sealed, attempts, NULL AS addendum_of, queued_at
                     FROM outbox WHERE state = 'queued' AND next_attempt_at <= ?1
                     UNION ALL
                     SELECT a.addendum_id, a.sealed, a.attempts, a.referral_id, a.queued_at
                     FROM addenda a JOIN outbox o ON o.referral_id = a.referral_id
                     WHERE a.state = 'queued' AND a.next_attempt_at <= ?1
                       AND o.state = 'delivered')
                 ORDER BY queued_at, id LIMIT ?2",
            )?;
            let rows = stmt.query_map(params![cipher::to_millis(now), limit], |r| {
                Ok(PendingDelivery {
                    referral_id: r.get(0)?,
                    sealed: r.get(1)?,
                    attempts: r.get(2)?,
                    addendum_of: r.get(3)?,
                })
            })?;
            Ok(rows.collect::<std::result::Result<Vec<_>, _>>()?)
        })
    }

    /// For the sync engine: queued entries scheduled after `latest` become due at `now`, and
    /// their number is returned. Only a device clock that went back leaves an entry scheduled
    /// further ahead than the engine ever waits; without this it would sit for days.
    pub fn reschedule_after(&self, latest: DateTime<Utc>, now: DateTime<Utc>) -> Result<usize> {
        self.with(|inner| {
            let mut n = 0;
            for table in ["outbox", "addenda"] {
                n += inner.conn.execute(
                    &format!(
                        "UPDATE {table} SET next_attempt_at = ?2
                         WHERE state = 'queued' AND next_attempt_at > ?1"
                    ),
                    params![cipher::to_millis(latest), cipher::to_millis(now)],
                )?;
            }
            Ok(n)
        })
    }

    /// For the sync engine, when the device's network comes back: queued entries waiting
    /// because the service could not be reached (last failure `network.*`) become due at
    /// `now`; their number is returned. Entries waiting for a service that answered (`http.*`,
    /// a Retry-After) or refused the connection's security (`tls.*`) keep their schedule:
    /// signal returning changes nothing for them.
    pub fn due_now_after_network_return(&self, now: DateTime<Utc>) -> Result<usize> {
        self.with(|inner| {
            let mut n = 0;
            for table in ["outbox", "addenda"] {
                n += inner.conn.execute(
                    &format!(
                        "UPDATE {table} SET next_attempt_at = ?1
                         WHERE state = 'queued' AND next_attempt_at > ?1
                           AND (last_error_code = 'network' OR last_error_code LIKE 'network.%')"
                    ),
                    params![cipher::to_millis(now)],
                )?;
            }
            Ok(n)
        })
    }

    /// For the sync engine: when the earliest queued entry is due, or `None` if nothing waits.
    pub fn next_due_at(&self) -> Result<Option<DateTime<Utc>>> {
        self.with(|inner| {
            // An addendum of a referral still queued is due when its referral is delivered.
            let at: Option<i64> = inner.conn.query_row(
                "SELECT min(at) FROM (
                     SELECT min(next_attempt_at) AS at FROM outbox WHERE state = 'queued'
                     UNION ALL
                     SELECT min(a.next_attempt_at) FROM addenda a
                     JOIN outbox o ON o.referral_id = a.referral_id
                     WHERE a.state = 'queued' AND o.state = 'delivered')",
                [],
                |r| r.get(0),
            )?;
            at.map(cipher::from_millis).transpose()
        })
    }

    /// For the sync engine: a delivery attempt failed transiently. Counts the attempt and sets
    /// when to try again. `error_code` is a short code (never a message or a body).
    ///
    /// # Errors
    ///
    /// [`StoreError::InvalidState`] unless the entry is queued.
    pub fn record_attempt_failed(
        &self,
        referral_id: String,
        next_attempt_at: DateTime<Utc>,
        error_code: String,
    ) -> Result<()> {
        self.with(|inner| {
            let tx = inner
                .conn
                .transaction_with_behavior(TransactionBehavior::Immediate)?;
            attempt_failed_in(&tx, &referral_id, next_attempt_at, &error_code)?;
            tx.commit()?;
            Ok(())
        })
    }

    /// For the sync engine: the service acknowledged the referral. Records the receipt and, in
    /// the same transaction, purges the sealed bytes and the local copy. Idempotent: a second
    /// call for a delivered entry changes nothing.
    ///
    /// # Errors
    ///
    /// [`StoreError::InvalidState`] if the entry was rejected.
    pub fn mark_delivered(
        &self,
        referral_id: String,
        receipt: Receipt,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.record_delivery(referral_id, receipt, now).map(|_| ())
    }

    /// [`Store::mark_delivered`], telling whether this call recorded the delivery (`true`) or
    /// found it already recorded (`false`: another process syncing the same store got there
    /// first), so each sync reports only what it delivered.
    pub(crate) fn record_delivery(
        &self,
        referral_id: String,
        receipt: Receipt,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        self.with(|inner| {
            let tx = inner
                .conn
                .transaction_with_behavior(TransactionBehavior::Immediate)?;
            let recorded = delivery_in(&tx, &referral_id, &receipt, now)?;
            tx.commit()?;
            Ok(recorded)
        })
    }

    /// For the sync engine: the service refused the referral for good. The sealed bytes are
    /// dropped (it will not be sent again); the encrypted local copy stays for
    /// [`Store::reopen_rejected`]. Idempotent.
    ///
    /// # Errors
    ///
    /// [`StoreError::InvalidState`] if the entry was delivered.
    pub fn mark_rejected(
        &self,
        referral_id: String,
        reason_code: String,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.with(|inner| {
            let tx = inner
                .conn
                .transaction_with_behavior(TransactionBehavior::Immediate)?;
            rejection_in(&tx, &referral_id, &reason_code, now)?;
            tx.commit()?;
            Ok(())
        })
    }

    /// For the sync engine: the outcomes of several attempts, recorded in one transaction (one
    /// fsync for a whole group of receipts). Each outcome is checked and applied exactly as
    /// [`Store::mark_delivered`], [`Store::mark_rejected`] and [`Store::record_attempt_failed`]
    /// would; an outcome refused for its entry alone (wrong state, gone, a bad code) is
    /// returned in its slot and does not stop the others. A failure of the store itself (I/O,
    /// disk full) rolls the whole group back: every entry stays as it was, still queued, and
    /// is sent again under the same key.
    pub(crate) fn record_outcomes(
        &self,
        outcomes: &[RecordedOutcome],
    ) -> Result<Vec<Result<bool>>> {
        self.with(|inner| {
            let tx = inner
                .conn
                .transaction_with_behavior(TransactionBehavior::Immediate)?;
            let mut results = Vec::with_capacity(outcomes.len());
            for outcome in outcomes {
                // An addendum's outcome is recorded in its own table (ids are random UUIDs).
                let result = if addenda::is_addendum(&tx, outcome.id())? {
                    match outcome {
                        RecordedOutcome::Delivered {
                            referral_id,
                            receipt,
                            now,
                        } => addenda::delivery_in(&tx, referral_id, receipt, *now),
                        RecordedOutcome::Rejected {
                            referral_id,
                            code,
                            now,
                        } => addenda::rejection_in(&tx, referral_id, code, *now).map(|()| true),
                        RecordedOutcome::Failed {
                            referral_id,
                            next_attempt_at,
                            code,
                        } => addenda::attempt_failed_in(&tx, referral_id, *next_attempt_at, code)
                            .map(|()| true),
                    }
                } else {
                    match outcome {
                        RecordedOutcome::Delivered {
                            referral_id,
                            receipt,
                            now,
                        } => delivery_in(&tx, referral_id, receipt, *now),
                        RecordedOutcome::Rejected {
                            referral_id,
                            code,
                            now,
                        } => rejection_in(&tx, referral_id, code, *now).map(|()| true),
                        RecordedOutcome::Failed {
                            referral_id,
                            next_attempt_at,
                            code,
                        } => attempt_failed_in(&tx, referral_id, *next_attempt_at, code)
                            .map(|()| true),
                    }
                };
                match result {
                    Err(
                        e @ (StoreError::InvalidState(_)
                        | StoreError::NotFound(_)
                        | StoreError::InvalidArgument(_)),
                    ) => results.push(Err(e)),
                    Err(e) => return Err(e),
                    Ok(recorded) => results.push(Ok(recorded)),
                }
            }
            tx.commit()?;
            Ok(results)
        })
    }

    /// Turns a rejected referral back into a draft (a new draft id) so the officer can fix and
    /// resubmit it; the rejected entry is removed in the same transaction.
    ///
    /// # Errors
    ///
    /// [`StoreError::InvalidState`] unless the entry is rejected.
    pub fn reopen_rejected(&self, referral_id: String, now: DateTime<Utc>) -> Result<String> {
        self.with(|inner| {
            let tx = inner
                .conn
                .transaction_with_behavior(TransactionBehavior::Immediate)?;
            require_state(&tx, &referral_id, &[OutboxState::Rejected])?;
            let referral = local_copy_in_tx(&tx, &inner.key, &referral_id)?;
            let draft_id = uuid::Uuid::new_v4().to_string();
            let version = referral.schema_version;
            let body = referral_bytes(&referral)?;
            let summary = Summary::of(&referral, now).to_bytes();
            let t = cipher::to_millis(now);
            tx.execute(
                "INSERT INTO drafts (id, schema_version, created_at, updated_at, body, summary)
                 VALUES (?1, ?2, ?3, ?3, ?4, ?5)",
                params![
                    draft_id,
                    version,
                    t,
                    cipher::seal(&inner.key, cipher::DRAFT_BODY, &draft_id, version, &body),
                    cipher::seal(
                        &inner.key,
                        cipher::DRAFT_SUMMARY,
                        &draft_id,
                        version,
                        &summary
                    ),
                ],
            )?;
            tx.execute("DELETE FROM outbox WHERE referral_id = ?1", [&referral_id])?;
            tx.commit()?;
            Ok(draft_id)
        })
    }

    /// Deletes a rejected entry and its local copy without reopening it.
    ///
    /// # Errors
    ///
    /// [`StoreError::InvalidState`] unless the entry is rejected.
    pub fn discard_rejected(&self, referral_id: String) -> Result<()> {
        self.with(|inner| {
            let tx = inner
                .conn
                .transaction_with_behavior(TransactionBehavior::Immediate)?;
            require_state(&tx, &referral_id, &[OutboxState::Rejected])?;
            tx.execute("DELETE FROM outbox WHERE referral_id = ?1", [&referral_id])?;
            tx.commit()?;
            Ok(())
        })
    }

    /// For the sync engine: status updates for a delivered referral. Repeats are ignored. A
    /// `consent_withdrawn` from the service (an advisor recorded it) empties the to-follow list:
    /// the service takes nothing more, so the officer is not asked for it.
    ///
    /// # Errors
    ///
    /// [`StoreError::InvalidState`] unless the entry is delivered; [`StoreError::InvalidArgument`]
    /// if a status is not a short code.
    pub fn record_statuses(&self, referral_id: String, statuses: Vec<StatusUpdate>) -> Result<()> {
        for s in &statuses {
            check_code(&s.status)?;
        }
        self.with(|inner| {
            let tx = inner
                .conn
                .transaction_with_behavior(TransactionBehavior::Immediate)?;
            require_state(&tx, &referral_id, &[OutboxState::Delivered])?;
            for s in &statuses {
                tx.execute(
                    "INSERT OR IGNORE INTO statuses (referral_id, status, at) VALUES (?1, ?2, ?3)",
                    params![referral_id, s.status, cipher::to_millis(s.at)],
                )?;
            }
            if statuses.iter().any(|s| s.status == "consent_withdrawn") {
                tx.execute(
                    "UPDATE outbox SET to_follow = NULL WHERE referral_id = ?1",
                    [&referral_id],
                )?;
            }
            tx.commit()?;
            Ok(())
        })
    }
}

fn entry_from_row(inner: &Inner, row: &Row<'_>) -> Result<OutboxEntry> {
    let referral_id: String = row.get(0)?;
    let state = OutboxState::from_sql(&row.get::<_, String>(1)?)?;
    let version = cipher::version_from_sql(row.get(2)?)?;
    // A value that does not open hides only its own entry (the key was proven right when the
    // store was opened, so this is damage, not a wrong key).
    let (title, damaged) = match row.get::<_, Option<Vec<u8>>>(3)? {
        Some(sealed) => {
            match cipher::open(&inner.key, OUTBOX_SUMMARY, &referral_id, version, &sealed)
                .map(Zeroizing::new)
                .and_then(|plain| Summary::from_bytes(&plain))
            {
                Ok(summary) => (Some(summary.title), false),
                Err(_) => (None, true),
            }
        }
        None => (None, false),
    };
    let receipt = match (
        row.get::<_, Option<String>>(8)?,
        row.get::<_, Option<i64>>(9)?,
    ) {
        (Some(service_reference), Some(at)) => Some(Receipt {
            service_reference,
            received_at: cipher::from_millis(at)?,
        }),
        _ => None,
    };
    Ok(OutboxEntry {
        referral_id,
        state,
        title,
        damaged,
        queued_at: cipher::from_millis(row.get(4)?)?,
        attempts: row.get(5)?,
        next_attempt_at: row
            .get::<_, Option<i64>>(6)?
            .map(cipher::from_millis)
            .transpose()?,
        last_error_code: row.get(7)?,
        receipt,
        rejection_code: row.get(10)?,
        statuses: Vec::new(),
        to_follow: addenda::items_from_sql(row.get(11)?)?,
        addenda: Vec::new(),
        consent_withdrawn: false,
    })
}

/// What one delivery attempt ended with, for [`Store::record_outcomes`].
#[derive(Debug, Clone)]
pub(crate) enum RecordedOutcome {
    /// The service's receipt (see [`Store::mark_delivered`]).
    Delivered {
        referral_id: String,
        receipt: Receipt,
        now: DateTime<Utc>,
    },
    /// Refused for good (see [`Store::mark_rejected`]).
    Rejected {
        referral_id: String,
        code: String,
        now: DateTime<Utc>,
    },
    /// Try again at `next_attempt_at` (see [`Store::record_attempt_failed`]).
    Failed {
        referral_id: String,
        next_attempt_at: DateTime<Utc>,
        code: String,
    },
}

/// Records a receipt inside `tx`; `false` if it was already recorded.
fn delivery_in(
    tx: &rusqlite::Connection,
    referral_id: &str,
    receipt: &Receipt,
    now: DateTime<Utc>,
) -> Result<bool> {
    check_code(&receipt.service_reference)?;
    let state = require_state(
        tx,
        referral_id,
        &[OutboxState::Queued, OutboxState::Delivered],
    )?;
    if state == OutboxState::Queued {
        tx.execute(
            "UPDATE outbox SET state = 'delivered', sealed = NULL, local_copy = NULL,
                summary = NULL, next_attempt_at = NULL, service_reference = ?2,
                received_at = ?3, delivered_at = ?4
             WHERE referral_id = ?1",
            params![
                referral_id,
                receipt.service_reference,
                cipher::to_millis(receipt.received_at),
                cipher::to_millis(now)
            ],
        )?;
    }
    Ok(state == OutboxState::Queued)
}

impl RecordedOutcome {
    /// The id the outcome is about (a referral's or an addendum's).
    fn id(&self) -> &str {
        match self {
            RecordedOutcome::Delivered { referral_id, .. }
            | RecordedOutcome::Rejected { referral_id, .. }
            | RecordedOutcome::Failed { referral_id, .. } => referral_id,
        }
    }
}

/// Records a refusal for good inside `tx` (idempotent).
fn rejection_in(
    tx: &rusqlite::Connection,
    referral_id: &str,
    reason_code: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    check_code(reason_code)?;
    let state = require_state(
        tx,
        referral_id,
        &[OutboxState::Queued, OutboxState::Rejected],
    )?;
    if state == OutboxState::Queued {
        tx.execute(
            "UPDATE outbox SET state = 'rejected', sealed = NULL, next_attempt_at = NULL,
                rejection_code = ?2, rejected_at = ?3
             WHERE referral_id = ?1",
            params![referral_id, reason_code, cipher::to_millis(now)],
        )?;
        addenda::reject_with_referral(tx, referral_id, now)?;
    }
    Ok(())
}

/// Counts a failed attempt inside `tx` and sets when to try again.
fn attempt_failed_in(
    tx: &rusqlite::Connection,
    referral_id: &str,
    next_attempt_at: DateTime<Utc>,
    error_code: &str,
) -> Result<()> {
    check_code(error_code)?;
    require_state(tx, referral_id, &[OutboxState::Queued])?;
    tx.execute(
        "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?2,
            last_error_code = ?3 WHERE referral_id = ?1",
        params![referral_id, cipher::to_millis(next_attempt_at), error_code],
    )?;
    Ok(())
}

/// The entry's state, if it is one of `allowed`.
pub(crate) fn require_state(
    conn: &rusqlite::Connection,
    referral_id: &str,
    allowed: &[OutboxState],
) -> Result<OutboxState> {
    let state: Option<String> = conn
        .query_row(
            "SELECT state FROM outbox WHERE referral_id = ?1",
            [referral_id],
            |r| r.get(0),
        )
        .optional()?;
    let state = OutboxState::from_sql(&state.ok_or(StoreError::NotFound("outbox entry"))?)?;
    if allowed.contains(&state) {
        Ok(state)
    } else {
        Err(StoreError::InvalidState(match state {
            OutboxState::Queued => "the referral is still queued",
            OutboxState::Delivered => "the referral was already delivered",
            OutboxState::Rejected => "the referral was rejected",
        }))
    }
}

fn load_local_copy(inner: &Inner, referral_id: &str) -> Result<Referral> {
    require_state(
        &inner.conn,
        referral_id,
        &[OutboxState::Queued, OutboxState::Rejected],
    )?;
    local_copy_in_tx(&inner.conn, &inner.key, referral_id)
}

fn local_copy_in_tx(
    conn: &rusqlite::Connection,
    key: &crate::crypto::DataKey,
    referral_id: &str,
) -> Result<Referral> {
    let (version, sealed): (i64, Option<Vec<u8>>) = conn.query_row(
        "SELECT schema_version, local_copy FROM outbox WHERE referral_id = ?1",
        [referral_id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    // Deleted when consent was withdrawn before delivery.
    let sealed = sealed.ok_or(StoreError::InvalidState(
        "the local copy was deleted: consent was withdrawn",
    ))?;
    let version = cipher::version_from_sql(version)?;
    let plain = Zeroizing::new(cipher::open(
        key,
        OUTBOX_LOCAL_COPY,
        referral_id,
        version,
        &sealed,
    )?);
    referral_from_bytes(&plain)
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::*;
    use chrono::Duration;

    fn queued(store: &Store, service: &ServiceConfig) -> QueuedReferral {
        let id = store
            .save_draft(None, crate::example::example_referral(), t0())
            .unwrap();
        store.submit(id, service.clone(), t0()).unwrap()
    }

    #[test]
    fn submit_seals_to_the_service_enqueues_and_removes_the_draft() {
        let (_dir, store) = open_store();
        let (sk, service) = service();
        let draft = store
            .save_draft(None, crate::example::example_referral(), t0())
            .unwrap();
        let q = store.submit(draft.clone(), service, t0()).unwrap();
        assert_eq!(q.draft_id, draft);
        assert!(matches!(
            store.load_draft(draft),
            Err(StoreError::NotFound(_))
        ));
        let due = store.due_for_delivery(t0(), 10).unwrap();
        assert_eq!(due.len(), 1);
        assert_eq!(due[0].referral_id, q.referral_id);
        let opened = envelope::open(&sk, &due[0].sealed).unwrap();
        assert_eq!(opened.referral_id, q.referral_id);
        assert_eq!(opened.schema_version, SCHEMA_VERSION);
        let sent = crate::parse_referral(std::str::from_utf8(&opened.plaintext).unwrap()).unwrap();
        assert!(sent == crate::example::example_referral());
        let entry = &store.outbox().unwrap()[0];
        assert_eq!(entry.state, OutboxState::Queued);
        assert_eq!(entry.title.as_deref(), Some("CAD-2026-000123"));
        assert!(!format!("{entry:?}").contains("CAD-2026"));
    }

    #[test]
    fn a_referral_sent_with_items_to_follow_records_them_in_the_sealed_document() {
        let (_dir, store) = open_store();
        let (sk, service) = service();
        let mut referral = crate::example::example_referral();
        referral.incident.crime_reference = None;
        referral.perpetrator.custody = None;
        // Whatever a draft claims here is replaced by what validation finds.
        referral.to_follow = vec![crate::model::ToFollowItem {
            path: "victim.surname".into(),
            code: "made.up".into(),
        }];
        let draft = store.save_draft(None, referral, t0()).unwrap();
        store.submit(draft, service, t0()).unwrap();
        let due = store.due_for_delivery(t0(), 10).unwrap();
        let opened = envelope::open(&sk, &due[0].sealed).unwrap();
        let sent = crate::parse_referral(std::str::from_utf8(&opened.plaintext).unwrap()).unwrap();
        let listed: Vec<(&str, &str)> = sent
            .to_follow
            .iter()
            .map(|i| (i.path.as_str(), i.code.as_str()))
            .collect();
        assert_eq!(
            listed,
            [
                ("incident.crime_reference", "crime_reference.to_follow"),
                ("perpetrator.custody.status", "custody.outcome_to_follow"),
            ]
        );
    }

    #[test]
    fn an_invalid_draft_is_refused_with_its_problems_and_nothing_changes() {
        let (_dir, store) = open_store();
        let (_sk, service) = service();
        let mut referral = crate::example::example_referral();
        referral.consent.given = Some(false);
        referral.victim.surname = None;
        referral.victim.forename = None;
        let id = store.save_draft(None, referral.clone(), t0()).unwrap();
        let err = store.submit(id.clone(), service, t0()).unwrap_err();
        let StoreError::Invalid(problems) = err else {
            panic!("expected Invalid")
        };
        let codes: Vec<_> = problems.iter().map(|p| p.path.as_str()).collect();
        assert!(codes.contains(&"consent.given"), "{codes:?}");
        assert!(codes.contains(&"victim.surname"), "{codes:?}");
        assert!(store.load_draft(id).unwrap() == referral);
        assert_eq!(store.counts().unwrap().queued, 0);
    }

    #[test]
    fn submitting_the_same_draft_twice_makes_one_outbox_entry() {
        let (_dir, store) = open_store();
        let (_sk, service) = service();
        let id = store
            .save_draft(None, crate::example::example_referral(), t0())
            .unwrap();
        store.submit(id.clone(), service.clone(), t0()).unwrap();
        let again = store.submit(id.clone(), service, t0());
        assert!(matches!(again, Err(StoreError::NotFound("draft"))));
        assert_eq!(store.outbox().unwrap().len(), 1);
        // And the schema itself refuses a second entry for one draft.
        let dup = store.with(|inner| {
            inner.conn.execute(
                "INSERT INTO outbox (referral_id, source_draft_id, schema_version, state,
                    queued_at, sealed) VALUES ('other', ?1, 1, 'queued', 0, x'00')",
                [&id],
            )?;
            Ok(())
        });
        assert!(matches!(dup, Err(StoreError::Sqlite(_))));
    }

    #[test]
    fn a_bad_service_key_is_refused_and_the_draft_stays() {
        let (_dir, store) = open_store();
        let (_sk, mut service) = service();
        service.public_key = "zz".into();
        let id = store
            .save_draft(None, crate::example::example_referral(), t0())
            .unwrap();
        assert!(matches!(
            store.submit(id.clone(), service, t0()),
            Err(StoreError::ServiceConfig(_))
        ));
        assert!(store.load_draft(id).is_ok());
    }

    #[test]
    fn retries_send_byte_identical_sealed_bytes_and_follow_the_backoff() {
        let (_dir, store) = open_store();
        let (_sk, service) = service();
        let q = queued(&store, &service);
        let first = store.due_for_delivery(t0(), 10).unwrap();
        assert_eq!(store.next_due_at().unwrap(), Some(t0()));
        let retry_at = t0() + Duration::minutes(2);
        store
            .record_attempt_failed(q.referral_id.clone(), retry_at, "network.timeout".into())
            .unwrap();
        assert!(store.due_for_delivery(t0(), 10).unwrap().is_empty());
        assert_eq!(store.next_due_at().unwrap(), Some(retry_at));
        let second = store.due_for_delivery(retry_at, 10).unwrap();
        assert_eq!(second[0].sealed, first[0].sealed);
        assert_eq!(second[0].attempts, 1);
        let entry = &store.outbox().unwrap()[0];
        assert_eq!(entry.last_error_code.as_deref(), Some("network.timeout"));
        assert_eq!(entry.next_attempt_at, Some(retry_at));
    }

    #[test]
    fn due_entries_come_oldest_first_up_to_the_limit() {
        let (_dir, store) = open_store();
        let (_sk, service) = service();
        let mut ids = Vec::new();
        for i in 0..3 {
            let id = store
                .save_draft(None, crate::example::example_referral(), t0())
                .unwrap();
            let q = store
                .submit(id, service.clone(), t0() + Duration::seconds(i))
                .unwrap();
            ids.push(q.referral_id);
        }
        let due = store
            .due_for_delivery(t0() + Duration::hours(1), 2)
            .unwrap();
        let got: Vec<_> = due.into_iter().map(|d| d.referral_id).collect();
        assert_eq!(got, ids[..2].to_vec());
    }

    #[test]
    fn a_group_of_outcomes_is_recorded_in_one_commit_and_one_bad_entry_does_not_stop_the_rest() {
        let (_dir, store) = open_store();
        let (_sk, service) = service();
        let (a, b, c, d) = (
            queued(&store, &service),
            queued(&store, &service),
            queued(&store, &service),
            queued(&store, &service),
        );
        let later = t0() + Duration::minutes(1);
        let receipt = |r: &str| Receipt {
            service_reference: r.into(),
            received_at: later,
        };
        // d was delivered before (another process): its outcome is a no-op in the group.
        store
            .mark_delivered(d.referral_id.clone(), receipt("REF-D"), later)
            .unwrap();
        let results = store
            .record_outcomes(&[
                RecordedOutcome::Delivered {
                    referral_id: a.referral_id.clone(),
                    receipt: receipt("REF-A"),
                    now: later,
                },
                RecordedOutcome::Rejected {
                    referral_id: b.referral_id.clone(),
                    code: "referral.invalid".into(),
                    now: later,
                },
                RecordedOutcome::Failed {
                    referral_id: c.referral_id.clone(),
                    next_attempt_at: later + Duration::minutes(5),
                    code: "has spaces".into(),
                },
                RecordedOutcome::Delivered {
                    referral_id: d.referral_id.clone(),
                    receipt: receipt("REF-D2"),
                    now: later,
                },
                RecordedOutcome::Delivered {
                    referral_id: "no-such-entry".into(),
                    receipt: receipt("REF-X"),
                    now: later,
                },
            ])
            .unwrap();
        assert!(matches!(results[0], Ok(true)));
        assert!(matches!(results[1], Ok(true)));
        assert!(matches!(results[2], Err(StoreError::InvalidArgument(_))));
        assert!(matches!(results[3], Ok(false)));
        assert!(matches!(results[4], Err(StoreError::NotFound(_))));
        let state = |id: &str| {
            store
                .outbox()
                .unwrap()
                .into_iter()
                .find(|e| e.referral_id == id)
                .unwrap()
        };
        assert_eq!(state(&a.referral_id).state, OutboxState::Delivered);
        assert_eq!(state(&b.referral_id).state, OutboxState::Rejected);
        assert_eq!(state(&c.referral_id).state, OutboxState::Queued);
        assert_eq!(state(&c.referral_id).attempts, 0);
        let d_entry = state(&d.referral_id);
        assert_eq!(d_entry.receipt.unwrap().service_reference, "REF-D");
    }

    #[test]
    fn delivery_purges_the_personal_data_and_keeps_only_the_receipt() {
        let (_dir, store) = open_store();
        let (_sk, service) = service();
        let q = queued(&store, &service);
        let receipt = Receipt {
            service_reference: "REF-000042".into(),
            received_at: t0() + Duration::seconds(3),
        };
        let later = t0() + Duration::minutes(1);
        store
            .mark_delivered(q.referral_id.clone(), receipt.clone(), later)
            .unwrap();
        // Idempotent: a repeated acknowledgement changes nothing.
        let other = Receipt {
            service_reference: "REF-OTHER".into(),
            received_at: later,
        };
        store
            .mark_delivered(q.referral_id.clone(), other, later)
            .unwrap();
        let nulls: (bool, bool, bool) = store
            .with(|inner| {
                Ok(inner.conn.query_row(
                    "SELECT sealed IS NULL, local_copy IS NULL, summary IS NULL FROM outbox",
                    [],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )?)
            })
            .unwrap();
        assert_eq!(nulls, (true, true, true));
        assert!(store.due_for_delivery(later, 10).unwrap().is_empty());
        assert!(matches!(
            store.load_submitted(q.referral_id.clone()),
            Err(StoreError::InvalidState(_))
        ));
        store
            .record_statuses(
                q.referral_id.clone(),
                vec![
                    StatusUpdate {
                        status: "contacted".into(),
                        at: later,
                    },
                    StatusUpdate {
                        status: "contacted".into(),
                        at: later,
                    },
                ],
            )
            .unwrap();
        let entry = &store.outbox().unwrap()[0];
        assert_eq!(entry.state, OutboxState::Delivered);
        assert_eq!(entry.receipt, Some(receipt));
        assert_eq!(entry.title, None);
        assert_eq!(entry.statuses.len(), 1);
        assert!(matches!(
            store.mark_rejected(q.referral_id, "late".into(), later),
            Err(StoreError::InvalidState(_))
        ));
    }

    #[test]
    fn a_rejected_referral_does_not_block_the_queue_and_reopens_as_a_new_draft() {
        let (_dir, store) = open_store();
        let (_sk, service) = service();
        let bad = queued(&store, &service);
        let good = queued(&store, &service);
        store
            .mark_rejected(bad.referral_id.clone(), "schema.refused".into(), t0())
            .unwrap();
        store
            .mark_rejected(bad.referral_id.clone(), "schema.refused".into(), t0())
            .unwrap();
        let due = store.due_for_delivery(t0(), 10).unwrap();
        assert_eq!(due.len(), 1);
        assert_eq!(due[0].referral_id, good.referral_id);
        let entry = store
            .outbox()
            .unwrap()
            .into_iter()
            .find(|e| e.referral_id == bad.referral_id)
            .unwrap();
        assert_eq!(entry.state, OutboxState::Rejected);
        assert_eq!(entry.rejection_code.as_deref(), Some("schema.refused"));
        assert!(entry.title.is_some());

        let draft = store
            .reopen_rejected(bad.referral_id.clone(), t0())
            .unwrap();
        assert!(store.load_draft(draft.clone()).unwrap() == crate::example::example_referral());
        assert_eq!(store.outbox().unwrap().len(), 1);
        assert!(matches!(
            store.reopen_rejected(bad.referral_id, t0()),
            Err(StoreError::NotFound(_))
        ));
        // The reopened draft is a new submission with a new referral id.
        let again = store.submit(draft, service, t0()).unwrap();
        assert_ne!(again.referral_id, good.referral_id);
        assert_eq!(store.counts().unwrap().queued, 2);
    }

    #[test]
    fn receipts_older_than_the_maximum_age_are_purged_but_queued_ones_never() {
        let (_dir, store) = open_store();
        let (_sk, service) = service();
        let delivered = queued(&store, &service);
        let waiting = queued(&store, &service);
        store
            .mark_delivered(
                delivered.referral_id.clone(),
                Receipt {
                    service_reference: "REF-1".into(),
                    received_at: t0(),
                },
                t0(),
            )
            .unwrap();
        store
            .record_statuses(
                delivered.referral_id,
                vec![StatusUpdate {
                    status: "closed".into(),
                    at: t0(),
                }],
            )
            .unwrap();
        let report = store.purge_expired(t0() + Duration::days(31)).unwrap();
        assert_eq!(report.receipts_purged, 1);
        let left = store.outbox().unwrap();
        assert_eq!(left.len(), 1);
        assert_eq!(left[0].referral_id, waiting.referral_id);
        let statuses: i64 = store
            .with(|inner| {
                Ok(inner
                    .conn
                    .query_row("SELECT count(*) FROM statuses", [], |r| r.get(0))?)
            })
            .unwrap();
        assert_eq!(statuses, 0);
    }

    #[test]
    fn codes_that_could_carry_personal_data_are_refused() {
        let (_dir, store) = open_store();
        let (_sk, service) = service();
        let q = queued(&store, &service);
        for bad in ["", "Jamie Testperson", "a\nb", &"x".repeat(65)] {
            assert!(matches!(
                store.record_attempt_failed(q.referral_id.clone(), t0(), bad.to_string()),
                Err(StoreError::InvalidArgument(_))
            ));
        }
        assert_eq!(store.outbox().unwrap()[0].attempts, 0);
    }

    #[test]
    fn network_return_makes_only_unreachable_entries_due_now() {
        let (_dir, store) = open_store();
        let (_sk, service) = service();
        let mut ids = Vec::new();
        for _ in 0..4 {
            let draft = store
                .save_draft(None, crate::example::example_referral(), t0())
                .unwrap();
            ids.push(
                store
                    .submit(draft, service.clone(), t0())
                    .unwrap()
                    .referral_id,
            );
        }
        let later = t0() + chrono::Duration::minutes(10);
        for (id, code) in ids.iter().zip([
            "network.connect",
            "network.timeout",
            "http.503",
            "tls.pin_mismatch",
        ]) {
            store
                .record_attempt_failed(id.clone(), later, code.into())
                .unwrap();
        }
        assert!(store.due_for_delivery(t0(), 10).unwrap().is_empty());
        assert_eq!(store.due_now_after_network_return(t0()).unwrap(), 2);
        let mut due: Vec<String> = store
            .due_for_delivery(t0(), 10)
            .unwrap()
            .into_iter()
            .map(|p| p.referral_id)
            .collect();
        due.sort();
        let mut unreachable = ids[..2].to_vec();
        unreachable.sort();
        assert_eq!(
            due, unreachable,
            "a service that answered keeps its schedule"
        );
        assert_eq!(store.due_now_after_network_return(t0()).unwrap(), 0);
    }
}
