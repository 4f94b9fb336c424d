//! Addenda in the outbox: information that followed, and withdrawals of consent.
//!
//! An addendum is queued beside the referral it adds to and delivered by the same engine with
//! the same guarantees: sealed once to the service key (HPKE, `addendum::document`), stored,
//! and sent byte-identical under its own id, the idempotency key, until the service's receipt.
//! It is sent only once its referral was delivered (the service cannot add to a referral it
//! does not hold); a referral refused for good takes its queued addenda with it.
//!
//! What stays on the device is what the referral's row keeps after its receipt: ids, states,
//! times and codes. The to-follow list (paths and codes, no values) shrinks as information is
//! queued; an information addendum the service refuses puts its items back. The values
//! themselves exist on the device only inside the sealed envelope, which only the service can
//! open, and the envelope is dropped with the receipt.
//!
//! A withdrawal of consent stops everything still to send about the referral: queued
//! information is dropped (`consent.withdrawn`), the local copy of a referral not yet delivered
//! is deleted at once, and nothing can be added afterwards. A referral still queued is still
//! delivered, followed by its withdrawal, because it may have reached the service already on an
//! attempt whose answer was lost; the service then deletes its content.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, TransactionBehavior, params};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::Store;
use super::cipher::{self, check_code};
use super::error::{Result, StoreError};
use super::outbox::{OutboxState, Receipt};
use crate::addendum::{
    ADDENDUM_SCHEMA_VERSION, AddendumDocument, AddendumKind, Withdrawal, check_information_alone,
};
use crate::config::ServiceConfig;
use crate::crypto::{ServicePublicKey, envelope};
use crate::model::ToFollowItem;

/// One addendum as the officer's "sent" screen shows it: codes, paths and times only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddendumEntry {
    /// The addendum's id (its idempotency key).
    pub addendum_id: String,
    /// Information or a withdrawal of consent.
    pub kind: AddendumKind,
    /// Queued, delivered or rejected.
    pub state: OutboxState,
    /// The to-follow items it gives (paths and codes; empty for a withdrawal).
    pub items: Vec<ToFollowItem>,
    /// When it was queued.
    pub queued_at: DateTime<Utc>,
    /// Failed delivery attempts so far.
    pub attempts: u32,
    /// Code of the last failed attempt.
    pub last_error_code: Option<String>,
    /// When the service received it (its receipt), once delivered.
    pub received_at: Option<DateTime<Utc>>,
    /// Why it will not be delivered, once rejected (the service's code, `consent.withdrawn`
    /// or `referral.rejected`).
    pub rejection_code: Option<String>,
}

/// What [`Store::queue_information`] and [`Store::queue_withdrawal`] queued.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueuedAddendum {
    /// The new addendum's id: the idempotency key of every delivery attempt.
    pub addendum_id: String,
    /// The referral it adds to.
    pub referral_id: String,
    /// When it was queued.
    pub queued_at: DateTime<Utc>,
}

impl Store {
    /// The items of a referral still to follow (paths and codes): those sent with it, less
    /// those already given by queued or delivered information. Empty once consent was withdrawn.
    ///
    /// # Errors
    ///
    /// [`StoreError::NotFound`] if the outbox has no such referral.
    pub fn to_follow(&self, referral_id: String) -> Result<Vec<ToFollowItem>> {
        self.with(|inner| {
            let raw: Option<Option<String>> = inner
                .conn
                .query_row(
                    "SELECT to_follow FROM outbox WHERE referral_id = ?1",
                    [&referral_id],
                    |r| r.get(0),
                )
                .optional()?;
            items_from_sql(raw.ok_or(StoreError::NotFound("outbox entry"))?)
        })
    }

