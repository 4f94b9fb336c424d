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

/// Optional equality monitoring: never mandatory, always declinable.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EqualityMonitoring {
    /// Ethnic group (2021 census categories).
    pub ethnicity: Option<Ethnicity>,
    /// Whether the victim considers themselves disabled (Equality Act 2010).
    pub disability: Option<MonitoringAnswer>,
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
    /// Date of birth. Mandatory; a victim under 16 at the incident goes to child safeguarding.
    pub date_of_birth: Option<DateValue>,
    /// Sex or gender, as the victim describes it.
    pub sex_or_gender: Option<String>,
    /// Address: mandatory unless `no_fixed_abode` is true or the address is confidential.
    pub address: Option<Address>,
    /// True when the victim has no fixed abode.
    pub no_fixed_abode: Option<bool>,
    /// True when the victim's address is confidential (a refuge, or the perpetrator must not
    /// learn it): post goes to `care_of_address` instead.
    pub address_confidential: Option<bool>,
    /// A safe address to write to (care of a friend, agency or refuge office). Mandatory when
    /// the address is confidential.
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
    /// Optional equality monitoring.
    pub equality: Option<EqualityMonitoring>,
}
redacted_debug!(Victim);
