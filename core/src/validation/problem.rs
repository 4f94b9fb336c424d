//! A validation finding: where, which rule, what kind, and a message for people.
//!
//! Referral v3 has three kinds of finding (docs/validation.md). An **error** stops the referral
//! being sent. A finding **to follow** is something the scene often cannot give (a date of birth,
//! a crime number not issued yet, a refuge's care-of address): the referral is sent, and the item
//! is listed for the service and for the referrer, who can send it later. A **warning** is
//! plausible but unusual: the app asks the referrer to confirm, then sends. An officer blocked
//! at 3 am phones instead, so only what no advisor could act on is an error.

use serde::{Deserialize, Serialize};

/// What a finding means for sending.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProblemKind {
    /// The referral cannot be sent until this is put right.
    #[default]
    Error,
    /// Not known at the scene: the referral is sent with this item on its to-follow list.
    ToFollow,
    /// Unusual but possible: the app asks the referrer to confirm, then sends.
    Warning,
}

impl ProblemKind {
    /// The kind's stable name: `error`, `to_follow` or `warning`.
    pub fn as_str(self) -> &'static str {
        match self {
            ProblemKind::Error => "error",
            ProblemKind::ToFollow => "to_follow",
            ProblemKind::Warning => "warning",
        }
    }
}

/// One finding in a referral. Neither `code` nor `message` ever contains the value that was
/// typed: findings are shown on screen, logged and sent over the wire.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    /// Stable field path, e.g. `safe_contact.phone` or `children[1].date_of_birth`.
    pub path: String,
    /// Stable rule code, e.g. `phone.not_mobile`, `victim.under_16`, `consent.not_given`.
    pub code: String,
    /// A short explanation for the referrer.
    pub message: String,
    /// Whether it stops sending (`error`), is sent as an item to follow, or asks to confirm.
    #[serde(default)]
    pub kind: ProblemKind,
}

impl Problem {
    /// An error.
    pub(crate) fn new(path: &str, code: &'static str, message: &'static str) -> Problem {
        Problem::of_kind(ProblemKind::Error, path, code, message)
    }

    pub(crate) fn of_kind(
        kind: ProblemKind,
        path: &str,
        code: &'static str,
        message: &'static str,
    ) -> Problem {
        Problem {
            path: path.to_string(),
            code: code.to_string(),
            message: message.to_string(),
            kind,
        }
    }

    /// True when this finding stops the referral being sent.
    pub fn is_error(&self) -> bool {
        self.kind == ProblemKind::Error
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: {} ({}, {})",
            self.path,
            self.message,
            self.code,
            self.kind.as_str()
        )
    }
}

/// The outcome of checking a draft.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DraftReport {
    /// Findings in what has been filled in: errors and warnings.
    pub problems: Vec<Problem>,
    /// Fields (or answers) not given: errors while mandatory, or items to follow.
    pub missing: Vec<Problem>,
}

impl DraftReport {
    /// True when the draft could be sent as it is (items to follow and warnings allowed).
    pub fn is_complete(&self) -> bool {
        self.errors().next().is_none()
    }

    /// Every finding of one kind, problems first.
    pub fn of_kind(&self, kind: ProblemKind) -> impl Iterator<Item = &Problem> {
        self.problems
            .iter()
            .chain(&self.missing)
            .filter(move |p| p.kind == kind)
    }

    /// The findings that stop sending.
    pub fn errors(&self) -> impl Iterator<Item = &Problem> {
        self.of_kind(ProblemKind::Error)
    }

    /// The items that will follow.
    pub fn to_follow(&self) -> impl Iterator<Item = &Problem> {
        self.of_kind(ProblemKind::ToFollow)
    }

    /// The findings to confirm before sending.
    pub fn warnings(&self) -> impl Iterator<Item = &Problem> {
        self.of_kind(ProblemKind::Warning)
    }
}