    /// Checks information for items a referral had to follow (form path -> value in the
    /// referral's JSON form), seals it to the service as an addendum under a fresh id and queues
    /// it, in one transaction; the items it gives leave the referral's to-follow list. It is
    /// sent once the referral is delivered.
    ///
    /// # Errors
    ///
    /// [`StoreError::Invalid`] with every problem (a path not to follow, a value its field
    /// refuses: path and code, never the value), nothing changed; [`StoreError::InvalidState`]
    /// when the referral was rejected or consent was withdrawn; [`StoreError::NotFound`] for an
    /// unknown referral; [`StoreError::ServiceConfig`] for an unusable service key.
    pub fn queue_information(
        &self,
        referral_id: String,
        information: BTreeMap<String, Value>,
        service: ServiceConfig,
        now: DateTime<Utc>,
    ) -> Result<QueuedAddendum> {
        let public_key = service_key(&service)?;
        self.with(|inner| {
            let tx = inner
                .conn
                .transaction_with_behavior(TransactionBehavior::Immediate)?;
            require_open(&tx, &referral_id)?;
            let items = items_of(&tx, &referral_id)?;
            check_information_alone(&items, &information, now).map_err(StoreError::Invalid)?;
            let (given, remaining): (Vec<ToFollowItem>, Vec<ToFollowItem>) =
                items.into_iter().partition(|item| {
                    information
                        .keys()
                        .any(|path| crate::form::path_under(path, &item.path))
                });
            let queued = insert(
                &tx,
                &public_key,
                AddendumDocument {
                    addendum_id: uuid::Uuid::new_v4().to_string(),
                    referral_id: referral_id.clone(),
                    kind: AddendumKind::Information,
                    written_at: now,
                    information,
                    withdrawal: None,
                },
                &given,
            )?;
            tx.execute(
                "UPDATE outbox SET to_follow = ?2 WHERE referral_id = ?1",
                params![referral_id, items_to_sql(&remaining)],
            )?;
            tx.commit()?;
            Ok(queued)
        })
    }

    /// Records that the victim withdrew consent: seals the withdrawal (who, when, how recorded)
    /// to the service and queues it; drops queued information about the referral, its to-follow
    /// list and, if it is not delivered yet, its local copy; all in one transaction. Asking
    /// again returns the withdrawal already queued or delivered.
    ///
    /// # Errors
    ///
    /// [`StoreError::InvalidState`] when the referral was rejected (the service does not hold
    /// it: discard it instead); [`StoreError::NotFound`] for an unknown referral;
    /// [`StoreError::InvalidArgument`] for a withdrawal time in the future.
    pub fn queue_withdrawal(
        &self,
        referral_id: String,
        withdrawal: Withdrawal,
        service: ServiceConfig,
        now: DateTime<Utc>,
    ) -> Result<QueuedAddendum> {
        if withdrawal.withdrawn_at > now + crate::validation::CLOCK_SKEW {
            return Err(StoreError::InvalidArgument(
                "the time consent was withdrawn is in the future",
            ));
        }
        let public_key = service_key(&service)?;
        self.with(|inner| {
            let tx = inner
                .conn
                .transaction_with_behavior(TransactionBehavior::Immediate)?;
            let state = super::outbox::require_state(
                &tx,
                &referral_id,
                &[OutboxState::Queued, OutboxState::Delivered],
            )?;
            if let Some(existing) = withdrawal_of(&tx, &referral_id)? {
                return Ok(existing);
            }
            let queued = insert(
                &tx,
                &public_key,
                AddendumDocument {
                    addendum_id: uuid::Uuid::new_v4().to_string(),
                    referral_id: referral_id.clone(),
                    kind: AddendumKind::ConsentWithdrawn,
                    written_at: now,
                    information: BTreeMap::new(),
                    withdrawal: Some(withdrawal),
                },
                &[],
            )?;
            let t = cipher::to_millis(now);
            tx.execute(
                "UPDATE addenda SET state = 'rejected', sealed = NULL, next_attempt_at = NULL,
                    rejection_code = 'consent.withdrawn', rejected_at = ?2
                 WHERE referral_id = ?1 AND state = 'queued' AND kind = 'information'",
                params![referral_id, t],
            )?;
            tx.execute(
                "UPDATE outbox SET to_follow = NULL WHERE referral_id = ?1",
                [&referral_id],
            )?;
            if state == OutboxState::Queued {
                tx.execute(
                    "UPDATE outbox SET local_copy = NULL, summary = NULL WHERE referral_id = ?1",
                    [&referral_id],
                )?;
            }
            tx.commit()?;
            Ok(queued)
        })
    }

    /// How many addenda wait to be delivered.
    pub fn queued_addenda(&self) -> Result<u32> {
        self.with(|inner| {
            Ok(inner.conn.query_row(
                "SELECT count(*) FROM addenda WHERE state = 'queued'",
                [],
                |r| r.get(0),
            )?)
        })
    }
}

