//! The form and the draft editor: what the apps render and how they fill it.
//!
//! The apps never repeat the field list or a rule: they draw [`form_definition`] and show what
//! the editor says about each path (`FieldState`: visible, required, value as typed, normalised
//! form, problems). The definition's records are the core's own (remote types, below); the
//! editor's answers carry typed values, which are personal, so they are rebuilt here with every
//! value wrapped: text as [`PersonalText`], a whole value as [`FieldValue`] whose text is
//! [`PersonalText`] too. Exhaustive destructuring and matching make a core change a compile
//! error here rather than a silent omission.
//!
//! Editor calls are quick (microseconds, no I/O) except when they autosave into the store (a
//! SQLite commit): call them off the main thread, or batch typing (set on focus change).

use std::sync::Arc;

use weprotect_core::config::ServiceConfig;
use weprotect_core::form::{
    self as core_form, AllOf, Check, ChecklistInstrument, ChecklistQuestion, ChoiceOption,
    Condition, Field, FieldKind, FormDefinition, FormValue, Requirement, Section, Test,
};
use weprotect_core::store::QueuedReferral;
use weprotect_core::validation::Problem;

use crate::guard::{FfiResult, guard};
use crate::personal::PersonalText;
use crate::store::Store;
use crate::types::Timestamp;

/// The form: sections and fields in display order.
#[uniffi::remote(Record)]
pub struct FormDefinition {
    pub schema_version: u32,
    pub sections: Vec<Section>,
}

/// A section of the form.
#[uniffi::remote(Record)]
pub struct Section {
    pub id: String,
    pub label_key: String,
    pub label: String,
    pub fields: Vec<Field>,
}

/// One field: its path (the path validation reports), words, kind, requirement and visibility.
#[uniffi::remote(Record)]
pub struct Field {
    pub path: String,
    pub label_key: String,
    pub label: String,
    pub hint: Option<String>,
    pub kind: FieldKind,
    pub required: Requirement,
    pub visible_when: Option<Condition>,
    pub max_length: Option<u32>,
    pub group: Option<String>,
    pub help: Option<String>,
    pub filled_from: Option<String>,
    pub suggestions: Vec<ChoiceOption>,
}

/// What kind of value a field takes.
#[uniffi::remote(Enum)]
pub enum FieldKind {
    Text {
        multiline: bool,
    },
    YesNo,
    Choice {
        options: Vec<ChoiceOption>,
    },
    MultiChoice {
        options: Vec<ChoiceOption>,
    },
    Date,
    DateTime,
    TimeOfDay,
    Phone,
    Postcode,
    Email,
    Integer {
        min: i64,
        max: i64,
    },
    RepeatableGroup {
        item_fields: Vec<String>,
        max_items: u32,
    },
    RiskChecklist {
        answer_options: Vec<ChoiceOption>,
        instruments: Vec<ChecklistInstrument>,
    },
}

/// One option of a choice.
#[uniffi::remote(Record)]
pub struct ChoiceOption {
    pub value: String,
    pub label_key: String,
    pub label: String,
}

/// A risk assessment instrument and its questions.
#[uniffi::remote(Record)]
pub struct ChecklistInstrument {
    pub value: String,
    pub name: String,
    pub questions: Vec<ChecklistQuestion>,
}

/// One question of a risk checklist.
#[uniffi::remote(Record)]
pub struct ChecklistQuestion {
    pub id: String,
    pub label_key: String,
    pub label: String,
}

/// When a field must be filled.
#[uniffi::remote(Enum)]
pub enum Requirement {
    Always,
    Never,
    When { condition: Condition },
}

/// A condition on other fields: any one of several groups of tests, each needing all its tests.
#[uniffi::remote(Record)]
pub struct Condition {
    pub any_of: Vec<AllOf>,
}

/// A group of tests that must all hold.
#[uniffi::remote(Record)]
pub struct AllOf {
    pub tests: Vec<Test>,
}

/// One test of another field's value.
#[uniffi::remote(Record)]
pub struct Test {
    pub path: String,
    pub check: Check,
    pub negated: bool,
}

/// What a test checks.
#[uniffi::remote(Enum)]
pub enum Check {
    IsYes { yes: bool },
    Equals { option: String },
    OneOf { options: Vec<String> },
    IsSet,
}

