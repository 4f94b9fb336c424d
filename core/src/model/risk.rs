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

/// Flags the advisor looks for first. Each is yes, no or not known; absent is not answered.
/// (A version 2 document's `true`/`false` reads as yes/no.)
#[derive(Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RiskFlags {
    /// Non-fatal strangulation or suffocation.
    pub non_fatal_strangulation: Option<Answer>,
    /// Stalking.
    pub stalking: Option<Answer>,
    /// Controlling or coercive behaviour.
    pub coercive_control: Option<Answer>,
    /// So-called honour-based abuse.
    pub honour_based_abuse: Option<Answer>,
    /// Forced marriage.
    pub forced_marriage: Option<Answer>,
    /// Threats to kill.
    pub threats_to_kill: Option<Answer>,
    /// Weapons used or threatened.
    pub weapons: Option<Answer>,
    /// Female genital mutilation.
    pub fgm: Option<Answer>,
    /// Economic abuse.
    pub economic_abuse: Option<Answer>,
    /// Technology-facilitated abuse (tracking, spyware, image-based abuse).
    pub technology_facilitated_abuse: Option<Answer>,
    /// A disclosure was made under the Domestic Violence Disclosure Scheme (Clare's Law).
    pub clares_law_disclosure: Option<Answer>,
}
redacted_debug!(RiskFlags);

/// The risk group.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Risk {
    /// Instrument and version. Mandatory.
    pub instrument: Option<InstrumentRef>,
    /// One answer per question of the instrument.
    #[serde(default)]
    pub answers: Vec<RiskAnswer>,
    /// The officer's risk level. Mandatory; never below the level the answers give.
    pub officer_level: Option<RiskLevel>,
    /// Professional-judgement rationale. Mandatory when the level is above the answers' level.
    pub rationale: Option<String>,
    /// Whether a MARAC referral was made.
    pub marac_referral_made: Option<bool>,
    /// A repeat referral to MARAC (another incident within 12 months of the last referral).
    pub marac_repeat: Option<Answer>,
    /// Escalation: police call-outs to this victim in the last 12 months, as far as known.
    pub police_callouts_last_12_months: Option<u8>,
    /// Flags the advisor looks for first.
    pub flags: Option<RiskFlags>,
}
redacted_debug!(Risk);
