//! Behaviour of the rules, each proven by breaking the valid example in one way.

use chrono::{DateTime, TimeZone, Utc};

use super::*;
use crate::example::example_referral;
use crate::model::*;
use crate::values::*;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 28, 12, 0, 0).unwrap()
}

fn problems(r: &Referral) -> Vec<(String, String)> {
    match validate_for_submission(r, now()) {
        Ok(()) => Vec::new(),
        Err(ps) => ps.into_iter().map(|p| (p.path, p.code)).collect(),
    }
}

fn has(r: &Referral, path: &str, code: &str) -> bool {
    let found = problems(r);
    found.iter().any(|(p, c)| p == path && c == code)
}

#[test]
fn the_example_has_no_problems() {
    assert_eq!(
        problems(&example_referral()),
        Vec::<(String, String)>::new()
    );
}

#[test]
fn an_empty_draft_lists_every_mandatory_field_as_missing_and_nothing_as_wrong() {
    let report = validate_draft(&Referral::default(), now());
    assert!(report.problems.is_empty());
    let paths: Vec<&str> = report.missing.iter().map(|p| p.path.as_str()).collect();
    for path in [
        "referrer.organisation_type",
        "referrer.organisation_id",
        "referrer.officer_name",
        "referrer.contact_phone",
        "referrer.email",
        "incident.crime_recorded",
        "incident.occurred_at",
        "incident.reason",
        "victim.surname",
        "victim.date_of_birth",
        "victim.address",
        "victim.preferred_language",
        "victim.interpreter_required",
        "safe_contact.phone",
        "safe_contact.safe_to_call",
        "safe_contact.voicemail_safe",
        "safe_contact.text_message_safe",
        "safe_contact.safe_times",
        "perpetrator.name",
        "perpetrator.relationship_to_victim",
        "risk.instrument",
        "risk.officer_level",
        "consent.given",
        "consent.method",
        "consent.obtained_at",
        "consent.obtained_by",
        "consent.script_version",
    ] {
        assert!(paths.contains(&path), "{path} not reported missing");
    }
    // A single name is valid; collar and incident numbers depend on who refers.
    for path in [
        "victim.forename",
        "referrer.collar_number",
        "incident.incident_number",
    ] {
        assert!(!paths.contains(&path), "{path} reported missing");
    }
}

#[test]
fn a_draft_reports_wrong_values_separately_from_missing_ones() {
    let mut r = Referral::default();
    r.safe_contact.phone = Some(PhoneNumber::parse("12"));
    let report = validate_draft(&r, now());
    assert_eq!(report.problems.len(), 1);
    assert_eq!(report.problems[0].code, "phone.invalid");
    assert!(
        !report
            .missing
            .iter()
            .any(|p| p.path == "safe_contact.phone")
    );
}

#[test]
fn strict_validation_returns_every_problem_at_once() {
    let mut r = example_referral();
    r.safe_contact.phone = Some(PhoneNumber::parse("020 7946 0123"));
    r.victim.address.as_mut().unwrap().postcode = Some(Postcode::parse("NOT A CODE"));
    r.consent.given = Some(false);
    r.children[0].date_of_birth = Some(DateValue::parse("2030-01-01"));
    let found = problems(&r);
    assert_eq!(found.len(), 5, "{found:?}");
    assert!(has(&r, "safe_contact.phone", "phone.not_mobile"));
    assert!(has(
        &r,
        "consent.agreed_contact_methods[1]",
        "contact_method.text_unusable"
    ));
    assert!(has(&r, "victim.address.postcode", "postcode.invalid"));
    assert!(has(&r, "consent.given", "consent.not_given"));
    assert!(has(&r, "children[0].date_of_birth", "date.in_future"));
}

#[test]
fn text_message_safe_needs_a_mobile_but_calls_only_do_not() {
    let mut r = example_referral();
    r.safe_contact.phone = Some(PhoneNumber::parse("0306 999 0123"));
    assert!(has(&r, "safe_contact.phone", "phone.not_mobile"));
    r.safe_contact.text_message_safe = Some(false);
    r.consent.agreed_contact_methods = vec![ContactMethod::Phone];
    assert!(problems(&r).is_empty(), "{:?}", problems(&r));
}

#[test]
fn a_victim_under_16_at_the_incident_is_refused_towards_child_safeguarding() {
    // The example's incident is on 20 November 2026; "now" is 28 November.
    let mut r = example_referral();
    r.victim.date_of_birth = Some(DateValue::parse("2010-11-21"));
    assert!(has(&r, "victim.date_of_birth", "victim.under_16"));
    // 16 on the day of the incident: the Act applies.
    r.victim.date_of_birth = Some(DateValue::parse("2010-11-20"));
    assert!(!has(&r, "victim.date_of_birth", "victim.under_16"));
    // 16 by the time of checking but not at the incident: still safeguarding.
    r.victim.date_of_birth = Some(DateValue::parse("2010-11-25"));
    assert!(has(&r, "victim.date_of_birth", "victim.under_16"));
}

