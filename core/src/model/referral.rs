//! The whole referral.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::*;

/// The version of the referral document this build writes. Bump it (and freeze the old shape
/// beside `v1`, with a migration) whenever the JSON shape changes; queued referrals keep theirs.
pub const SCHEMA_VERSION: u32 = 3;

/// Every version this build reads: older ones are migrated on load.
pub const READABLE_VERSIONS: &[u32] = &[1, 2, 3];

/// A referral from the scene of a domestic abuse incident to the legal-assistance service.
#[derive(Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Referral {
    /// Version of this document's shape: 3. (Versions 1 and 2 are read and migrated.)
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
    /// The person alleged to have caused harm (the main one).
    #[serde(default)]
    pub perpetrator: Perpetrator,
    /// Other perpetrators (honour-based abuse and forced marriage often have several): at
    /// most four, so five in all.
    #[serde(default)]
    pub other_perpetrators: Vec<OtherPerpetrator>,
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
    /// What was not known at the scene and will follow, written by the core when the referral
    /// is submitted (paths and codes only): the service sees it, the referrer can complete it.
    /// Anything a draft holds here is replaced at submission.
    #[serde(default)]
    pub to_follow: Vec<ToFollowItem>,
}

/// One item sent to follow: the field's path and the rule's code, never a value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ToFollowItem {
    /// The field's path, e.g. `incident.crime_reference`.
    pub path: String,
    /// The rule's code, e.g. `crime_reference.to_follow`.
    pub code: String,
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
            other_perpetrators: Vec::new(),
            children: Vec::new(),
            other_vulnerable_adults: None,
            childrens_social_care: None,
            risk: Risk::default(),
            consent: Consent::default(),
            to_follow: Vec::new(),
        }
    }
}

redacted_debug!(Referral);
