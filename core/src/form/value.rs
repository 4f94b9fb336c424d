//! Values crossing into and out of the editor.
//!
//! One small enum rather than "a string per kind": the app says what kind of value it means
//! (a yes/no is a `YesNo`, not the text "yes"), so a value of the wrong kind is refused with a
//! clear error instead of being guessed at, and each platform gets a typed API (Kotlin sealed
//! class, Swift enum). Dates, times and phone numbers travel as the text typed: the editor
//! keeps exactly what was typed and answers with the normalised form; a date-time keeps its
//! UTC offset, which a platform timestamp would lose. Every variant may hold personal data, so
//! `Debug` prints only the variant's name.

use serde::{Deserialize, Serialize};

/// A value for a field.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FormValue {
    /// Text, as typed: for text, date, date-time, time of day, phone, postcode and email fields.
    Text {
        /// The text.
        text: String,
    },
    /// A yes/no answer.
    YesNo {
        /// True for yes.
        yes: bool,
    },
    /// One option (its `value` from the definition).
    Choice {
        /// The option.
        option: String,
    },
    /// Several options, for a multi-choice field.
    Choices {
        /// The options.
        options: Vec<String>,
    },
    /// A whole number.
    Integer {
        /// The number.
        value: i64,
    },
    /// No value (the field is emptied).
    Clear,
}

impl FormValue {
    /// Text.
    pub fn text(text: &str) -> FormValue {
        FormValue::Text {
            text: text.to_string(),
        }
    }

    /// A choice.
    pub fn choice(option: &str) -> FormValue {
        FormValue::Choice {
            option: option.to_string(),
        }
    }

    /// The variant's name, e.g. `text`.
    pub fn kind_name(&self) -> &'static str {
        match self {
            FormValue::Text { .. } => "text",
            FormValue::YesNo { .. } => "yes_no",
            FormValue::Choice { .. } => "choice",
            FormValue::Choices { .. } => "choices",
            FormValue::Integer { .. } => "integer",
            FormValue::Clear => "clear",
        }
    }
}

impl std::fmt::Debug for FormValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "FormValue::{}(<redacted>)", self.kind_name())
    }
}