#[test]
fn dates_of_birth_in_the_future_are_refused() {
    let mut r = example_referral();
    r.victim.date_of_birth = Some(DateValue::parse("2026-11-29"));
    assert!(has(&r, "victim.date_of_birth", "date.in_future"));
}

#[test]
fn incident_times_allow_small_clock_skew_but_not_the_future_or_before_birth() {
    let mut r = example_referral();
    r.incident.occurred_at = Some(InstantValue::parse("2026-11-28T12:04:00+00:00"));
    r.consent.obtained_at = r.incident.occurred_at.clone();
    r.perpetrator.custody = None;
    r.incident.existing_orders.clear();
    assert!(problems(&r).is_empty(), "{:?}", problems(&r));
    r.incident.occurred_at = Some(InstantValue::parse("2026-11-28T12:06:00+00:00"));
    assert!(has(&r, "incident.occurred_at", "incident.in_future"));
    // An offset is honoured: 13:04 at +01:00 is 12:04 UTC.
    r.incident.occurred_at = Some(InstantValue::parse("2026-11-28T13:04:00+01:00"));
    assert!(!has(&r, "incident.occurred_at", "incident.in_future"));
    r.incident.occurred_at = Some(InstantValue::parse("1989-01-01T10:00:00+00:00"));
    assert!(has(
        &r,
        "incident.occurred_at",
        "incident.before_victim_birth"
    ));
    r.incident.occurred_at = Some(InstantValue::parse("2026-11-20T21:40:00"));
    assert!(has(&r, "incident.occurred_at", "instant.invalid"));
}

#[test]
fn a_crime_reference_not_issued_yet_is_to_follow_and_refused_when_no_crime_was_recorded() {
    let mut r = example_referral();
    r.incident.crime_reference = None;
    assert!(problems(&r).is_empty());
    let report = validate_draft(&r, now());
    let follow: Vec<&str> = report.to_follow().map(|p| p.code.as_str()).collect();
    assert_eq!(follow, ["crime_reference.to_follow"]);
    r.incident.crime_recorded = Some(false);
    assert!(problems(&r).is_empty());
    r.incident.crime_reference = Some("CRIS-1".into());
    assert!(has(
        &r,
        "incident.crime_reference",
        "crime_reference.not_recorded"
    ));
}

#[test]
fn an_address_or_no_fixed_abode_is_required_but_not_both() {
    let mut r = example_referral();
    r.victim.address = None;
    assert!(has(
        &r,
        "victim.address",
        "address.required_or_no_fixed_abode"
    ));
    r.victim.no_fixed_abode = Some(true);
    assert!(problems(&r).is_empty());
    r.victim.address = example_referral().victim.address;
    assert!(has(
        &r,
        "victim.address",
        "address.conflicts_with_no_fixed_abode"
    ));
}

#[test]
fn consent_must_be_given_with_method_time_officer_and_script() {
    let mut r = example_referral();
    r.consent = Consent {
        given: Some(true),
        ..Consent::default()
    };
    for path in [
        "consent.method",
        "consent.obtained_at",
        "consent.obtained_by",
        "consent.script_version",
    ] {
        assert!(has(&r, path, "field.required"), "{path}");
    }
    r.consent = example_referral().consent;
    r.consent.obtained_at = Some(InstantValue::parse("2026-11-29T12:00:00+00:00"));
    assert!(has(&r, "consent.obtained_at", "instant.in_future"));
}

#[test]
fn safe_time_windows_need_at_least_one_and_may_pass_midnight_but_not_be_empty() {
    let mut r = example_referral();
    r.safe_contact.safe_times.clear();
    assert!(has(&r, "safe_contact.safe_times", "safe_times.none"));
    r.safe_contact.safe_times.push(SafeTimeWindow {
        day: Weekday::Monday,
        from: TimeOfDay::parse("14:00"),
        to: TimeOfDay::parse("14:00"),
    });
    assert!(has(
        &r,
        "safe_contact.safe_times[0].to",
        "safe_time.empty_window"
    ));
    // 22:00 to 02:00 passes midnight: valid.
    r.safe_contact.safe_times[0].from = TimeOfDay::parse("22:00");
    r.safe_contact.safe_times[0].to = TimeOfDay::parse("02:00");
    r.safe_contact.safe_times[0].day = Weekday::Weekends;
    assert!(problems(&r).is_empty(), "{:?}", problems(&r));
    r.safe_contact.safe_times[0].from = TimeOfDay::parse("9 o'clock");
    assert!(has(&r, "safe_contact.safe_times[0].from", "time.invalid"));
}

