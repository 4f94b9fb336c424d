//! The whole referral.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::*;

/// The version of the referral document this build writes and reads. Bump it (and add a
/// reader for the old one) whenever the JSON shape changes; queued referrals keep theirs.
pub const SCHEMA_VERSION: u32 = 1;

/// A referral from the scene of a domestic abuse incident to the legal-assistance service.
#[derive(Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Referral {
    /// Version of this document's shape; must equal the version the reader knows.
    pub schema_version: u32,
    /// Who is referring.
    #[serde(default)]
    pub referrer: Referrer,
    /// The incident attended.
    #[serde(default)]
    pub incident: Incident,
    /// The person referred.
    #[serde(default)]
    pub victim: Victim,
    /// How and when the victim may be contacted safely.
    #[serde(default)]
    pub safe_contact: SafeContact,
    /// The person alleged to have caused harm.
    #[serde(default)]
    pub perpetrator: Perpetrator,
    /// Children in the household (repeatable).
    #[serde(default)]
    pub children: Vec<Child>,
    /// Other vulnerable adults in the household (free text).
    #[serde(default)]
    pub other_vulnerable_adults: Option<String>,
    /// The risk assessment.
    #[serde(default)]
    pub risk: Risk,
    /// The victim's consent to the referral.
    #[serde(default)]
    pub consent: Consent,
}

impl Default for Referral {
    fn default() -> Self {
        Referral {
            schema_version: SCHEMA_VERSION,
            referrer: Referrer::default(),
            incident: Incident::default(),
            victim: Victim::default(),
            safe_contact: SafeContact::default(),
            perpetrator: Perpetrator::default(),
            children: Vec::new(),
            other_vulnerable_adults: None,
            risk: Risk::default(),
            consent: Consent::default(),
        }
    }
}

redacted_debug!(Referral);
