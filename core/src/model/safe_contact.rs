//! How the advisor may contact the victim without putting them at risk.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::redacted_debug;
use crate::values::{PhoneNumber, TimeOfDay};

/// Day of a safe contact window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Weekday {
    /// Monday.
    Monday,
    /// Tuesday.
    Tuesday,
    /// Wednesday.
    Wednesday,
    /// Thursday.
    Thursday,
    /// Friday.
    Friday,
    /// Saturday.
    Saturday,
    /// Sunday.
    Sunday,
    /// Monday to Friday.
    Weekdays,
    /// Saturday and Sunday.
    Weekends,
    /// Every day.
    Any,
}

/// A window in which it is safe to contact the victim (local time, Europe/London). A window
/// whose end is before its start passes midnight: `22:00`-`02:00` on Friday runs into Saturday.
#[derive(Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SafeTimeWindow {
    /// Day(s).
    pub day: Weekday,
    /// Start, `HH:MM`.
    pub from: TimeOfDay,
    /// End, `HH:MM`; before `from` when the window passes midnight, never equal to it.
    pub to: TimeOfDay,
}
redacted_debug!(SafeTimeWindow);

/// Another person or agency through whom the victim can be reached safely. Mandatory when the
/// victim has no safe phone of their own.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AlternativeContact {
    /// Name. Mandatory when an alternative contact is given.
    pub name: Option<String>,
    /// Phone. Mandatory when an alternative contact is given.
    pub phone: Option<PhoneNumber>,
    /// How they relate to the victim.
    pub relationship: Option<String>,
    /// The agency they work for, when the route is through an agency (a refuge, a GP surgery).
    pub organisation: Option<String>,
}
redacted_debug!(AlternativeContact);

/// The safe contact group.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SafeContact {
    /// True when the victim has no phone that is safe to use (the perpetrator has or checks
    /// it): then the alternative contact is the safe route and the phone fields are not asked.
    pub no_safe_phone: Option<bool>,
    /// Phone to reach the victim. Mandatory unless `no_safe_phone`.
    pub phone: Option<PhoneNumber>,
    /// Safe to call. Mandatory unless `no_safe_phone`.
    pub safe_to_call: Option<bool>,
    /// Safe to leave voicemail. Mandatory unless `no_safe_phone`.
    pub voicemail_safe: Option<bool>,
    /// Safe to send text messages. Mandatory unless `no_safe_phone`; when true the phone must
    /// be a mobile.
    pub text_message_safe: Option<bool>,
    /// Whether a call from a withheld number is acceptable.
    pub withheld_number_acceptable: Option<bool>,
    /// Safe time windows: at least one.
    #[serde(default)]
    pub safe_times: Vec<SafeTimeWindow>,
    /// An alternative safe contact.
    pub alternative_contact: Option<AlternativeContact>,
    /// Email address.
    pub email: Option<String>,
    /// Whether email is safe.
    pub email_safe: Option<bool>,
}
redacted_debug!(SafeContact);