#[test]
fn every_question_of_the_instrument_must_be_answered_once() {
    let mut r = example_referral();
    let removed = r.risk.answers.remove(4);
    assert!(has(
        &r,
        &format!("risk.answers.{}", removed.question_id),
        "risk.unanswered"
    ));
    r.risk.answers.push(r.risk.answers[0].clone());
    assert!(has(
        &r,
        "risk.answers[26].question_id",
        "risk.duplicate_answer"
    ));
    r.risk.answers[26].question_id = "q99_made_up".into();
    assert!(has(
        &r,
        "risk.answers[26].question_id",
        "risk.unknown_question"
    ));
}

#[test]
fn an_unknown_instrument_is_sent_with_a_warning_when_level_and_rationale_are_given() {
    let mut r = example_referral();
    r.risk.instrument = Some(InstrumentRef {
        id: "dara".into(),
        version: "2022".into(),
    });
    r.risk.answers[0].question_id = "dara_q1_typed_as_is".into();
    r.risk.rationale = None;
    assert!(has(
        &r,
        "risk.rationale",
        "risk.rationale_required_unknown_instrument"
    ));
    r.risk.rationale = Some("Strangulation and threats to kill tonight".into());
    assert!(problems(&r).is_empty(), "{:?}", problems(&r));
    let report = validate_draft(&r, now());
    let warnings: Vec<&str> = report.warnings().map(|p| p.code.as_str()).collect();
    assert_eq!(warnings, ["risk.instrument_not_known"]);
    // Version 2 refused it: a version 2 document is still checked by its own rules.
    let v2 = validate_for_submission_with(&r, Rules::V2, now()).unwrap_err();
    assert!(v2.iter().any(|p| p.code == "risk.unknown_instrument"));
}

fn with_yes_answers(count: usize, level: RiskLevel, rationale: Option<&str>) -> Referral {
    let mut r = example_referral();
    for (i, a) in r.risk.answers.iter_mut().enumerate() {
        a.answer = if i < count { Answer::Yes } else { Answer::No };
    }
    r.risk.officer_level = Some(level);
    r.risk.rationale = rationale.map(str::to_string);
    // The example's flags agree with its own answers, not with these.
    r.risk.flags = None;
    r
}

#[test]
fn the_level_can_never_be_below_the_answers_level_even_with_a_rationale() {
    let r = with_yes_answers(14, RiskLevel::Medium, None);
    assert!(has(&r, "risk.officer_level", "risk.level_below_answers"));
    let r = with_yes_answers(14, RiskLevel::Medium, Some("Victim has moved to a refuge"));
    assert!(has(&r, "risk.officer_level", "risk.level_below_answers"));
    // 10 to 13 "yes" as medium is a local band, not national guidance: a warning (below).
    let r = with_yes_answers(10, RiskLevel::Standard, Some("Low risk in my judgement"));
    assert!(!has(&r, "risk.officer_level", "risk.level_below_answers"));
}

#[test]
fn a_level_below_a_local_band_is_a_warning_with_a_rationale() {
    let r = with_yes_answers(11, RiskLevel::Standard, None);
    assert!(has(
        &r,
        "risk.rationale",
        "risk.rationale_required_below_local_band"
    ));
    let r = with_yes_answers(
        11,
        RiskLevel::Standard,
        Some("Risk managed: moved to family"),
    );
    assert!(problems(&r).is_empty());
    let warnings: Vec<String> = validate_draft(&r, now())
        .warnings()
        .map(|p| p.code.clone())
        .collect();
    assert_eq!(warnings, ["risk.level_below_local_band"]);
    // Version 2 had no local bands: below medium was an error there.
    assert!(validate_for_submission_with(&r, Rules::V2, now()).is_err());
}

#[test]
fn a_level_above_the_answers_level_needs_a_rationale_and_an_equal_one_does_not() {
    assert!(problems(&with_yes_answers(14, RiskLevel::High, None)).is_empty());
    assert!(problems(&with_yes_answers(10, RiskLevel::Medium, None)).is_empty());
    assert!(problems(&with_yes_answers(9, RiskLevel::Standard, None)).is_empty());
    let r = with_yes_answers(3, RiskLevel::High, None);
    assert!(has(&r, "risk.rationale", "risk.rationale_required"));
    let r = with_yes_answers(3, RiskLevel::High, Some("   "));
    assert!(has(&r, "risk.rationale", "risk.rationale_required"));
    let r = with_yes_answers(
        13,
        RiskLevel::High,
        Some("Strangulation: judgement raises it"),
    );
    assert!(problems(&r).is_empty());
}

