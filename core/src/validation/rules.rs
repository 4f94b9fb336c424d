//! The rules, one function per group of the form, walked in form order.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};

use super::checker::{Checker, MAX_LONG_TEXT, MAX_SHORT_TEXT};
use crate::instrument;
use crate::model::*;

/// How far in the future an incident or consent time may be (device clocks drift).
pub const CLOCK_SKEW: Duration = Duration::minutes(5);
/// The Domestic Abuse Act 2021 covers people aged 16 or over.
pub const MINIMUM_VICTIM_AGE: u32 = 16;

/// Most children one referral lists.
pub const MAX_CHILDREN: usize = 20;
/// Most safe contact windows.
pub const MAX_SAFE_TIMES: usize = 28;
/// Most risk answers (no instrument has this many questions).
pub const MAX_RISK_ANSWERS: usize = 200;

pub(crate) fn check(r: &Referral, now: DateTime<Utc>, c: &mut Checker) {
    // Dates of birth and ages are UK calendar dates: today in Europe/London, not in UTC.
    let today = now.with_timezone(&chrono_tz::Europe::London).date_naive();
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
    ] {
        if len > max {
            c.problem(
                path,
                "list.too_long",
                "This list has more entries than a referral may hold.",
            );
        }
    }
    referrer(&r.referrer, c);
    let victim_dob = victim(&r.victim, today, c);
    incident(&r.incident, now, victim_dob, c);
    safe_contact(&r.safe_contact, c);
    perpetrator(&r.perpetrator, today, c);
    for (i, child) in r.children.iter().enumerate() {
        household_child(child, &format!("children[{i}]"), today, c);
    }
    c.text(
        "other_vulnerable_adults",
        &r.other_vulnerable_adults,
        false,
        MAX_LONG_TEXT,
    );
    risk(&r.risk, c);
    consent(&r.consent, now, c);
}

fn referrer(r: &Referrer, c: &mut Checker) {
    let org_type = c.required("referrer.organisation_type", &r.organisation_type);
    if let Some(id) = c.value("referrer.organisation_id", &r.organisation_id, true)
        && org_type == Some(&OrganisationType::Police)
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
    c.value("referrer.collar_number", &r.collar_number, true);
    c.text("referrer.rank", &r.rank, false, MAX_SHORT_TEXT);
    c.text("referrer.station", &r.station, false, MAX_SHORT_TEXT);
    c.value("referrer.contact_phone", &r.contact_phone, true);
    c.email("referrer.email", &r.email, true);
}

fn incident(i: &Incident, now: DateTime<Utc>, victim_dob: Option<NaiveDate>, c: &mut Checker) {
    c.text(
        "incident.incident_number",
        &i.incident_number,
        true,
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
        if at.with_timezone(&Utc) > now + CLOCK_SKEW {
            c.problem(
                "incident.occurred_at",
                "incident.in_future",
                "The incident time is in the future.",
            );
        }
        if let Some(dob) = victim_dob
            && at.date_naive() < dob
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
    c.text(
        "incident.existing_orders",
        &i.existing_orders,
        false,
        MAX_LONG_TEXT,
    );
    c.text("incident.reason", &i.reason, true, MAX_LONG_TEXT);
}

fn victim(v: &Victim, today: NaiveDate, c: &mut Checker) -> Option<NaiveDate> {
    c.text("victim.forename", &v.forename, true, MAX_SHORT_TEXT);
    c.text("victim.surname", &v.surname, true, MAX_SHORT_TEXT);
    c.text("victim.other_names", &v.other_names, false, MAX_SHORT_TEXT);
    let dob = date_of_birth("victim.date_of_birth", &v.date_of_birth, true, today, c);
    if let Some(dob) = dob
        && dob <= today
        && age_on(dob, today) < MINIMUM_VICTIM_AGE
    {
        c.problem(
            "victim.date_of_birth",
            "victim.under_16",
            "The victim is under 16: this is a child-safeguarding matter. Do not send this referral; follow your force's child safeguarding procedure.",
        );
    }
    c.text(
        "victim.sex_or_gender",
        &v.sex_or_gender,
        false,
        MAX_SHORT_TEXT,
    );
    match (&v.address, v.no_fixed_abode) {
        (Some(_), Some(true)) => c.problem(
            "victim.address",
            "address.conflicts_with_no_fixed_abode",
            "An address is given but the victim is marked as having no fixed abode.",
        ),
        (Some(a), _) => address("victim.address", a, true, c),
        (None, Some(true)) => {}
        (None, _) => c.missing(
            "victim.address",
            "address.required_or_no_fixed_abode",
            "Give the victim's address, or mark them as having no fixed abode.",
        ),
    }
    c.text(
        "victim.preferred_language",
        &v.preferred_language,
        true,
        MAX_SHORT_TEXT,
    );
    c.required("victim.interpreter_required", &v.interpreter_required);
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
    c.text(
        "victim.immigration_status",
        &v.immigration_status,
        false,
        MAX_LONG_TEXT,
    );
    dob
}

fn address(path: &str, a: &Address, postcode_mandatory: bool, c: &mut Checker) {
    c.text(&format!("{path}.line1"), &a.line1, true, MAX_SHORT_TEXT);
    c.text(&format!("{path}.line2"), &a.line2, false, MAX_SHORT_TEXT);
    c.text(&format!("{path}.town"), &a.town, false, MAX_SHORT_TEXT);
    c.value(&format!("{path}.postcode"), &a.postcode, postcode_mandatory);
}

fn safe_contact(s: &SafeContact, c: &mut Checker) {
    let phone = c.value("safe_contact.phone", &s.phone, true);
    c.required("safe_contact.safe_to_call", &s.safe_to_call);
    c.required("safe_contact.voicemail_safe", &s.voicemail_safe);
    if c.required("safe_contact.text_message_safe", &s.text_message_safe) == Some(&true)
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
        if let (Some(from), Some(to)) = (from, to)
            && from >= to
        {
            c.problem(
                &format!("{path}.to"),
                "safe_time.not_after_from",
                "The end of a safe time window must be after its start.",
            );
        }
    }
    if let Some(alt) = &s.alternative_contact {
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
    }
    c.email("safe_contact.email", &s.email, false);
}

