//! The form definition: sections and fields in display order, what apps render.
//!
//! As in ODK and CommCare, the apps do not know the referral: they draw whatever the definition
//! lists and show whatever the editor says about each path. A field's path is the path
//! validation reports, its kind and choice options come from the model's JSON Schema (see
//! `schema_leaves`), and the words and conditions come from `fields`, the one hand-written list.
//! The shapes here are flat records and enums (no recursion, no lifetimes), so the bindings can
//! pass them through uniffi as they are.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use super::condition::Condition;
use super::fields::{self, Spec, SpecKind};
use super::path;
use super::schema_leaves::{self, Shape};
use crate::instrument;
use crate::model::{Referral, SCHEMA_VERSION};
use crate::values;

/// The whole form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FormDefinition {
    /// The referral schema version this form writes.
    pub schema_version: u32,
    /// The sections, in display order.
    pub sections: Vec<Section>,
}

/// A section (a screen or a card) of the form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Section {
    /// Stable id, e.g. `victim`.
    pub id: String,
    /// Key for the app's translations.
    pub label_key: String,
    /// English label.
    pub label: String,
    /// The fields, in display order. The item fields of a repeatable group follow the group.
    pub fields: Vec<Field>,
}

/// One field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Field {
    /// The path, as validation reports it. Item fields of a repeatable group use the template
    /// form (`children[].name`); snapshots give the concrete paths (`children[0].name`).
    pub path: String,
    /// Key for the app's translations.
    pub label_key: String,
    /// English label.
    pub label: String,
    /// A short help text, if any.
    pub hint: Option<String>,
    /// What it holds and how it is entered.
    pub kind: FieldKind,
    /// Whether it must be filled before the referral can be sent.
    pub required: Requirement,
    /// Shown only while this holds; `None`: always shown.
    pub visible_when: Option<Condition>,
    /// Longest text accepted without a `text.too_long` problem, in characters.
    pub max_length: Option<u32>,
    /// For an item field: the path of its repeatable group.
    pub group: Option<String>,
    /// Longer help for people who want to know why a question is asked (statutes, guidance);
    /// shown on request, never instead of the label or hint.
    pub help: Option<String>,
    /// Who fills the field when it is not the person at the scene: `profile` (the referrer's
    /// own details, kept on the device) or `organisation` (the deployment settings). The app
    /// may show it collapsed; it stays editable.
    pub filled_from: Option<String>,
    /// For a text field typed as a name or a code (a language, a police force, a country):
    /// choices to search by name. Typing is still accepted, a name ("Polish", "BSL") or a code
    /// (`pl`); the editor normalises it. Empty for other fields.
    pub suggestions: Vec<ChoiceOption>,
}

/// What a field holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FieldKind {
    /// Free text.
    Text {
        /// True for long text (several lines).
        multiline: bool,
    },
    /// Yes or no.
    YesNo,
    /// One of several options.
    Choice {
        /// The options, in display order.
        options: Vec<ChoiceOption>,
    },
    /// Any number of several options.
    MultiChoice {
        /// The options, in display order.
        options: Vec<ChoiceOption>,
    },
    /// A calendar date, `YYYY-MM-DD`.
    Date,
    /// A date and time with UTC offset (RFC 3339), e.g. `2026-11-20T21:40:00+00:00`.
    DateTime,
    /// A time of day, `HH:MM`.
    TimeOfDay,
    /// A phone number (UK national or international form; shown normalised to E.164).
    Phone,
    /// A UK postcode (shown normalised).
    Postcode,
    /// An email address.
    Email,
    /// A whole number.
    Integer {
        /// Smallest value that can be stored.
        min: i64,
        /// Largest value that can be stored.
        max: i64,
    },
    /// A list of items, each with the fields listed (template paths).
    RepeatableGroup {
        /// The item fields' template paths, in display order.
        item_fields: Vec<String>,
        /// Most items allowed.
        max_items: u32,
    },
    /// The risk checklist: one answer (and optional comment) per question of the chosen
    /// instrument, at `risk.answers.<question id>` and `risk.answers.<question id>.comment`.
    RiskChecklist {
        /// The answers allowed.
        answer_options: Vec<ChoiceOption>,
        /// The instruments this build knows, with their questions.
        instruments: Vec<ChecklistInstrument>,
    },
}