fn service_key(service: &ServiceConfig) -> Result<ServicePublicKey> {
    ServicePublicKey::new(service.key_id.clone(), &service.public_key)
        .map_err(StoreError::ServiceConfig)
}

/// The referral may still be added to: queued or delivered, and consent not withdrawn.
fn require_open(tx: &rusqlite::Connection, referral_id: &str) -> Result<()> {
    super::outbox::require_state(
        tx,
        referral_id,
        &[OutboxState::Queued, OutboxState::Delivered],
    )?;
    if withdrawal_of(tx, referral_id)?.is_some() {
        return Err(StoreError::InvalidState(
            "consent was withdrawn: nothing more is sent about this referral",
        ));
    }
    Ok(())
}

fn withdrawal_of(tx: &rusqlite::Connection, referral_id: &str) -> Result<Option<QueuedAddendum>> {
    tx.query_row(
        "SELECT addendum_id, queued_at FROM addenda
         WHERE referral_id = ?1 AND kind = 'consent_withdrawn' AND state <> 'rejected'",
        [referral_id],
        |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)),
    )
    .optional()?
    .map(|(addendum_id, at)| {
        Ok(QueuedAddendum {
            addendum_id,
            referral_id: referral_id.to_string(),
            queued_at: cipher::from_millis(at)?,
        })
    })
    .transpose()
}

fn items_of(tx: &rusqlite::Connection, referral_id: &str) -> Result<Vec<ToFollowItem>> {
    items_from_sql(tx.query_row(
        "SELECT to_follow FROM outbox WHERE referral_id = ?1",
        [referral_id],
        |r| r.get(0),
    )?)
}

/// Seals `doc` to the service and inserts it, queued and due now.
fn insert(
    tx: &rusqlite::Connection,
    public_key: &ServicePublicKey,
    doc: AddendumDocument,
    items: &[ToFollowItem],
) -> Result<QueuedAddendum> {
    doc.check_shape().map_err(StoreError::Invalid)?;
    let json = doc.to_json();
    let sealed =
        envelope::seal_addendum(public_key, &doc.addendum_id, ADDENDUM_SCHEMA_VERSION, &json)
            .map_err(StoreError::ServiceConfig)?;
    let t = cipher::to_millis(doc.written_at);
    tx.execute(
        "INSERT INTO addenda (addendum_id, referral_id, kind, schema_version, state, queued_at,
            attempts, next_attempt_at, items, sealed)
         VALUES (?1, ?2, ?3, ?4, 'queued', ?5, 0, ?5, ?6, ?7)",
        params![
            doc.addendum_id,
            doc.referral_id,
            doc.kind.as_str(),
            ADDENDUM_SCHEMA_VERSION,
            t,
            items_to_sql(items).unwrap_or_else(|| "[]".into()),
            sealed
        ],
    )?;
    Ok(QueuedAddendum {
        addendum_id: doc.addendum_id,
        referral_id: doc.referral_id,
        queued_at: doc.written_at,
    })
}

/// A to-follow list as stored: JSON, `None` for an empty list.
pub(crate) fn items_to_sql(items: &[ToFollowItem]) -> Option<String> {
    if items.is_empty() {
        None
    } else {
        serde_json::to_string(items).ok()
    }
}

/// A stored to-follow list; every path and code is checked to be a plain code or path, so a
/// row changed behind the store's back cannot put anything else on a screen.
pub(crate) fn items_from_sql(raw: Option<String>) -> Result<Vec<ToFollowItem>> {
    let Some(raw) = raw else {
        return Ok(Vec::new());
    };
    let items: Vec<ToFollowItem> = serde_json::from_str(&raw)
        .map_err(|_| StoreError::CorruptStore("unreadable to-follow list"))?;
    for item in &items {
        if crate::form::parse_concrete_path(&item.path).is_none() || check_code(&item.code).is_err()
        {
            return Err(StoreError::CorruptStore("unreadable to-follow list"));
        }
    }
    Ok(items)
}