#[test]
fn police_referrers_need_a_known_force_but_others_any_slug() {
    let mut r = example_referral();
    r.referrer.organisation_id = Some(OrganisationId::parse("atlantis"));
    assert!(has(
        &r,
        "referrer.organisation_id",
        "organisation_id.unknown_force"
    ));
    r.referrer.organisation_type = Some(OrganisationType::Charity);
    r.referrer.collar_number = None;
    r.referrer.rank = None;
    r.referrer.role = Some("Outreach worker".into());
    assert!(problems(&r).is_empty(), "{:?}", problems(&r));
    r.referrer.organisation_id = Some(OrganisationId::parse("Not A Slug"));
    assert!(has(
        &r,
        "referrer.organisation_id",
        "organisation_id.invalid"
    ));
}

#[test]
fn whitespace_only_text_counts_as_missing_and_overlong_text_is_refused() {
    let mut r = example_referral();
    r.victim.surname = Some("   ".into());
    r.victim.forename = Some("  ".into());
    assert!(has(&r, "victim.surname", "victim.name_required"));
    r.victim.forename = Some("x".repeat(checker::MAX_SHORT_TEXT + 1));
    assert!(has(&r, "victim.forename", "text.too_long"));
}

#[test]
fn emails_and_collar_numbers_are_checked_for_shape() {
    let mut r = example_referral();
    r.referrer.email = Some("not an email".into());
    r.referrer.collar_number = Some(CollarNumber::parse("AB-12345678"));
    assert!(has(&r, "referrer.email", "email.invalid"));
    assert!(has(&r, "referrer.collar_number", "collar_number.invalid"));
}

#[test]
fn a_child_entry_needs_all_of_its_fields() {
    let mut r = example_referral();
    r.children.push(Child::default());
    for field in [
        "name",
        "date_of_birth",
        "relationship_to_victim",
        "relationship_to_perpetrator",
        "lives_at_address",
        "present_or_witnessed",
    ] {
        assert!(
            has(&r, &format!("children[1].{field}"), "field.required"),
            "{field}"
        );
    }
}

#[test]
fn problems_never_contain_the_typed_value() {
    let canary = "CANARY7Q";
    let mut r = example_referral();
    r.safe_contact.phone = Some(PhoneNumber::parse(&format!("{canary}0123")));
    r.victim.address.as_mut().unwrap().postcode = Some(Postcode::parse(canary));
    r.victim.date_of_birth = Some(DateValue::parse(canary));
    r.referrer.email = Some(canary.into());
    r.incident.occurred_at = Some(InstantValue::parse(canary));
    let Err(found) = validate_for_submission(&r, now()) else {
        panic!("expected problems")
    };
    assert!(found.len() >= 5);
    for p in &found {
        assert!(!format!("{} {} {}", p.path, p.code, p.message).contains(canary));
    }
}

#[test]
fn overlong_lists_are_refused() {
    let mut r = example_referral();
    r.children = vec![example_referral().children[0].clone(); MAX_CHILDREN + 1];
    assert!(has(&r, "children", "list.too_long"));
    r.children.truncate(MAX_CHILDREN);
    assert!(problems(&r).is_empty());
}

#[test]
fn a_referral_too_large_to_send_is_refused_although_every_field_is_within_its_limit() {
    let mut r = example_referral();
    // Limits count characters; a euro sign is three bytes.
    let long = "€".repeat(checker::MAX_LONG_TEXT);
    for a in &mut r.risk.answers {
        a.comment = Some(long.clone());
    }
    let Err(found) = validate_for_submission(&r, now()) else {
        panic!("a referral over the size limit was accepted")
    };
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(
        (found[0].path.as_str(), found[0].code.as_str()),
        ("referral", "referral.too_large")
    );
    assert!(serde_json::to_vec(&r).unwrap().len() > MAX_REFERRAL_BYTES);
}

#[test]
fn ages_are_judged_on_the_uk_calendar_date_of_the_incident() {
    // 23:30 UTC on 15 June is 00:30 on 16 June in London (BST).
    let later = Utc.with_ymd_and_hms(2026, 6, 20, 12, 0, 0).unwrap();
    let late_evening = later;
    let mut r = example_referral();
    r.incident.occurred_at = Some(InstantValue::parse("2026-06-15T23:30:00+00:00"));
    r.consent.obtained_at = Some(InstantValue::parse("2026-06-16T00:10:00+00:00"));
    r.perpetrator.custody = None;
    r.victim.date_of_birth = Some(DateValue::parse("2010-06-16"));
    let found = validate_for_submission(&r, late_evening)
        .err()
        .unwrap_or_default();
    assert!(
        !found.iter().any(|p| p.code == "victim.under_16"),
        "{found:?}"
    );
    r.victim.date_of_birth = Some(DateValue::parse("2010-06-17"));
    let found = validate_for_submission(&r, late_evening)
        .err()
        .unwrap_or_default();
    assert!(
        found.iter().any(|p| p.code == "victim.under_16"),
        "{found:?}"
    );
}
