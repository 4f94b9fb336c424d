//! The rules of referral version 2, each proven with realistic UK values and its edge cases
//! (birthdays, 29 February, midnight, the clock changes), by breaking the valid example.
//!
//! They run with [`Rules::V2`]: a version 2 referral sealed before the update is still checked
//! by these rules (the server checks each document by its own version). What version 3
//! changed is proven in `tests_v3`.

use chrono::{DateTime, TimeZone, Utc};

use super::*;
use crate::example::example_referral;
use crate::model::*;
use crate::values::*;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 28, 12, 0, 0).unwrap()
}

fn codes_at(r: &Referral, at: DateTime<Utc>) -> Vec<(String, String)> {
    match validate_for_submission_with(r, Rules::V2, at) {
        Ok(()) => Vec::new(),
        Err(ps) => ps.into_iter().map(|p| (p.path, p.code)).collect(),
    }
}

fn codes(r: &Referral) -> Vec<(String, String)> {
    codes_at(r, now())
}

fn has(r: &Referral, path: &str, code: &str) -> bool {
    codes(r).iter().any(|(p, c)| p == path && c == code)
}

#[track_caller]
fn valid(r: &Referral) {
    assert_eq!(codes(r), Vec::<(String, String)>::new());
}

/// The example with the incident (and consent) at `at`, and no custody dates to shift.
fn incident_at(at: &str) -> Referral {
    let mut r = example_referral();
    r.incident.occurred_at = Some(InstantValue::parse(at));
    r.consent.obtained_at = Some(InstantValue::parse(at));
    r.perpetrator.custody = None;
    r.incident.existing_orders.clear();
    r
}

#[test]
fn people_with_a_single_name_have_it_as_surname_only() {
    let mut r = example_referral();
    r.victim.forename = None;
    r.victim.surname = Some("Sukarno".into());
    r.perpetrator.name = Some("Suharto".into());
    r.children[0].name = Some("Ayu".into());
    valid(&r);
    r.victim.surname = None;
    assert!(has(&r, "victim.surname", "field.required"));
}

#[test]
fn a_referrer_who_is_not_police_gives_a_role_and_no_collar_number_or_rank() {
    let mut r = example_referral();
    r.referrer.organisation_type = Some(OrganisationType::Health);
    r.referrer.organisation_id = Some(OrganisationId::parse("exampleton-nhs-trust"));
    assert!(has(
        &r,
        "referrer.collar_number",
        "referrer.collar_number_not_police"
    ));
    assert!(has(&r, "referrer.rank", "referrer.rank_not_police"));
    assert!(has(&r, "referrer.role", "referrer.role_required"));
    r.referrer.collar_number = None;
    r.referrer.rank = None;
    r.referrer.role = Some("Emergency department nurse".into());
    // No police incident number either: their own case reference instead, optional.
    r.incident.incident_number = None;
    r.incident.case_reference = Some("ED-2026-4411".into());
    valid(&r);
}

#[test]
fn police_referrers_need_a_collar_number_and_an_incident_number() {
    let mut r = example_referral();
    r.referrer.collar_number = None;
    r.incident.incident_number = None;
    assert!(has(&r, "referrer.collar_number", "field.required"));
    assert!(has(&r, "incident.incident_number", "field.required"));
}

#[test]
fn a_perpetrator_under_16_at_the_incident_goes_to_child_safeguarding() {
    // Incident 20 November 2026.
    let mut r = example_referral();
    r.perpetrator.approximate_age = None;
    r.perpetrator.date_of_birth = Some(DateValue::parse("2010-11-21"));
    assert!(has(&r, "perpetrator.date_of_birth", "perpetrator.under_16"));
    r.perpetrator.date_of_birth = Some(DateValue::parse("2010-11-20"));
    valid(&r);
    r.perpetrator.date_of_birth = None;
    r.perpetrator.approximate_age = Some(15);
    assert!(has(
        &r,
        "perpetrator.approximate_age",
        "perpetrator.under_16"
    ));
    r.perpetrator.approximate_age = Some(16);
    valid(&r);
}

