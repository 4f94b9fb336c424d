//! The rules, one function per group of the form, walked in form order.
//!
//! One walk serves both schema versions. A version 1 document is migrated to the current model
//! on load (nothing typed is lost) and then checked with [`Rules::V1`]: the rules that applied
//! when it was written, so a referral sealed before the update is never refused for a rule it
//! could not know. The differences are few and each is marked `v2` below: forename, collar
//! number and incident number mandatory for everyone in version 1; the risk level rule; ages
//! judged on the day of checking; and the rules for fields version 1 did not have.

use chrono::{DateTime, Datelike, Duration, Months, NaiveDate, Utc};
use chrono_tz::Europe::London;

use super::checker::{Checker, MAX_LONG_TEXT, MAX_SHORT_TEXT};
use crate::instrument;
use crate::model::*;
use crate::values::{DateValue, InstantValue};

/// How far in the future an incident or consent time may be (device clocks drift), and how far
/// before the incident a consent time may be.
pub const CLOCK_SKEW: Duration = Duration::minutes(5);
/// The Domestic Abuse Act 2021 covers people aged 16 or over (victim and perpetrator).
pub const MINIMUM_VICTIM_AGE: u32 = 16;
/// A child in the household is under 18.
pub const ADULT_AGE: u32 = 18;
/// The oldest date of birth accepted, in years before today.
pub const MAX_AGE_YEARS: u32 = 120;
/// Dates typed when the real date of birth is unknown.
pub const PLACEHOLDER_DATES: &[&str] = &[
    "1900-01-01",
    "1901-01-01",
    "1899-12-31",
    "1800-01-01",
    "1000-01-01",
    "1111-11-11",
    "0001-01-01",
];

/// Most children one referral lists.
pub const MAX_CHILDREN: usize = 20;
/// Most safe contact windows.
pub const MAX_SAFE_TIMES: usize = 28;
/// Most risk answers (no instrument has this many questions).
pub const MAX_RISK_ANSWERS: usize = 200;
/// Most existing orders.
pub const MAX_ORDERS: usize = 20;

/// Which version's rules to apply: the version the document was written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rules {
    /// The rules of referral schema version 1 (for documents written in version 1).
    V1,
    /// The rules of referral schema version 2 (the current version).
    V2,
}

impl Rules {
    /// The rules for documents written in `schema_version`, if this build reads it.
    pub fn for_version(schema_version: u32) -> Option<Rules> {
        match schema_version {
            1 => Some(Rules::V1),
            2 => Some(Rules::V2),
            _ => None,
        }
    }
}

/// What every rule may need to know: the clock, and the incident's date in the UK.
struct Ctx {
    now: DateTime<Utc>,
    today: NaiveDate,
    /// The incident instant, when valid.
    occurred_at: Option<DateTime<Utc>>,
    /// The day ages are judged on: the incident's date in Europe/London (version 2), or today
    /// (version 1, and whenever the incident time is not known yet).
    age_day: NaiveDate,
    v2: bool,
}

