//! The person referred.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::redacted_debug;
use crate::values::{DateValue, Postcode};

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
    /// Postcode. Mandatory for a victim's address.
    pub postcode: Option<Postcode>,
}
redacted_debug!(Address);

/// The victim group.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Victim {
    /// Forename. Mandatory.
    pub forename: Option<String>,
    /// Surname. Mandatory.
    pub surname: Option<String>,
    /// Other names used.
    pub other_names: Option<String>,
    /// Date of birth. Mandatory; a victim under 16 goes to child safeguarding instead.
    pub date_of_birth: Option<DateValue>,
    /// Sex or gender, as the victim describes it.
    pub sex_or_gender: Option<String>,
    /// Address: mandatory unless `no_fixed_abode` is true.
    pub address: Option<Address>,
    /// True when the victim has no fixed abode.
    pub no_fixed_abode: Option<bool>,
    /// Preferred language. Mandatory.
    pub preferred_language: Option<String>,
    /// Whether an interpreter is required. Mandatory.
    pub interpreter_required: Option<bool>,
    /// Communication needs, e.g. BSL.
    pub communication_needs: Option<String>,
    /// Disability or vulnerability notes.
    pub vulnerability_notes: Option<String>,
    /// Whether the victim is pregnant.
    pub pregnant: Option<bool>,
    /// No recourse to public funds / immigration status (it affects legal aid).
    pub immigration_status: Option<String>,
}
redacted_debug!(Victim);
