//! The person referred.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::redacted_debug;
use crate::values::{CountryCode, DateValue, LanguageCode, Postcode};

/// A postal address.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Address {
    /// First line. Mandatory when an address is given.
    pub line1: Option<String>,
    /// Second line.
    pub line2: Option<String>,
    /// Town or city.
    pub town: Option<String>,
    /// Postcode. For a UK address (no `country`, or GB, JE, GG, IM) it must be a UK postcode
    /// and is mandatory for the victim; for an address abroad it is the local postal code as
    /// typed (an Eircode is not a UK postcode).
    pub postcode: Option<Postcode>,
    /// ISO 3166-1 alpha-2 country code; absent means the United Kingdom.
    pub country: Option<CountryCode>,
}
redacted_debug!(Address);

/// Ethnic group, as the 2021 census of England and Wales asks it, for equality monitoring.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Ethnicity {
    /// Asian or Asian British: Bangladeshi.
    AsianBangladeshi,
    /// Asian or Asian British: Chinese.
    AsianChinese,
    /// Asian or Asian British: Indian.
    AsianIndian,
    /// Asian or Asian British: Pakistani.
    AsianPakistani,
    /// Asian or Asian British: any other Asian background.
    AsianOther,
    /// Black, Black British, Caribbean or African: African.
    BlackAfrican,
    /// Black, Black British, Caribbean or African: Caribbean.
    BlackCaribbean,
    /// Black, Black British, Caribbean or African: any other background.
    BlackOther,
    /// Mixed or multiple: White and Asian.
    MixedWhiteAsian,
    /// Mixed or multiple: White and Black African.
    MixedWhiteBlackAfrican,
    /// Mixed or multiple: White and Black Caribbean.
    MixedWhiteBlackCaribbean,
    /// Mixed or multiple: any other background.
    MixedOther,
    /// White: English, Welsh, Scottish, Northern Irish or British.
    WhiteBritish,
    /// White: Irish.
    WhiteIrish,
    /// White: Gypsy or Irish Traveller.
    WhiteGypsyOrIrishTraveller,
    /// White: Roma.
    WhiteRoma,
    /// White: any other White background.
    WhiteOther,
    /// Other ethnic group: Arab.
    OtherArab,
    /// Any other ethnic group.
    OtherAny,
    /// The victim prefers not to say.
    PrefersNotToSay,
}

/// An answer to an equality-monitoring question the victim may decline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum MonitoringAnswer {
    /// Yes.
    Yes,
    /// No.
    No,
    /// The victim prefers not to say.
    PrefersNotToSay,
}

/// Sexual orientation, for equality monitoring (as the 2021 census asks it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SexualOrientation {
    /// Straight or heterosexual.
    Heterosexual,
    /// Gay or lesbian.
    GayOrLesbian,
    /// Bisexual.
    Bisexual,
    /// Another sexual orientation.
    Other,
    /// The victim prefers not to say.
    PrefersNotToSay,
}

/// Whether the victim owns or rents the home, or has no right to occupy it: it decides which
/// occupation-order section applies (Family Law Act 1996, s.33 against s.35-38).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum HousingTenure {
    /// Owns the home alone.
    OwnsSolely,
    /// Owns the home jointly
    ///
    /// Usually with the perpetrator.
    OwnsJointly,
    /// Rents the home in their sole name.
    RentsSolely,
    /// Rents the home jointly.
    RentsJointly,
    /// Lives there but it is not their home by right
    ///
    /// No right of their own to occupy: the home is the perpetrator's.
    NoRightToOccupy,
    /// Another arrangement
    ///
    /// Temporary accommodation, a family home.
    Other,
    /// Not known.
    NotKnown,
}

/// Optional equality monitoring: never mandatory, always declinable.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EqualityMonitoring {
    /// Ethnic group (2021 census categories).
    pub ethnicity: Option<Ethnicity>,
    /// Whether the victim considers themselves disabled (Equality Act 2010).
    pub disability: Option<MonitoringAnswer>,
    /// Sexual orientation.
    pub sexual_orientation: Option<SexualOrientation>,
    /// Whether the victim's gender identity is the same as the sex registered at birth.
    pub gender_identity_same_as_at_birth: Option<MonitoringAnswer>,
}
redacted_debug!(EqualityMonitoring);

/// The victim group.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Victim {
    /// Forename. Empty for a person with a single name (it then goes in the surname).
    pub forename: Option<String>,
    /// Surname, or the only name of a person with a single name. Mandatory.
    pub surname: Option<String>,
    /// Other names used.
    pub other_names: Option<String>,
    /// Date of birth. To follow when not known at the scene, if the victim is confirmed 16 or
    /// over or an approximate age is given; a victim under 16 goes to child safeguarding.
    pub date_of_birth: Option<DateValue>,
    /// Confirmed aged 16 or over, when the date of birth is not known at the scene.
    pub aged_16_or_over: Option<bool>,
    /// Approximate age in years, when the date of birth is not known at the scene.
    pub approximate_age: Option<u8>,
    /// For a victim aged 16 or 17 (a child under the Children Act 1989): whether children's
    /// social care has been or will be told. Mandatory for them.
    pub childrens_social_care_told: Option<bool>,
    /// Sex or gender, as the victim describes it.
    pub sex_or_gender: Option<String>,
    /// Address: mandatory unless `no_fixed_abode` is true. A confidential address is kept: the
    /// service needs it (exclusion zones, occupation orders, the court) but shows it in no list.
    pub address: Option<Address>,
    /// True when the victim has no fixed abode.
    pub no_fixed_abode: Option<bool>,
    /// True when the victim's address is confidential (a refuge, or the perpetrator must not
    /// learn it): post goes to `care_of_address` instead.
    pub address_confidential: Option<bool>,
    /// A safe address to write to (care of a friend, agency or refuge office). When the
    /// address is confidential and this is not known yet (moved to a refuge tonight), to follow.
    pub care_of_address: Option<Address>,
    /// Preferred language. Mandatory.
    pub preferred_language: Option<String>,
    /// Whether an interpreter is required. Mandatory.
    pub interpreter_required: Option<bool>,
    /// The interpreter's language as a language code (`pl`, `ur`, `bfi` for BSL). Mandatory
    /// when an interpreter is required.
    pub interpreter_language: Option<LanguageCode>,
    /// Communication needs, e.g. BSL.
    pub communication_needs: Option<String>,
    /// Disability or vulnerability notes.
    pub vulnerability_notes: Option<String>,
    /// Whether the victim is pregnant.
    pub pregnant: Option<bool>,
    /// The unborn child's due date, when the victim is pregnant.
    pub due_date: Option<DateValue>,
    /// Whether the victim has no recourse to public funds (it affects legal aid and refuge).
    pub no_recourse_to_public_funds: Option<bool>,
    /// Immigration status notes (it affects legal aid).
    pub immigration_status: Option<String>,
    /// Whether the victim owns, rents or has no right to occupy the home.
    pub housing_tenure: Option<HousingTenure>,
    /// Optional equality monitoring.
    pub equality: Option<EqualityMonitoring>,
}
redacted_debug!(Victim);