#[test]
fn a_29_february_birthday_is_reached_on_the_day_in_leap_years_and_on_1_march_otherwise() {
    // Born 29 Feb 2008: 16 on 29 Feb 2024 (a leap year).
    let mut r = incident_at("2024-02-28T23:59:00+00:00");
    r.victim.date_of_birth = Some(DateValue::parse("2008-02-29"));
    r.children.clear();
    let at = Utc.with_ymd_and_hms(2024, 3, 2, 12, 0, 0).unwrap();
    let under = |r: &Referral| codes_at(r, at).iter().any(|(_, c)| c == "victim.under_16");
    assert!(under(&r));
    r.incident.occurred_at = Some(InstantValue::parse("2024-02-29T00:00:00+00:00"));
    r.consent.obtained_at = r.incident.occurred_at.clone();
    assert!(!under(&r));

    // A child born 29 Feb 2008 is 18 on 1 March 2026 (not a leap year).
    let mut r = incident_at("2026-02-28T23:59:59+00:00");
    r.children[0].date_of_birth = Some(DateValue::parse("2008-02-29"));
    let at = Utc.with_ymd_and_hms(2026, 3, 5, 12, 0, 0).unwrap();
    let adult = |r: &Referral| {
        codes_at(r, at)
            .iter()
            .any(|(_, c)| c == "child.not_under_18")
    };
    assert!(!adult(&r), "17 until the end of 28 February");
    r.incident.occurred_at = Some(InstantValue::parse("2026-03-01T00:00:00+00:00"));
    r.consent.obtained_at = r.incident.occurred_at.clone();
    assert!(adult(&r), "18 from midnight on 1 March");
}

#[test]
fn ages_follow_the_london_date_across_both_clock_changes() {
    let at = Utc.with_ymd_and_hms(2026, 11, 1, 12, 0, 0).unwrap();
    let under = |r: &Referral| codes_at(r, at).iter().any(|(_, c)| c == "victim.under_16");
    // Summer time ends at 01:00 UTC on 25 October 2026. 23:30 UTC on the 24th is 00:30 BST on
    // the 25th in London: a victim born on 25 October 2010 is 16 at the incident.
    let mut r = incident_at("2026-10-24T23:30:00+00:00");
    r.victim.date_of_birth = Some(DateValue::parse("2010-10-25"));
    assert!(!under(&r), "{:?}", codes_at(&r, at));
    // After the change, 23:30 UTC on the 25th is 23:30 GMT: still the 25th in London.
    r.incident.occurred_at = Some(InstantValue::parse("2026-10-25T23:30:00+00:00"));
    r.consent.obtained_at = r.incident.occurred_at.clone();
    assert!(!under(&r));
    // The day before, in London, the victim is 15.
    r.incident.occurred_at = Some(InstantValue::parse("2026-10-24T22:30:00+00:00"));
    r.consent.obtained_at = r.incident.occurred_at.clone();
    assert!(under(&r));

    // Summer time starts at 01:00 UTC on 29 March 2026: 00:30 UTC is 00:30 GMT on the 29th,
    // and an instant typed with the +01:00 offset of BST names the same London day.
    let at = Utc.with_ymd_and_hms(2026, 4, 2, 12, 0, 0).unwrap();
    let under = |r: &Referral| codes_at(r, at).iter().any(|(_, c)| c == "victim.under_16");
    let mut r = incident_at("2026-03-29T00:30:00+00:00");
    r.victim.date_of_birth = Some(DateValue::parse("2010-03-29"));
    assert!(!under(&r));
    r.incident.occurred_at = Some(InstantValue::parse("2026-03-29T02:30:00+01:00"));
    r.consent.obtained_at = r.incident.occurred_at.clone();
    assert!(!under(&r));
    r.incident.occurred_at = Some(InstantValue::parse("2026-03-28T23:59:00+00:00"));
    r.consent.obtained_at = r.incident.occurred_at.clone();
    assert!(under(&r));
}

