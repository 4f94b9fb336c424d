//! The incident the officer attended.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::redacted_debug;
use crate::values::{DateValue, InstantValue, Postcode};

/// The kind of an existing protective order or notice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrderType {
    /// Non-molestation order
    ///
    /// Family Law Act 1996, s.42.
    NonMolestation,
    /// Occupation order
    ///
    /// Family Law Act 1996, s.33-38.
    Occupation,
    /// Restraining order
    ///
    /// Sentencing Act 2020, or Protection from Harassment Act 1997.
    Restraining,
    /// Domestic Violence Protection Notice.
    Dvpn,
    /// Domestic Violence Protection Order.
    Dvpo,
    /// Domestic Abuse Protection Notice
    ///
    /// Domestic Abuse Act 2021.
    Dapn,
    /// Domestic Abuse Protection Order
    ///
    /// Domestic Abuse Act 2021.
    Dapo,
    /// Child arrangements order
    ///
    /// Children Act 1989, s.8.
    ChildArrangements,
    /// Forced marriage protection order
    ///
    /// Family Law Act 1996, Part 4A.
    ForcedMarriageProtection,
    /// Female genital mutilation protection order
    ///
    /// FGM Act 2003, Schedule 2.
    FgmProtection,
    /// Stalking protection order
    ///
    /// Stalking Protection Act 2019.
    StalkingProtection,
    /// Harassment injunction
    ///
    /// Protection from Harassment Act 1997.
    HarassmentInjunction,
    /// Prohibited steps order
    ///
    /// Children Act 1989, s.8.
    ProhibitedSteps,
    /// Any other order, notice or bail condition.
    Other,
}

/// Who an existing order protects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProtectedPerson {
    /// The victim.
    Victim,
    /// The victim's children.
    Children,
    /// The victim and the children.
    VictimAndChildren,
    /// Someone else
    ///
    /// Say who in the order's details.
    Other,
}

/// A course of conduct (coercive control over months, stalking): a period, not one time.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IncidentPeriod {
    /// The first day of the period (approximate is fine). Mandatory once a period is given.
    pub from: Option<DateValue>,
    /// The last day, unless the abuse is ongoing.
    pub to: Option<DateValue>,
    /// True when the abuse is still going on (then there is no last day).
    pub ongoing: Option<bool>,
}
redacted_debug!(IncidentPeriod);

/// An order or notice in force, or one that has expired (history: a breach, a renewal). Type is mandatory once an entry is added.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExistingOrder {
    /// Kind of order. Mandatory.
    pub order_type: Option<OrderType>,
    /// Who it protects.
    pub protected_person: Option<ProtectedPerson>,
    /// The last day it is in force, if it has an end date.
    pub expires_on: Option<DateValue>,
    /// Free text: court, conditions, or what a version 1 referral said about orders.
    pub details: Option<String>,
}
redacted_debug!(ExistingOrder);

/// The incident group.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Incident {
    /// Police incident or log number (force-specific format). Mandatory for police referrers.
    pub incident_number: Option<String>,
    /// The referring organisation's own case reference (referrers who are not police).
    pub case_reference: Option<String>,
    /// Whether a crime was recorded. Mandatory; decides whether a crime reference is needed.
    pub crime_recorded: Option<bool>,
    /// Crime reference: when a crime was recorded and the number is not issued yet, it is to
    /// follow; refused when no crime was recorded.
    pub crime_reference: Option<String>,
    /// When it happened, with UTC offset. Either this or `period` is mandatory.
    pub occurred_at: Option<InstantValue>,
    /// For a course of conduct with no single time: the period it covers.
    pub period: Option<IncidentPeriod>,
    /// Postcode of the location.
    pub location_postcode: Option<Postcode>,
    /// Injuries.
    pub injuries: Option<String>,
    /// Whether an arrest was made.
    pub arrest_made: Option<bool>,
    /// Orders or notices already in force (repeatable). Bail conditions are in
    /// `perpetrator.custody`.
    #[serde(default)]
    pub existing_orders: Vec<ExistingOrder>,
    /// Short reason for the referral. Mandatory.
    pub reason: Option<String>,
}
redacted_debug!(Incident);