/// The addenda of one referral, oldest first (for [`Store::outbox`]).
pub(crate) fn addenda_of(
    conn: &rusqlite::Connection,
    referral_id: &str,
) -> Result<Vec<AddendumEntry>> {
    let mut stmt = conn.prepare_cached(
        "SELECT addendum_id, kind, state, items, queued_at, attempts, last_error_code,
                received_at, rejection_code
         FROM addenda WHERE referral_id = ?1 ORDER BY queued_at, addendum_id",
    )?;
    let mut rows = stmt.query([referral_id])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        out.push(AddendumEntry {
            addendum_id: r.get(0)?,
            kind: AddendumKind::from_name(&r.get::<_, String>(1)?)
                .ok_or(StoreError::CorruptStore("unknown addendum kind"))?,
            state: OutboxState::from_sql(&r.get::<_, String>(2)?)?,
            items: items_from_sql(Some(r.get(3)?))?,
            queued_at: cipher::from_millis(r.get(4)?)?,
            attempts: r.get(5)?,
            last_error_code: r.get(6)?,
            received_at: r
                .get::<_, Option<i64>>(7)?
                .map(cipher::from_millis)
                .transpose()?,
            rejection_code: r.get(8)?,
        });
    }
    Ok(out)
}

/// Whether `id` names an addendum (ids are random UUIDs: never both a referral and an addendum).
pub(crate) fn is_addendum(tx: &rusqlite::Connection, id: &str) -> Result<bool> {
    Ok(tx
        .query_row("SELECT 1 FROM addenda WHERE addendum_id = ?1", [id], |_| {
            Ok(())
        })
        .optional()?
        .is_some())
}

fn addendum_state(tx: &rusqlite::Connection, id: &str) -> Result<OutboxState> {
    let state: String = tx
        .query_row(
            "SELECT state FROM addenda WHERE addendum_id = ?1",
            [id],
            |r| r.get(0),
        )
        .optional()?
        .ok_or(StoreError::NotFound("addendum"))?;
    OutboxState::from_sql(&state)
}

/// Records an addendum's receipt inside `tx` (the sealed bytes are dropped); `false` if it was
/// already recorded.
pub(crate) fn delivery_in(
    tx: &rusqlite::Connection,
    id: &str,
    receipt: &Receipt,
    now: DateTime<Utc>,
) -> Result<bool> {
    match addendum_state(tx, id)? {
        OutboxState::Delivered => Ok(false),
        OutboxState::Rejected => Err(StoreError::InvalidState("the addendum was rejected")),
        OutboxState::Queued => {
            tx.execute(
                "UPDATE addenda SET state = 'delivered', sealed = NULL, next_attempt_at = NULL,
                    received_at = ?2, delivered_at = ?3
                 WHERE addendum_id = ?1",
                params![
                    id,
                    cipher::to_millis(receipt.received_at),
                    cipher::to_millis(now)
                ],
            )?;
            Ok(true)
        }
    }
}

/// The service's codes for a referral that takes nothing more (`409`): consent was withdrawn
/// (on the device or by the service's advisor), or its content was deleted after closure.
pub(crate) const REFERRAL_CLOSED_CODES: [&str; 2] =
    ["referral.withdrawn", "referral.content_deleted"];

/// Records an addendum refused for good inside `tx`: the sealed bytes are dropped and the
/// items it was to give are to follow again, unless the referral takes nothing more (consent
/// withdrawn here or at the service, content deleted): then nothing is to follow, so the officer
/// is not asked to type personal data only to have it refused again.
pub(crate) fn rejection_in(
    tx: &rusqlite::Connection,
    id: &str,
    code: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    check_code(code)?;
    match addendum_state(tx, id)? {
        OutboxState::Rejected => Ok(()),
        OutboxState::Delivered => Err(StoreError::InvalidState("the addendum was delivered")),
        OutboxState::Queued => {
            let (referral_id, items): (String, String) = tx.query_row(
                "SELECT referral_id, items FROM addenda WHERE addendum_id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            tx.execute(
                "UPDATE addenda SET state = 'rejected', sealed = NULL, next_attempt_at = NULL,
                    rejection_code = ?2, rejected_at = ?3
                 WHERE addendum_id = ?1",
                params![id, code, cipher::to_millis(now)],
            )?;
            if REFERRAL_CLOSED_CODES.contains(&code) {
                tx.execute(
                    "UPDATE outbox SET to_follow = NULL WHERE referral_id = ?1",
                    [&referral_id],
                )?;
            } else if withdrawal_of(tx, &referral_id)?.is_none() {
                let mut list = items_of(tx, &referral_id)?;
                for item in items_from_sql(Some(items))? {
                    if !list.contains(&item) {
                        list.push(item);
                    }
                }
                tx.execute(
                    "UPDATE outbox SET to_follow = ?2 WHERE referral_id = ?1",
                    params![referral_id, items_to_sql(&list)],
                )?;
            }
            Ok(())
        }
    }
}