impl FieldKind {
    /// A stable name for the kind, e.g. `phone` (used in errors).
    pub fn name(&self) -> &'static str {
        match self {
            FieldKind::Text { .. } => "text",
            FieldKind::YesNo => "yes_no",
            FieldKind::Choice { .. } => "choice",
            FieldKind::MultiChoice { .. } => "multi_choice",
            FieldKind::Date => "date",
            FieldKind::DateTime => "date_time",
            FieldKind::TimeOfDay => "time_of_day",
            FieldKind::Phone => "phone",
            FieldKind::Postcode => "postcode",
            FieldKind::Email => "email",
            FieldKind::Integer { .. } => "integer",
            FieldKind::RepeatableGroup { .. } => "repeatable_group",
            FieldKind::RiskChecklist { .. } => "risk_checklist",
        }
    }

    /// True for kinds entered as text (text, dates, times, phone, postcode, email).
    pub fn takes_text(&self) -> bool {
        matches!(
            self,
            FieldKind::Text { .. }
                | FieldKind::Date
                | FieldKind::DateTime
                | FieldKind::TimeOfDay
                | FieldKind::Phone
                | FieldKind::Postcode
                | FieldKind::Email
        )
    }
}

/// One option of a choice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChoiceOption {
    /// The value stored (the model's serde name), e.g. `body_worn_video`.
    pub value: String,
    /// Key for the app's translations.
    pub label_key: String,
    /// English label.
    pub label: String,
}

/// A risk instrument as the checklist shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChecklistInstrument {
    /// The value of `risk.instrument` that selects it, `id:version` (e.g. `dash:2009`).
    pub value: String,
    /// Display name.
    pub name: String,
    /// Its questions, in order.
    pub questions: Vec<ChecklistQuestion>,
}

/// One question of a checklist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChecklistQuestion {
    /// The question id; its answer is at `risk.answers.<id>`.
    pub id: String,
    /// Key for the app's translations (a deploying organisation's licensed wording).
    pub label_key: String,
    /// Our own short neutral label.
    pub label: String,
}

/// When a field must be filled.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "required", rename_all = "snake_case")]
pub enum Requirement {
    /// Always (while visible).
    Always,
    /// Never: optional.
    Never,
    /// While the condition holds.
    When {
        /// The condition.
        condition: Condition,
    },
}

/// The form definition (owned; built once and cloned).
pub fn form_definition() -> FormDefinition {
    definition().clone()
}

/// The shared, built-once definition.
pub(crate) fn definition() -> &'static FormDefinition {
    static DEF: OnceLock<FormDefinition> = OnceLock::new();
    DEF.get_or_init(build)
}

/// The referral's JSON Schema as a value.
pub(crate) fn schema_value() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(Referral)).unwrap_or_default()
}

fn build() -> FormDefinition {
    let shapes = schema_leaves::walk(&schema_value());
    let sections = fields::sections()
        .into_iter()
        .map(|(id, label, specs)| {
            let group_items: BTreeMap<String, Vec<String>> = specs
                .iter()
                .filter_map(|s| group_of(s.path).map(|g| (g, s.path.to_string())))
                .fold(BTreeMap::new(), |mut m, (g, p)| {
                    m.entry(g).or_insert_with(Vec::new).push(p);
                    m
                });
            Section {
                id: id.to_string(),
                label_key: format!("section.{id}"),
                label: label.to_string(),
                fields: specs
                    .into_iter()
                    .map(|s| field(s, &shapes, &group_items))
                    .collect(),
            }
        })
        .collect();
    FormDefinition {
        schema_version: SCHEMA_VERSION,
        sections,
    }
}

/// The choices of a searchable field: value (what the field stores), label (the name).
fn suggestions(list: fields::Suggest) -> Vec<ChoiceOption> {
    let (prefix, choices, by_name) = match list {
        fields::Suggest::LanguageCodes => ("language", values::languages(), false),
        fields::Suggest::LanguageNames => ("language", values::languages(), true),
        fields::Suggest::PoliceForces => ("force", values::police_forces(), false),
        fields::Suggest::Countries => ("country", values::countries(), false),
    };
    choices
        .iter()
        .map(|c| ChoiceOption {
            value: if by_name { c.name } else { c.code }.to_string(),
            label_key: format!("{prefix}.{}", c.code),
            label: c.name.to_string(),
        })
        .collect()
}

/// `children[].name` belongs to `children`.
fn group_of(path: &str) -> Option<String> {
    path.rfind("[]").map(|i| path[..i].to_string())
}

