//! The rules, one function per group of the form, walked in form order.
//!
//! One walk serves every schema version. A version 1 or 2 document is migrated to the current
//! model on load (nothing typed is lost) and then checked with the rules that applied when it
//! was written ([`Rules::V1`], [`Rules::V2`]), so a referral sealed before an update is never
//! refused for a rule it could not know. The differences are marked `v2` and `v3` below.
//! Version 2 added the rules for its new fields, the risk level rule and ages judged on the
//! incident's day. Version 3 (DOMAIN.md, "Referral v3") turns what the scene cannot know into
//! items to follow instead of errors, adds the errors that make a referral one no advisor could
//! act on (no usable route to the victim, a route through the perpetrator, a relationship
//! outside the law, a jurisdiction not served, contradictions, placeholder names), and warns
//! instead of refusing where practice differs locally. Rules that only relax apply to every
//! version: a document that passed the stricter rule passes the relaxed one too.

use chrono::{DateTime, Datelike, Duration, Months, NaiveDate, Utc};
use chrono_tz::Europe::London;

use super::checker::{Checker, MAX_LONG_TEXT, MAX_SHORT_TEXT};
use crate::instrument::{self, Topic};
use crate::model::*;
use crate::values::{DateValue, InstantValue, Jurisdiction, PhoneNumber};

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
/// Most perpetrators besides the main one (five in all).
pub const MAX_OTHER_PERPETRATORS: usize = 4;
/// Most items a referral lists to follow.
pub const MAX_TO_FOLLOW: usize = 64;
/// Words typed in a name box when the name is not known: a placeholder, never a name. Compared
/// after lower-casing and dropping everything but letters, digits and `?`.
pub const PLACEHOLDER_NAMES: &[&str] = &[
    "unknown",
    "unknownmale",
    "unknownfemale",
    "notknown",
    "nameunknown",
    "namenotknown",
    "nk",
    "tbc",
    "tba",
    "tbd",
    "?",
    "??",
    "???",
    "none",
    "nil",
    "anon",
    "anonymous",
    "x",
    "xx",
    "xxx",
    "refused",
    "notgiven",
    "withheld",
    "nameless",
];

/// Which version's rules to apply: the version the document was written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Rules {
    /// The rules of referral schema version 1 (for documents written in version 1).
    V1,
    /// The rules of referral schema version 2 (for documents written in version 2).
    V2,
    /// The rules of referral schema version 3 (the current version).
    V3,
}

impl Rules {
    /// The rules for documents written in `schema_version`, if this build reads it.
    pub fn for_version(schema_version: u32) -> Option<Rules> {
        match schema_version {
            1 => Some(Rules::V1),
            2 => Some(Rules::V2),
            3 => Some(Rules::V3),
            _ => None,
        }
    }

    /// The rules of the version this build writes.
    pub const CURRENT: Rules = Rules::V3;
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
    /// Version 2 rules or later.
    v2: bool,
    /// Version 3 rules or later.
    v3: bool,
    /// Where the service can act (England and Wales unless its description says more).
    served: Vec<Jurisdiction>,
}