/// The form definition (sections and fields in display order).
#[uniffi::export]
pub fn form_definition() -> FfiResult<FormDefinition> {
    guard(|| Ok(core_form::form_definition()))
}

/// A value for a field, or a field's value as the editor holds it. Text (names, phone numbers,
/// dates as typed) is [`PersonalText`], so it prints redacted.
#[derive(uniffi::Enum)]
pub enum FieldValue {
    /// Text as typed: text, date, date-time, time of day, phone, postcode and email fields.
    Text {
        /// The text.
        text: Arc<PersonalText>,
    },
    /// A yes/no answer.
    YesNo {
        /// True for yes.
        yes: bool,
    },
    /// One option (its `value` in the definition).
    Choice {
        /// The option.
        option: String,
    },
    /// Several options (multi-choice).
    Choices {
        /// The options.
        options: Vec<String>,
    },
    /// A whole number.
    Integer {
        /// The number.
        value: i64,
    },
    /// Empties the field (input only).
    Clear,
}

impl From<FieldValue> for FormValue {
    fn from(v: FieldValue) -> FormValue {
        match v {
            FieldValue::Text { text } => FormValue::Text {
                text: text.as_str().to_string(),
            },
            FieldValue::YesNo { yes } => FormValue::YesNo { yes },
            FieldValue::Choice { option } => FormValue::Choice { option },
            FieldValue::Choices { options } => FormValue::Choices { options },
            FieldValue::Integer { value } => FormValue::Integer { value },
            FieldValue::Clear => FormValue::Clear,
        }
    }
}

impl From<FormValue> for FieldValue {
    fn from(v: FormValue) -> FieldValue {
        match v {
            FormValue::Text { text } => FieldValue::Text {
                text: PersonalText::wrap(text),
            },
            FormValue::YesNo { yes } => FieldValue::YesNo { yes },
            FormValue::Choice { option } => FieldValue::Choice { option },
            FormValue::Choices { options } => FieldValue::Choices { options },
            FormValue::Integer { value } => FieldValue::Integer { value },
            FormValue::Clear => FieldValue::Clear,
        }
    }
}

/// The state of one concrete field (`children[0].name`).
#[derive(uniffi::Record)]
pub struct FieldState {
    /// The concrete path.
    pub path: String,
    /// The definition field it is an instance of (`children[].name`).
    pub field_path: String,
    /// Shown now.
    pub visible: bool,
    /// Must be filled now.
    pub required: bool,
    /// The value as typed (redacted when printed); none when empty.
    pub value: Option<FieldValue>,
    /// The normalised form (E.164, `SW1A 1AA`) when valid (redacted when printed).
    pub normalised: Option<Arc<PersonalText>>,
    /// For a repeatable group: its number of items.
    pub item_count: u32,
    /// What is wrong with the value.
    pub problems: Vec<Problem>,
    /// What is missing here.
    pub missing: Vec<Problem>,
}

impl From<core_form::FieldState> for FieldState {
    fn from(s: core_form::FieldState) -> FieldState {
        let core_form::FieldState {
            path,
            field_path,
            visible,
            required,
            value,
            normalised,
            item_count,
            problems,
            missing,
        } = s;
        FieldState {
            path,
            field_path,
            visible,
            required,
            value: value.map(Into::into),
            normalised: normalised.map(PersonalText::wrap),
            item_count,
            problems,
            missing,
        }
    }
}

/// Everything a screen needs, in one call.
#[derive(uniffi::Record)]
pub struct FormSnapshot {
    /// The draft's id in the store, once saved.
    pub draft_id: Option<String>,
    /// Every concrete field in display order (hidden ones with `visible: false`).
    pub fields: Vec<FieldState>,
    /// Every problem in what has been filled in.
    pub problems: Vec<Problem>,
    /// Every mandatory value still missing.
    pub missing: Vec<Problem>,
    /// True when the draft could be submitted as it is.
    pub complete: bool,
    /// True when every change is saved in the store.
    pub saved: bool,
    /// When the victim refused consent: the route that needs no consent, in the
    /// organisation's words; show it with a way to delete the draft (`discard()`).
    pub consent_refused_route: Option<String>,
}

impl From<core_form::FormSnapshot> for FormSnapshot {
    fn from(s: core_form::FormSnapshot) -> FormSnapshot {
        let core_form::FormSnapshot {
            draft_id,
            fields,
            problems,
            missing,
            complete,
            saved,
            consent_refused_route,
        } = s;
        FormSnapshot {
            draft_id,
            fields: fields.into_iter().map(Into::into).collect(),
            problems,
            missing,
            complete,
            saved,
            consent_refused_route,
        }
    }
}

