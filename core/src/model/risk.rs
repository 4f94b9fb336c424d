//! The risk assessment: which instrument, the answers, and the officer's level.
//!
//! The questions themselves are data (see `crate::instrument`); a referral only names the
//! instrument and version it used, so old queued referrals still send after an instrument changes.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::redacted_debug;

/// Which risk instrument was used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InstrumentRef {
    /// Instrument id, e.g. `dash`.
    pub id: String,
    /// Instrument version, e.g. `2009`.
    pub version: String,
}

/// An answer to one question.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    /// Yes.
    Yes,
    /// No.
    No,
    /// Not known.
    NotKnown,
}

/// Risk levels, in ascending order.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum RiskLevel {
    /// Standard.
    Standard,
    /// Medium.
    Medium,
    /// High.
    High,
}

/// The answer to one question of the instrument.
#[derive(Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RiskAnswer {
    /// The question id from the instrument file.
    pub question_id: String,
    /// The answer.
    pub answer: Answer,
    /// Optional comment.
    pub comment: Option<String>,
}
redacted_debug!(RiskAnswer);

/// The risk group.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Risk {
    /// Instrument and version. Mandatory.
    pub instrument: Option<InstrumentRef>,
    /// One answer per question of the instrument.
    #[serde(default)]
    pub answers: Vec<RiskAnswer>,
    /// The officer's risk level. Mandatory; below the suggested level only with a rationale.
    pub officer_level: Option<RiskLevel>,
    /// Professional-judgement rationale.
    pub rationale: Option<String>,
    /// Whether a MARAC referral was made.
    pub marac_referral_made: Option<bool>,
}
redacted_debug!(Risk);