pub(crate) fn check(r: &Referral, now: DateTime<Utc>, rules: Rules, c: &mut Checker) {
    // Dates of birth and ages are UK calendar dates: in Europe/London, not in UTC.
    let today = now.with_timezone(&London).date_naive();
    let occurred_at = r
        .incident
        .occurred_at
        .as_ref()
        .and_then(InstantValue::instant)
        .map(|at| at.with_timezone(&Utc));
    let v2 = rules == Rules::V2;
    let age_day = match occurred_at {
        Some(at) if v2 => at.with_timezone(&London).date_naive(),
        _ => today,
    };
    let x = Ctx {
        now,
        today,
        occurred_at,
        age_day,
        v2,
    };
    for (path, len, max) in [
        ("children", r.children.len(), MAX_CHILDREN),
        (
            "safe_contact.safe_times",
            r.safe_contact.safe_times.len(),
            MAX_SAFE_TIMES,
        ),
        ("risk.answers", r.risk.answers.len(), MAX_RISK_ANSWERS),
        (
            "consent.agreed_contact_methods",
            r.consent.agreed_contact_methods.len(),
            8,
        ),
        (
            "incident.existing_orders",
            r.incident.existing_orders.len(),
            MAX_ORDERS,
        ),
    ] {
        if len > max {
            c.problem(
                path,
                "list.too_long",
                "This list has more entries than a referral may hold.",
            );
        }
    }
    let police = referrer(&r.referrer, &x, c);
    let victim_dob = victim(&r.victim, &x, c);
    incident(&r.incident, police, victim_dob, &x, c);
    safe_contact(&r.safe_contact, &x, c);
    perpetrator(&r.perpetrator, &x, c);
    for (i, child) in r.children.iter().enumerate() {
        household_child(child, &format!("children[{i}]"), &x, c);
    }
    c.text(
        "other_vulnerable_adults",
        &r.other_vulnerable_adults,
        false,
        MAX_LONG_TEXT,
    );
    if let Some(care) = &r.childrens_social_care {
        let involved = c.required("childrens_social_care.involved", &care.involved);
        if involved == Some(&false) && care.social_worker_allocated == Some(true) {
            c.problem(
                "childrens_social_care.social_worker_allocated",
                "social_care.worker_without_involvement",
                "A social worker is allocated but children's social care is marked as not involved.",
            );
        }
    }
    risk(&r.risk, &x, c);
    consent(&r.consent, &r.safe_contact, &x, c);
}

/// Checks the referrer; returns whether the referrer is police (`None` when not yet chosen).
fn referrer(r: &Referrer, x: &Ctx, c: &mut Checker) -> Option<bool> {
    let org_type = c.required("referrer.organisation_type", &r.organisation_type);
    let police = org_type.map(|t| *t == OrganisationType::Police);
    if let Some(id) = c.value("referrer.organisation_id", &r.organisation_id, true)
        && police == Some(true)
        && !id.is_police_force()
    {
        c.problem(
            "referrer.organisation_id",
            "organisation_id.unknown_force",
            "Not one of the known police force ids.",
        );
    }
    c.text(
        "referrer.officer_name",
        &r.officer_name,
        true,
        MAX_SHORT_TEXT,
    );
    if x.v2 && police == Some(false) {
        // A nurse or an IDVA has no collar number or rank, but a role.
        if r.collar_number
            .as_ref()
            .is_some_and(|n| !n.as_str().is_empty())
        {
            c.problem(
                "referrer.collar_number",
                "referrer.collar_number_not_police",
                "Only police referrers have a collar number: give a role or job title instead.",
            );
        }
        if r.rank.as_deref().is_some_and(|t| !t.trim().is_empty()) {
            c.problem(
                "referrer.rank",
                "referrer.rank_not_police",
                "Only police referrers have a rank: give a role or job title instead.",
            );
        }
        let role_given = c.text("referrer.role", &r.role, false, MAX_SHORT_TEXT);
        if !role_given && r.role.as_deref().is_none_or(|t| t.trim().is_empty()) {
            c.missing(
                "referrer.role",
                "referrer.role_required",
                "Give the referrer's role or job title.",
            );
        }
    } else {
        c.value(
            "referrer.collar_number",
            &r.collar_number,
            police == Some(true) || !x.v2,
        );
        c.text("referrer.rank", &r.rank, false, MAX_SHORT_TEXT);
        c.text("referrer.role", &r.role, false, MAX_SHORT_TEXT);
    }
    c.text("referrer.station", &r.station, false, MAX_SHORT_TEXT);
    c.value("referrer.contact_phone", &r.contact_phone, true);
    c.email("referrer.email", &r.email, true);
    police
}

