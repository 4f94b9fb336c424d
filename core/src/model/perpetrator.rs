//! The person alleged to have caused harm (needed to apply for a protective order).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Address, redacted_debug};
use crate::values::{DateValue, InstantValue};

/// How the perpetrator is personally connected to the victim (Domestic Abuse Act 2021, s.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Relationship {
    /// Married or civil partners (s.2(1)(a), (b)).
    Spouse,
    /// Formerly married or civil partners (s.2(1)(a), (b)).
    ExSpouse,
    /// In an intimate personal relationship (s.2(1)(e)).
    Partner,
    /// Formerly in an intimate personal relationship (s.2(1)(e)).
    ExPartner,
    /// Engaged to marry or to form a civil partnership (s.2(1)(c), (d)).
    Engaged,
    /// Formerly engaged, the agreement since ended (s.2(1)(c), (d)).
    FormerlyEngaged,
    /// Parents of, or with parental responsibility for, the same child (s.2(1)(f)).
    ParentOfSameChild,
    /// A relative (s.2(1)(g)).
    FamilyMember,
    /// Another connection (say which in the reason for referral).
    Other,
}

/// The perpetrator's sex, as far as the referrer knows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    /// Female.
    Female,
    /// Male.
    Male,
    /// Another description.
    Other,
    /// Not known.
    NotKnown,
}

/// Where the perpetrator is now, in the criminal process.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CustodyStatus {
    /// Held in custody (arrested or remanded).
    InCustody,
    /// Released on bail with conditions.
    BailWithConditions,
    /// Released under investigation (no bail conditions).
    ReleasedUnderInvestigation,
    /// Not arrested.
    NotArrested,
}

/// Custody or bail: decides how urgent a without-notice order is.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Custody {
    /// Status. Mandatory once custody is given.
    pub status: Option<CustodyStatus>,
    /// When the perpetrator was (or will be) released. Mandatory when released on bail or under
    /// investigation; refused in custody or when not arrested.
    pub released_at: Option<InstantValue>,
    /// The bail conditions. Mandatory on bail with conditions.
    pub bail_conditions: Option<String>,
    /// The last day the bail conditions apply. Mandatory on bail with conditions.
    pub bail_expires_on: Option<DateValue>,
}
redacted_debug!(Custody);

/// The perpetrator group.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Perpetrator {
    /// Name. Mandatory (a single name is enough).
    pub name: Option<String>,
    /// Other names used.
    pub other_names: Option<String>,
    /// Sex.
    pub sex: Option<Sex>,
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
    /// Custody or bail status.
    pub custody: Option<Custody>,
}
redacted_debug!(Perpetrator);