#[test]
fn dates_of_birth_over_120_years_ago_and_placeholders_are_refused() {
    let mut r = example_referral();
    // "Now" is 28 November 2026.
    r.victim.date_of_birth = Some(DateValue::parse("1906-11-28"));
    assert!(!has(&r, "victim.date_of_birth", "date.too_old"));
    r.victim.date_of_birth = Some(DateValue::parse("1906-11-27"));
    assert!(has(&r, "victim.date_of_birth", "date.too_old"));
    for placeholder in ["1900-01-01", "1901-01-01", "1111-11-11"] {
        r.victim.date_of_birth = Some(DateValue::parse(placeholder));
        assert!(
            has(&r, "victim.date_of_birth", "date.placeholder"),
            "{placeholder}"
        );
        r.victim.date_of_birth = example_referral().victim.date_of_birth;
        r.perpetrator.date_of_birth = Some(DateValue::parse(placeholder));
        assert!(has(&r, "perpetrator.date_of_birth", "date.placeholder"));
        r.perpetrator.date_of_birth = None;
    }
}

#[test]
fn consent_cannot_be_obtained_before_the_incident_beyond_the_clock_skew() {
    // The incident is at 21:40.
    let mut r = example_referral();
    r.consent.obtained_at = Some(InstantValue::parse("2026-11-20T21:36:00+00:00"));
    valid(&r);
    r.consent.obtained_at = Some(InstantValue::parse("2026-11-20T21:34:00+00:00"));
    assert!(has(&r, "consent.obtained_at", "consent.before_incident"));
}

#[test]
fn a_body_worn_video_reference_is_mandatory_when_that_is_the_method() {
    let mut r = example_referral();
    r.consent.body_worn_video_reference = Some("  ".into());
    assert!(has(
        &r,
        "consent.body_worn_video_reference",
        "consent.body_worn_video_reference_required"
    ));
    r.consent.method = Some(ConsentMethod::Signed);
    valid(&r);
}

#[test]
fn every_agreed_contact_method_must_be_usable() {
    let mut r = example_referral();
    r.consent.agreed_contact_methods = vec![
        ContactMethod::Phone,
        ContactMethod::TextMessage,
        ContactMethod::Voicemail,
        ContactMethod::Email,
    ];
    // Voicemail is not safe and there is no email.
    assert!(has(
        &r,
        "consent.agreed_contact_methods[2]",
        "contact_method.voicemail_unusable"
    ));
    assert!(has(
        &r,
        "consent.agreed_contact_methods[3]",
        "contact_method.email_unusable"
    ));
    r.safe_contact.voicemail_safe = Some(true);
    r.safe_contact.email = Some("jamie.t@example.org".into());
    assert!(has(
        &r,
        "consent.agreed_contact_methods[3]",
        "contact_method.email_unusable"
    ));
    r.safe_contact.email_safe = Some(true);
    valid(&r);
    // A landline takes no texts; a phone not safe to call takes no calls.
    r.safe_contact.phone = Some(PhoneNumber::parse("0161 496 0123"));
    r.safe_contact.text_message_safe = Some(false);
    r.safe_contact.safe_to_call = Some(false);
    assert!(has(
        &r,
        "consent.agreed_contact_methods[0]",
        "contact_method.phone_unusable"
    ));
    assert!(has(
        &r,
        "consent.agreed_contact_methods[1]",
        "contact_method.text_unusable"
    ));
}

#[test]
fn a_victim_with_no_safe_phone_is_reached_through_a_named_person_or_agency() {
    let mut r = example_referral();
    r.safe_contact.no_safe_phone = Some(true);
    r.safe_contact.phone = None;
    r.safe_contact.safe_to_call = None;
    r.safe_contact.voicemail_safe = None;
    r.safe_contact.text_message_safe = None;
    r.consent.agreed_contact_methods = vec![ContactMethod::ThirdParty];
    r.safe_contact.alternative_contact = Some(AlternativeContact {
        name: Some("Refuge key worker".into()),
        phone: Some(PhoneNumber::parse("0113 496 0555")),
        relationship: None,
        organisation: Some("Exampleton Women's Aid (fictional)".into()),
    });
    valid(&r);
    r.safe_contact.alternative_contact = None;
    assert!(has(
        &r,
        "safe_contact.alternative_contact",
        "safe_contact.safe_route_required"
    ));
    assert!(has(
        &r,
        "consent.agreed_contact_methods[0]",
        "contact_method.third_party_unusable"
    ));
}