fn incident(
    i: &Incident,
    police: Option<bool>,
    victim_dob: Option<NaiveDate>,
    x: &Ctx,
    c: &mut Checker,
) {
    // Version 2: only police have an incident (log) number; others may give their own reference.
    let number_mandatory = !x.v2 || police == Some(true);
    c.text(
        "incident.incident_number",
        &i.incident_number,
        number_mandatory,
        MAX_SHORT_TEXT,
    );
    c.text(
        "incident.case_reference",
        &i.case_reference,
        false,
        MAX_SHORT_TEXT,
    );
    c.text(
        "incident.crime_reference",
        &i.crime_reference,
        false,
        MAX_SHORT_TEXT,
    );
    let reference_blank = i
        .crime_reference
        .as_deref()
        .is_none_or(|t| t.trim().is_empty());
    match c.required("incident.crime_recorded", &i.crime_recorded) {
        Some(true) if reference_blank => c.missing(
            "incident.crime_reference",
            "field.required",
            "A crime was recorded: the crime reference is mandatory.",
        ),
        Some(false) if !reference_blank => c.problem(
            "incident.crime_reference",
            "crime_reference.not_recorded",
            "A crime reference is given but no crime was recorded.",
        ),
        _ => {}
    }
    if let Some(at) = c
        .value("incident.occurred_at", &i.occurred_at, true)
        .and_then(|v| v.instant())
    {
        if at.with_timezone(&Utc) > x.now + CLOCK_SKEW {
            c.problem(
                "incident.occurred_at",
                "incident.in_future",
                "The incident time is in the future.",
            );
        }
        if let Some(dob) = victim_dob
            && at.with_timezone(&London).date_naive() < dob
        {
            c.problem(
                "incident.occurred_at",
                "incident.before_victim_birth",
                "The incident time is before the victim's date of birth.",
            );
        }
    }
    c.value("incident.location_postcode", &i.location_postcode, false);
    c.text("incident.injuries", &i.injuries, false, MAX_LONG_TEXT);
    for (n, order) in i.existing_orders.iter().enumerate() {
        let path = format!("incident.existing_orders[{n}]");
        // A version 1 referral's free text becomes an entry without a type: v1 did not ask it.
        if x.v2 {
            c.required(&format!("{path}.order_type"), &order.order_type);
        }
        let expires = c
            .value(&format!("{path}.expires_on"), &order.expires_on, false)
            .and_then(DateValue::date);
        if let (Some(expires), Some(at)) = (expires, x.occurred_at)
            && expires < at.with_timezone(&London).date_naive()
        {
            c.problem(
                &format!("{path}.expires_on"),
                "existing_order.expired",
                "This order had expired before the incident: it is not an existing order.",
            );
        }
        c.text(
            &format!("{path}.details"),
            &order.details,
            false,
            MAX_LONG_TEXT,
        );
    }
    c.text("incident.reason", &i.reason, true, MAX_LONG_TEXT);
}

