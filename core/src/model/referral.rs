//! The whole referral.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::*;

/// The version of the referral document this build writes. Bump it (and freeze the old shape
/// beside `v1`, with a migration) whenever the JSON shape changes; queued referrals keep theirs.
pub const SCHEMA_VERSION: u32 = 2;

/// Every version this build reads: older ones are migrated on load.
pub const READABLE_VERSIONS: &[u32] = &[1, 2];

/// A referral from the scene of a domestic abuse incident to the legal-assistance service.
#[derive(Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Referral {
    /// Version of this document's shape: 2. (Version 1 documents are read and migrated.)
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
    /// Children's social care involvement.
    #[serde(default)]
    pub childrens_social_care: Option<ChildrensSocialCare>,
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
            childrens_social_care: None,
            risk: Risk::default(),
            consent: Consent::default(),
        }
    }
}

redacted_debug!(Referral);
