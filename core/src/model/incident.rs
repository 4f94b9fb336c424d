//! The incident the officer attended.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::redacted_debug;
use crate::values::{InstantValue, Postcode};

/// The incident group.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Incident {
    /// Incident or log number (force-specific format). Mandatory.
    pub incident_number: Option<String>,
    /// Whether a crime was recorded. Mandatory; decides whether a crime reference is needed.
    pub crime_recorded: Option<bool>,
    /// Crime reference: required when a crime was recorded, refused otherwise.
    pub crime_reference: Option<String>,
    /// When it happened, with UTC offset. Mandatory.
    pub occurred_at: Option<InstantValue>,
    /// Postcode of the location.
    pub location_postcode: Option<Postcode>,
    /// Injuries.
    pub injuries: Option<String>,
    /// Whether an arrest was made.
    pub arrest_made: Option<bool>,
    /// Existing orders or bail conditions.
    pub existing_orders: Option<String>,
    /// Short reason for the referral. Mandatory.
    pub reason: Option<String>,
}
redacted_debug!(Incident);