fn victim(v: &Victim, x: &Ctx, c: &mut Checker) -> Option<NaiveDate> {
    // A person with a single name has it in the surname (as passports do); forename empty.
    c.text("victim.forename", &v.forename, !x.v2, MAX_SHORT_TEXT);
    c.text("victim.surname", &v.surname, true, MAX_SHORT_TEXT);
    c.text("victim.other_names", &v.other_names, false, MAX_SHORT_TEXT);
    let dob = date_of_birth("victim.date_of_birth", &v.date_of_birth, true, x, c);
    if let Some(dob) = dob
        && dob <= x.age_day
        && age_on(dob, x.age_day) < MINIMUM_VICTIM_AGE
    {
        c.problem(
            "victim.date_of_birth",
            "victim.under_16",
            "The victim was under 16 at the incident: this is a child-safeguarding matter. Do not send this referral; follow your child safeguarding procedure.",
        );
    }
    c.text(
        "victim.sex_or_gender",
        &v.sex_or_gender,
        false,
        MAX_SHORT_TEXT,
    );
    let confidential = x.v2 && v.address_confidential == Some(true);
    match (&v.address, v.no_fixed_abode) {
        (Some(_), Some(true)) => c.problem(
            "victim.address",
            "address.conflicts_with_no_fixed_abode",
            "An address is given but the victim is marked as having no fixed abode.",
        ),
        (Some(a), _) => address("victim.address", a, true, c),
        (None, Some(true)) => {}
        (None, _) if confidential => {}
        (None, _) => c.missing(
            "victim.address",
            "address.required_or_no_fixed_abode",
            "Give the victim's address, or mark them as having no fixed abode.",
        ),
    }
    match &v.care_of_address {
        Some(a) => address("victim.care_of_address", a, true, c),
        None if confidential => c.missing(
            "victim.care_of_address",
            "address.care_of_required",
            "The address is confidential: give a safe care-of address to write to.",
        ),
        None => {}
    }
    c.text(
        "victim.preferred_language",
        &v.preferred_language,
        true,
        MAX_SHORT_TEXT,
    );
    let interpreter = c.required("victim.interpreter_required", &v.interpreter_required);
    if c.value(
        "victim.interpreter_language",
        &v.interpreter_language,
        false,
    )
    .is_none()
        && x.v2
        && interpreter == Some(&true)
        && v.interpreter_language
            .as_ref()
            .is_none_or(|l| l.as_str().is_empty())
    {
        c.missing(
            "victim.interpreter_language",
            "interpreter.language_required",
            "An interpreter is required: give the language as a code (for example pl, ur, bfi).",
        );
    }
    c.text(
        "victim.communication_needs",
        &v.communication_needs,
        false,
        MAX_LONG_TEXT,
    );
    c.text(
        "victim.vulnerability_notes",
        &v.vulnerability_notes,
        false,
        MAX_LONG_TEXT,
    );
    if let Some(due) = c
        .value("victim.due_date", &v.due_date, false)
        .and_then(DateValue::date)
    {
        if v.pregnant != Some(true) {
            c.problem(
                "victim.due_date",
                "pregnancy.due_date_without_pregnancy",
                "A due date is given but the victim is not marked as pregnant.",
            );
        } else if due < x.age_day - Duration::weeks(4) || due > x.age_day + Duration::weeks(43) {
            c.problem(
                "victim.due_date",
                "pregnancy.due_date_out_of_range",
                "A due date must be within 43 weeks after the incident (or a few weeks overdue).",
            );
        }
    }
    c.text(
        "victim.immigration_status",
        &v.immigration_status,
        false,
        MAX_LONG_TEXT,
    );
    dob
}

/// An address; the postcode is a UK postcode (mandatory when `postcode_mandatory`) unless the
/// address is abroad, where it is the local postal code as typed.
fn address(path: &str, a: &Address, postcode_mandatory: bool, c: &mut Checker) {
    c.text(&format!("{path}.line1"), &a.line1, true, MAX_SHORT_TEXT);
    c.text(&format!("{path}.line2"), &a.line2, false, MAX_SHORT_TEXT);
    c.text(&format!("{path}.town"), &a.town, false, MAX_SHORT_TEXT);
    let country = c.value(&format!("{path}.country"), &a.country, false);
    let abroad = match (&a.country, country) {
        (_, Some(country)) => !country.uses_uk_postcodes(),
        // An unreadable country: do not also complain about the postcode.
        (Some(typed), None) => !typed.as_str().is_empty(),
        (None, None) => false,
    };
    if abroad {
        let text = a.postcode.as_ref().map(|p| p.as_str().to_string());
        c.text(&format!("{path}.postcode"), &text, false, 16);
    } else {
        c.value(&format!("{path}.postcode"), &a.postcode, postcode_mandatory);
    }
}

