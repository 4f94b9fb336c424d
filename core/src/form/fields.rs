//! The one hand-written list: which fields the form shows, in which order, with which words
//! and conditions.
//!
//! Kinds and choice options are not written here: they come from the model's JSON Schema. A
//! field added to the model fails `every_schema_leaf_has_exactly_one_field` until it gets a
//! line here, and that line is usually just a path and a label.

use super::condition::Condition as C;
use super::definition::Requirement;
use crate::validation::{MAX_CHILDREN, MAX_ORDERS, MAX_OTHER_PERPETRATORS, MAX_SAFE_TIMES};

/// Longest name-like text (validation's limit for names, numbers, references).
pub(crate) const SHORT_TEXT: u32 = 200;
/// Longest free text.
pub(crate) const LONG_TEXT: u32 = 4000;
/// Longest email address.
pub(crate) const EMAIL_TEXT: u32 = 254;

/// Parts of the referral the core writes, never the referrer: no field of the form shows them
/// (the to-follow list is written from validation when the referral is submitted).
#[cfg(test)]
pub(crate) const WRITTEN_BY_CORE: &[&str] = &["to_follow"];

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

/// A list of names to search, for a field typed as a name or a code.
#[derive(Clone, Copy)]
pub(crate) enum Suggest {
    /// Languages; the field stores the code (`pl`, `bfi`).
    LanguageCodes,
    /// Languages; the field stores the name (free text such as the preferred language).
    LanguageNames,
    /// The police forces; the field stores the slug.
    PoliceForces,
    /// Countries; the field stores the ISO code.
    Countries,
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
    pub suggest: Option<Suggest>,
    pub help: Option<&'static str>,
    pub filled_from: Option<&'static str>,
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
        suggest: None,
        help: None,
        filled_from: None,
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
    fn help(mut self, help: &'static str) -> Spec {
        self.help = Some(help);
        self
    }
    /// Filled from the referrer's profile kept on the device.
    fn filled_by_profile(mut self) -> Spec {
        self.filled_from = Some("profile");
        self
    }
    /// Filled from the organisation's deployment settings.
    fn filled_by_organisation(mut self) -> Spec {
        self.filled_from = Some("organisation");
        self
    }
    fn suggest(mut self, list: Suggest) -> Spec {
        self.suggest = Some(list);
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
    const ORG: &str = "referrer.organisation_type";
    let police = || C::equals(ORG, "police");
    let not_police = || C::one_of(ORG, &["health", "idva", "charity", "other"]);
    // Police, or not chosen yet: police is the usual referrer.
    let police_or_unset = || !not_police();
    // A confidential address is kept (the service needs it), only never shown in lists.
    let home = || !C::is_yes("victim.no_fixed_abode");
    let uk_postcode = |country: &'static str| {
        !C::is_set(country) | C::one_of(country, &["GB", "UK", "JE", "GG", "IM"])
    };
    let confidential = || C::is_yes("victim.address_confidential");
    let safe_phone = || !C::is_yes("safe_contact.no_safe_phone");
    let safe_route =
        || C::is_set("safe_contact.alternative_contact") | C::is_yes("safe_contact.no_safe_phone");
    const CUSTODY: &str = "perpetrator.custody.status";
    let released = || {
        C::one_of(
            CUSTODY,
            &[
                "bail_with_conditions",
                "bail_without_conditions",
                "released_under_investigation",
                "released_no_further_action",
                "charged_and_bailed",
            ],
        )
    };
    let on_bail = || C::equals(CUSTODY, "bail_with_conditions");
    let bwv = || C::equals("consent.method", "body_worn_video");
    vec![
        (
            "consent",
            "Safe to talk and consent",
            vec![
                f("consent.safe_to_talk_now", "Is it safe for the victim to talk now?")
                    .hint("If not, agree a safe time first.")
                    .help("SafeLives' quick-start guidance: check it is safe to talk, then agree safe contact, before anything else."),
                f("consent.given", "Does the victim agree to this referral?")
                    .required()
                    .help("The legal service acts only with the victim's consent. If the victim says no, the app shows your organisation's route that needs no consent."),
                f("consent.method", "How consent was obtained").required(),
                f("consent.obtained_at", "When consent was obtained").required(),
                f("consent.obtained_by", "Obtained by").required(),
                f(
                    "consent.body_worn_video_reference",
                    "Body-worn video reference",
                )
                .visible_when(bwv())
                .required_when(bwv()),
                f("consent.agreed_contact_methods", "Contact methods agreed").required(),
                f("consent.spoken_to_alone", "Spoken to alone?"),
                f("consent.interpreter_used", "Interpreter used?"),
                f(
                    "consent.capacity_concern",
                    "Any concern about the victim's capacity to consent?",
                ),
                f(
                    "consent.scope.onward_to_idva",
                    "Consents to onward referral to an IDVA",
                ),
                f(
                    "consent.scope.onward_to_refuge",
                    "Consents to onward referral to a refuge",
                ),
                f("consent.script_version", "Consent wording read out")
                    .required()
                    .filled_by_organisation()
                    .hint("Set by your organisation."),
            ],
        ),
        (
            "safe_contact",
            "Safe contact",
            vec![
                f("safe_contact.no_safe_phone", "The victim has no safe phone")
                    .hint("Then give a person or agency to reach them through."),
                f("safe_contact.phone", "Phone to reach the victim")
                    .visible_when(safe_phone())
                    .required_when(safe_phone()),
                f("safe_contact.safe_to_call", "Safe to call?")
                    .visible_when(safe_phone())
                    .required_when(safe_phone()),
                f("safe_contact.voicemail_safe", "Safe to leave voicemail?")
                    .visible_when(safe_phone())
                    .required_when(safe_phone()),
                f(
                    "safe_contact.text_message_safe",
                    "Safe to send text messages?",
                )
                .visible_when(safe_phone())
                .required_when(safe_phone())
                .hint("Only a mobile can receive texts."),
                f(
                    "safe_contact.withheld_number_acceptable",
                    "OK to call from a withheld number?",
                )
                .visible_when(safe_phone()),
                f("safe_contact.safe_times", "Safe times to call")
                    .kind(SpecKind::Group {
                        max_items: count(MAX_SAFE_TIMES),
                    })
                    .required()
                    .hint("At least one window; a window may pass midnight."),
                f("safe_contact.safe_times[].day", "Day").required(),
                f("safe_contact.safe_times[].from", "From").required(),
                f("safe_contact.safe_times[].to", "To").required(),
                f(
                    "safe_contact.alternative_contact.name",
                    "Safe contact person or agency: name",
                )
                .required_when(safe_route()),
                f(
                    "safe_contact.alternative_contact.phone",
                    "Safe contact person or agency: phone",
                )
                .required_when(safe_route()),
                f(
                    "safe_contact.alternative_contact.relationship",
                    "Safe contact person: relationship to the victim",
                ),
                f(
                    "safe_contact.alternative_contact.organisation",
                    "Safe contact agency",
                ),
                f("safe_contact.email", "Victim's email").kind(SpecKind::Email),
                f("safe_contact.email_safe", "Safe to email?")
                    .visible_when(C::is_set("safe_contact.email")),
            ],
        ),
        (
            "victim",
            "Victim",
            vec![
                f("victim.forename", "First name")
                    .required_when(!C::is_set("victim.surname"))
                    .hint("One name in either box is enough."),
                f("victim.surname", "Last name").required_when(!C::is_set("victim.forename")),
                f("victim.other_names", "Other names used"),
                f("victim.date_of_birth", "Date of birth")
                    .required_when(
                        !C::is_yes("victim.aged_16_or_over") & !C::is_set("victim.approximate_age"),
                    )
                    .hint("If not known, it can follow."),
                f(
                    "victim.aged_16_or_over",
                    "Date of birth not known: is the victim 16 or over?",
                )
                .visible_when(!C::is_set("victim.date_of_birth"))
                .hint("Under 16 is a child-safeguarding matter, not a referral."),
                f("victim.approximate_age", "Approximate age")
                    .visible_when(!C::is_set("victim.date_of_birth")),
                f(
                    "victim.childrens_social_care_told",
                    "If the victim is 16 or 17: has children's social care been told, or will it be?",
                ),
                f("victim.sex_or_gender", "Sex or gender").hint("As the victim describes it."),
                f("victim.no_fixed_abode", "No fixed abode"),
                f(
                    "victim.address_confidential",
                    "Address is confidential or a refuge",
                )
                .hint("It is kept for the service but never shown in lists."),
                f("victim.address.line1", "Address line 1")
                    .visible_when(home())
                    .required_when(home()),
                f("victim.address.line2", "Address line 2").visible_when(home()),
                f("victim.address.town", "Town or city").visible_when(home()),
                f("victim.address.postcode", "Postcode")
                    .visible_when(home())
                    .required_when(home() & uk_postcode("victim.address.country")),
                f("victim.address.country", "Country, if not the UK")
                    .visible_when(home())
                    .suggest(Suggest::Countries),
                f(
                    "victim.care_of_address.line1",
                    "Safe address for post: line 1",
                )
                .visible_when(confidential())
                .hint("If not known yet, it can follow."),
                f(
                    "victim.care_of_address.line2",
                    "Safe address for post: line 2",
                )
                .visible_when(confidential()),
                f("victim.care_of_address.town", "Safe address for post: town")
                    .visible_when(confidential()),
                f(
                    "victim.care_of_address.postcode",
                    "Safe address for post: postcode",
                )
                .visible_when(confidential())
                .required_when(
                    C::is_set("victim.care_of_address")
                        & uk_postcode("victim.care_of_address.country"),
                ),
                f(
                    "victim.care_of_address.country",
                    "Safe address for post: country, if not the UK",
                )
                .visible_when(confidential())
                .suggest(Suggest::Countries),
                f(
                    "victim.housing_tenure",
                    "Does the victim own or rent the home?",
                )
                .hint("It decides which occupation order can be asked for.")
                .help("Family Law Act 1996: s.33 for an owner or tenant, s.35 to s.38 for someone with no right to occupy."),
                f("victim.preferred_language", "Preferred language")
                    .required()
                    .suggest(Suggest::LanguageNames),
                f("victim.interpreter_required", "Interpreter required?").required(),
                f("victim.interpreter_language", "Interpreter language")
                    .visible_when(C::is_yes("victim.interpreter_required"))
                    .required_when(C::is_yes("victim.interpreter_required"))
                    .suggest(Suggest::LanguageCodes)
                    .hint("For example Polish, Urdu or BSL."),
                f("victim.communication_needs", "Communication needs")
                    .long()
                    .hint("For example BSL."),
                f("victim.vulnerability_notes", "Disability or vulnerability").long(),
                f("victim.pregnant", "Pregnant?"),
                f("victim.due_date", "Due date").visible_when(C::is_yes("victim.pregnant")),
                f(
                    "victim.no_recourse_to_public_funds",
                    "No recourse to public funds?",
                )
                .hint("It affects legal aid."),
                f("victim.immigration_status", "Immigration status").long(),
                f(
                    "victim.equality.ethnicity",
                    "Ethnicity (equality monitoring)",
                )
                .hint("Optional; the victim may prefer not to say."),
                f(
                    "victim.equality.disability",
                    "Disability (equality monitoring)",
                )
                .hint("Optional; the victim may prefer not to say."),
                f(
                    "victim.equality.sexual_orientation",
                    "Sexual orientation (equality monitoring)",
                )
                .hint("Optional; the victim may prefer not to say."),
                f(
                    "victim.equality.gender_identity_same_as_at_birth",
                    "Gender the same as registered at birth? (equality monitoring)",
                )
                .hint("Optional; the victim may prefer not to say."),
            ],
        ),
        (
            "risk",
            "Risk",
            vec![
                f("risk.instrument", "Risk checklist used")
                    .kind(SpecKind::Instrument)
                    .required()
                    .filled_by_organisation(),
                f("risk.answers", "Risk questions")
                    .kind(SpecKind::Checklist)
                    .visible_when(C::is_set("risk.instrument"))
                    .hint("Answer every question: yes, no or not known."),
                f(
                    "risk.flags.non_fatal_strangulation",
                    "Strangled, choked or suffocated",
                ),
                f("risk.flags.stalking", "Stalking"),
                f("risk.flags.coercive_control", "Controlling or coercive behaviour"),
                f("risk.flags.honour_based_abuse", "Honour-based abuse"),
                f("risk.flags.forced_marriage", "Forced marriage"),
                f("risk.flags.threats_to_kill", "Threats to kill"),
                f("risk.flags.weapons", "Weapons"),
                f("risk.flags.fgm", "Female genital mutilation"),
                f("risk.flags.economic_abuse", "Economic abuse"),
                f(
                    "risk.flags.technology_facilitated_abuse",
                    "Tracking, spyware or online abuse",
                ),
                f(
                    "risk.flags.clares_law_disclosure",
                    "A Clare's Law disclosure was made",
                )
                .help("The Domestic Violence Disclosure Scheme: the police told the victim about the perpetrator's past."),
                f(
                    "risk.police_callouts_last_12_months",
                    "Police call-outs in the last 12 months",
                )
                .hint("As far as known."),
                f("risk.marac_repeat", "Repeat referral to MARAC?"),
                f("risk.officer_level", "Your risk level").required().hint(
                    "Never below the level the answers give; a higher level needs a rationale.",
                ),
                f("risk.rationale", "Why you chose this level")
                    .long()
                    .hint("Needed when your level is above the level the answers give."),
                f("risk.marac_referral_made", "MARAC referral made?"),
            ],
        ),
        (
            "perpetrator",
            "Perpetrator",
            vec![
                f("perpetrator.name", "Name")
                    .required_when(!C::is_yes("perpetrator.name_not_known"))
                    .hint("Never \"Unknown\": if not known, say so below."),
                f("perpetrator.name_not_known", "Name not known yet")
                    .visible_when(!C::is_set("perpetrator.name"))
                    .hint("The name can follow."),
                f("perpetrator.other_names", "Other names used"),
                f("perpetrator.sex", "Sex"),
                f("perpetrator.date_of_birth", "Date of birth"),
                f("perpetrator.approximate_age", "Approximate age")
                    .visible_when(!C::is_set("perpetrator.date_of_birth"))
                    .hint("When the date of birth is not known."),
                f("perpetrator.address.line1", "Address line 1")
                    .required_when(C::is_set("perpetrator.address")),
                f("perpetrator.address.line2", "Address line 2"),
                f("perpetrator.address.town", "Town or city"),
                f("perpetrator.address.postcode", "Postcode"),
                f("perpetrator.address.country", "Country, if not the UK")
                    .suggest(Suggest::Countries),
                f("perpetrator.phone", "Phone, if known")
                    .hint("So that no safe contact route uses it."),
                f(
                    "perpetrator.relationship_to_victim",
                    "Relationship to the victim",
                )
                .required()
                .help("The service acts for people personally connected (Domestic Abuse Act 2021, s.2) or associated (Family Law Act 1996, s.62). A paid carer or a neighbour is not: the app names the route to take instead."),
                f("perpetrator.lives_with_victim", "Lives with the victim?"),
                f("perpetrator.access_to_weapons", "Access to weapons?"),
                f(CUSTODY, "Custody outcome")
                    .required_when(C::is_set("perpetrator.custody"))
                    .hint("If not known yet, it can follow."),
                f(
                    "perpetrator.custody.released_at",
                    "Released (or due for release) at",
                )
                .visible_when(released() | C::equals(CUSTODY, "in_custody"))
                .required_when(released()),
                f("perpetrator.custody.bail_conditions", "Bail conditions")
                    .long()
                    .visible_when(on_bail())
                    .required_when(on_bail()),
                f(
                    "perpetrator.custody.bail_expires_on",
                    "Bail conditions end on",
                )
                .visible_when(on_bail())
                .required_when(on_bail()),
            ],
        ),
        (
            "other_perpetrators",
            "Other perpetrators",
            vec![
                f("other_perpetrators", "Other people who caused harm")
                    .kind(SpecKind::Group {
                        max_items: count(MAX_OTHER_PERPETRATORS),
                    })
                    .hint("For example other family members."),
                f("other_perpetrators[].name", "Name")
                    .required_when(!C::is_yes("other_perpetrators[].name_not_known")),
                f("other_perpetrators[].name_not_known", "Name not known yet")
                    .visible_when(!C::is_set("other_perpetrators[].name")),
                f("other_perpetrators[].sex", "Sex"),
                f("other_perpetrators[].date_of_birth", "Date of birth"),
                f("other_perpetrators[].approximate_age", "Approximate age")
                    .visible_when(!C::is_set("other_perpetrators[].date_of_birth")),
                f("other_perpetrators[].phone", "Phone, if known"),
                f(
                    "other_perpetrators[].relationship_to_victim",
                    "Relationship to the victim",
                )
                .required(),
                f(
                    "other_perpetrators[].lives_with_victim",
                    "Lives with the victim?",
                ),
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
                f("children[].date_of_birth", "Date of birth")
                    .required_when(!C::is_set("children[].approximate_age"))
                    .hint("If not known, give an approximate age: the date can follow."),
                f("children[].approximate_age", "Approximate age")
                    .visible_when(!C::is_set("children[].date_of_birth")),
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
                f(
                    "children[].saw_heard_or_experienced",
                    "Saw, heard or lived with the effects of the abuse?",
                )
                .required()
                .hint("Such a child is a victim in their own right.")
                .help("Domestic Abuse Act 2021, s.3."),
                f("children[].school", "School or nursery"),
                f(
                    "childrens_social_care.involved",
                    "Children's social care involved?",
                )
                .required_when(C::is_set("childrens_social_care") | C::is_set("children")),
                f(
                    "childrens_social_care.social_worker_allocated",
                    "Social worker allocated?",
                )
                .visible_when(C::equals("childrens_social_care.involved", "yes")),
                f("other_vulnerable_adults", "Other vulnerable adults").long(),
            ],
        ),
        (
            "incident",
            "Incident",
            vec![
                f("incident.incident_number", "Incident or log number")
                    .visible_when(police_or_unset())
                    .required_when(police()),
                f("incident.case_reference", "Your case reference").visible_when(not_police()),
                f("incident.crime_recorded", "Was a crime recorded?").required(),
                f("incident.crime_reference", "Crime reference")
                    .visible_when(C::is_yes("incident.crime_recorded"))
                    .hint("If the number is not issued yet, leave it empty: it can follow."),
                f("incident.occurred_at", "When it happened")
                    .visible_when(!C::is_set("incident.period"))
                    .required_when(!C::is_set("incident.period"))
                    .hint("Date and time."),
                f("incident.period.from", "Abuse over a period: from")
                    .visible_when(!C::is_set("incident.occurred_at"))
                    .required_when(C::is_set("incident.period"))
                    .hint("For abuse over time, such as months of controlling behaviour."),
                f("incident.period.to", "Until").visible_when(
                    C::is_set("incident.period") & !C::is_yes("incident.period.ongoing"),
                ),
                f("incident.period.ongoing", "Still going on?")
                    .visible_when(C::is_set("incident.period")),
                f("incident.location_postcode", "Postcode of the location"),
                f("incident.injuries", "Injuries").long(),
                f("incident.arrest_made", "Was an arrest made?"),
                f("incident.existing_orders", "Existing orders or notices").kind(SpecKind::Group {
                    max_items: count(MAX_ORDERS),
                }),
                f("incident.existing_orders[].order_type", "Type of order")
                    .required()
                    .help("An expired order still matters: a breach, or a renewal."),
                f(
                    "incident.existing_orders[].protected_person",
                    "Who it protects",
                ),
                f("incident.existing_orders[].expires_on", "Expiry date"),
                f("incident.existing_orders[].details", "Details").long(),
                f("incident.reason", "Reason for referral")
                    .required()
                    .long(),
            ],
        ),
        (
            "referrer",
            "Referrer",
            vec![
                f(ORG, "Organisation type")
                    .required()
                    .filled_by_organisation(),
                f("referrer.organisation_id", "Force or organisation")
                    .required()
                    .max(64)
                    .suggest(Suggest::PoliceForces)
                    .filled_by_organisation()
                    .hint("Search by name, for example West Yorkshire Police."),
                f("referrer.officer_name", "Your name")
                    .required()
                    .filled_by_profile(),
                f("referrer.collar_number", "Collar or shoulder number")
                    .visible_when(police_or_unset())
                    .required_when(police())
                    .max(8)
                    .filled_by_profile()
                    .hint("1 to 8 letters or digits."),
                f("referrer.rank", "Rank")
                    .visible_when(police_or_unset())
                    .filled_by_profile(),
                f("referrer.role", "Role or job title")
                    .visible_when(not_police())
                    .required_when(not_police())
                    .filled_by_profile(),
                f("referrer.station", "Station, unit or team").filled_by_profile(),
                f("referrer.contact_phone", "Your contact phone")
                    .required()
                    .filled_by_profile(),
                f("referrer.email", "Your email")
                    .kind(SpecKind::Email)
                    .required()
                    .filled_by_profile(),
            ],
        ),
    ]
}
