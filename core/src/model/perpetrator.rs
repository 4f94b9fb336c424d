//! The person alleged to have caused harm (needed to apply for a protective order).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Address, redacted_debug};
use crate::values::DateValue;

/// The perpetrator's relationship to the victim (Family Law Act 1996 "associated persons").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Relationship {
    /// Spouse or civil partner.
    Spouse,
    /// Former spouse or civil partner.
    ExSpouse,
    /// Intimate partner.
    Partner,
    /// Former intimate partner.
    ExPartner,
    /// Family member.
    FamilyMember,
    /// Other.
    Other,
}

/// The perpetrator group.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Perpetrator {
    /// Name. Mandatory.
    pub name: Option<String>,
    /// Other names used.
    pub other_names: Option<String>,
    /// Date of birth, if known.
    pub date_of_birth: Option<DateValue>,
    /// Approximate age in years, when the date of birth is unknown.
    pub approximate_age: Option<u8>,
    /// Address.
    pub address: Option<Address>,
    /// Relationship to the victim. Mandatory.
    pub relationship_to_victim: Option<Relationship>,
    /// Lives with the victim.
    pub lives_with_victim: Option<bool>,
    /// Has access to weapons.
    pub access_to_weapons: Option<bool>,
}
redacted_debug!(Perpetrator);