fn safe_contact(s: &SafeContact, x: &Ctx, c: &mut Checker) {
    let no_safe_phone = x.v2 && s.no_safe_phone == Some(true);
    // With no safe phone, the victim's phone fields are not asked: the route is the contact.
    let phone = c.value("safe_contact.phone", &s.phone, !no_safe_phone);
    if !no_safe_phone {
        c.required("safe_contact.safe_to_call", &s.safe_to_call);
        c.required("safe_contact.voicemail_safe", &s.voicemail_safe);
    }
    let texts = if no_safe_phone {
        s.text_message_safe.as_ref()
    } else {
        c.required("safe_contact.text_message_safe", &s.text_message_safe)
    };
    if texts == Some(&true)
        && let Some(phone) = phone
        && !phone.can_receive_texts()
    {
        c.problem(
            "safe_contact.phone",
            "phone.not_mobile",
            "Text messages are marked safe but this number is not a mobile.",
        );
    }
    if s.safe_times.is_empty() {
        c.missing(
            "safe_contact.safe_times",
            "safe_times.none",
            "Give at least one safe time window.",
        );
    }
    for (i, w) in s.safe_times.iter().enumerate() {
        let path = format!("safe_contact.safe_times[{i}]");
        let from = c
            .value(&format!("{path}.from"), &Some(w.from.clone()), true)
            .and_then(|t| t.time());
        let to = c
            .value(&format!("{path}.to"), &Some(w.to.clone()), true)
            .and_then(|t| t.time());
        match (from, to) {
            // Version 2: an end before the start passes midnight; an empty window is an error.
            (Some(from), Some(to)) if x.v2 && from == to => c.problem(
                &format!("{path}.to"),
                "safe_time.empty_window",
                "A safe time window must not start and end at the same time.",
            ),
            (Some(from), Some(to)) if !x.v2 && from >= to => c.problem(
                &format!("{path}.to"),
                "safe_time.not_after_from",
                "The end of a safe time window must be after its start.",
            ),
            _ => {}
        }
    }
    match &s.alternative_contact {
        Some(alt) => {
            c.text(
                "safe_contact.alternative_contact.name",
                &alt.name,
                true,
                MAX_SHORT_TEXT,
            );
            c.value("safe_contact.alternative_contact.phone", &alt.phone, true);
            c.text(
                "safe_contact.alternative_contact.relationship",
                &alt.relationship,
                false,
                MAX_SHORT_TEXT,
            );
            c.text(
                "safe_contact.alternative_contact.organisation",
                &alt.organisation,
                false,
                MAX_SHORT_TEXT,
            );
        }
        None if no_safe_phone => c.missing(
            "safe_contact.alternative_contact",
            "safe_contact.safe_route_required",
            "The victim has no safe phone: give a named person or agency to reach them through.",
        ),
        None => {}
    }
    c.email("safe_contact.email", &s.email, false);
}

fn perpetrator(p: &Perpetrator, x: &Ctx, c: &mut Checker) {
    c.text("perpetrator.name", &p.name, true, MAX_SHORT_TEXT);
    c.text(
        "perpetrator.other_names",
        &p.other_names,
        false,
        MAX_SHORT_TEXT,
    );
    let dob = date_of_birth("perpetrator.date_of_birth", &p.date_of_birth, false, x, c);
    let mut under_16 = None;
    if let Some(age) = p.approximate_age {
        if !(10..=120).contains(&age) {
            c.problem(
                "perpetrator.approximate_age",
                "age.out_of_range",
                "An approximate age must be between 10 and 120.",
            );
        } else if u32::from(age) < MINIMUM_VICTIM_AGE {
            under_16 = Some("perpetrator.approximate_age");
        }
    }
    if let Some(dob) = dob
        && dob <= x.age_day
        && age_on(dob, x.age_day) < MINIMUM_VICTIM_AGE
    {
        under_16 = Some("perpetrator.date_of_birth");
    }
    if let Some(path) = under_16
        && x.v2
    {
        c.problem(
            path,
            "perpetrator.under_16",
            "The perpetrator was under 16 at the incident: this is a child-safeguarding matter, not a legal-assistance referral. Do not send this referral; follow your child safeguarding procedure.",
        );
    }
    if let Some(a) = &p.address {
        address("perpetrator.address", a, false, c);
    }
    c.required(
        "perpetrator.relationship_to_victim",
        &p.relationship_to_victim,
    );
    if let Some(custody) = &p.custody {
        custody_status(custody, x, c);
    }
}