pub(crate) fn check(
    r: &Referral,
    now: DateTime<Utc>,
    rules: Rules,
    served: &[Jurisdiction],
    c: &mut Checker,
) {
    // Dates of birth and ages are UK calendar dates: in Europe/London, not in UTC.
    let today = now.with_timezone(&London).date_naive();
    let occurred_at = r
        .incident
        .occurred_at
        .as_ref()
        .and_then(InstantValue::instant)
        .map(|at| at.with_timezone(&Utc));
    let v2 = rules >= Rules::V2;
    let v3 = rules >= Rules::V3;
    // A course of conduct is judged on its last day (or today, while it goes on).
    let period_end = r
        .incident
        .period
        .as_ref()
        .and_then(|p| p.to.as_ref())
        .and_then(DateValue::date)
        .filter(|d| *d <= today);
    let age_day = match (occurred_at, period_end) {
        (Some(at), _) if v2 => at.with_timezone(&London).date_naive(),
        (None, Some(end)) if v3 => end,
        _ => today,
    };
    let x = Ctx {
        now,
        today,
        occurred_at,
        age_day,
        v2,
        v3,
        served: served.to_vec(),
    };
    c.forbid_controls = v3;
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
        (
            "other_perpetrators",
            r.other_perpetrators.len(),
            MAX_OTHER_PERPETRATORS,
        ),
        ("to_follow", r.to_follow.len(), MAX_TO_FOLLOW),
    ] {
        if len > max {
            c.problem(
                path,
                "list.too_long",
                "This list has more entries than a referral may hold.",
            );
        }
    }
    // The to-follow list is written by the core (paths and codes); a document from elsewhere
    // may carry anything there, so it is held to that shape.
    for (i, item) in r.to_follow.iter().enumerate() {
        let shaped = |t: &str, max: usize| {
            !t.is_empty()
                && t.len() <= max
                && t.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"._[]".contains(&b))
        };
        if !shaped(&item.path, MAX_SHORT_TEXT) || !shaped(&item.code, 100) {
            c.problem(
                &format!("to_follow[{i}]"),
                "to_follow.invalid",
                "An item to follow must name a field path and a rule code.",
            );
        }
    }
    let police = referrer(&r.referrer, &x, c);
    let victim_dob = victim(&r.victim, &x, c);
    incident(&r.incident, police, victim_dob, &x, c);
    safe_contact(&r.safe_contact, &x, c);
    perpetrator(&r.perpetrator, "perpetrator", &x, c);
    if x.v3 {
        custody_outcome(r, police, c);
    }
    for (i, p) in r.other_perpetrators.iter().enumerate() {
        perpetrator(
            &p.as_perpetrator(),
            &format!("other_perpetrators[{i}]"),
            &x,
            c,
        );
    }
    if x.v3 {
        route_through_perpetrator(r, c);
        jurisdiction(r, &x, c);
    }
    for (i, child) in r.children.iter().enumerate() {
        household_child(child, &format!("children[{i}]"), &x, c);
    }
    c.text(
        "other_vulnerable_adults",
        &r.other_vulnerable_adults,
        false,
        MAX_LONG_TEXT,
    );
    let care = r.childrens_social_care.as_ref();
    let involved = care.and_then(|k| k.involved);
    if x.v3 && !r.children.is_empty() && involved.is_none() {
        c.missing(
            "childrens_social_care.involved",
            "social_care.required_with_children",
            "Children are listed: say whether children's social care is involved (yes, no or not known).",
        );
    } else if let Some(care) = care {
        let involved = c.required("childrens_social_care.involved", &care.involved);
        if involved == Some(&Answer::No) && care.social_worker_allocated == Some(true) {
            c.problem(
                "childrens_social_care.social_worker_allocated",
                "social_care.worker_without_involvement",
                "A social worker is allocated but children's social care is marked as not involved.",
            );
        }
    }
    risk(&r.risk, &r.victim, &x, c);
    consent(&r.consent, &r.safe_contact, &x, c);
}

