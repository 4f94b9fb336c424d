//! A validation problem: where, which rule, and a message for people.

use serde::{Deserialize, Serialize};

/// One problem found in a referral. Neither `code` nor `message` ever contains the value that
/// was typed: problems are shown on screen, logged and sent over the wire.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    /// Stable field path, e.g. `safe_contact.phone` or `children[1].date_of_birth`.
    pub path: String,
    /// Stable rule code, e.g. `phone.not_mobile`, `victim.under_16`, `consent.not_given`.
    pub code: String,
    /// A short explanation for the officer.
    pub message: String,
}

impl Problem {
    pub(crate) fn new(path: &str, code: &'static str, message: &'static str) -> Problem {
        Problem {
            path: path.to_string(),
            code: code.to_string(),
            message: message.to_string(),
        }
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {} ({})", self.path, self.message, self.code)
    }
}

/// The outcome of checking a draft.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DraftReport {
    /// Problems in what has been filled in.
    pub problems: Vec<Problem>,
    /// Mandatory fields (or answers) still missing.
    pub missing: Vec<Problem>,
}

impl DraftReport {
    /// True when the draft could be submitted as it is.
    pub fn is_complete(&self) -> bool {
        self.problems.is_empty() && self.missing.is_empty()
    }
}
