//! The rules of referral version 3 (DOMAIN.md, "Referral v3"), each proven by changing the
//! valid example the way a practitioner at a scene would: what the scene cannot know is sent to
//! follow, what no advisor could act on is an error, what is unusual asks for confirmation.

use chrono::{DateTime, TimeZone, Utc};

use super::*;
use crate::example::example_referral;
use crate::model::*;
use crate::values::*;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 28, 12, 0, 0).unwrap()
}

fn report(r: &Referral) -> DraftReport {
    validate_draft(r, now())
}

fn found(r: &Referral, kind: ProblemKind) -> Vec<(String, String)> {
    report(r)
        .of_kind(kind)
        .map(|p| (p.path.clone(), p.code.clone()))
        .collect()
}

fn errors(r: &Referral) -> Vec<(String, String)> {
    found(r, ProblemKind::Error)
}

fn to_follow(r: &Referral) -> Vec<(String, String)> {
    found(r, ProblemKind::ToFollow)
}

fn warnings(r: &Referral) -> Vec<(String, String)> {
    found(r, ProblemKind::Warning)
}

fn pair(path: &str, code: &str) -> (String, String) {
    (path.to_string(), code.to_string())
}

#[track_caller]
fn only_error(r: &Referral, path: &str, code: &str) {
    assert_eq!(errors(r), [pair(path, code)]);
}

#[track_caller]
fn sendable_with_to_follow(r: &Referral, path: &str, code: &str) {
    assert_eq!(errors(r), Vec::<(String, String)>::new());
    assert!(validate_for_submission(r, now()).is_ok());
    assert!(
        to_follow(r).contains(&pair(path, code)),
        "{:?}",
        to_follow(r)
    );
}

// ---- To follow instead of blocking ----

#[test]
fn the_victims_date_of_birth_follows_when_16_or_over_is_confirmed() {
    let mut r = example_referral();
    r.victim.date_of_birth = None;
    assert_eq!(
        errors(&r),
        [pair("victim.date_of_birth", "field.required")],
        "neither confirmed nor approximate: still needed"
    );
    r.victim.aged_16_or_over = Some(true);
    sendable_with_to_follow(&r, "victim.date_of_birth", "victim.date_of_birth_to_follow");
    r.victim.aged_16_or_over = Some(false);
    only_error(&r, "victim.aged_16_or_over", "victim.under_16");
}

#[test]
fn the_victims_date_of_birth_follows_with_an_approximate_age_and_under_16_is_refused() {
    let mut r = example_referral();
    r.victim.date_of_birth = None;
    r.victim.approximate_age = Some(30);
    sendable_with_to_follow(&r, "victim.date_of_birth", "victim.date_of_birth_to_follow");
    r.victim.approximate_age = Some(14);
    only_error(&r, "victim.approximate_age", "victim.under_16");
    assert!(to_follow(&r).is_empty());
}

#[test]
fn a_childs_date_of_birth_follows_with_an_approximate_age() {
    let mut r = example_referral();
    r.children[0].date_of_birth = None;
    only_error(&r, "children[0].date_of_birth", "field.required");
    r.children[0].approximate_age = Some(4);
    sendable_with_to_follow(
        &r,
        "children[0].date_of_birth",
        "child.date_of_birth_to_follow",
    );
    r.children[0].approximate_age = Some(19);
    only_error(&r, "children[0].approximate_age", "child.not_under_18");
}

#[test]
fn the_care_of_address_of_a_victim_moved_to_a_refuge_tonight_is_to_follow() {
    let mut r = example_referral();
    r.victim.address_confidential = Some(true);
    r.victim.care_of_address = None;
    sendable_with_to_follow(&r, "victim.care_of_address", "address.care_of_to_follow");
    // The home address is kept: the service needs it for an occupation order or exclusion zone.
    r.victim.address = None;
    only_error(&r, "victim.address", "address.required_or_no_fixed_abode");
}

