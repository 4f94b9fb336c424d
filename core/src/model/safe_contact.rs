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
    /// Every day.
    Any,
}

/// A window in which it is safe to contact the victim (local time, Europe/London).
#[derive(Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SafeTimeWindow {
    /// Day(s).
    pub day: Weekday,
    /// Start, `HH:MM`.
    pub from: TimeOfDay,
    /// End, `HH:MM`; must be after `from`.
    pub to: TimeOfDay,
}
redacted_debug!(SafeTimeWindow);

/// Another person through whom the victim can be reached safely.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AlternativeContact {
    /// Name. Mandatory when an alternative contact is given.
    pub name: Option<String>,
    /// Phone. Mandatory when an alternative contact is given.
    pub phone: Option<PhoneNumber>,
    /// How they relate to the victim.
    pub relationship: Option<String>,
}
redacted_debug!(AlternativeContact);

/// The safe contact group.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SafeContact {
    /// Phone to reach the victim. Mandatory.
    pub phone: Option<PhoneNumber>,
    /// Safe to call. Mandatory.
    pub safe_to_call: Option<bool>,
    /// Safe to leave voicemail. Mandatory.
    pub voicemail_safe: Option<bool>,
    /// Safe to send text messages. Mandatory; when true the phone must be a mobile.
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