/// The answer to one change: the normalised value and every field the change affected.
#[derive(uniffi::Record)]
pub struct SetOutcome {
    /// The path that was set.
    pub path: String,
    /// Its normalised form, when valid and it has one (redacted when printed).
    pub normalised: Option<Arc<PersonalText>>,
    /// Every field whose value, visibility, requirement or problems changed.
    pub changed: Vec<FieldState>,
    /// Problems in the whole draft now.
    pub problem_count: u32,
    /// Mandatory values missing in the whole draft now.
    pub missing_count: u32,
    /// True when the draft could be submitted as it is.
    pub complete: bool,
    /// True when the change is saved in the store.
    pub saved: bool,
    /// When the victim refused consent: the route that needs no consent (as in the snapshot).
    pub consent_refused_route: Option<String>,
}

impl From<core_form::SetOutcome> for SetOutcome {
    fn from(o: core_form::SetOutcome) -> SetOutcome {
        let core_form::SetOutcome {
            path,
            normalised,
            changed,
            problem_count,
            missing_count,
            complete,
            saved,
            consent_refused_route,
        } = o;
        SetOutcome {
            consent_refused_route,
            path,
            normalised: normalised.map(PersonalText::wrap),
            changed: changed.into_iter().map(Into::into).collect(),
            problem_count,
            missing_count,
            complete,
            saved,
        }
    }
}

/// Edits one draft: set values, add and remove group items, snapshot, autosave, submit.
///
/// After `store.wipe()`, every call of an editor opened on that store throws `Closed`, and
/// the editor has already dropped the values it held.
#[derive(uniffi::Object)]
pub struct DraftEditor {
    inner: Arc<core_form::DraftEditor>,
}

#[uniffi::export]
impl Store {
    /// A new draft that autosaves into this store from its first change, filled from the
    /// referrer's profile and the deployment settings when set.
    pub fn new_draft(&self) -> FfiResult<Arc<DraftEditor>> {
        guard(|| {
            Ok(Arc::new(DraftEditor {
                inner: core_form::DraftEditor::open_new(self.inner.clone()),
            }))
        })
    }

    /// Opens a saved draft for editing; changes autosave into it. Errors: `NotFound`.
    pub fn open_draft(&self, draft_id: String) -> FfiResult<Arc<DraftEditor>> {
        guard(|| {
            let inner = core_form::DraftEditor::open_draft(self.inner.clone(), draft_id)?;
            Ok(Arc::new(DraftEditor { inner }))
        })
    }
}

impl DraftEditor {
    /// `Closed` once the store this editor saves into was wiped (the editor then holds no
    /// values): for the calls whose core form cannot fail.
    fn open(&self) -> FfiResult<&core_form::DraftEditor> {
        if self.inner.is_closed() {
            Err(weprotect_core::WeprotectError::Closed)
        } else {
            Ok(&self.inner)
        }
    }
}

#[uniffi::export]
impl DraftEditor {
    /// An editor with no store (nothing is saved): for previews, integrations and tests.
    #[uniffi::constructor]
    pub fn detached() -> FfiResult<Arc<DraftEditor>> {
        guard(|| {
            Ok(Arc::new(DraftEditor {
                inner: core_form::DraftEditor::open_detached(),
            }))
        })
    }

    /// Opens a referral document (JSON); with a store, the first change saves it as a new
    /// draft. Errors: `Invalid` / `InvalidDocument`.
    #[uniffi::constructor]
    pub fn from_json(json: String, store: Option<Arc<Store>>) -> FfiResult<Arc<DraftEditor>> {
        guard(|| {
            let store = store.map(|s| s.inner.clone());
            let inner = core_form::DraftEditor::open_json(json, store)?;
            Ok(Arc::new(DraftEditor { inner }))
        })
    }

    /// The draft's id in the store, once saved.
    pub fn draft_id(&self) -> FfiResult<Option<String>> {
        guard(|| Ok(self.open()?.draft_id()))
    }

