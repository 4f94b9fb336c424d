//! The person alleged to have caused harm (needed to apply for a protective order).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Address, redacted_debug};
use crate::values::{DateValue, InstantValue, PhoneNumber};

/// How the perpetrator is personally connected to the victim (Domestic Abuse Act 2021, s.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Relationship {
    /// Married or civil partner
    ///
    /// DA Act 2021 s.2(1)(a), (b).
    Spouse,
    /// Former husband, wife or civil partner
    ///
    /// DA Act 2021 s.2(1)(a), (b).
    ExSpouse,
    /// Partner (boyfriend or girlfriend)
    ///
    /// An intimate personal relationship, DA Act 2021 s.2(1)(e).
    Partner,
    /// Former partner
    ///
    /// DA Act 2021 s.2(1)(e).
    ExPartner,
    /// Engaged
    ///
    /// To marry or to form a civil partnership, DA Act 2021 s.2(1)(c), (d).
    Engaged,
    /// Formerly engaged
    ///
    /// The agreement since ended, DA Act 2021 s.2(1)(c), (d).
    FormerlyEngaged,
    /// Parent of the same child
    ///
    /// Or with parental responsibility for the same child, DA Act 2021 s.2(1)(f).
    ParentOfSameChild,
    /// A relative
    ///
    /// DA Act 2021 s.2(1)(g).
    FamilyMember,
    /// Lives or lived in the same household
    ///
    /// Not as an employee, tenant, lodger or boarder: an associated person, Family Law Act
    /// 1996 s.62(3)(c).
    HouseholdMember,
    /// Paid carer
    ///
    /// Not personally connected: refused, the route is adult safeguarding.
    PaidCarer,
    /// Neighbour or friend
    ///
    /// Not personally connected: refused, the route is the police.
    NeighbourOrFriend,
    /// Another connection
    ///
    /// Say which in the reason for referral; the referrer is asked to confirm that it is a
    /// personal connection.
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

/// Where the perpetrator is now, in the criminal process (the custody outcome).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CustodyStatus {
    /// In police custody
    ///
    /// After arrest; the release time is then the expected release (the custody clock), to
    /// follow when not known yet.
    InCustody,
    /// Released on bail with conditions.
    BailWithConditions,
    /// Released on bail without conditions.
    BailWithoutConditions,
    /// Released under investigation
    ///
    /// No bail conditions.
    ReleasedUnderInvestigation,
    /// Released with no further action.
    ReleasedNoFurtherAction,
    /// Charged and remanded in custody.
    ChargedAndRemanded,
    /// Charged and bailed
    ///
    /// Usually with conditions.
    ChargedAndBailed,
    /// Not arrested.
    NotArrested,
    /// Wanted
    ///
    /// Not yet found or arrested.
    Wanted,
}

impl CustodyStatus {
    /// True when the status says the perpetrator was arrested.
    pub fn arrested(self) -> bool {
        !matches!(self, CustodyStatus::NotArrested | CustodyStatus::Wanted)
    }

    /// True when the perpetrator has been (or is being) released: a release time applies.
    pub fn released(self) -> bool {
        matches!(
            self,
            CustodyStatus::BailWithConditions
                | CustodyStatus::BailWithoutConditions
                | CustodyStatus::ReleasedUnderInvestigation
                | CustodyStatus::ReleasedNoFurtherAction
                | CustodyStatus::ChargedAndBailed
        )
    }
}

/// Custody or bail: decides how urgent a without-notice order is.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Custody {
    /// Status. Mandatory once custody is given.
    pub status: Option<CustodyStatus>,
    /// When the perpetrator was released, or, in custody, is expected to be. Mandatory once
    /// released; to follow while in custody; refused when not arrested, wanted or remanded.
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
    /// Name. Mandatory (a single name is enough) unless `name_not_known`; never a placeholder
    /// such as "Unknown".
    pub name: Option<String>,
    /// True when the name is not known at the scene: the name is then to follow.
    pub name_not_known: Option<bool>,
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
    /// The perpetrator's phone, if known (a safe route must never run through it).
    pub phone: Option<PhoneNumber>,
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

/// Another perpetrator (honour-based abuse and forced marriage often involve several members
/// of a family): who they are and how they are connected. The main perpetrator carries the
/// address and custody outcome; these are flat, so the form lists them as a repeatable group.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OtherPerpetrator {
    /// Name. Mandatory (one name is enough) unless `name_not_known`; never a placeholder.
    pub name: Option<String>,
    /// True when the name is not known at the scene: the name is then to follow.
    pub name_not_known: Option<bool>,
    /// Sex.
    pub sex: Option<Sex>,
    /// Date of birth, if known.
    pub date_of_birth: Option<DateValue>,
    /// Approximate age in years, when the date of birth is unknown.
    pub approximate_age: Option<u8>,
    /// Phone, if known (a safe route must never run through it).
    pub phone: Option<PhoneNumber>,
    /// Relationship to the victim. Mandatory.
    pub relationship_to_victim: Option<Relationship>,
    /// Lives with the victim.
    pub lives_with_victim: Option<bool>,
}
redacted_debug!(OtherPerpetrator);

impl OtherPerpetrator {
    /// As a perpetrator with no address or custody outcome, for the rules they share.
    pub fn as_perpetrator(&self) -> Perpetrator {
        Perpetrator {
            name: self.name.clone(),
            name_not_known: self.name_not_known,
            sex: self.sex,
            date_of_birth: self.date_of_birth.clone(),
            approximate_age: self.approximate_age,
            phone: self.phone.clone(),
            relationship_to_victim: self.relationship_to_victim,
            lives_with_victim: self.lives_with_victim,
            ..Perpetrator::default()
        }
    }
}
