//! Follow-ups after sending: the items a referral had to follow, the follow-up editor, and a
//! withdrawal of consent (issue 23). Thin, as the rest: one core call per method.
//!
//! The follow-up editor is an object like the draft editor: set values by path (the same
//! `FieldValue`s), read a snapshot (the same `FieldState`s, personal text wrapped), submit to
//! queue the information as a sealed addendum. Its values are never saved on the device; a
//! `wipe()` empties and closes it as it does every editor.

use std::sync::Arc;

use chrono::Utc;
use weprotect_core::addendum::{
    self as core_addendum, AddendumKind, RecordedHow, Withdrawal, WithdrawnBy,
};
use weprotect_core::config::ServiceConfig;
use weprotect_core::model::ToFollowItem;
use weprotect_core::store::{AddendumEntry, OutboxState, QueuedAddendum};
use weprotect_core::validation::Problem;

use crate::editor::{FieldState, FieldValue};
use crate::guard::{FfiResult, guard};
use crate::store::Store;
use crate::types::Timestamp;

/// An item sent to follow: the field's path and the rule's code, never a value.
#[uniffi::remote(Record)]
pub struct ToFollowItem {
    pub path: String,
    pub code: String,
}

/// What an addendum is.
#[uniffi::remote(Enum)]
pub enum AddendumKind {
    Information,
    ConsentWithdrawn,
}

/// Who withdrew consent.
#[uniffi::remote(Enum)]
pub enum WithdrawnBy {
    Victim,
    OnTheVictimsBehalf,
}

/// How the withdrawal reached the referrer.
#[uniffi::remote(Enum)]
pub enum RecordedHow {
    InPerson,
    ByPhone,
    InWriting,
}

/// A withdrawal of consent: who, when, how recorded (codes and a time, nothing typed).
#[uniffi::remote(Record)]
pub struct Withdrawal {
    pub withdrawn_by: WithdrawnBy,
    pub withdrawn_at: Timestamp,
    pub recorded_how: RecordedHow,
}

/// One addendum in the outbox, with its state (codes, paths and times only).
#[uniffi::remote(Record)]
pub struct AddendumEntry {
    pub addendum_id: String,
    pub kind: AddendumKind,
    pub state: OutboxState,
    pub items: Vec<ToFollowItem>,
    pub queued_at: Timestamp,
    pub attempts: u32,
    pub last_error_code: Option<String>,
    pub received_at: Option<Timestamp>,
    pub rejection_code: Option<String>,
}

/// What a follow-up submit or a withdrawal queued.
#[uniffi::remote(Record)]
pub struct QueuedAddendum {
    pub addendum_id: String,
    pub referral_id: String,
    pub queued_at: Timestamp,
}

/// What the follow-up screen shows.
#[derive(uniffi::Record)]
pub struct FollowUpSnapshot {
    /// The referral the information is for.
    pub referral_id: String,
    /// The items still to follow.
    pub items: Vec<ToFollowItem>,
    /// Every field of those items, in form order (personal text wrapped).
    pub fields: Vec<FieldState>,
    /// Errors in what was typed, on the fields they are about.
    pub problems: Vec<Problem>,
    /// True when something was given and nothing given is wrong.
    pub ready: bool,
}

impl From<core_addendum::FollowUpSnapshot> for FollowUpSnapshot {
    fn from(s: core_addendum::FollowUpSnapshot) -> FollowUpSnapshot {
        let core_addendum::FollowUpSnapshot {
            referral_id,
            items,
            fields,
            problems,
            ready,
        } = s;
        FollowUpSnapshot {
            referral_id,
            items,
            fields: fields.into_iter().map(Into::into).collect(),
            problems,
            ready,
        }
    }
}

/// Fills in the items a sent referral had to follow, and queues them as a sealed addendum.
#[derive(uniffi::Object)]
pub struct FollowUpEditor {
    inner: Arc<core_addendum::FollowUpEditor>,
}

impl FollowUpEditor {
    fn open(&self) -> FfiResult<&core_addendum::FollowUpEditor> {
        if self.inner.is_closed() {
            Err(weprotect_core::WeprotectError::Closed)
        } else {
            Ok(&self.inner)
        }
    }
}

#[uniffi::export]
impl FollowUpEditor {
    /// The referral this editor adds to.
    pub fn referral_id(&self) -> String {
        self.inner.referral_id()
    }

    /// Sets one of the to-follow fields (`FieldValue::Clear` empties it). Errors:
    /// `FieldHidden` for a field that was not to follow, `WrongKind`, `UnknownOption`,
    /// `OutOfRange` (nothing changed), `Closed` after a wipe.
    pub fn set(&self, path: String, value: FieldValue) -> FfiResult<FollowUpSnapshot> {
        guard(|| Ok(self.open()?.set(path, value.into())?.into()))
    }

    /// The fields, their values and problems, and whether submit would queue.
    pub fn snapshot(&self) -> FfiResult<FollowUpSnapshot> {
        guard(|| Ok(self.open()?.snapshot().into()))
    }

    /// Seals what was given to the service and queues it; it is sent once the referral is
    /// delivered. Errors: `Invalid` (every problem: nothing given, a value its field refuses),
    /// `InvalidState` (rejected, or consent withdrawn), `ServiceConfig`.
    pub fn submit(&self, service: ServiceConfig) -> FfiResult<QueuedAddendum> {
        guard(|| Ok(self.open()?.submit(service)?))
    }
}

#[uniffi::export]
impl Store {
    /// What a sent referral still has to follow (paths and codes). Errors: `NotFound`.
    pub fn to_follow(&self, referral_id: String) -> FfiResult<Vec<ToFollowItem>> {
        guard(|| Ok(self.inner.to_follow(referral_id)?))
    }

    /// Opens the follow-up editor of a sent referral. Errors: `NotFound`, `InvalidState` when
    /// nothing is left to follow or consent was withdrawn.
    pub fn open_follow_up(&self, referral_id: String) -> FfiResult<Arc<FollowUpEditor>> {
        guard(|| {
            let inner = core_addendum::FollowUpEditor::open(self.inner.clone(), referral_id)?;
            Ok(Arc::new(FollowUpEditor { inner }))
        })
    }

    /// Records that the victim withdrew consent: seals the withdrawal to the service and queues
    /// it, drops queued information and, before delivery, the local copy. Asking again returns
    /// the same withdrawal. Errors: `InvalidState` for a rejected referral (discard it instead),
    /// `NotFound`, `InvalidArgument` for a time in the future.
    pub fn withdraw_consent(
        &self,
        referral_id: String,
        withdrawal: Withdrawal,
        service: ServiceConfig,
    ) -> FfiResult<QueuedAddendum> {
        guard(|| {
            Ok(self
                .inner
                .queue_withdrawal(referral_id, withdrawal, service, Utc::now())?)
        })
    }
}