fn field(
    s: Spec,
    shapes: &BTreeMap<String, Shape>,
    groups: &BTreeMap<String, Vec<String>>,
) -> Field {
    let shape = shapes.get(s.path);
    let kind = match s.kind {
        SpecKind::FromSchema => kind_from_shape(shape, s.long),
        SpecKind::Email => FieldKind::Email,
        SpecKind::Group { max_items } => FieldKind::RepeatableGroup {
            item_fields: groups.get(s.path).cloned().unwrap_or_default(),
            max_items,
        },
        SpecKind::Instrument => FieldKind::Choice {
            options: instrument::built_in()
                .iter()
                .map(|i| ChoiceOption {
                    value: format!("{}:{}", i.id, i.version),
                    label_key: format!("instrument.{}.{}", i.id, i.version),
                    label: i.name.clone(),
                })
                .collect(),
        },
        SpecKind::Checklist => FieldKind::RiskChecklist {
            answer_options: match shapes.get("risk.answers[].answer") {
                Some(Shape::Enum(name, values)) => options(name, values),
                _ => Vec::new(),
            },
            instruments: instrument::built_in()
                .iter()
                .map(|i| ChecklistInstrument {
                    value: format!("{}:{}", i.id, i.version),
                    name: i.name.clone(),
                    questions: i
                        .questions
                        .iter()
                        .map(|q| ChecklistQuestion {
                            id: q.id.clone(),
                            label_key: format!("question.{}.{}.{}", i.id, i.version, q.id),
                            label: q.label.clone(),
                        })
                        .collect(),
                })
                .collect(),
        },
    };
    let max_length = s.max_length.or(match &kind {
        FieldKind::Text { multiline: true } => Some(fields::LONG_TEXT),
        FieldKind::Text { multiline: false } => Some(fields::SHORT_TEXT),
        FieldKind::Email => Some(fields::EMAIL_TEXT),
        _ => None,
    });
    let suggestions = s.suggest.map(suggestions).unwrap_or_default();
    Field {
        suggestions,
        help: s.help.map(str::to_string),
        filled_from: s.filled_from.map(str::to_string),
        path: s.path.to_string(),
        label_key: format!("field.{}", s.path.replace("[]", "")),
        label: s.label.to_string(),
        hint: s.hint.map(str::to_string),
        kind,
        required: s.required,
        visible_when: s.visible_when,
        max_length,
        group: group_of(s.path),
    }
}

fn kind_from_shape(shape: Option<&Shape>, long: bool) -> FieldKind {
    match shape {
        Some(Shape::Bool) => FieldKind::YesNo,
        Some(Shape::Integer { min, max }) => FieldKind::Integer {
            min: *min,
            max: *max,
        },
        Some(Shape::Enum(name, values)) => FieldKind::Choice {
            options: options(name, values),
        },
        Some(Shape::EnumList(name, values)) => FieldKind::MultiChoice {
            options: options(name, values),
        },
        Some(Shape::Typed(t)) => match t.as_str() {
            "PhoneNumber" => FieldKind::Phone,
            "Postcode" => FieldKind::Postcode,
            "DateValue" => FieldKind::Date,
            "InstantValue" => FieldKind::DateTime,
            "TimeOfDay" => FieldKind::TimeOfDay,
            _ => FieldKind::Text { multiline: false },
        },
        _ => FieldKind::Text { multiline: long },
    }
}

fn options(enum_name: &str, values: &[(String, String)]) -> Vec<ChoiceOption> {
    let prefix = snake_case(enum_name);
    values
        .iter()
        .map(|(value, description)| ChoiceOption {
            value: value.clone(),
            label_key: format!("option.{prefix}.{value}"),
            // The first paragraph of the doc comment is the label; the rest (statutes,
            // details for developers) is not for the screen.
            label: description
                .split("\n\n")
                .next()
                .unwrap_or_default()
                .replace('\n', " ")
                .trim_end_matches('.')
                .to_string(),
        })
        .collect()
}

fn snake_case(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

impl FormDefinition {
    /// Every field, sections flattened, in display order.
    pub fn fields(&self) -> impl Iterator<Item = &Field> {
        self.sections.iter().flat_map(|s| s.fields.iter())
    }

    /// The field with exactly this (template) path.
    pub fn field(&self, template_path: &str) -> Option<&Field> {
        self.fields().find(|f| f.path == template_path)
    }

    /// The field a path (concrete or template, as validation or a snapshot gives it) belongs
    /// to: the field itself; for a risk answer or its comment, the risk checklist; for a
    /// problem about a whole object (`victim.address`), the object's first field; for a whole
    /// list, its group field. `None` for the document as a whole (`referral`) or a path that
    /// is not part of the form.
    pub fn field_for_path(&self, any_path: &str) -> Option<&Field> {
        let t = path::template(any_path);
        if let Some(f) = self.field(&t) {
            return Some(f);
        }
        // One entry of a multi-choice list (`consent.agreed_contact_methods[1]`).
        if let Some(list) = t.strip_suffix("[]")
            && let Some(f) = self.field(list)
        {
            return Some(f);
        }
        if let Some(f) = self.fields().find(|f| {
            matches!(f.kind, FieldKind::RiskChecklist { .. })
                && (t.starts_with(&format!("{}.", f.path))
                    || t.starts_with(&format!("{}[]", f.path)))
        }) {
            return Some(f);
        }
        let prefix = format!("{t}.");
        self.fields().find(|f| f.path.starts_with(&prefix))
    }
}