fn custody_status(k: &Custody, x: &Ctx, c: &mut Checker) {
    let status = c.required("perpetrator.custody.status", &k.status).copied();
    let released = c
        .value("perpetrator.custody.released_at", &k.released_at, false)
        .and_then(InstantValue::instant);
    let released_typed = k
        .released_at
        .as_ref()
        .is_some_and(|r| !r.as_str().is_empty());
    match status {
        Some(CustodyStatus::BailWithConditions | CustodyStatus::ReleasedUnderInvestigation)
            if !released_typed =>
        {
            c.missing(
                "perpetrator.custody.released_at",
                "custody.release_time_required",
                "Give the time the perpetrator was released: it decides how urgent an order is.",
            );
        }
        Some(CustodyStatus::InCustody | CustodyStatus::NotArrested) if released_typed => {
            c.problem(
                "perpetrator.custody.released_at",
                "custody.release_time_not_released",
                "A release time is given but the perpetrator is marked as in custody or not arrested.",
            );
        }
        _ => {}
    }
    if let (Some(released), Some(at)) = (released, x.occurred_at)
        && released.with_timezone(&Utc) < at
    {
        c.problem(
            "perpetrator.custody.released_at",
            "custody.released_before_incident",
            "The release time is before the incident.",
        );
    }
    let on_bail = status == Some(CustodyStatus::BailWithConditions);
    if !c.text(
        "perpetrator.custody.bail_conditions",
        &k.bail_conditions,
        false,
        MAX_LONG_TEXT,
    ) && on_bail
        && k.bail_conditions
            .as_deref()
            .is_none_or(|t| t.trim().is_empty())
    {
        c.missing(
            "perpetrator.custody.bail_conditions",
            "custody.bail_conditions_required",
            "Released on bail with conditions: give the conditions.",
        );
    }
    let expiry = c
        .value(
            "perpetrator.custody.bail_expires_on",
            &k.bail_expires_on,
            false,
        )
        .and_then(DateValue::date);
    let expiry_typed = k
        .bail_expires_on
        .as_ref()
        .is_some_and(|d| !d.as_str().is_empty());
    if on_bail && !expiry_typed {
        c.missing(
            "perpetrator.custody.bail_expires_on",
            "custody.bail_expiry_required",
            "Released on bail with conditions: give the date the bail ends.",
        );
    }
    if let (Some(expiry), Some(at)) = (expiry, x.occurred_at)
        && expiry < at.with_timezone(&London).date_naive()
    {
        c.problem(
            "perpetrator.custody.bail_expires_on",
            "custody.bail_expiry_before_incident",
            "The bail end date is before the incident.",
        );
    }
}

fn household_child(ch: &Child, path: &str, x: &Ctx, c: &mut Checker) {
    c.text(&format!("{path}.name"), &ch.name, true, MAX_SHORT_TEXT);
    let dob_path = format!("{path}.date_of_birth");
    if let Some(dob) = date_of_birth(&dob_path, &ch.date_of_birth, true, x, c)
        && x.v2
        && dob <= x.age_day
        && age_on(dob, x.age_day) >= ADULT_AGE
    {
        c.problem(
            &dob_path,
            "child.not_under_18",
            "A child is under 18: list an adult under other vulnerable adults instead.",
        );
    }
    c.required(
        &format!("{path}.relationship_to_victim"),
        &ch.relationship_to_victim,
    );
    c.required(
        &format!("{path}.relationship_to_perpetrator"),
        &ch.relationship_to_perpetrator,
    );
    c.required(&format!("{path}.lives_at_address"), &ch.lives_at_address);
    c.required(
        &format!("{path}.present_or_witnessed"),
        &ch.present_or_witnessed,
    );
}