#[test]
fn a_confidential_address_needs_a_safe_care_of_address_instead() {
    let mut r = example_referral();
    r.victim.address = None;
    r.victim.address_confidential = Some(true);
    assert!(has(
        &r,
        "victim.care_of_address",
        "address.care_of_required"
    ));
    r.victim.care_of_address = Some(Address {
        line1: Some("c/o Exampleton Advice Centre, 2 High Street".into()),
        town: Some("Exampleton".into()),
        postcode: Some(Postcode::parse("cr2 6xh")),
        ..Address::default()
    });
    valid(&r);
}

#[test]
fn an_address_abroad_has_a_country_and_no_uk_postcode_rule() {
    let mut r = example_referral();
    let a = r.victim.address.as_mut().unwrap();
    a.postcode = Some(Postcode::parse("D02 X285"));
    assert!(has(&r, "victim.address.postcode", "postcode.invalid"));
    r.victim.address.as_mut().unwrap().country = Some(CountryCode::parse("ie"));
    valid(&r);
    // A country by name is understood; one that does not exist is refused.
    r.victim.address.as_mut().unwrap().country = Some(CountryCode::parse("Republic of Ireland"));
    valid(&r);
    r.victim.address.as_mut().unwrap().country = Some(CountryCode::parse("Atlantis"));
    assert!(has(&r, "victim.address.country", "country.invalid"));
    // Jersey uses UK-shaped postcodes.
    let a = r.victim.address.as_mut().unwrap();
    a.country = Some(CountryCode::parse("JE"));
    a.postcode = Some(Postcode::parse("JE2 3AB"));
    valid(&r);
}

#[test]
fn an_interpreter_needs_a_language_by_name_or_code() {
    let mut r = example_referral();
    r.victim.interpreter_required = Some(true);
    assert!(has(
        &r,
        "victim.interpreter_language",
        "interpreter.language_required"
    ));
    r.victim.interpreter_language = Some(LanguageCode::parse("Not a language at all"));
    assert!(has(&r, "victim.interpreter_language", "language.invalid"));
    r.victim.interpreter_language = Some(LanguageCode::parse("pl"));
    valid(&r);
    let polish = LanguageCode::parse("polish");
    assert_eq!(polish.as_str(), "pl");
    r.victim.interpreter_language = Some(polish);
    valid(&r);
}

#[test]
fn custody_and_bail_need_the_release_time_conditions_and_expiry() {
    let mut r = example_referral();
    r.perpetrator.custody = Some(Custody {
        status: Some(CustodyStatus::BailWithConditions),
        ..Custody::default()
    });
    for (path, code) in [
        (
            "perpetrator.custody.released_at",
            "custody.release_time_required",
        ),
        (
            "perpetrator.custody.bail_conditions",
            "custody.bail_conditions_required",
        ),
        (
            "perpetrator.custody.bail_expires_on",
            "custody.bail_expiry_required",
        ),
    ] {
        assert!(has(&r, path, code), "{code}");
    }
    r.perpetrator.custody = Some(Custody {
        status: Some(CustodyStatus::InCustody),
        released_at: Some(InstantValue::parse("2026-11-21T09:30:00+00:00")),
        ..Custody::default()
    });
    assert!(has(
        &r,
        "perpetrator.custody.released_at",
        "custody.release_time_not_released"
    ));
    r.perpetrator.custody = Some(Custody {
        status: Some(CustodyStatus::ReleasedUnderInvestigation),
        released_at: Some(InstantValue::parse("2026-11-20T20:00:00+00:00")),
        ..Custody::default()
    });
    assert!(has(
        &r,
        "perpetrator.custody.released_at",
        "custody.released_before_incident"
    ));
}