#[test]
fn a_perpetrators_name_not_known_is_to_follow_never_a_placeholder() {
    let mut r = example_referral();
    r.perpetrator.name = None;
    only_error(&r, "perpetrator.name", "perpetrator.name_required");
    r.perpetrator.name_not_known = Some(true);
    sendable_with_to_follow(&r, "perpetrator.name", "perpetrator.name_to_follow");
    r.perpetrator.name = Some("Unknown".into());
    only_error(&r, "perpetrator.name", "name.placeholder");
}

#[test]
fn the_custody_outcome_of_a_police_referral_is_to_follow() {
    let mut r = example_referral();
    r.perpetrator.custody = None;
    sendable_with_to_follow(
        &r,
        "perpetrator.custody.status",
        "custody.outcome_to_follow",
    );
    // A nurse does not know it and is not asked.
    r.referrer.organisation_type = Some(OrganisationType::Health);
    r.referrer.collar_number = None;
    r.referrer.rank = None;
    r.referrer.role = Some("Emergency department nurse".into());
    assert!(to_follow(&r).is_empty(), "{:?}", to_follow(&r));
}

#[test]
fn in_custody_the_expected_release_time_is_to_follow() {
    let mut r = example_referral();
    r.perpetrator.custody = Some(Custody {
        status: Some(CustodyStatus::InCustody),
        ..Custody::default()
    });
    sendable_with_to_follow(
        &r,
        "perpetrator.custody.released_at",
        "custody.release_time_to_follow",
    );
    // The custody clock: an expected release time is accepted in custody.
    r.perpetrator.custody.as_mut().unwrap().released_at =
        Some(InstantValue::parse("2026-11-21T21:40:00+00:00"));
    assert!(errors(&r).is_empty() && to_follow(&r).is_empty());
}

#[test]
fn a_course_of_conduct_has_a_period_instead_of_a_time() {
    let mut r = example_referral();
    r.incident.occurred_at = None;
    only_error(
        &r,
        "incident.occurred_at",
        "incident.time_or_period_required",
    );
    r.incident.period = Some(IncidentPeriod {
        from: Some(DateValue::parse("2026-03-01")),
        to: None,
        ongoing: Some(true),
    });
    // Consent and the custody outcome are judged against the period, not a time.
    r.perpetrator.custody = None;
    assert_eq!(errors(&r), Vec::<(String, String)>::new());
    r.incident.period.as_mut().unwrap().to = Some(DateValue::parse("2026-02-01"));
    let e = errors(&r);
    assert!(e.contains(&pair("incident.period.to", "period.ends_before_start")));
    assert!(e.contains(&pair("incident.period.ongoing", "period.ongoing_with_end")));
    r.incident.period = Some(IncidentPeriod::default());
    only_error(&r, "incident.period.from", "field.required");
}

// ---- Errors that version 2 let through ----

#[test]
fn no_agreed_contact_method_is_an_error() {
    let mut r = example_referral();
    r.consent.agreed_contact_methods.clear();
    only_error(
        &r,
        "consent.agreed_contact_methods",
        "consent.contact_method_required",
    );
}

#[test]
fn every_route_unsafe_with_no_email_and_no_third_party_is_an_error() {
    let mut r = example_referral();
    r.safe_contact.safe_to_call = Some(false);
    r.safe_contact.voicemail_safe = Some(false);
    r.safe_contact.text_message_safe = Some(false);
    r.safe_contact.alternative_contact = None;
    r.consent.agreed_contact_methods = vec![ContactMethod::Email];
    let e = errors(&r);
    assert!(
        e.contains(&pair("safe_contact", "safe_contact.no_safe_route")),
        "{e:?}"
    );
    r.safe_contact.email = Some("jamie.testperson@example.org".into());
    r.safe_contact.email_safe = Some(true);
    assert_eq!(errors(&r), Vec::<(String, String)>::new());
}

