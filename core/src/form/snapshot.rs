//! What the editor answers: the state of every field (a snapshot), or of the fields a change
//! touched (a set outcome). Screens render from these, not field by field.
//!
//! Values, normalised forms and problems are personal data or point at it, so `Debug` prints
//! paths, flags and problem codes only.

use super::value::FormValue;
use crate::validation::Problem;

/// The state of one concrete field.
#[derive(Clone, PartialEq, Eq)]
pub struct FieldState {
    /// The concrete path (`children[0].name`, `risk.answers.q01_injury`).
    pub path: String,
    /// The definition field it is an instance of (`children[].name`, `risk.answers`).
    pub field_path: String,
    /// Shown now.
    pub visible: bool,
    /// Must be filled now (false while hidden).
    pub required: bool,
    /// The value as typed; `None` when empty.
    pub value: Option<FormValue>,
    /// The normalised form (E.164 for a phone, `SW1A 1AA` for a postcode) when the value is
    /// valid and has one.
    pub normalised: Option<String>,
    /// For a repeatable group: how many items it has. 0 otherwise.
    pub item_count: u32,
    /// What is wrong with the value.
    pub problems: Vec<Problem>,
    /// What is missing here (a mandatory value, or an item the group needs).
    pub missing: Vec<Problem>,
}

impl std::fmt::Debug for FieldState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FieldState")
            .field("path", &self.path)
            .field("visible", &self.visible)
            .field("required", &self.required)
            .field("value", &self.value)
            .field("item_count", &self.item_count)
            .field("problems", &codes(&self.problems))
            .field("missing", &codes(&self.missing))
            .finish_non_exhaustive()
    }
}

fn codes(problems: &[Problem]) -> Vec<&str> {
    problems.iter().map(|p| p.code.as_str()).collect()
}

/// Everything a screen needs, in one call.
#[derive(Clone, PartialEq, Eq)]
pub struct FormSnapshot {
    /// The draft's id in the store, once saved.
    pub draft_id: Option<String>,
    /// Every concrete field in display order (hidden ones too, with `visible: false`).
    pub fields: Vec<FieldState>,
    /// Every finding in what has been filled in (validation paths): errors, and warnings the
    /// referrer confirms before sending.
    pub problems: Vec<Problem>,
    /// Every field not given yet (validation paths): errors while mandatory, or items to
    /// follow that are sent on the referral's to-follow list.
    pub missing: Vec<Problem>,
    /// True when the referral could be submitted as it is (no finding of kind `error`).
    pub complete: bool,
    /// True when the last change is saved in the store.
    pub saved: bool,
    /// When the victim refused consent: what to do instead (the organisation's route that
    /// needs no consent), for the app to show with a way to delete the draft
    /// ([`DraftEditor::discard`](super::DraftEditor::discard)).
    pub consent_refused_route: Option<String>,
}

impl std::fmt::Debug for FormSnapshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FormSnapshot")
            .field("draft_id", &self.draft_id)
            .field("fields", &self.fields.len())
            .field("problems", &codes(&self.problems))
            .field("missing", &codes(&self.missing))
            .field("complete", &self.complete)
            .field("saved", &self.saved)
            .finish()
    }
}

/// The answer to a change (`set`, `add_item`, `remove_item`).
#[derive(Clone, PartialEq, Eq)]
pub struct SetOutcome {
    /// The path changed (for `add_item`, the new item's path, e.g. `children[1]`).
    pub path: String,
    /// The normalised form of the value set, when it has one and is valid.
    pub normalised: Option<String>,
    /// The field changed and every field whose value, visibility, requirement or problems the
    /// change affected (rules span fields), in display order.
    pub changed: Vec<FieldState>,
    /// Problems in the whole referral after the change.
    pub problem_count: u32,
    /// Missing mandatory fields in the whole referral after the change.
    pub missing_count: u32,
    /// True when the referral could now be submitted (no finding of kind `error`).
    pub complete: bool,
    /// True when the change is saved in the store (autosave).
    pub saved: bool,
    /// When the victim refused consent: what to do instead, as in [`FormSnapshot`].
    pub consent_refused_route: Option<String>,
}

impl std::fmt::Debug for SetOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SetOutcome")
            .field("path", &self.path)
            .field("changed", &self.changed)
            .field("problem_count", &self.problem_count)
            .field("missing_count", &self.missing_count)
            .field("complete", &self.complete)
            .field("saved", &self.saved)
            .finish_non_exhaustive()
    }
}
