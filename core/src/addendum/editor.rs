//! The follow-up editor: the form engine for exactly the fields a referral had to follow.
//!
//! The officer opens it from a sent referral (queued or delivered) that still has items to
//! follow; it shows those fields only, with the form's own labels, kinds, options and rules
//! for each, takes values as the referral's editor does (typed dates, phone numbers, choices
//! by name) and its submit seals the information to the service as an addendum, queued in the
//! outbox ([`Store::queue_information`]). Nothing is saved before the submit: the values live in
//! memory only, and once sealed only the service can read them.
//!
//! Underneath is a [`DraftEditor`] with no store over an empty referral that holds only the
//! to-follow items' places (a child's item exists so `children[1].date_of_birth` can be set).
//! Conditions would hide most of those fields (they read the rest of the referral, which the
//! device no longer has), so this editor shows every field it offers.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::check::put;
use crate::config::ServiceConfig;
use crate::form::path_under as under;
use crate::form::{DraftEditor, FieldState, FormError, FormValue};
use crate::model::{Referral, ToFollowItem};
use crate::store::{QueuedAddendum, Store};
use crate::validation::{Problem, ProblemKind};

/// What the follow-up screen shows. `Debug` leaves the values out.
#[derive(Clone, PartialEq)]
pub struct FollowUpSnapshot {
    /// The referral the information is for.
    pub referral_id: String,
    /// The items still to follow (paths and codes).
    pub items: Vec<ToFollowItem>,
    /// Every field of those items, in form order, with its value and problems.
    pub fields: Vec<FieldState>,
    /// Errors in what was typed, on the fields they are about.
    pub problems: Vec<Problem>,
    /// True when something was given and nothing given is wrong: submit will queue it.
    pub ready: bool,
}

impl std::fmt::Debug for FollowUpSnapshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FollowUpSnapshot")
            .field("referral_id", &self.referral_id)
            .field("items", &self.items)
            .field("fields", &self.fields.len())
            .field(
                "problems",
                &self.problems.iter().map(|p| &p.code).collect::<Vec<_>>(),
            )
            .field("ready", &self.ready)
            .finish()
    }
}

/// Fills in the items a sent referral had to follow. Use it behind an `Arc`.
pub struct FollowUpEditor {
    store: Arc<Store>,
    referral_id: String,
    items: Vec<ToFollowItem>,
    form: Arc<DraftEditor>,
}

impl std::fmt::Debug for FollowUpEditor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FollowUpEditor")
            .field("referral_id", &self.referral_id)
            .field("items", &self.items)
            .finish_non_exhaustive()
    }
}

impl FollowUpEditor {
    /// Opens the follow-up form of a sent referral, for the items it still has to follow.
    ///
    /// # Errors
    ///
    /// [`FormError::Store`]: `NotFound` for an unknown referral, `InvalidState` when nothing is
    /// left to follow (everything was given, or consent was withdrawn).
    pub fn open(store: Arc<Store>, referral_id: String) -> Result<Arc<FollowUpEditor>, FormError> {
        let items = store.to_follow(referral_id.clone())?;
        if items.is_empty() {
            return Err(FormError::Store(crate::store::StoreError::InvalidState(
                "nothing is left to follow for this referral",
            )));
        }
        let mut doc = serde_json::to_value(Referral::default()).unwrap_or(Value::Null);
        for item in &items {
            // Makes the item's place (and a child's item) exist; an odd stored path is skipped.
            let mut trial = doc.clone();
            if put(&mut trial, &item.path, Value::Null) {
                doc = trial;
            }
        }
        let form = DraftEditor::open_follow_up(doc)?;
        // A wipe empties the form and closes it, as it does every draft editor.
        let weak: std::sync::Weak<dyn crate::store::WipeListener> =
            Arc::downgrade(&form) as std::sync::Weak<DraftEditor>;
        store.on_wipe(weak);
        if store.is_closed() {
            crate::store::WipeListener::store_wiped(&*form);
        }
        Ok(Arc::new(FollowUpEditor {
            store,
            referral_id,
            items,
            form,
        }))
    }

    /// True once the store was wiped: the values are gone and every call is refused.
    pub fn is_closed(&self) -> bool {
        self.form.is_closed()
    }

    /// The referral this editor adds to.
    pub fn referral_id(&self) -> String {
        self.referral_id.clone()
    }

    /// Fixes the clock used by the date rules (`None`: the system clock). For tests.
    pub fn pin_clock(&self, now: Option<DateTime<Utc>>) {
        self.form.pin_clock(now);
    }

    /// Sets one of the to-follow fields (`FormValue::Clear` empties it) and answers with the
    /// new snapshot.
    ///
    /// # Errors
    ///
    /// [`FormError::Hidden`] for a field that was not to follow; otherwise as
    /// [`DraftEditor::set`] (wrong kind, unknown option, too long). Nothing is changed.
    pub fn set(&self, path: String, value: FormValue) -> Result<FollowUpSnapshot, FormError> {
        if !self.offers(&path) {
            return Err(FormError::Hidden {
                path: crate::form::shown_path(&path),
            });
        }
        self.form.set(path, value)?;
        Ok(self.snapshot())
    }

    /// The fields, their values and problems, and whether submit would queue.
    pub fn snapshot(&self) -> FollowUpSnapshot {
        let snapshot = self.form.snapshot();
        let fields: Vec<FieldState> = snapshot
            .fields
            .into_iter()
            .filter(|f| self.offers(&f.path))
            .map(|mut f| {
                f.visible = true;
                f
            })
            .collect();
        let problems: Vec<Problem> = snapshot
            .problems
            .into_iter()
            .filter(|p| p.kind == ProblemKind::Error && self.offers(&p.path))
            .collect();
        let given = !self.information_in(&fields).is_empty();
        FollowUpSnapshot {
            referral_id: self.referral_id.clone(),
            items: self.items.clone(),
            ready: given && problems.is_empty(),
            fields,
            problems,
        }
    }

    /// Seals what was given to the service as an addendum and queues it; the items given leave
    /// the referral's to-follow list. For what remains, open a new editor.
    ///
    /// # Errors
    ///
    /// [`FormError::Store`] with `Invalid` (every problem, path and code) when nothing was given
    /// or a value breaks its field's rule; `InvalidState` when the referral was rejected or
    /// consent was withdrawn. Nothing is queued then.
    pub fn submit(&self, service: ServiceConfig) -> Result<QueuedAddendum, FormError> {
        let now = self.form.now();
        let information = self.information_in(&self.snapshot().fields);
        Ok(self
            .store
            .queue_information(self.referral_id.clone(), information, service, now)?)
    }

    /// Whether `path` is one of the to-follow items or a field inside one.
    fn offers(&self, path: &str) -> bool {
        self.items.iter().any(|item| under(path, &item.path))
    }

    /// The values given for `fields` (the offered ones), by leaf path, in the referral's JSON
    /// form.
    fn information_in(&self, fields: &[FieldState]) -> BTreeMap<String, Value> {
        let referral = self.form.referral();
        let Ok(doc) = serde_json::to_value(&referral) else {
            return BTreeMap::new();
        };
        let mut out = BTreeMap::new();
        for field in fields {
            if field.item_count > 0 {
                continue;
            }
            // Only leaves: a group's value is given by its fields.
            if let Some(value) = crate::form::value_at(&doc, &field.path)
                && crate::form::is_given(value)
                && !value.is_object()
            {
                out.insert(field.path.clone(), value.clone());
            }
        }
        out
    }
}