#[test]
fn an_alternative_contact_who_is_the_perpetrator_is_refused() {
    let mut r = example_referral();
    let alt = r.safe_contact.alternative_contact.as_mut().unwrap();
    alt.name = Some("  chris  SAMPLE ".into());
    only_error(
        &r,
        "safe_contact.alternative_contact.name",
        "safe_contact.route_through_perpetrator",
    );
    let alt = r.safe_contact.alternative_contact.as_mut().unwrap();
    alt.name = Some("Sam Friendly".into());
    r.perpetrator.phone = Some(PhoneNumber::parse("+44 7700 900456"));
    only_error(
        &r,
        "safe_contact.alternative_contact.phone",
        "safe_contact.route_through_perpetrator",
    );
    r.perpetrator.phone = Some(PhoneNumber::parse("07700 900123"));
    only_error(
        &r,
        "safe_contact.phone",
        "safe_contact.route_through_perpetrator",
    );
}

#[test]
fn placeholder_names_are_refused_in_any_case() {
    for typed in [
        "Unknown",
        "UNKNOWN",
        "n/k",
        "N.K.",
        "TBC",
        "?",
        "tba",
        "Not known",
    ] {
        let mut r = example_referral();
        r.victim.forename = Some(typed.into());
        only_error(&r, "victim.forename", "name.placeholder");
        let mut r = example_referral();
        r.children[0].name = Some(typed.into());
        only_error(&r, "children[0].name", "name.placeholder");
    }
    // Real names that are short or unusual are not placeholders.
    for name in ["Na", "Ng", "O", "Xi", "Nik"] {
        let mut r = example_referral();
        r.victim.forename = Some(name.into());
        assert!(errors(&r).is_empty(), "{name}");
    }
}

#[test]
fn pregnant_but_the_pregnancy_question_answered_no_is_a_contradiction() {
    let mut r = example_referral();
    r.victim.pregnant = Some(true);
    only_error(&r, "risk.answers[8].answer", "risk.pregnancy_contradiction");
    r.risk.answers[8].answer = Answer::Yes;
    r.risk.officer_level = Some(RiskLevel::High);
    assert!(errors(&r).is_empty(), "{:?}", errors(&r));
}

#[test]
fn a_strangulation_or_threats_to_kill_flag_contradicting_its_question_is_refused() {
    let mut r = example_referral();
    r.risk.answers[17].answer = Answer::No; // q18, strangulation
    only_error(
        &r,
        "risk.flags.non_fatal_strangulation",
        "risk.flag_contradicts_answer",
    );
    let mut r = example_referral();
    r.risk.answers[16].answer = Answer::No; // q17, threats to kill
    only_error(
        &r,
        "risk.flags.threats_to_kill",
        "risk.flag_contradicts_answer",
    );
}

#[test]
fn serious_flags_at_standard_level_need_a_rationale() {
    let mut r = example_referral();
    for a in &mut r.risk.answers {
        a.answer = Answer::No;
    }
    r.risk.flags = Some(RiskFlags {
        stalking: Some(Answer::Yes),
        ..RiskFlags::default()
    });
    r.risk.officer_level = Some(RiskLevel::Standard);
    r.risk.rationale = None;
    only_error(&r, "risk.rationale", "risk.flag_standard_without_rationale");
    r.risk.rationale = Some("Stalking ended a year ago; no contact since".into());
    assert!(errors(&r).is_empty());
}

#[test]
fn arrest_made_must_agree_with_the_custody_outcome() {
    let mut r = example_referral();
    r.perpetrator.custody.as_mut().unwrap().status = Some(CustodyStatus::NotArrested);
    r.perpetrator.custody.as_mut().unwrap().released_at = None;
    r.perpetrator.custody.as_mut().unwrap().bail_conditions = None;
    r.perpetrator.custody.as_mut().unwrap().bail_expires_on = None;
    only_error(
        &r,
        "incident.arrest_made",
        "incident.arrest_contradicts_custody",
    );
    r.incident.arrest_made = Some(false);
    assert!(errors(&r).is_empty());
    r.perpetrator.custody.as_mut().unwrap().status = Some(CustodyStatus::ChargedAndRemanded);
    only_error(
        &r,
        "incident.arrest_made",
        "incident.arrest_contradicts_custody",
    );
}

