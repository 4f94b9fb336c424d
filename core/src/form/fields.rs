//! The one hand-written list: which fields the form shows, in which order, with which words
//! and conditions.
//!
//! Kinds and choice options are not written here: they come from the model's JSON Schema. A
//! field added to the model fails `every_schema_leaf_has_exactly_one_field` until it gets a
//! line here, and that line is usually just a path and a label.

use super::condition::Condition as C;
use super::definition::Requirement;
use crate::validation::{MAX_CHILDREN, MAX_SAFE_TIMES};

/// Longest name-like text (validation's limit for names, numbers, references).
pub(crate) const SHORT_TEXT: u32 = 200;
/// Longest free text.
pub(crate) const LONG_TEXT: u32 = 4000;
/// Longest email address.
pub(crate) const EMAIL_TEXT: u32 = 254;

/// How the kind of a field is found.
pub(crate) enum SpecKind {
    /// From the schema leaf at the path.
    FromSchema,
    /// A plain string in the model that is an email address.
    Email,
    /// A list of objects in the model.
    Group { max_items: u32 },
    /// The risk instrument (an object in the model, chosen from the known instruments).
    Instrument,
    /// The risk answers.
    Checklist,
}

/// One line of the list.
pub(crate) struct Spec {
    pub path: &'static str,
    pub label: &'static str,
    pub hint: Option<&'static str>,
    pub kind: SpecKind,
    pub required: Requirement,
    pub visible_when: Option<C>,
    pub long: bool,
    pub max_length: Option<u32>,
}

fn f(path: &'static str, label: &'static str) -> Spec {
    Spec {
        path,
        label,
        hint: None,
        kind: SpecKind::FromSchema,
        required: Requirement::Never,
        visible_when: None,
        long: false,
        max_length: None,
    }
}

