//! The victim's consent: a legal referral is consent-based, so it must be given and recorded.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::redacted_debug;
use crate::values::InstantValue;

/// How consent was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ConsentMethod {
    /// Spoken.
    Verbal,
    /// Signed.
    Signed,
    /// Recorded on body-worn video.
    BodyWornVideo,
}

/// A contact method the victim agreed to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ContactMethod {
    /// Phone call.
    Phone,
    /// Text message.
    TextMessage,
    /// Voicemail.
    Voicemail,
    /// Email.
    Email,
    /// Through the safe contact person or agency
    ///
    /// The alternative contact: a named third party or agency.
    ThirdParty,
}

/// What the consent covers beyond the legal-assistance service itself.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsentScope {
    /// The victim agrees to an onward referral to an IDVA service.
    pub onward_to_idva: Option<bool>,
    /// The victim agrees to an onward referral to a refuge.
    pub onward_to_refuge: Option<bool>,
}
redacted_debug!(ConsentScope);

/// The consent group.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Consent {
    /// Whether it is safe for the victim to talk now (SafeLives: check it is safe to talk
    /// before anything else). Asked first.
    pub safe_to_talk_now: Option<bool>,
    /// Consent given. Mandatory and must be true.
    pub given: Option<bool>,
    /// Method. Mandatory.
    pub method: Option<ConsentMethod>,
    /// When it was obtained. Mandatory.
    pub obtained_at: Option<InstantValue>,
    /// Who obtained it. Mandatory.
    pub obtained_by: Option<String>,
    /// Body-worn video reference. Mandatory when the method is body-worn video.
    pub body_worn_video_reference: Option<String>,
    /// Contact methods agreed to; each must be usable with the safe contact given.
    #[serde(default)]
    pub agreed_contact_methods: Vec<ContactMethod>,
    /// Version of the consent script read out. Mandatory.
    pub script_version: Option<String>,
    /// What the consent covers beyond the legal service (onward referrals).
    pub scope: Option<ConsentScope>,
    /// Whether the victim was spoken to alone (away from the perpetrator and family).
    pub spoken_to_alone: Option<bool>,
    /// Whether an interpreter was used to obtain consent.
    pub interpreter_used: Option<bool>,
    /// Whether there was any concern about the victim's capacity to consent.
    pub capacity_concern: Option<bool>,
}
redacted_debug!(Consent);