fn risk(r: &Risk, x: &Ctx, c: &mut Checker) {
    let level = c.required("risk.officer_level", &r.officer_level).copied();
    let has_rationale = c.text("risk.rationale", &r.rationale, false, MAX_LONG_TEXT);
    for (i, a) in r.answers.iter().enumerate() {
        c.text(
            &format!("risk.answers[{i}].comment"),
            &a.comment,
            false,
            MAX_LONG_TEXT,
        );
        if r.answers[..i]
            .iter()
            .any(|b| b.question_id == a.question_id)
        {
            c.problem(
                &format!("risk.answers[{i}].question_id"),
                "risk.duplicate_answer",
                "This question is answered more than once.",
            );
        }
    }
    let Some(id) = c.required("risk.instrument", &r.instrument) else {
        return;
    };
    let Some(instrument) = instrument::find(&id.id, &id.version) else {
        c.problem(
            "risk.instrument",
            "risk.unknown_instrument",
            "This risk instrument or version is not known.",
        );
        return;
    };
    for (i, a) in r.answers.iter().enumerate() {
        if instrument.question(&a.question_id).is_none() {
            c.problem(
                &format!("risk.answers[{i}].question_id"),
                "risk.unknown_question",
                "This question is not part of the instrument.",
            );
        }
    }
    for q in &instrument.questions {
        if !r.answers.iter().any(|a| a.question_id == q.id) {
            c.missing(
                &format!("risk.answers.{}", q.id),
                "risk.unanswered",
                "This question of the risk instrument has no answer.",
            );
        }
    }
    let Some(level) = level else { return };
    let from_answers = instrument.suggested_level(&r.answers);
    if !x.v2 {
        // Version 1's rule: below the answers' level only with a rationale.
        if level < from_answers && !has_rationale {
            c.problem(
                "risk.rationale",
                "risk.level_below_suggested",
                "The risk level is below the level the answers suggest: give a professional-judgement rationale.",
            );
        }
    } else if level < from_answers {
        // Professional judgement may raise the level, never lower it.
        c.problem(
            "risk.officer_level",
            "risk.level_below_answers",
            "The risk level cannot be below the level the answers give.",
        );
    } else if level > from_answers && !has_rationale {
        c.missing(
            "risk.rationale",
            "risk.rationale_required",
            "The risk level is above the level the answers give: give the professional-judgement rationale.",
        );
    }
}

fn consent(k: &Consent, s: &SafeContact, x: &Ctx, c: &mut Checker) {
    if c.required("consent.given", &k.given) == Some(&false) {
        c.problem(
            "consent.given",
            "consent.not_given",
            "The victim has not consented: a referral cannot be sent without consent.",
        );
    }
    let method = c.required("consent.method", &k.method).copied();
    if let Some(at) = c
        .value("consent.obtained_at", &k.obtained_at, true)
        .and_then(|v| v.instant())
    {
        let at = at.with_timezone(&Utc);
        if at > x.now + CLOCK_SKEW {
            c.problem(
                "consent.obtained_at",
                "instant.in_future",
                "This time is in the future.",
            );
        }
        if x.v2
            && let Some(incident) = x.occurred_at
            && at < incident - CLOCK_SKEW
        {
            c.problem(
                "consent.obtained_at",
                "consent.before_incident",
                "Consent cannot have been obtained before the incident happened.",
            );
        }
    }
    c.text("consent.obtained_by", &k.obtained_by, true, MAX_SHORT_TEXT);
    let has_bwv = c.text(
        "consent.body_worn_video_reference",
        &k.body_worn_video_reference,
        false,
        MAX_SHORT_TEXT,
    );
    if x.v2
        && method == Some(ConsentMethod::BodyWornVideo)
        && k.body_worn_video_reference
            .as_deref()
            .is_none_or(|t| t.trim().is_empty())
        && !has_bwv
    {
        c.missing(
            "consent.body_worn_video_reference",
            "consent.body_worn_video_reference_required",
            "Consent was recorded on body-worn video: give the video reference, or the consent cannot be shown.",
        );
    }
    c.text(
        "consent.script_version",
        &k.script_version,
        true,
        MAX_SHORT_TEXT,
    );
    if x.v2 {
        contact_methods(k, s, c);
    }
}

