//! The form engine: what the apps render, and the editor they fill it with.
//!
//! # Why a form engine
//!
//! ODK Collect and CommCare render their forms from a definition instead of hard-coding
//! screens, so a form changes without an app release and every platform asks the same
//! questions with the same rules. The referral works the same way: the Android and iOS apps
//! render [`form_definition`] and show what the [`DraftEditor`] says about each path; they never
//! repeat the field list, a condition or a rule. Paths are the paths validation reports
//! (`children[1].date_of_birth`), so a problem always lands on the field it is about.
//!
//! * `definition`: sections and fields (kinds and options from the model's JSON Schema).
//! * `fields`: the one hand-written list (order, words, conditions).
//! * `condition`: when a field is shown or required, evaluated by the core.
//! * `editor`: open, set, add or remove items, snapshot, autosave, submit.
//! * `value`, `snapshot`: what crosses in and out. `error`: stable codes.
//! * `path`, `schema_leaves`: the path vocabulary and the schema walk behind the honesty tests.
//!
//! Nothing here knows FFI; the shapes are uniffi-friendly (records, flat enums, objects behind
//! `Arc` with `&self` methods). See docs/form.md.

mod condition;
mod definition;
mod editor;
mod error;
mod fields;
mod path;
mod schema_leaves;
mod snapshot;
mod value;

pub use condition::{AllOf, Check, Condition, Test};
pub use definition::{
    ChecklistInstrument, ChecklistQuestion, ChoiceOption, Field, FieldKind, FormDefinition,
    Requirement, Section, form_definition,
};
pub use editor::{DraftEditor, MAX_INPUT_BYTES};
pub use error::FormError;
pub use path::{template as path_template, under as path_under};
pub use snapshot::{FieldState, FormSnapshot, SetOutcome};
pub use value::FormValue;

#[cfg(test)]
mod tests;

/// Parses a concrete field path (`children[1].date_of_birth`; no `[]` templates): for addenda,
/// whose information is keyed by the paths validation reports.
pub(crate) fn parse_concrete_path(path: &str) -> Option<Vec<path::Segment>> {
    let segments = path::parse(path)?;
    segments
        .iter()
        .all(|s| !matches!(s, path::Segment::Index(None)))
        .then_some(segments)
}

pub(crate) use path::Segment as PathSegment;

/// Most items a repeatable group can ever hold (children, other perpetrators): a bound for
/// paths that arrive from outside the form, such as an addendum's.
pub(crate) const MAX_GROUP_ITEMS: usize = 32;

/// Whether a JSON value counts as given (not null, not empty).
pub(crate) fn is_given(value: &serde_json::Value) -> bool {
    path::is_set(value)
}

/// A path as an error may show it (see `error::shown`).
pub(crate) fn shown_path(path: &str) -> String {
    error::shown(path)
}

/// The value at a concrete path of a referral's JSON form.
pub(crate) fn value_at<'a>(
    doc: &'a serde_json::Value,
    concrete: &str,
) -> Option<&'a serde_json::Value> {
    path::get_str(doc, concrete)
}
