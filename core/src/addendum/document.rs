//! The document an addendum seals: one JSON object, versioned by the envelope's schema version.
//!
//! ```json
//! {"addendum_id": "…", "referral_id": "…", "kind": "information",
//!  "written_at": "2026-12-06T15:04:00Z",
//!  "information": {"incident.crime_reference": "CR/123456/26"}}
//!
//! {"addendum_id": "…", "referral_id": "…", "kind": "consent_withdrawn",
//!  "written_at": "…",
//!  "withdrawal": {"withdrawn_by": "victim", "withdrawn_at": "…", "recorded_how": "in_person"}}
//! ```
//!
//! `information` maps form paths (the paths validation reports) to values in the referral's
//! own JSON form, so the service merges them into the referral at those paths. A withdrawal
//! carries codes and a time only: nothing typed.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::crypto::envelope::is_referral_id;
use crate::validation::{DocumentError, Problem};

/// Most information items one addendum carries (a referral's to-follow list is shorter).
pub const MAX_INFORMATION_ITEMS: usize = 64;

/// The version of the addendum document format: the envelope's schema version when an
/// addendum is sealed (`seal_addendum`), and the only one the service reads today.
pub const ADDENDUM_SCHEMA_VERSION: u32 = 1;

/// What an addendum is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AddendumKind {
    /// Values for fields that were to follow.
    Information,
    /// The victim withdrew consent: the service stops and deletes the referral's content.
    ConsentWithdrawn,
}

impl AddendumKind {
    /// The wire name: `information` or `consent_withdrawn`.
    pub fn as_str(self) -> &'static str {
        match self {
            AddendumKind::Information => "information",
            AddendumKind::ConsentWithdrawn => "consent_withdrawn",
        }
    }

    /// The kind named `name`, if any.
    pub fn from_name(name: &str) -> Option<AddendumKind> {
        match name {
            "information" => Some(AddendumKind::Information),
            "consent_withdrawn" => Some(AddendumKind::ConsentWithdrawn),
            _ => None,
        }
    }
}

/// Who withdrew consent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WithdrawnBy {
    /// The victim.
    Victim,
    /// Someone acting for the victim (a parent of a 16 or 17-year-old, an attorney, an IDVA
    /// passing on the victim's decision).
    OnTheVictimsBehalf,
}

/// How the withdrawal reached the referrer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordedHow {
    /// Said to the officer in person.
    InPerson,
    /// By telephone.
    ByPhone,
    /// In writing (a letter, an email, a text message).
    InWriting,
}

/// A withdrawal of consent: who, when, how it was recorded. Codes and a time, nothing typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Withdrawal {
    /// Who withdrew.
    pub withdrawn_by: WithdrawnBy,
    /// When consent was withdrawn.
    pub withdrawn_at: DateTime<Utc>,
    /// How it was recorded.
    pub recorded_how: RecordedHow,
}

/// The sealed content of an addendum. `Debug` leaves the information's values out.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddendumDocument {
    /// The addendum's own id (a UUID): its idempotency key.
    pub addendum_id: String,
    /// The referral it adds to.
    pub referral_id: String,
    /// Information or a withdrawal.
    pub kind: AddendumKind,
    /// When the referrer wrote it (the device's clock).
    pub written_at: DateTime<Utc>,
    /// For `information`: form path -> value in the referral's JSON form. Personal data.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub information: BTreeMap<String, Value>,
    /// For `consent_withdrawn`: who, when, how.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub withdrawal: Option<Withdrawal>,
}

impl std::fmt::Debug for AddendumDocument {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AddendumDocument")
            .field("addendum_id", &self.addendum_id)
            .field("referral_id", &self.referral_id)
            .field("kind", &self.kind)
            .field("written_at", &self.written_at)
            .field("paths", &self.information.keys().collect::<Vec<_>>())
            .field("withdrawal", &self.withdrawal)
            .finish()
    }
}

impl AddendumDocument {
    /// Checks the document's shape: ids, kind against content, paths printable and bounded.
    ///
    /// # Errors
    ///
    /// Every problem found (paths and codes, never values).
    pub fn check_shape(&self) -> Result<(), Vec<Problem>> {
        let mut problems = Vec::new();
        if !is_referral_id(&self.addendum_id) {
            problems.push(shape(
                "addendum_id",
                "addendum.id_invalid",
                "The addendum id is not a UUID.",
            ));
        }
        if !is_referral_id(&self.referral_id) {
            problems.push(shape(
                "referral_id",
                "addendum.referral_id_invalid",
                "The referral id is not a UUID.",
            ));
        }
        match self.kind {
            AddendumKind::Information => {
                if self.information.is_empty() {
                    problems.push(shape(
                        "information",
                        "addendum.empty",
                        "Give at least one of the items that were to follow.",
                    ));
                }
                if self.information.len() > MAX_INFORMATION_ITEMS {
                    problems.push(shape(
                        "information",
                        "addendum.too_many_items",
                        "Too many items in one addendum.",
                    ));
                }
                if self.withdrawal.is_some() {
                    problems.push(shape(
                        "withdrawal",
                        "addendum.kind_mismatch",
                        "Information carries no withdrawal.",
                    ));
                }
                for path in self.information.keys() {
                    if crate::form::parse_concrete_path(path).is_none() {
                        problems.push(shape(
                            "information",
                            "addendum.path_invalid",
                            "An item's path is not a field path.",
                        ));
                    }
                }
            }
            AddendumKind::ConsentWithdrawn => {
                if self.withdrawal.is_none() {
                    problems.push(shape(
                        "withdrawal",
                        "withdrawal.required",
                        "Say who withdrew consent, when, and how it was recorded.",
                    ));
                }
                if !self.information.is_empty() {
                    problems.push(shape(
                        "information",
                        "addendum.kind_mismatch",
                        "A withdrawal carries no information.",
                    ));
                }
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems)
        }
    }

    /// The document as the JSON that is sealed, in a buffer wiped when dropped.
    pub fn to_json(&self) -> zeroize::Zeroizing<Vec<u8>> {
        // A map of strings to JSON values always serialises.
        zeroize::Zeroizing::new(serde_json::to_vec(self).unwrap_or_default())
    }
}

fn shape(path: &str, code: &'static str, message: &'static str) -> Problem {
    Problem::new(path, code, message)
}

/// Reads an addendum document (the opened envelope's plaintext) and checks its shape.
///
/// # Errors
///
/// [`DocumentError::NotJson`] or [`DocumentError::Shape`] (the first problem), never quoting
/// the input.
pub fn parse_addendum(json: &str) -> Result<AddendumDocument, DocumentError> {
    let doc: AddendumDocument = serde_json::from_str(json).map_err(|e| {
        if e.is_syntax() || e.is_eof() {
            DocumentError::NotJson {
                line: e.line(),
                column: e.column(),
            }
        } else {
            DocumentError::Shape(shape(
                "",
                "addendum.shape",
                "The addendum is not of the expected shape.",
            ))
        }
    })?;
    doc.check_shape()
        .map_err(|mut problems| DocumentError::Shape(problems.remove(0)))?;
    Ok(doc)
}
