//! Referral schema version 1, frozen: the exact shape the first release wrote.
//!
//! Why a frozen copy rather than version flags on the live model: a version 1 document must be
//! read with version 1's shape (its unknown fields refused, its `existing_orders` free text), its
//! published JSON Schema (docs/referral.v1.schema.json) must stay what it was, and version 2 must
//! be free to change types. These types are only read, then migrated to the live model
//! (`super::migrate`); validation of a version 1 document runs on the migrated referral with
//! the rules of version 1 (`crate::validation::Rules::V1`). Never edit this file: doc comments
//! here are the descriptions of the published version 1 schema, and a test compares them.
#![allow(missing_docs)]

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::redacted_debug;
use crate::values::{
    CollarNumber, DateValue, InstantValue, OrganisationId, PhoneNumber, Postcode, TimeOfDay,
};

/// The version these types describe.
pub const VERSION: u32 = 1;

/// The kind of organisation that refers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrganisationType {
    /// A police force.
    Police,
    /// An NHS trust or other health body.
    Health,
    /// An independent domestic violence advisor service.
    Idva,
    /// A charity.
    Charity,
    /// Anything else.
    Other,
}

/// The referrer group.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Referrer {
    /// Kind of organisation. Mandatory.
    pub organisation_type: Option<OrganisationType>,
    /// Force or organisation slug. Mandatory; for police, one of the force slugs.
    pub organisation_id: Option<OrganisationId>,
    /// Name of the referring officer or professional. Mandatory.
    pub officer_name: Option<String>,
    /// Collar or shoulder number. Mandatory.
    pub collar_number: Option<CollarNumber>,
    /// Rank.
    pub rank: Option<String>,
    /// Station or unit.
    pub station: Option<String>,
    /// The referrer's contact phone. Mandatory.
    pub contact_phone: Option<PhoneNumber>,
    /// The referrer's email. Mandatory.
    pub email: Option<String>,
}
redacted_debug!(Referrer);

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

/// How a child relates to an adult.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChildRelationship {
    /// Their child.
    Child,
    /// Stepchild or partner's child.
    Stepchild,
    /// Foster or adopted child.
    FosterChild,
    /// Grandchild.
    Grandchild,
    /// Sibling.
    Sibling,
    /// Another relationship.
    Other,
    /// Not related.
    None,
}

/// One child in the household. Every field is mandatory once a child is added.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Child {
    /// Name.
    pub name: Option<String>,
    /// Date of birth.
    pub date_of_birth: Option<DateValue>,
    /// Relationship to the victim.
    pub relationship_to_victim: Option<ChildRelationship>,
    /// Relationship to the perpetrator.
    pub relationship_to_perpetrator: Option<ChildRelationship>,
    /// Lives at the victim's address.
    pub lives_at_address: Option<bool>,
    /// Was present at or witnessed the incident.
    pub present_or_witnessed: Option<bool>,
}
redacted_debug!(Child);

/// Which risk instrument was used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InstrumentRef {
    /// Instrument id, e.g. `dash`.
    pub id: String,
    /// Instrument version, e.g. `2009`.
    pub version: String,
}

/// An answer to one question.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    /// Yes.
    Yes,
    /// No.
    No,
    /// Not known.
    NotKnown,
}

/// Risk levels, in ascending order.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum RiskLevel {
    /// Standard.
    Standard,
    /// Medium.
    Medium,
    /// High.
    High,
}

/// The answer to one question of the instrument.
#[derive(Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RiskAnswer {
    /// The question id from the instrument file.
    pub question_id: String,
    /// The answer.
    pub answer: Answer,
    /// Optional comment.
    pub comment: Option<String>,
}
redacted_debug!(RiskAnswer);

/// The risk group.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Risk {
    /// Instrument and version. Mandatory.
    pub instrument: Option<InstrumentRef>,
    /// One answer per question of the instrument.
    #[serde(default)]
    pub answers: Vec<RiskAnswer>,
    /// The officer's risk level. Mandatory; below the suggested level only with a rationale.
    pub officer_level: Option<RiskLevel>,
    /// Professional-judgement rationale.
    pub rationale: Option<String>,
    /// Whether a MARAC referral was made.
    pub marac_referral_made: Option<bool>,
}
redacted_debug!(Risk);

/// How consent was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ConsentMethod {
    /// Spoken.
    Verbal,
    /// Signed.
    Signed,
    /// Recorded on body-worn video.
    BodyWornVideo,
}

/// A contact method the victim agreed to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ContactMethod {
    /// Phone call.
    Phone,
    /// Text message.
    TextMessage,
    /// Voicemail.
    Voicemail,
    /// Email.
    Email,
}

/// The consent group.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Consent {
    /// Consent given. Mandatory and must be true.
    pub given: Option<bool>,
    /// Method. Mandatory.
    pub method: Option<ConsentMethod>,
    /// When it was obtained. Mandatory.
    pub obtained_at: Option<InstantValue>,
    /// Who obtained it. Mandatory.
    pub obtained_by: Option<String>,
    /// Body-worn video reference.
    pub body_worn_video_reference: Option<String>,
    /// Contact methods agreed to.
    #[serde(default)]
    pub agreed_contact_methods: Vec<ContactMethod>,
    /// Version of the consent script read out. Mandatory.
    pub script_version: Option<String>,
}
redacted_debug!(Consent);

/// A referral from the scene of a domestic abuse incident to the legal-assistance service.
#[derive(Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Referral {
    /// Version of this document's shape; must equal the version the reader knows.
    pub schema_version: u32,
    /// Who is referring.
    #[serde(default)]
    pub referrer: Referrer,
    /// The incident attended.
    #[serde(default)]
    pub incident: Incident,
    /// The person referred.
    #[serde(default)]
    pub victim: Victim,
    /// How and when the victim may be contacted safely.
    #[serde(default)]
    pub safe_contact: SafeContact,
    /// The person alleged to have caused harm.
    #[serde(default)]
    pub perpetrator: Perpetrator,
    /// Children in the household (repeatable).
    #[serde(default)]
    pub children: Vec<Child>,
    /// Other vulnerable adults in the household (free text).
    #[serde(default)]
    pub other_vulnerable_adults: Option<String>,
    /// The risk assessment.
    #[serde(default)]
    pub risk: Risk,
    /// The victim's consent to the referral.
    #[serde(default)]
    pub consent: Consent,
}

redacted_debug!(Referral);