/// Every contact method the victim agreed to must be usable with the safe contact given.
fn contact_methods(k: &Consent, s: &SafeContact, c: &mut Checker) {
    let safe_phone = s.no_safe_phone != Some(true);
    let phone = s.phone.as_ref().filter(|p| p.is_valid() && safe_phone);
    for (i, method) in k.agreed_contact_methods.iter().enumerate() {
        let (usable, code, message) = match method {
            ContactMethod::Phone => (
                phone.is_some() && s.safe_to_call == Some(true),
                "contact_method.phone_unusable",
                "Calls are agreed but there is no safe phone that is safe to call.",
            ),
            ContactMethod::TextMessage => (
                phone.is_some_and(|p| p.can_receive_texts()) && s.text_message_safe == Some(true),
                "contact_method.text_unusable",
                "Text messages are agreed but there is no mobile that is safe for texts.",
            ),
            ContactMethod::Voicemail => (
                phone.is_some() && s.voicemail_safe == Some(true),
                "contact_method.voicemail_unusable",
                "Voicemail is agreed but there is no phone where voicemail is safe.",
            ),
            ContactMethod::Email => (
                s.email.as_deref().is_some_and(|e| !e.trim().is_empty())
                    && s.email_safe == Some(true),
                "contact_method.email_unusable",
                "Email is agreed but there is no email address marked safe.",
            ),
            ContactMethod::ThirdParty => (
                s.alternative_contact.is_some(),
                "contact_method.third_party_unusable",
                "Contact through a third party is agreed but no alternative contact is given.",
            ),
        };
        if !usable {
            c.problem(
                &format!("consent.agreed_contact_methods[{i}]"),
                code,
                message,
            );
        }
    }
}

fn date_of_birth(
    path: &str,
    value: &Option<DateValue>,
    mandatory: bool,
    x: &Ctx,
    c: &mut Checker,
) -> Option<NaiveDate> {
    let typed = c.value(path, value, mandatory)?;
    let dob = typed.date()?;
    if dob > x.today {
        c.problem(
            path,
            "date.in_future",
            "A date of birth cannot be in the future.",
        );
        return None;
    }
    if x.v2 {
        if PLACEHOLDER_DATES.contains(&typed.as_str()) {
            c.problem(
                path,
                "date.placeholder",
                "This looks like a placeholder for an unknown date of birth: give the real date, or leave it out if it may be left out.",
            );
            return None;
        }
        let oldest = x
            .today
            .checked_sub_months(Months::new(MAX_AGE_YEARS * 12))
            .unwrap_or(NaiveDate::MIN);
        if dob < oldest {
            c.problem(
                path,
                "date.too_old",
                "A date of birth cannot be more than 120 years ago.",
            );
            return None;
        }
    }
    Some(dob)
}

/// Age in whole years on `on`. An age is reached at the start of the birthday (Family Law
/// Reform Act 1969, s.9); someone born on 29 February reaches it on 1 March in other years.
pub(crate) fn age_on(dob: NaiveDate, on: NaiveDate) -> u32 {
    let mut age = on.year() - dob.year();
    let birthday = NaiveDate::from_ymd_opt(on.year(), dob.month(), dob.day())
        .unwrap_or_else(|| NaiveDate::from_ymd_opt(on.year(), 3, 1).unwrap_or(on));
    if on < birthday {
        age -= 1;
    }
    age.max(0) as u32
}