#[test]
fn children_listed_need_the_childrens_social_care_answer() {
    let mut r = example_referral();
    r.childrens_social_care = None;
    only_error(
        &r,
        "childrens_social_care.involved",
        "social_care.required_with_children",
    );
    r.childrens_social_care = Some(ChildrensSocialCare {
        involved: Some(Answer::NotKnown),
        social_worker_allocated: None,
    });
    assert!(errors(&r).is_empty());
}

#[test]
fn a_child_who_saw_heard_or_experienced_the_abuse_is_asked_about() {
    let mut r = example_referral();
    r.children[0].saw_heard_or_experienced = None;
    only_error(
        &r,
        "children[0].saw_heard_or_experienced",
        "child.s3_question_required",
    );
}

#[test]
fn a_victim_aged_16_or_17_needs_the_childrens_social_care_question() {
    let mut r = example_referral();
    r.victim.date_of_birth = Some(DateValue::parse("2009-06-01"));
    only_error(
        &r,
        "victim.childrens_social_care_told",
        "victim.16_17_social_care_required",
    );
    r.victim.childrens_social_care_told = Some(true);
    assert!(errors(&r).is_empty());
    r.victim.date_of_birth = None;
    r.victim.childrens_social_care_told = None;
    r.victim.approximate_age = Some(17);
    only_error(
        &r,
        "victim.childrens_social_care_told",
        "victim.16_17_social_care_required",
    );
}

#[test]
fn paid_carers_and_neighbours_are_refused_with_the_route_to_take() {
    let mut r = example_referral();
    r.perpetrator.relationship_to_victim = Some(Relationship::PaidCarer);
    only_error(
        &r,
        "perpetrator.relationship_to_victim",
        "relationship.paid_carer_adult_safeguarding",
    );
    r.perpetrator.relationship_to_victim = Some(Relationship::NeighbourOrFriend);
    only_error(
        &r,
        "perpetrator.relationship_to_victim",
        "relationship.not_connected_police",
    );
    r.perpetrator.relationship_to_victim = Some(Relationship::HouseholdMember);
    assert!(errors(&r).is_empty());
}

#[test]
fn another_relationship_asks_for_confirmation() {
    let mut r = example_referral();
    r.perpetrator.relationship_to_victim = Some(Relationship::Other);
    assert!(errors(&r).is_empty());
    assert_eq!(
        warnings(&r),
        [pair(
            "perpetrator.relationship_to_victim",
            "relationship.other_confirm"
        )]
    );
}

#[test]
fn a_force_outside_england_and_wales_is_not_served() {
    for force in [
        "Police Scotland",
        "PSNI",
        "states-of-jersey",
        "Isle of Man Constabulary",
    ] {
        let mut r = example_referral();
        r.referrer.organisation_id = Some(OrganisationId::parse(force));
        only_error(&r, "referrer.organisation_id", "jurisdiction.not_served");
    }
    let mut r = example_referral();
    r.referrer.organisation_id = Some(OrganisationId::parse("Police Scotland"));
    let served = [Jurisdiction::EnglandAndWales, Jurisdiction::Scotland];
    let report = validate_draft_served(&r, Rules::CURRENT, &served, now());
    assert!(report.is_complete(), "{:?}", report);
}

#[test]
fn an_incident_outside_england_and_wales_is_not_served() {
    // British Transport Police cover Scotland too: the incident's postcode decides.
    let mut r = example_referral();
    r.referrer.organisation_id = Some(OrganisationId::parse("british-transport-police"));
    r.incident.location_postcode = Some(Postcode::parse("EH1 1YZ"));
    only_error(&r, "incident.location_postcode", "jurisdiction.not_served");
    r.incident.location_postcode = Some(Postcode::parse("BT1 5GS"));
    only_error(&r, "incident.location_postcode", "jurisdiction.not_served");
    r.incident.location_postcode = Some(Postcode::parse("CF10 1EP"));
    assert!(errors(&r).is_empty());
}