/// The referrer's own details as a profile holds them: each value given must have its shape;
/// none is mandatory (a profile may be partly filled).
pub(crate) fn referrer_details(r: &Referrer, c: &mut Checker) {
    c.forbid_controls = true;
    c.text(
        "referrer.officer_name",
        &r.officer_name,
        false,
        MAX_SHORT_TEXT,
    );
    c.value("referrer.collar_number", &r.collar_number, false);
    c.text("referrer.rank", &r.rank, false, MAX_SHORT_TEXT);
    c.text("referrer.role", &r.role, false, MAX_SHORT_TEXT);
    c.text("referrer.station", &r.station, false, MAX_SHORT_TEXT);
    c.value("referrer.contact_phone", &r.contact_phone, false);
    c.email("referrer.email", &r.email, false);
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
        // The crime number is often issued after the officer leaves the scene.
        Some(true) if reference_blank && x.v3 => c.follows(
            "incident.crime_reference",
            "crime_reference.to_follow",
            "A crime was recorded and its number is not issued yet: it will follow.",
        ),
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
    // Version 3: a course of conduct (months of coercive control) has a period, not a time.
    let period_given = x.v3 && i.period.is_some();
    if period_given && let Some(period) = &i.period {
        incident_period(period, x, c);
    }
    let time_typed = i
        .occurred_at
        .as_ref()
        .is_some_and(|t| !t.as_str().is_empty());
    if x.v3 && !time_typed && !period_given {
        c.missing(
            "incident.occurred_at",
            "incident.time_or_period_required",
            "Give when it happened: a date and time, or the period of a course of conduct.",
        );
    }
    if let Some(at) = c
        .value("incident.occurred_at", &i.occurred_at, !x.v3)
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
        // Version 3: an expired order is history (a breach, a renewal), not an error.
        if let (Some(expires), Some(at)) = (expires, x.occurred_at)
            && !x.v3
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

/// The period of a course of conduct: a first day, and a last day unless it goes on.
fn incident_period(p: &IncidentPeriod, x: &Ctx, c: &mut Checker) {
    let from = c
        .value("incident.period.from", &p.from, true)
        .and_then(DateValue::date);
    let to = c
        .value("incident.period.to", &p.to, false)
        .and_then(DateValue::date);
    for (path, day) in [("incident.period.from", from), ("incident.period.to", to)] {
        if day.is_some_and(|d| d > x.today) {
            c.problem(path, "date.in_future", "This date is in the future.");
        }
    }
    if let (Some(from), Some(to)) = (from, to)
        && to < from
    {
        c.problem(
            "incident.period.to",
            "period.ends_before_start",
            "The period ends before it starts.",
        );
    }
    if to.is_some() && p.ongoing == Some(true) {
        c.problem(
            "incident.period.ongoing",
            "period.ongoing_with_end",
            "The abuse is marked as ongoing but the period has a last day.",
        );
    }
}

fn victim(v: &Victim, x: &Ctx, c: &mut Checker) -> Option<NaiveDate> {
    if x.v3 {
        // One name in either box is enough (a single name, or a forename only given).
        let forename = c.text("victim.forename", &v.forename, false, MAX_SHORT_TEXT);
        let surname = c.text("victim.surname", &v.surname, false, MAX_SHORT_TEXT);
        if !forename && !surname && blank(&v.forename) && blank(&v.surname) {
            c.missing(
                "victim.surname",
                "victim.name_required",
                "Give the victim's name: one name in either box is enough.",
            );
        }
        for (path, name) in [
            ("victim.forename", &v.forename),
            ("victim.surname", &v.surname),
        ] {
            placeholder_name(path, name, c);
        }
    } else {
        // A person with a single name has it in the surname (as passports do); forename empty.
        c.text("victim.forename", &v.forename, !x.v2, MAX_SHORT_TEXT);
        c.text("victim.surname", &v.surname, true, MAX_SHORT_TEXT);
    }
    c.text("victim.other_names", &v.other_names, false, MAX_SHORT_TEXT);
    let dob_typed = v
        .date_of_birth
        .as_ref()
        .is_some_and(|d| !d.as_str().is_empty());
    // Version 3: the date of birth may follow once the victim is known to be 16 or over.
    let dob_may_follow =
        !dob_typed && (v.aged_16_or_over == Some(true) || v.approximate_age.is_some());
    // Said to be under 16: that is the error to show, not a missing date.
    let said_under_16 = !dob_typed && v.aged_16_or_over == Some(false);
    let dob = date_of_birth(
        "victim.date_of_birth",
        &v.date_of_birth,
        !dob_may_follow && !said_under_16,
        x,
        c,
    );
    let mut age = None;
    if let Some(dob) = dob
        && dob <= x.age_day
    {
        age = Some(age_on(dob, x.age_day));
    }
    if !dob_typed && let Some(years) = v.approximate_age {
        if years > 120 {
            c.problem(
                "victim.approximate_age",
                "age.out_of_range",
                "An approximate age must be between 0 and 120.",
            );
        } else {
            age = Some(u32::from(years));
        }
    }
    match age {
        Some(years) if years < MINIMUM_VICTIM_AGE => {
            let path = if dob.is_some() {
                "victim.date_of_birth"
            } else {
                "victim.approximate_age"
            };
            c.problem(
                path,
                "victim.under_16",
                "The victim was under 16 at the incident: this is a child-safeguarding matter. Do not send this referral; follow your child safeguarding procedure.",
            );
        }
        Some(years) if x.v3 && years < ADULT_AGE && v.childrens_social_care_told.is_none() => {
            c.missing(
                "victim.childrens_social_care_told",
                "victim.16_17_social_care_required",
                "A victim aged 16 or 17 is also a child: say whether children's social care has been or will be told.",
            );
        }
        _ => {}
    }
    if !dob_typed && v.aged_16_or_over == Some(false) && v.approximate_age.is_none() {
        c.problem(
            "victim.aged_16_or_over",
            "victim.under_16",
            "The victim is under 16: this is a child-safeguarding matter. Do not send this referral; follow your child safeguarding procedure.",
        );
    } else if dob_may_follow && dob.is_none() && age.is_none_or(|a| a >= MINIMUM_VICTIM_AGE) {
        c.follows(
            "victim.date_of_birth",
            "victim.date_of_birth_to_follow",
            "The date of birth is not known yet: it will follow.",
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
        // Version 2 let a confidential address be left out; the service needs it (exclusion
        // zones, occupation orders), so version 3 keeps it, marked confidential.
        (None, _) if confidential && !x.v3 => {}
        (None, _) => c.missing(
            "victim.address",
            "address.required_or_no_fixed_abode",
            "Give the victim's address, or mark them as having no fixed abode.",
        ),
    }
    match &v.care_of_address {
        Some(a) => address("victim.care_of_address", a, true, c),
        // Moved to a refuge tonight: the refuge's care-of address is given later.
        None if confidential && x.v3 => c.follows(
            "victim.care_of_address",
            "address.care_of_to_follow",
            "The address is confidential and the safe care-of address is not known yet: it will follow.",
        ),
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
            "An interpreter is required: give the language (for example Polish, Urdu, BSL).",
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

/// True when an optional text is absent or only whitespace.
fn blank(text: &Option<String>) -> bool {
    text.as_deref().is_none_or(|t| t.trim().is_empty())
}

/// A name as compared: lower case, letters, digits and `?` only ("N/K" and "n.k." are "nk").
fn name_key(name: &str) -> String {
    name.chars()
        .filter(|ch| ch.is_alphanumeric() || *ch == '?')
        .flat_map(char::to_lowercase)
        .collect()
}

/// Version 3: a placeholder typed where a name should be ("Unknown", "N/K", "TBC", "?") is an
/// error: the referral says "name not known" instead, so nobody applies for an order against
/// "Unknown".
fn placeholder_name(path: &str, name: &Option<String>, c: &mut Checker) {
    if let Some(name) = name.as_deref()
        && !name.trim().is_empty()
        && PLACEHOLDER_NAMES.contains(&name_key(name).as_str())
    {
        c.problem(
            path,
            "name.placeholder",
            "This is a placeholder, not a name: leave it empty and say the name is not known.",
        );
    }
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

/// One perpetrator: the main one at `perpetrator`, others at `other_perpetrators[i]`.
fn perpetrator(p: &Perpetrator, at: &str, x: &Ctx, c: &mut Checker) {
    let name_path = format!("{at}.name");
    let named = c.text(&name_path, &p.name, false, MAX_SHORT_TEXT);
    if !named && blank(&p.name) {
        if x.v3 && p.name_not_known == Some(true) {
            c.follows(
                &name_path,
                "perpetrator.name_to_follow",
                "The perpetrator's name is not known yet: it will follow.",
            );
        } else if x.v3 {
            c.missing(
                &name_path,
                "perpetrator.name_required",
                "Give the perpetrator's name (one name is enough), or say the name is not known.",
            );
        } else {
            c.missing(
                &name_path,
                "field.required",
                "This mandatory field is missing.",
            );
        }
    }
    if x.v3 {
        placeholder_name(&name_path, &p.name, c);
    }
    c.text(
        &format!("{at}.other_names"),
        &p.other_names,
        false,
        MAX_SHORT_TEXT,
    );
    let dob_path = format!("{at}.date_of_birth");
    let age_path = format!("{at}.approximate_age");
    let dob = date_of_birth(&dob_path, &p.date_of_birth, false, x, c);
    let mut under_16 = None;
    if let Some(age) = p.approximate_age {
        if !(10..=120).contains(&age) {
            c.problem(
                &age_path,
                "age.out_of_range",
                "An approximate age must be between 10 and 120.",
            );
        } else if u32::from(age) < MINIMUM_VICTIM_AGE {
            under_16 = Some(&age_path);
        }
    }
    if let Some(dob) = dob
        && dob <= x.age_day
        && age_on(dob, x.age_day) < MINIMUM_VICTIM_AGE
    {
        under_16 = Some(&dob_path);
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
        address(&format!("{at}.address"), a, false, c);
    }
    c.value(&format!("{at}.phone"), &p.phone, false);
    let relationship_path = format!("{at}.relationship_to_victim");
    let relationship = c
        .required(&relationship_path, &p.relationship_to_victim)
        .copied();
    if x.v3 {
        relationship_rule(&relationship_path, relationship, c);
    }
    if let Some(custody) = &p.custody {
        custody_status(custody, &format!("{at}.custody"), x, c);
    }
}

/// Version 3: the service acts under the Domestic Abuse Act 2021 (s.2, personally connected)
/// and the Family Law Act 1996 (s.62, associated persons). A paid carer or a neighbour is
/// neither: each is refused with the route to take instead.
fn relationship_rule(path: &str, relationship: Option<Relationship>, c: &mut Checker) {
    match relationship {
        Some(Relationship::PaidCarer) => c.problem(
            path,
            "relationship.paid_carer_adult_safeguarding",
            "A paid carer is not personally connected to the victim: do not send this referral; raise an adult safeguarding concern with the local authority.",
        ),
        Some(Relationship::NeighbourOrFriend) => c.problem(
            path,
            "relationship.not_connected_police",
            "A neighbour or friend is not personally connected to the victim: do not send this referral; this is a police matter (harassment or assault).",
        ),
        Some(Relationship::Other) => c.warning(
            path,
            "relationship.other_confirm",
            "Check the connection is personal (family, intimate, or living in the same household) and say what it is in the reason for referral.",
        ),
        _ => {}
    }
}

/// Version 3: for a police referral the custody outcome is asked; not known yet at the scene,
/// it is to follow. "Arrest made" must agree with it.
fn custody_outcome(r: &Referral, police: Option<bool>, c: &mut Checker) {
    let status = r.perpetrator.custody.as_ref().and_then(|k| k.status);
    if police == Some(true) && status.is_none() && r.perpetrator.custody.is_none() {
        c.follows(
            "perpetrator.custody.status",
            "custody.outcome_to_follow",
            "The custody outcome is not known yet: it will follow.",
        );
    }
    if let (Some(arrested), Some(status)) = (r.incident.arrest_made, status)
        && arrested != status.arrested()
    {
        c.problem(
            "incident.arrest_made",
            "incident.arrest_contradicts_custody",
            "Whether an arrest was made does not agree with the perpetrator's custody outcome.",
        );
    }
}

fn custody_status(k: &Custody, at: &str, x: &Ctx, c: &mut Checker) {
    let status_path = format!("{at}.status");
    let released_path = format!("{at}.released_at");
    let status = c.required(&status_path, &k.status).copied();
    let released = c
        .value(&released_path, &k.released_at, false)
        .and_then(InstantValue::instant);
    let released_typed = k
        .released_at
        .as_ref()
        .is_some_and(|r| !r.as_str().is_empty());
    match status {
        Some(s) if s.released() && !released_typed => {
            c.missing(
                &released_path,
                "custody.release_time_required",
                "Give the time the perpetrator was released: it decides how urgent an order is.",
            );
        }
        // Version 3: in custody, the time is the expected release (the custody clock).
        Some(CustodyStatus::InCustody) if x.v3 && !released_typed => {
            c.follows(
                &released_path,
                "custody.release_time_to_follow",
                "The expected release time is not known yet: it will follow.",
            );
        }
        Some(CustodyStatus::InCustody) if !x.v3 && released_typed => {
            c.problem(
                &released_path,
                "custody.release_time_not_released",
                "A release time is given but the perpetrator is marked as in custody or not arrested.",
            );
        }
        Some(
            CustodyStatus::NotArrested | CustodyStatus::Wanted | CustodyStatus::ChargedAndRemanded,
        ) if released_typed => {
            c.problem(
                &released_path,
                "custody.release_time_not_released",
                "A release time is given but the perpetrator is not arrested, wanted or remanded.",
            );
        }
        _ => {}
    }
    if let (Some(released), Some(at)) = (released, x.occurred_at)
        && released.with_timezone(&Utc) < at
    {
        c.problem(
            &released_path,
            "custody.released_before_incident",
            "The release time is before the incident.",
        );
    }
    let on_bail = status == Some(CustodyStatus::BailWithConditions);
    let conditions_path = format!("{at}.bail_conditions");
    if !c.text(&conditions_path, &k.bail_conditions, false, MAX_LONG_TEXT)
        && on_bail
        && blank(&k.bail_conditions)
    {
        c.missing(
            &conditions_path,
            "custody.bail_conditions_required",
            "Released on bail with conditions: give the conditions.",
        );
    }
    let expiry_path = format!("{at}.bail_expires_on");
    let expiry = c
        .value(&expiry_path, &k.bail_expires_on, false)
        .and_then(DateValue::date);
    let expiry_typed = k
        .bail_expires_on
        .as_ref()
        .is_some_and(|d| !d.as_str().is_empty());
    if on_bail && !expiry_typed {
        c.missing(
            &expiry_path,
            "custody.bail_expiry_required",
            "Released on bail with conditions: give the date the bail ends.",
        );
    }
    if let (Some(expiry), Some(at)) = (expiry, x.occurred_at)
        && expiry < at.with_timezone(&London).date_naive()
    {
        c.problem(
            &expiry_path,
            "custody.bail_expiry_before_incident",
            "The bail end date is before the incident.",
        );
    }
}

/// Version 3: a "safe" route that runs through the perpetrator is no route. The alternative
/// contact may not be a perpetrator (same name once case, spaces and punctuation are set
/// aside, or a perpetrator's phone), and the victim's phone may not be a perpetrator's.
fn route_through_perpetrator(r: &Referral, c: &mut Checker) {
    let others: Vec<Perpetrator> = r
        .other_perpetrators
        .iter()
        .map(OtherPerpetrator::as_perpetrator)
        .collect();
    let perpetrators: Vec<&Perpetrator> = std::iter::once(&r.perpetrator).chain(&others).collect();
    let names: Vec<String> = perpetrators
        .iter()
        .filter_map(|p| p.name.as_deref())
        .map(name_key)
        .filter(|k| !k.is_empty() && !PLACEHOLDER_NAMES.contains(&k.as_str()))
        .collect();
    let phones: Vec<&PhoneNumber> = perpetrators
        .iter()
        .filter_map(|p| p.phone.as_ref())
        .filter(|p| p.is_valid())
        .collect();
    let same_phone = |phone: &Option<PhoneNumber>| {
        phone
            .as_ref()
            .filter(|p| p.is_valid())
            .is_some_and(|p| phones.iter().any(|q| q.as_str() == p.as_str()))
    };
    if let Some(alt) = &r.safe_contact.alternative_contact {
        if alt
            .name
            .as_deref()
            .is_some_and(|n| names.contains(&name_key(n)))
        {
            c.problem(
                "safe_contact.alternative_contact.name",
                "safe_contact.route_through_perpetrator",
                "The safe contact is the perpetrator: give someone else, or no alternative contact.",
            );
        }
        if same_phone(&alt.phone) {
            c.problem(
                "safe_contact.alternative_contact.phone",
                "safe_contact.route_through_perpetrator",
                "The safe contact's phone is the perpetrator's phone.",
            );
        }
    }
    if r.safe_contact.no_safe_phone != Some(true) && same_phone(&r.safe_contact.phone) {
        c.problem(
            "safe_contact.phone",
            "safe_contact.route_through_perpetrator",
            "The victim's safe phone is the perpetrator's phone: it is not safe.",
        );
    }
}

fn household_child(ch: &Child, path: &str, x: &Ctx, c: &mut Checker) {
    let name_path = format!("{path}.name");
    c.text(&name_path, &ch.name, true, MAX_SHORT_TEXT);
    if x.v3 {
        placeholder_name(&name_path, &ch.name, c);
    }
    let dob_path = format!("{path}.date_of_birth");
    let age_path = format!("{path}.approximate_age");
    let dob_typed = ch
        .date_of_birth
        .as_ref()
        .is_some_and(|d| !d.as_str().is_empty());
    // Version 3: with an approximate age, a child's date of birth may follow.
    let dob_may_follow = x.v3 && !dob_typed && ch.approximate_age.is_some();
    if let Some(dob) = date_of_birth(&dob_path, &ch.date_of_birth, !dob_may_follow, x, c)
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
    if dob_may_follow && let Some(age) = ch.approximate_age {
        if u32::from(age) >= ADULT_AGE {
            c.problem(
                &age_path,
                "child.not_under_18",
                "A child is under 18: list an adult under other vulnerable adults instead.",
            );
        } else {
            c.follows(
                &dob_path,
                "child.date_of_birth_to_follow",
                "The child's date of birth is not known yet: it will follow.",
            );
        }
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
    if x.v3 && ch.saw_heard_or_experienced.is_none() {
        c.missing(
            &format!("{path}.saw_heard_or_experienced"),
            "child.s3_question_required",
            "Say whether the child saw, heard or experienced the effects of the abuse: such a child is a victim in their own right.",
        );
    }
    c.text(&format!("{path}.school"), &ch.school, false, MAX_SHORT_TEXT);
}

fn risk(r: &Risk, victim: &Victim, x: &Ctx, c: &mut Checker) {
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
    if x.v3 {
        risk_flags(r, level, has_rationale, c);
    }
    let Some(id) = c.required("risk.instrument", &r.instrument) else {
        return;
    };
    let Some(instrument) = instrument::find(&id.id, &id.version) else {
        if x.v3 {
            // A risk tool the app does not know (DARA in a force that has moved to it): sent
            // with the officer's level and rationale, its answers carried as they were typed.
            c.warning(
                "risk.instrument",
                "risk.instrument_not_known",
                "This risk tool is not one the app knows: its answers are sent as typed, with your risk level and rationale.",
            );
            if !has_rationale && blank(&r.rationale) {
                c.missing(
                    "risk.rationale",
                    "risk.rationale_required_unknown_instrument",
                    "The risk tool is not one the app knows: give the rationale for your risk level.",
                );
            }
        } else {
            c.problem(
                "risk.instrument",
                "risk.unknown_instrument",
                "This risk instrument or version is not known.",
            );
        }
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
    if x.v3 {
        let answered_no = |topic: Topic| {
            instrument.question_on(topic).and_then(|q| {
                r.answers
                    .iter()
                    .position(|a| a.question_id == q.id && a.answer == Answer::No)
            })
        };
        if victim.pregnant == Some(true)
            && let Some(i) = answered_no(Topic::Pregnancy)
        {
            c.problem(
                &format!("risk.answers[{i}].answer"),
                "risk.pregnancy_contradiction",
                "The victim is marked as pregnant but the risk question on pregnancy is answered no.",
            );
        }
        let flags = r.flags.as_ref();
        for (topic, flag, path) in [
            (
                Topic::Strangulation,
                flags.and_then(|f| f.non_fatal_strangulation),
                "risk.flags.non_fatal_strangulation",
            ),
            (
                Topic::ThreatsToKill,
                flags.and_then(|f| f.threats_to_kill),
                "risk.flags.threats_to_kill",
            ),
        ] {
            if flag == Some(Answer::Yes) && answered_no(topic).is_some() {
                c.problem(
                    path,
                    "risk.flag_contradicts_answer",
                    "This flag is yes but the risk question on the same harm is answered no.",
                );
            }
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
        return;
    }
    // Version 3: only national bands bind (14 or more DASH "yes" is high); below a local band
    // (10-13 as medium) is local practice: a warning, with the rationale.
    let binding = if x.v3 {
        instrument.national_level(&r.answers)
    } else {
        from_answers
    };
    if level < binding {
        // Professional judgement may raise the level, never lower it.
        c.problem(
            "risk.officer_level",
            "risk.level_below_answers",
            "The risk level cannot be below the level the answers give.",
        );
    } else if level < from_answers {
        if has_rationale {
            c.warning(
                "risk.officer_level",
                "risk.level_below_local_band",
                "Your level is below your area's local band for these answers: confirm your rationale.",
            );
        } else {
            c.missing(
                "risk.rationale",
                "risk.rationale_required_below_local_band",
                "Your level is below your area's local band for these answers: give the rationale.",
            );
        }
    } else if level > from_answers && !has_rationale {
        c.missing(
            "risk.rationale",
            "risk.rationale_required",
            "The risk level is above the level the answers give: give the professional-judgement rationale.",
        );
    }
}

/// Version 3: a flag advisors act on first (strangulation, threats to kill, stalking) with the
/// level left at standard needs a rationale: such harms are why judgement raises a level.
fn risk_flags(r: &Risk, level: Option<RiskLevel>, has_rationale: bool, c: &mut Checker) {
    let Some(flags) = &r.flags else { return };
    let serious = [
        flags.non_fatal_strangulation,
        flags.threats_to_kill,
        flags.stalking,
    ]
    .contains(&Some(Answer::Yes));
    if serious && level == Some(RiskLevel::Standard) && !has_rationale {
        c.problem(
            "risk.rationale",
            "risk.flag_standard_without_rationale",
            "Strangulation, threats to kill or stalking is flagged but the level is standard: give the rationale, or raise the level.",
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
        contact_methods(k, s, x, c);
    }
}

/// Every contact method the victim agreed to must be usable with the safe contact given; and,
/// version 3, at least one method is agreed and at least one route is safe.
fn contact_methods(k: &Consent, s: &SafeContact, x: &Ctx, c: &mut Checker) {
    let safe_phone = s.no_safe_phone != Some(true);
    let phone = s.phone.as_ref().filter(|p| p.is_valid() && safe_phone);
    if x.v3 {
        if k.agreed_contact_methods.is_empty() {
            c.missing(
                "consent.agreed_contact_methods",
                "consent.contact_method_required",
                "Say how the victim agreed to be contacted: the advisor has no other way to reach them.",
            );
        }
        // Every route answered, none safe: no advisor could reach the victim.
        let answered = !safe_phone
            || (s.safe_to_call.is_some()
                && s.voicemail_safe.is_some()
                && s.text_message_safe.is_some());
        let by_phone = phone.is_some()
            && (s.safe_to_call == Some(true)
                || s.voicemail_safe == Some(true)
                || (s.text_message_safe == Some(true)
                    && phone.is_some_and(|p| p.can_receive_texts())));
        let by_email = !blank(&s.email) && s.email_safe == Some(true);
        let through_someone = s.alternative_contact.is_some();
        if answered && !by_phone && !by_email && !through_someone {
            c.problem(
                "safe_contact",
                "safe_contact.no_safe_route",
                "No way to reach the victim is safe: give a safe email, or a person or agency to reach them through.",
            );
        }
        if let Some(alt) = &s.alternative_contact {
            placeholder_name("safe_contact.alternative_contact.name", &alt.name, c);
        }
    }
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

/// Version 3: Family Law Act 1996 orders are made in England and Wales; Scotland, Northern
/// Ireland, Jersey, Guernsey and the Isle of Man have their own law. A referral from one of
/// their forces, or about an incident there, goes to a service that serves it.
fn jurisdiction(r: &Referral, x: &Ctx, c: &mut Checker) {
    let by_force = r
        .referrer
        .organisation_id
        .as_ref()
        .filter(|id| id.is_valid())
        .and_then(|id| id.jurisdiction());
    if let Some(j) = by_force
        && !x.served.contains(&j)
    {
        c.problem(
            "referrer.organisation_id",
            "jurisdiction.not_served",
            "This force's area has its own law: this service cannot act there. Refer to a service in that jurisdiction.",
        );
        return;
    }
    let by_place = r
        .incident
        .location_postcode
        .as_ref()
        .filter(|p| p.is_valid())
        .and_then(|p| p.jurisdiction());
    if let Some(j) = by_place
        && !x.served.contains(&j)
    {
        c.problem(
            "incident.location_postcode",
            "jurisdiction.not_served",
            "The incident was in a place with its own law: this service cannot act there. Refer to a service in that jurisdiction.",
        );
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