/// Counts a failed attempt of an addendum inside `tx` and sets when to try again.
pub(crate) fn attempt_failed_in(
    tx: &rusqlite::Connection,
    id: &str,
    next_attempt_at: DateTime<Utc>,
    code: &str,
) -> Result<()> {
    check_code(code)?;
    if addendum_state(tx, id)? != OutboxState::Queued {
        return Err(StoreError::InvalidState("the addendum is not queued"));
    }
    tx.execute(
        "UPDATE addenda SET attempts = attempts + 1, next_attempt_at = ?2, last_error_code = ?3
         WHERE addendum_id = ?1",
        params![id, cipher::to_millis(next_attempt_at), code],
    )?;
    Ok(())
}

/// A referral refused for good takes its queued addenda with it (`referral.rejected`).
pub(crate) fn reject_with_referral(
    tx: &rusqlite::Connection,
    referral_id: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    tx.execute(
        "UPDATE addenda SET state = 'rejected', sealed = NULL, next_attempt_at = NULL,
            rejection_code = 'referral.rejected', rejected_at = ?2
         WHERE referral_id = ?1 AND state = 'queued'",
        params![referral_id, cipher::to_millis(now)],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::super::{OutboxState, Receipt, RecordedOutcome};
    use super::*;
    use crate::addendum::{FollowUpEditor, RecordedHow, WithdrawnBy, parse_addendum};
    use crate::crypto::ServicePrivateKey;
    use crate::form::{FormError, FormValue};
    use chrono::Duration;
    use serde_json::json;

    /// A referral sent without its crime number (not issued yet): one item to follow.
    fn sent_without_crime_reference(store: &Store, service: &ServiceConfig) -> String {
        let mut referral = crate::example::example_referral();
        referral.incident.crime_reference = None;
        let draft = store.save_draft(None, referral, t0()).unwrap();
        store
            .submit(draft, service.clone(), t0())
            .unwrap()
            .referral_id
    }

    fn crime_reference(value: &str) -> BTreeMap<String, Value> {
        BTreeMap::from([("incident.crime_reference".to_string(), json!(value))])
    }

    fn deliver(store: &Store, id: &str, at: DateTime<Utc>) {
        store
            .mark_delivered(
                id.to_string(),
                Receipt {
                    service_reference: "WP-2026-000001".into(),
                    received_at: at,
                },
                at,
            )
            .unwrap();
    }

    fn open(sk: &ServicePrivateKey, sealed: &[u8]) -> AddendumDocument {
        let opened = envelope::open_addendum(sk, sealed).unwrap();
        parse_addendum(std::str::from_utf8(&opened.plaintext).unwrap()).unwrap()
    }

    fn entry(store: &Store, id: &str) -> super::super::OutboxEntry {
        store
            .outbox()
            .unwrap()
            .into_iter()
            .find(|e| e.referral_id == id)
            .unwrap()
    }

    #[test]
    fn a_referral_sent_with_items_to_follow_keeps_their_paths_and_codes_after_its_receipt() {
        let (_dir, store) = open_store();
        let (_sk, service) = service();
        let id = sent_without_crime_reference(&store, &service);
        let expected = vec![ToFollowItem {
            path: "incident.crime_reference".into(),
            code: "crime_reference.to_follow".into(),
        }];
        assert_eq!(store.to_follow(id.clone()).unwrap(), expected);
        deliver(&store, &id, t0());
        assert_eq!(entry(&store, &id).to_follow, expected);
    }

    #[test]
    fn information_is_sealed_to_the_service_and_waits_for_its_referrals_receipt() {
        let (_dir, store) = open_store();
        let (sk, service) = service();
        let id = sent_without_crime_reference(&store, &service);
        let later = t0() + Duration::hours(1);
        let queued = store
            .queue_information(id.clone(), crime_reference("CR/123456/26"), service, later)
            .unwrap();
        assert!(store.to_follow(id.clone()).unwrap().is_empty());
        // Only the referral is due while it is queued.
        let due = store.due_for_delivery(later, 10).unwrap();
        assert_eq!(due.len(), 1);
        assert_eq!(due[0].referral_id, id);
        deliver(&store, &id, later);
        let due = store.due_for_delivery(later, 10).unwrap();
        assert_eq!(due.len(), 1);
        assert_eq!(due[0].referral_id, queued.addendum_id);
        assert_eq!(due[0].addendum_of.as_deref(), Some(id.as_str()));
        let header = envelope::peek(&due[0].sealed).unwrap();
        assert_eq!(header.schema_version, ADDENDUM_SCHEMA_VERSION);
        assert_eq!(header.referral_id, queued.addendum_id);
        let doc = open(&sk, &due[0].sealed);
        assert_eq!(doc.kind, AddendumKind::Information);
        assert_eq!(doc.referral_id, id);
        assert_eq!(doc.information, crime_reference("CR/123456/26"));
        // Its receipt drops the sealed bytes; a repeat is not counted twice.
        let receipt = Receipt {
            service_reference: "WP-2026-000001".into(),
            received_at: later,
        };
        let delivered = RecordedOutcome::Delivered {
            referral_id: queued.addendum_id.clone(),
            receipt,
            now: later,
        };
        let results = store
            .record_outcomes(&[delivered.clone(), delivered])
            .unwrap();
        assert!(matches!(results[..], [Ok(true), Ok(false)]));
        let e = entry(&store, &id);
        assert_eq!(e.addenda.len(), 1);
        assert_eq!(e.addenda[0].state, OutboxState::Delivered);
        assert_eq!(e.addenda[0].items[0].path, "incident.crime_reference");
        assert!(store.due_for_delivery(later, 10).unwrap().is_empty());
        let sealed: Option<Vec<u8>> = store
            .with(|inner| {
                Ok(inner.conn.query_row(
                    "SELECT sealed FROM addenda WHERE addendum_id = ?1",
                    [&queued.addendum_id],
                    |r| r.get(0),
                )?)
            })
            .unwrap();
        assert_eq!(sealed, None);
    }

    #[test]
    fn information_for_a_field_not_to_follow_or_breaking_its_rule_changes_nothing() {
        let (_dir, store) = open_store();
        let (_sk, service) = service();
        let id = sent_without_crime_reference(&store, &service);
        let wrong_field = BTreeMap::from([("victim.name".to_string(), json!("Alex Other"))]);
        let Err(StoreError::Invalid(problems)) =
            store.queue_information(id.clone(), wrong_field, service.clone(), t0())
        else {
            panic!("a field not to follow was queued")
        };
        assert_eq!(problems[0].code, "addendum.not_to_follow");
        let too_long = "X".repeat(500);
        let Err(StoreError::Invalid(problems)) =
            store.queue_information(id.clone(), crime_reference(&too_long), service, t0())
        else {
            panic!("an over-long crime reference was queued")
        };
        assert_eq!(problems[0].path, "incident.crime_reference");
        assert!(!format!("{problems:?}").contains("XXXX"));
        assert_eq!(store.to_follow(id.clone()).unwrap().len(), 1);
        assert!(entry(&store, &id).addenda.is_empty());
    }

    #[test]
    fn an_addendum_the_service_refuses_puts_its_items_back_to_follow() {
        let (_dir, store) = open_store();
        let (_sk, service) = service();
        let id = sent_without_crime_reference(&store, &service);
        let queued = store
            .queue_information(id.clone(), crime_reference("CR/1/26"), service, t0())
            .unwrap();
        deliver(&store, &id, t0());
        let results = store
            .record_outcomes(&[RecordedOutcome::Rejected {
                referral_id: queued.addendum_id,
                code: "addendum.invalid".into(),
                now: t0(),
            }])
            .unwrap();
        assert!(matches!(results[..], [Ok(true)]));
        assert_eq!(store.to_follow(id.clone()).unwrap().len(), 1);
        let e = entry(&store, &id);
        assert_eq!(e.addenda[0].state, OutboxState::Rejected);
        assert_eq!(
            e.addenda[0].rejection_code.as_deref(),
            Some("addendum.invalid")
        );
    }

    #[test]
    fn a_service_that_takes_nothing_more_empties_the_list_instead_of_asking_again() {
        for code in REFERRAL_CLOSED_CODES {
            let (_dir, store) = open_store();
            let (_sk, service) = service();
            let id = sent_without_crime_reference(&store, &service);
            deliver(&store, &id, t0());
            let queued = store
                .queue_information(id.clone(), crime_reference("CR/1/26"), service, t0())
                .unwrap();
            store
                .record_outcomes(&[RecordedOutcome::Rejected {
                    referral_id: queued.addendum_id,
                    code: code.into(),
                    now: t0(),
                }])
                .unwrap();
            assert!(store.to_follow(id.clone()).unwrap().is_empty(), "{code}");
            let e = entry(&store, &id);
            assert_eq!(e.addenda[0].rejection_code.as_deref(), Some(code));
            assert!(e.to_follow.is_empty());
        }
    }

    #[test]
    fn consent_withdrawn_recorded_by_the_service_empties_the_list() {
        let (_dir, store) = open_store();
        let (_sk, service) = service();
        let id = sent_without_crime_reference(&store, &service);
        deliver(&store, &id, t0());
        let update = |status: &str| super::super::StatusUpdate {
            status: status.into(),
            at: t0(),
        };
        store
            .record_statuses(id.clone(), vec![update("contacted")])
            .unwrap();
        assert_eq!(store.to_follow(id.clone()).unwrap().len(), 1);
        store
            .record_statuses(id.clone(), vec![update("consent_withdrawn")])
            .unwrap();
        assert!(store.to_follow(id.clone()).unwrap().is_empty());
    }

    fn withdrawal(at: DateTime<Utc>) -> Withdrawal {
        Withdrawal {
            withdrawn_by: WithdrawnBy::Victim,
            withdrawn_at: at,
            recorded_how: RecordedHow::ByPhone,
        }
    }

    #[test]
    fn a_withdrawal_drops_queued_information_and_the_local_copy_and_closes_the_referral() {
        let (_dir, store) = open_store();
        let (sk, service) = service();
        let id = sent_without_crime_reference(&store, &service);
        let info = store
            .queue_information(
                id.clone(),
                crime_reference("CR/1/26"),
                service.clone(),
                t0(),
            )
            .unwrap();
        let w = store
            .queue_withdrawal(id.clone(), withdrawal(t0()), service.clone(), t0())
            .unwrap();
        // Asking twice gives the same withdrawal.
        let again = store
            .queue_withdrawal(id.clone(), withdrawal(t0()), service.clone(), t0())
            .unwrap();
        assert_eq!(again, w);
        let e = entry(&store, &id);
        assert!(e.consent_withdrawn);
        assert!(e.to_follow.is_empty());
        assert_eq!(e.title, None);
        assert_eq!(e.addenda.len(), 2);
        let dropped = e
            .addenda
            .iter()
            .find(|a| a.addendum_id == info.addendum_id)
            .unwrap();
        assert_eq!(dropped.state, OutboxState::Rejected);
        assert_eq!(dropped.rejection_code.as_deref(), Some("consent.withdrawn"));
        assert!(matches!(
            store.load_submitted(id.clone()),
            Err(StoreError::InvalidState(_))
        ));
        assert!(matches!(
            store.queue_information(id.clone(), crime_reference("CR/2/26"), service, t0()),
            Err(StoreError::InvalidState(_))
        ));
        // The referral is still delivered (it may have arrived already), then the withdrawal.
        let due = store.due_for_delivery(t0(), 10).unwrap();
        assert_eq!(due.len(), 1);
        assert_eq!(due[0].referral_id, id);
        deliver(&store, &id, t0());
        let due = store.due_for_delivery(t0(), 10).unwrap();
        assert_eq!(due.len(), 1);
        let doc = open(&sk, &due[0].sealed);
        assert_eq!(doc.kind, AddendumKind::ConsentWithdrawn);
        assert_eq!(doc.withdrawal, Some(withdrawal(t0())));
    }

    #[test]
    fn a_referral_refused_for_good_takes_its_queued_addenda_with_it() {
        let (_dir, store) = open_store();
        let (_sk, service) = service();
        let id = sent_without_crime_reference(&store, &service);
        store
            .queue_information(id.clone(), crime_reference("CR/1/26"), service, t0())
            .unwrap();
        store
            .mark_rejected(id.clone(), "referral.invalid".into(), t0())
            .unwrap();
        let e = entry(&store, &id);
        assert_eq!(e.addenda[0].state, OutboxState::Rejected);
        assert_eq!(
            e.addenda[0].rejection_code.as_deref(),
            Some("referral.rejected")
        );
        assert!(store.due_for_delivery(t0(), 10).unwrap().is_empty());
        assert_eq!(store.next_due_at().unwrap(), None);
    }

    #[test]
    fn a_delivered_referral_with_a_queued_addendum_is_not_purged() {
        let (_dir, store) = open_store();
        let (_sk, service) = service();
        let id = sent_without_crime_reference(&store, &service);
        deliver(&store, &id, t0());
        store
            .queue_withdrawal(id.clone(), withdrawal(t0()), service, t0())
            .unwrap();
        let report = store.purge_expired(t0() + Duration::days(365)).unwrap();
        assert_eq!(report.receipts_purged, 0);
        assert_eq!(store.queued_addenda().unwrap(), 1);
        assert_eq!(store.counts().unwrap().queued_addenda, 1);
    }

    #[test]
    fn the_follow_up_editor_takes_a_field_its_condition_would_hide_without_the_referral() {
        // The crime reference is shown only when a crime was recorded: the device no longer has
        // that answer, and the value must still be taken, checked and sent.
        let (_dir, store) = open_store();
        let (sk, service) = service();
        let id = sent_without_crime_reference(&store, &service);
        let editor = FollowUpEditor::open(store.clone(), id.clone()).unwrap();
        editor.pin_clock(Some(t0()));
        let snapshot = editor
            .set(
                "incident.crime_reference".into(),
                FormValue::text(&"X".repeat(300)),
            )
            .unwrap();
        assert!(!snapshot.ready);
        assert_eq!(snapshot.problems[0].path, "incident.crime_reference");
        let snapshot = editor
            .set(
                "incident.crime_reference".into(),
                FormValue::text("CR/123456/26"),
            )
            .unwrap();
        assert!(snapshot.ready, "{:?}", snapshot.problems);
        editor.submit(service).unwrap();
        deliver(&store, &id, t0());
        let due = store.due_for_delivery(t0(), 10).unwrap();
        assert_eq!(
            open(&sk, &due[0].sealed).information,
            crime_reference("CR/123456/26")
        );
    }

    #[test]
    fn the_follow_up_editor_offers_only_the_items_to_follow_and_queues_what_was_typed() {
        let (_dir, store) = open_store();
        let (sk, service) = service();
        let mut referral = crate::example::example_referral();
        referral.incident.crime_reference = None;
        referral.victim.date_of_birth = None;
        referral.victim.aged_16_or_over = Some(true);
        let draft = store.save_draft(None, referral, t0()).unwrap();
        let id = store
            .submit(draft, service.clone(), t0())
            .unwrap()
            .referral_id;
        let editor = FollowUpEditor::open(store.clone(), id.clone()).unwrap();
        editor.pin_clock(Some(t0()));
        let snapshot = editor.snapshot();
        let paths: Vec<&str> = snapshot.fields.iter().map(|f| f.path.as_str()).collect();
        assert!(paths.contains(&"incident.crime_reference"), "{paths:?}");
        assert!(paths.contains(&"victim.date_of_birth"), "{paths:?}");
        assert!(!snapshot.ready);
        assert!(matches!(
            editor.set("victim.name".into(), FormValue::text("Someone")),
            Err(FormError::Hidden { .. })
        ));
        // A date typed day first, as officers type it; a date in the future is an error on it.
        let snapshot = editor
            .set("victim.date_of_birth".into(), FormValue::text("12/04/2031"))
            .unwrap();
        assert!(!snapshot.ready);
        assert_eq!(snapshot.problems[0].path, "victim.date_of_birth");
        let snapshot = editor
            .set("victim.date_of_birth".into(), FormValue::text("12/04/1990"))
            .unwrap();
        assert!(snapshot.ready, "{:?}", snapshot.problems);
        let queued = editor.submit(service).unwrap();
        // Only the date was given: the crime number is still to follow.
        let left: Vec<String> = store
            .to_follow(id.clone())
            .unwrap()
            .into_iter()
            .map(|i| i.path)
            .collect();
        assert_eq!(left, ["incident.crime_reference"]);
        deliver(&store, &id, t0());
        let due = store.due_for_delivery(t0(), 10).unwrap();
        assert_eq!(due[0].referral_id, queued.addendum_id);
        let doc = open(&sk, &due[0].sealed);
        assert_eq!(
            doc.information,
            BTreeMap::from([("victim.date_of_birth".to_string(), json!("1990-04-12"))])
        );
    }
}