fn perpetrator(p: &Perpetrator, today: NaiveDate, c: &mut Checker) {
    c.text("perpetrator.name", &p.name, true, MAX_SHORT_TEXT);
    c.text(
        "perpetrator.other_names",
        &p.other_names,
        false,
        MAX_SHORT_TEXT,
    );
    date_of_birth(
        "perpetrator.date_of_birth",
        &p.date_of_birth,
        false,
        today,
        c,
    );
    if let Some(age) = p.approximate_age
        && !(10..=120).contains(&age)
    {
        c.problem(
            "perpetrator.approximate_age",
            "age.out_of_range",
            "An approximate age must be between 10 and 120.",
        );
    }
    if let Some(a) = &p.address {
        address("perpetrator.address", a, false, c);
    }
    c.required(
        "perpetrator.relationship_to_victim",
        &p.relationship_to_victim,
    );
}

fn household_child(ch: &Child, path: &str, today: NaiveDate, c: &mut Checker) {
    c.text(&format!("{path}.name"), &ch.name, true, MAX_SHORT_TEXT);
    date_of_birth(
        &format!("{path}.date_of_birth"),
        &ch.date_of_birth,
        true,
        today,
        c,
    );
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

fn risk(r: &Risk, c: &mut Checker) {
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
    if let Some(level) = level
        && level < instrument.suggested_level(&r.answers)
        && !has_rationale
    {
        c.problem(
            "risk.rationale",
            "risk.level_below_suggested",
            "The risk level is below the level the answers suggest: give a professional-judgement rationale.",
        );
    }
}

fn consent(k: &Consent, now: DateTime<Utc>, c: &mut Checker) {
    if c.required("consent.given", &k.given) == Some(&false) {
        c.problem(
            "consent.given",
            "consent.not_given",
            "The victim has not consented: a referral cannot be sent without consent.",
        );
    }
    c.required("consent.method", &k.method);
    if let Some(at) = c
        .value("consent.obtained_at", &k.obtained_at, true)
        .and_then(|v| v.instant())
        && at.with_timezone(&Utc) > now + CLOCK_SKEW
    {
        c.problem(
            "consent.obtained_at",
            "instant.in_future",
            "This time is in the future.",
        );
    }
    c.text("consent.obtained_by", &k.obtained_by, true, MAX_SHORT_TEXT);
    c.text(
        "consent.body_worn_video_reference",
        &k.body_worn_video_reference,
        false,
        MAX_SHORT_TEXT,
    );
    c.text(
        "consent.script_version",
        &k.script_version,
        true,
        MAX_SHORT_TEXT,
    );
}

fn date_of_birth(
    path: &str,
    value: &Option<crate::values::DateValue>,
    mandatory: bool,
    today: NaiveDate,
    c: &mut Checker,
) -> Option<NaiveDate> {
    let dob = c.value(path, value, mandatory)?.date()?;
    if dob > today {
        c.problem(
            path,
            "date.in_future",
            "A date of birth cannot be in the future.",
        );
        return None;
    }
    Some(dob)
}

/// Age in whole years on `on`.
fn age_on(dob: NaiveDate, on: NaiveDate) -> u32 {
    let mut age = on.year() - dob.year();
    if (on.month(), on.day()) < (dob.month(), dob.day()) {
        age -= 1;
    }
    age.max(0) as u32
}