    /// Sets the field at `path` (`FieldValue::Clear` empties it). Keeps exactly what was typed
    /// and answers with the normalised form and every field the change affected. Nothing changes
    /// on an error: `UnknownField`, `WrongKind`, `UnknownOption`, `OutOfRange`, `FieldHidden`.
    pub fn set(&self, path: String, value: FieldValue) -> FfiResult<SetOutcome> {
        guard(|| Ok(self.inner.set(path, value.into())?.into()))
    }

    /// Adds an item to a repeatable group (`children`). Errors: `GroupFull`, `UnknownField`.
    pub fn add_item(&self, group_path: String) -> FfiResult<SetOutcome> {
        guard(|| Ok(self.inner.add_item(group_path)?.into()))
    }

    /// Removes item `index` of a repeatable group.
    pub fn remove_item(&self, group_path: String, index: u32) -> FfiResult<SetOutcome> {
        guard(|| Ok(self.inner.remove_item(group_path, index)?.into()))
    }

    /// Every value, which fields are visible, and every problem, in one call.
    pub fn snapshot(&self) -> FfiResult<FormSnapshot> {
        guard(|| Ok(self.open()?.snapshot().into()))
    }

    /// The draft as referral JSON (personal: redacted when printed).
    pub fn to_json(&self) -> FfiResult<Arc<PersonalText>> {
        guard(|| Ok(PersonalText::wrap(self.open()?.to_json())))
    }

    /// Saves now (changes autosave anyway); returns the draft id.
    pub fn save(&self) -> FfiResult<String> {
        guard(|| Ok(self.inner.save()?))
    }

    /// Deletes the draft (when consent is refused, or the referral is abandoned); the editor
    /// takes no more changes. Errors: `Storage` (nothing changed).
    pub fn discard(&self) -> FfiResult<()> {
        guard(|| Ok(self.inner.discard()?))
    }

    /// Submits the draft (strict validation, seal, enqueue). Errors: `Invalid` listing every
    /// problem (nothing changed).
    pub fn submit(&self, service: ServiceConfig) -> FfiResult<QueuedReferral> {
        guard(|| Ok(self.inner.submit(service)?))
    }

    /// TEST HOOK: fixes the clock for age and "in the future" rules (none: the system clock).
    pub fn pin_clock(&self, now: Option<Timestamp>) -> FfiResult<()> {
        guard(|| {
            self.open()?.pin_clock(now);
            Ok(())
        })
    }
}

/// What [`benchmark_editor_in_rust`] measured: total nanoseconds for its iterations.
#[derive(uniffi::Record)]
pub struct EditorTimings {
    /// Iterations of each call.
    pub iterations: u32,
    /// Total time of `iterations` calls of `set` (a phone number, alternating two values),
    /// reading the problems of every changed field.
    pub set_nanos: u64,
    /// Total time of `iterations` snapshots of the example referral.
    pub snapshot_nanos: u64,
}

/// The phone numbers the editor benchmark alternates between (both valid mobiles).
pub const BENCH_PHONES: [&str; 2] = ["07700 900123", "07700 900124"];

/// BENCHMARK HOOK: the same editor calls as the Kotlin benchmark (`cargo xtask bench kotlin`),
/// made in Rust, on an editor of its own opened on the example referral, so the FFI's cost can
/// be read as a ratio measured in the same process. With a store, the editor autosaves every
/// change into it, as an app's editor does. Not for apps.
#[uniffi::export]
pub fn benchmark_editor_in_rust(
    iterations: u32,
    store: Option<Arc<Store>>,
) -> FfiResult<EditorTimings> {
    guard(|| {
        let json = weprotect_core::example::EXAMPLE_REFERRAL_JSON.to_string();
        let editor = core_form::DraftEditor::open_json(json, store.map(|s| s.inner.clone()))?;
        let started = std::time::Instant::now();
        for i in 0..iterations {
            let phone = BENCH_PHONES[(i % 2) as usize];
            let outcome = editor.set("safe_contact.phone".into(), FormValue::text(phone))?;
            let problems: usize = outcome.changed.iter().map(|f| f.problems.len()).sum();
            std::hint::black_box(problems);
        }
        let set_nanos = nanos(started.elapsed());
        let started = std::time::Instant::now();
        for _ in 0..iterations {
            std::hint::black_box(editor.snapshot().fields.len());
        }
        Ok(EditorTimings {
            iterations,
            set_nanos,
            snapshot_nanos: nanos(started.elapsed()),
        })
    })
}

fn nanos(d: std::time::Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}