#[test]
fn text_with_control_or_direction_override_characters_is_refused() {
    for bad in [
        "Jamie\u{0}",
        "Jam\u{202E}ie",
        "Ja\u{2066}mie\u{2069}",
        "Ja\u{7}mie",
    ] {
        let mut r = example_referral();
        r.victim.forename = Some(bad.into());
        only_error(&r, "victim.forename", "text.control_character");
    }
    // Right-to-left names and line breaks in long text are fine.
    let mut r = example_referral();
    r.victim.forename = Some("فاطمة".into());
    r.incident.injuries = Some("Bruising\nto the arm".into());
    assert!(errors(&r).is_empty());
}

// ---- Rules version 2 made too strict ----

#[test]
fn one_name_in_either_box_is_enough() {
    let mut r = example_referral();
    r.victim.surname = None;
    assert!(errors(&r).is_empty(), "a forename only");
    r.victim.surname = Some("Sukarno".into());
    r.victim.forename = None;
    assert!(errors(&r).is_empty(), "a single name in the surname");
    r.victim.surname = None;
    only_error(&r, "victim.surname", "victim.name_required");
}

#[test]
fn collar_numbers_typed_with_spaces_are_normalised() {
    let mut r = example_referral();
    r.referrer.collar_number = Some(CollarNumber::parse("4321 SE"));
    assert_eq!(
        r.referrer.collar_number.as_ref().map(|c| c.as_str()),
        Some("4321SE")
    );
    assert!(errors(&r).is_empty());
}

#[test]
fn an_expired_order_is_history_not_an_error() {
    let mut r = example_referral();
    r.incident.existing_orders[0].expires_on = Some(DateValue::parse("2025-01-31"));
    assert!(errors(&r).is_empty());
    let v2 = validate_for_submission_with(&r, Rules::V2, now()).unwrap_err();
    assert!(v2.iter().any(|p| p.code == "existing_order.expired"));
}

#[test]
fn other_perpetrators_are_checked_like_the_main_one() {
    let mut r = example_referral();
    r.other_perpetrators.push(OtherPerpetrator {
        name: Some("TBC".into()),
        relationship_to_victim: Some(Relationship::FamilyMember),
        approximate_age: Some(50),
        ..OtherPerpetrator::default()
    });
    only_error(&r, "other_perpetrators[0].name", "name.placeholder");
    r.other_perpetrators[0].name = None;
    r.other_perpetrators[0].name_not_known = Some(true);
    sendable_with_to_follow(
        &r,
        "other_perpetrators[0].name",
        "perpetrator.name_to_follow",
    );
    r.other_perpetrators[0].approximate_age = Some(15);
    only_error(
        &r,
        "other_perpetrators[0].approximate_age",
        "perpetrator.under_16",
    );
    r.other_perpetrators = vec![OtherPerpetrator::default(); MAX_OTHER_PERPETRATORS + 1];
    assert!(errors(&r).contains(&pair("other_perpetrators", "list.too_long")));
}

#[test]
fn a_version_2_document_is_not_refused_for_a_version_3_rule() {
    let mut r = example_referral();
    r.consent.agreed_contact_methods.clear();
    r.childrens_social_care = None;
    r.perpetrator.name = Some("Unknown".into());
    assert!(validate_for_submission_with(&r, Rules::V2, now()).is_ok());
    assert!(validate_for_submission(&r, now()).is_err());
}

#[test]
fn a_to_follow_list_holds_only_paths_and_codes() {
    let mut r = example_referral();
    r.to_follow = vec![ToFollowItem {
        path: "incident.crime_reference".into(),
        code: "crime_reference.to_follow".into(),
    }];
    assert!(errors(&r).is_empty());
    r.to_follow[0].code = "Jamie Testperson, 07700 900123".into();
    only_error(&r, "to_follow[0]", "to_follow.invalid");
}
