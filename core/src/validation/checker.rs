//! The small toolkit the rules use: required fields, text limits and typed values.

use super::problem::{Problem, ProblemKind};
use crate::values::{
    CollarNumber, CountryCode, DateValue, InstantValue, LanguageCode, OrganisationId, PhoneNumber,
    PhoneProblem, Postcode, TimeOfDay,
};

/// Longest name-like field (names, numbers, references), in characters.
pub const MAX_SHORT_TEXT: usize = 200;
/// Longest free-text field, in characters.
pub const MAX_LONG_TEXT: usize = 4000;

/// Collects problems in walk order, separating "missing" from "wrong".
#[derive(Default)]
pub(crate) struct Checker {
    pub problems: Vec<Problem>,
    pub missing: Vec<Problem>,
    /// Refuse control characters and bidirectional overrides in text (version 3 rules).
    pub forbid_controls: bool,
}

/// Characters no referral text may hold: C0 and C1 controls other than tab and line breaks
/// (NUL among them), and the bidirectional embeddings, overrides and isolates that make text
/// display in another order than it is stored (U+202A-U+202E, U+2066-U+2069). Right-to-left
/// text itself (Arabic, Urdu, Hebrew) needs none of them.
pub(crate) fn forbidden_character(ch: char) -> bool {
    (ch.is_control() && !matches!(ch, '\t' | '\n' | '\r'))
        || ('\u{202A}'..='\u{202E}').contains(&ch)
        || ('\u{2066}'..='\u{2069}').contains(&ch)
}

/// A value the checker knows how to test for validity.
pub(crate) trait Checked {
    fn valid(&self) -> bool;
    fn blank(&self) -> bool;
    const INVALID: (&'static str, &'static str);
    /// The code and message for this invalid value (most types have one).
    fn invalid(&self) -> (&'static str, &'static str) {
        Self::INVALID
    }
}

macro_rules! checked {
    ($ty:ty, $blank:expr, $code:literal, $msg:literal) => {
        impl Checked for $ty {
            fn valid(&self) -> bool {
                self.is_valid()
            }
            fn blank(&self) -> bool {
                ($blank)(self)
            }
            const INVALID: (&'static str, &'static str) = ($code, $msg);
        }
    };
}
impl Checked for PhoneNumber {
    fn valid(&self) -> bool {
        self.is_valid()
    }
    fn blank(&self) -> bool {
        self.is_empty()
    }
    const INVALID: (&'static str, &'static str) = ("phone.invalid", "Not a valid phone number.");
    fn invalid(&self) -> (&'static str, &'static str) {
        match self.problem() {
            Some(PhoneProblem::Letters) => (
                "phone.letters",
                "A phone number cannot contain letters: type the digits (letters are never converted).",
            ),
            Some(PhoneProblem::ExtensionOnMobile) => (
                "phone.extension_on_mobile",
                "A mobile number has no extension: an extension can follow a landline only.",
            ),
            _ => Self::INVALID,
        }
    }
}
checked!(
    CountryCode,
    |v: &CountryCode| v.as_str().is_empty(),
    "country.invalid",
    "Not a country we know: type its name (for example Ireland) or its two-letter code (IE)."
);
checked!(
    LanguageCode,
    |v: &LanguageCode| v.as_str().is_empty(),
    "language.invalid",
    "Not a language we know: type its name (for example Polish, Urdu, BSL) or its code (pl)."
);
checked!(
    Postcode,
    |v: &Postcode| v.is_empty(),
    "postcode.invalid",
    "Not a valid UK postcode, GIR 0AA or BFPO number."
);
checked!(
    DateValue,
    |v: &DateValue| v.as_str().is_empty(),
    "date.invalid",
    "Not a valid date (for example 12/04/1990)."
);
checked!(
    InstantValue,
    |v: &InstantValue| v.as_str().is_empty(),
    "instant.invalid",
    "Not a valid date and time with UTC offset (RFC 3339)."
);
checked!(
    TimeOfDay,
    |v: &TimeOfDay| v.as_str().is_empty(),
    "time.invalid",
    "Not a valid time of day (for example 09:30 or 9.30pm)."
);
checked!(
    CollarNumber,
    |v: &CollarNumber| v.as_str().is_empty(),
    "collar_number.invalid",
    "A collar number is 1 to 8 letters or digits (spaces are ignored)."
);
checked!(
    OrganisationId,
    |v: &OrganisationId| v.as_str().is_empty(),
    "organisation_id.invalid",
    "An organisation id is a lower-case slug (a-z, 0-9, -)."
);

impl Checker {
    pub fn problem(&mut self, path: &str, code: &'static str, message: &'static str) {
        self.problems.push(Problem::new(path, code, message));
    }

    pub fn missing(&mut self, path: &str, code: &'static str, message: &'static str) {
        self.missing.push(Problem::new(path, code, message));
    }

    /// Something not known at the scene that may follow: listed with the missing fields.
    pub fn follows(&mut self, path: &str, code: &'static str, message: &'static str) {
        self.missing
            .push(Problem::of_kind(ProblemKind::ToFollow, path, code, message));
    }

    /// Something unusual the referrer is asked to confirm before sending.
    pub fn warning(&mut self, path: &str, code: &'static str, message: &'static str) {
        self.problems
            .push(Problem::of_kind(ProblemKind::Warning, path, code, message));
    }

    fn required_missing(&mut self, path: &str) {
        self.missing(path, "field.required", "This mandatory field is missing.");
    }

    /// A mandatory yes/no or choice: present or missing.
    pub fn required<'a, T>(&mut self, path: &str, value: &'a Option<T>) -> Option<&'a T> {
        if value.is_none() {
            self.required_missing(path);
        }
        value.as_ref()
    }

    /// Free text, optional or mandatory, with a length limit. Whitespace only counts as empty.
    pub fn text(
        &mut self,
        path: &str,
        value: &Option<String>,
        mandatory: bool,
        max: usize,
    ) -> bool {
        match value.as_deref().map(str::trim) {
            None | Some("") => {
                if mandatory {
                    self.required_missing(path);
                }
                false
            }
            Some(t) if t.chars().count() > max => {
                self.problem(path, "text.too_long", "This text is too long.");
                false
            }
            Some(t) if self.forbid_controls && t.chars().any(forbidden_character) => {
                self.problem(
                    path,
                    "text.control_character",
                    "This text holds an invisible control or direction-override character: retype it.",
                );
                false
            }
            Some(_) => true,
        }
    }

    /// A typed value, optional or mandatory: returns it only when it is present and valid.
    pub fn value<'a, T: Checked>(
        &mut self,
        path: &str,
        value: &'a Option<T>,
        mandatory: bool,
    ) -> Option<&'a T> {
        match value {
            Some(v) if !v.blank() => {
                if v.valid() {
                    Some(v)
                } else {
                    let (code, message) = v.invalid();
                    self.problem(path, code, message);
                    None
                }
            }
            _ => {
                if mandatory {
                    self.required_missing(path);
                }
                None
            }
        }
    }

    /// An email address: a plausible shape only (one `@`, a dotted domain, no spaces).
    pub fn email(&mut self, path: &str, value: &Option<String>, mandatory: bool) {
        if !self.text(path, value, mandatory, 254) {
            return;
        }
        let email = value.as_deref().unwrap_or_default().trim();
        let ok = match email.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && !domain.contains('@')
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
                    && !email.chars().any(char::is_whitespace)
            }
            None => false,
        };
        if !ok {
            self.problem(path, "email.invalid", "Not a valid email address.");
        }
    }
}
