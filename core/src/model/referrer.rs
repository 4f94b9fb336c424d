//! Who is referring: usually a police officer, sometimes health, an IDVA or a charity.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::redacted_debug;
use crate::values::{CollarNumber, OrganisationId, PhoneNumber};

/// The kind of organisation that refers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrganisationType {
    /// A police force.
    Police,
    /// An NHS trust or other health body.
    Health,
    /// An IDVA service
    ///
    /// Independent domestic violence advisors.
    Idva,
    /// A charity.
    Charity,
    /// Anything else.
    Other,
}

/// The referrer group.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Referrer {
    /// Kind of organisation. Mandatory.
    pub organisation_type: Option<OrganisationType>,
    /// Force or organisation slug. Mandatory; for police, one of the force slugs.
    pub organisation_id: Option<OrganisationId>,
    /// Name of the referring officer or professional. Mandatory.
    pub officer_name: Option<String>,
    /// Collar or shoulder number. Police only, and mandatory for police.
    pub collar_number: Option<CollarNumber>,
    /// Rank. Police only.
    pub rank: Option<String>,
    /// Role or job title (a nurse, an IDVA). Mandatory for referrers who are not police.
    pub role: Option<String>,
    /// Station, unit or team.
    pub station: Option<String>,
    /// The referrer's contact phone. Mandatory.
    pub contact_phone: Option<PhoneNumber>,
    /// The referrer's email. Mandatory.
    pub email: Option<String>,
}
redacted_debug!(Referrer);