#[test]
fn existing_orders_need_a_type_and_must_not_have_expired_before_the_incident() {
    let mut r = example_referral();
    r.incident.existing_orders[0].order_type = None;
    assert!(has(
        &r,
        "incident.existing_orders[0].order_type",
        "field.required"
    ));
    r.incident.existing_orders[0].order_type = Some(OrderType::Dapo);
    r.incident.existing_orders[0].expires_on = Some(DateValue::parse("2026-11-19"));
    assert!(has(
        &r,
        "incident.existing_orders[0].expires_on",
        "existing_order.expired"
    ));
    r.incident.existing_orders[0].expires_on = Some(DateValue::parse("2026-11-20"));
    valid(&r);
}

#[test]
fn household_rules_children_are_under_18_social_care_and_due_dates_agree() {
    let mut r = example_referral();
    r.children[0].date_of_birth = Some(DateValue::parse("2008-11-20"));
    assert!(has(&r, "children[0].date_of_birth", "child.not_under_18"));
    r.children[0].date_of_birth = Some(DateValue::parse("2008-11-21"));
    valid(&r);
    r.childrens_social_care = Some(ChildrensSocialCare {
        involved: Some(Answer::No),
        social_worker_allocated: Some(true),
    });
    assert!(has(
        &r,
        "childrens_social_care.social_worker_allocated",
        "social_care.worker_without_involvement"
    ));
    r.childrens_social_care = None;
    r.victim.due_date = Some(DateValue::parse("2027-04-01"));
    assert!(has(
        &r,
        "victim.due_date",
        "pregnancy.due_date_without_pregnancy"
    ));
    r.victim.pregnant = Some(true);
    valid(&r);
    r.victim.due_date = Some(DateValue::parse("2028-04-01"));
    assert!(has(
        &r,
        "victim.due_date",
        "pregnancy.due_date_out_of_range"
    ));
}

#[test]
fn phones_with_letters_are_refused_and_a_landline_extension_is_kept() {
    let mut r = example_referral();
    r.safe_contact.phone = Some(PhoneNumber::parse("07700 CANARY"));
    assert!(has(&r, "safe_contact.phone", "phone.letters"));
    r.safe_contact.phone = example_referral().safe_contact.phone;
    r.referrer.contact_phone = Some(PhoneNumber::parse("020 7946 0123 ext. 4021"));
    valid(&r);
    let json = serde_json::to_string(&r).unwrap();
    assert!(json.contains("\"+442079460123;ext=4021\""));
    r.referrer.contact_phone = Some(PhoneNumber::parse("07700 900123 x12"));
    assert!(has(
        &r,
        "referrer.contact_phone",
        "phone.extension_on_mobile"
    ));
}

#[test]
fn a_version_1_referral_is_checked_by_the_rules_of_version_1() {
    let v1 = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/v1-store/submitted-v1.json"
    ))
    .unwrap();
    let mut read = read_referral(&v1).unwrap();
    assert_eq!(read.source_version, 1);
    // Version 1 allowed a level below the answers' with a rationale; version 2 never does.
    for a in read.referral.risk.answers.iter_mut().take(14) {
        a.answer = Answer::Yes;
    }
    read.referral.risk.officer_level = Some(RiskLevel::Medium);
    assert!(validate_for_submission_with(&read.referral, Rules::V1, now()).is_ok());
    let v2 = validate_for_submission_with(&read.referral, Rules::V2, now()).unwrap_err();
    assert!(v2.iter().any(|p| p.code == "risk.level_below_answers"));
    // And version 1 required a forename.
    read.referral.victim.forename = None;
    let v1 = validate_for_submission_with(&read.referral, Rules::V1, now()).unwrap_err();
    assert!(v1.iter().any(|p| p.path == "victim.forename"));
}