impl Spec {
    fn hint(mut self, hint: &'static str) -> Spec {
        self.hint = Some(hint);
        self
    }
    fn required(mut self) -> Spec {
        self.required = Requirement::Always;
        self
    }
    fn required_when(mut self, condition: C) -> Spec {
        self.required = Requirement::When { condition };
        self
    }
    fn visible_when(mut self, condition: C) -> Spec {
        self.visible_when = Some(condition);
        self
    }
    fn long(mut self) -> Spec {
        self.long = true;
        self
    }
    fn max(mut self, n: u32) -> Spec {
        self.max_length = Some(n);
        self
    }
    fn kind(mut self, kind: SpecKind) -> Spec {
        self.kind = kind;
        self
    }
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// The sections: (id, English label, fields).
pub(crate) fn sections() -> Vec<(&'static str, &'static str, Vec<Spec>)> {
    let not_nfa = || !C::is_yes("victim.no_fixed_abode");
    vec![
        (
            "referrer",
            "Referrer",
            vec![
                f("referrer.organisation_type", "Organisation type").required(),
                f("referrer.organisation_id", "Force or organisation")
                    .required()
                    .max(64)
                    .hint("For police, the force id such as metropolitan or west-yorkshire."),
                f("referrer.officer_name", "Your name").required(),
                f("referrer.collar_number", "Collar or shoulder number")
                    .required()
                    .max(8)
                    .hint("1 to 8 letters or digits."),
                f("referrer.rank", "Rank"),
                f("referrer.station", "Station, unit or team"),
                f("referrer.contact_phone", "Your contact phone").required(),
                f("referrer.email", "Your email")
                    .kind(SpecKind::Email)
                    .required(),
            ],
        ),
        (
            "incident",
            "Incident",
            vec![
                f("incident.incident_number", "Incident or log number").required(),
                f("incident.crime_recorded", "Was a crime recorded?").required(),
                f("incident.crime_reference", "Crime reference")
                    .visible_when(C::is_yes("incident.crime_recorded"))
                    .required_when(C::is_yes("incident.crime_recorded")),
                f("incident.occurred_at", "When it happened")
                    .required()
                    .hint("Date and time, with the UTC offset the device had."),
                f("incident.location_postcode", "Postcode of the location"),
                f("incident.injuries", "Injuries").long(),
                f("incident.arrest_made", "Was an arrest made?"),
                f(
                    "incident.existing_orders",
                    "Existing orders or bail conditions",
                )
                .long(),
                f("incident.reason", "Reason for referral")
                    .required()
                    .long(),
            ],
        ),
        (
            "victim",
            "Victim",
            vec![
                f("victim.forename", "Forename").required(),
                f("victim.surname", "Surname").required(),
                f("victim.other_names", "Other names used"),
                f("victim.date_of_birth", "Date of birth")
                    .required()
                    .hint("A victim under 16 is a child-safeguarding matter, not a referral."),
                f("victim.sex_or_gender", "Sex or gender").hint("As the victim describes it."),
                f("victim.no_fixed_abode", "No fixed abode"),
                f("victim.address.line1", "Address line 1")
                    .visible_when(not_nfa())
                    .required_when(not_nfa()),
                f("victim.address.line2", "Address line 2").visible_when(not_nfa()),
                f("victim.address.town", "Town or city").visible_when(not_nfa()),
                f("victim.address.postcode", "Postcode")
                    .visible_when(not_nfa())
                    .required_when(not_nfa()),
                f("victim.preferred_language", "Preferred language").required(),
                f("victim.interpreter_required", "Interpreter required?").required(),
                f("victim.communication_needs", "Communication needs")
                    .long()
                    .hint("For example BSL."),
                f("victim.vulnerability_notes", "Disability or vulnerability").long(),
                f("victim.pregnant", "Pregnant?"),
                f(
                    "victim.immigration_status",
                    "Immigration status or no recourse to public funds",
                )
                .long()
                .hint("It affects legal aid."),
            ],
        ),
        (
            "safe_contact",
            "Safe contact",
            vec![
                f("safe_contact.phone", "Phone to reach the victim").required(),
                f("safe_contact.safe_to_call", "Safe to call?").required(),
                f("safe_contact.voicemail_safe", "Safe to leave voicemail?").required(),
                f(
                    "safe_contact.text_message_safe",
                    "Safe to send text messages?",
                )
                .required()
                .hint("Only a mobile can receive texts."),
                f(
                    "safe_contact.withheld_number_acceptable",
                    "Withheld number acceptable?",
                ),
                f("safe_contact.safe_times", "Safe times to call")
                    .kind(SpecKind::Group {
                        max_items: count(MAX_SAFE_TIMES),
                    })
                    .required()
                    .hint("At least one window."),
                f("safe_contact.safe_times[].day", "Day").required(),
                f("safe_contact.safe_times[].from", "From").required(),
                f("safe_contact.safe_times[].to", "To").required(),
                f(
                    "safe_contact.alternative_contact.name",
                    "Alternative contact: name",
                )
                .required_when(C::is_set("safe_contact.alternative_contact")),
                f(
                    "safe_contact.alternative_contact.phone",
                    "Alternative contact: phone",
                )
                .required_when(C::is_set("safe_contact.alternative_contact")),
                f(
                    "safe_contact.alternative_contact.relationship",
                    "Alternative contact: relationship to the victim",
                ),
                f("safe_contact.email", "Victim's email").kind(SpecKind::Email),
                f("safe_contact.email_safe", "Safe to email?")
                    .visible_when(C::is_set("safe_contact.email")),
            ],
        ),
        (
            "perpetrator",
            "Perpetrator",
            vec![
                f("perpetrator.name", "Name").required(),
                f("perpetrator.other_names", "Other names used"),
                f("perpetrator.date_of_birth", "Date of birth"),
                f("perpetrator.approximate_age", "Approximate age")
                    .visible_when(!C::is_set("perpetrator.date_of_birth"))
                    .hint("When the date of birth is not known."),
                f("perpetrator.address.line1", "Address line 1")
                    .required_when(C::is_set("perpetrator.address")),
                f("perpetrator.address.line2", "Address line 2"),
                f("perpetrator.address.town", "Town or city"),
                f("perpetrator.address.postcode", "Postcode"),
                f(
                    "perpetrator.relationship_to_victim",
                    "Relationship to the victim",
                )
                .required(),
                f("perpetrator.lives_with_victim", "Lives with the victim?"),
                f("perpetrator.access_to_weapons", "Access to weapons?"),
            ],
        ),
        (
            "household",
            "Children and household",
            vec![
                f("children", "Children in the household").kind(SpecKind::Group {
                    max_items: count(MAX_CHILDREN),
                }),
                f("children[].name", "Name").required(),
                f("children[].date_of_birth", "Date of birth").required(),
                f(
                    "children[].relationship_to_victim",
                    "Relationship to the victim",
                )
                .required(),
                f(
                    "children[].relationship_to_perpetrator",
                    "Relationship to the perpetrator",
                )
                .required(),
                f("children[].lives_at_address", "Lives at the address?").required(),
                f("children[].present_or_witnessed", "Present or witnessed?").required(),
                f("other_vulnerable_adults", "Other vulnerable adults").long(),
            ],
        ),
        (
            "risk",
            "Risk",
            vec![
                f("risk.instrument", "Risk instrument")
                    .kind(SpecKind::Instrument)
                    .required(),
                f("risk.answers", "Risk questions")
                    .kind(SpecKind::Checklist)
                    .visible_when(C::is_set("risk.instrument"))
                    .hint("Answer every question: yes, no or not known."),
                f("risk.officer_level", "Your risk level").required().hint(
                    "Never below the level the answers give; a higher level needs a rationale.",
                ),
                f("risk.rationale", "Professional-judgement rationale").long(),
                f("risk.marac_referral_made", "MARAC referral made?"),
            ],
        ),
        (
            "consent",
            "Consent",
            vec![
                f("consent.given", "Victim consents to the referral").required(),
                f("consent.method", "How consent was obtained").required(),
                f("consent.obtained_at", "When consent was obtained").required(),
                f("consent.obtained_by", "Obtained by").required(),
                f(
                    "consent.body_worn_video_reference",
                    "Body-worn video reference",
                )
                .visible_when(C::equals("consent.method", "body_worn_video")),
                f("consent.agreed_contact_methods", "Contact methods agreed"),
                f("consent.script_version", "Consent script version").required(),
            ],
        ),
    ]
}
