//! Migration of version 1 and version 2 referrals to the current model, losing nothing typed.
//!
//! Version 3 keeps every version 2 path and option; it changes only the shape of a few values,
//! yes/no answers that became yes / no / not known (the risk flags, children's social care
//! involvement). [`v2_to_v3`] rewrites those on the JSON before it is read, so one model and
//! one deserialiser serve both versions: `true` becomes `"yes"`, `false` becomes `"no"`.
//!
//!
//! Version 2 is a superset of version 1 with one change of type: version 1's free-text
//! `incident.existing_orders` becomes the `details` of one structured entry whose type is left
//! empty, so the officer picks it (a draft) and nothing is guessed. Every other field keeps its
//! path and value; every version 1 option exists in version 2 under the same name.

use super::v1;
use super::*;

impl From<v1::Referral> for Referral {
    fn from(r: v1::Referral) -> Referral {
        Referral {
            schema_version: SCHEMA_VERSION,
            referrer: referrer(r.referrer),
            incident: incident(r.incident),
            victim: victim(r.victim),
            safe_contact: safe_contact(r.safe_contact),
            perpetrator: perpetrator(r.perpetrator),
            other_perpetrators: Vec::new(),
            children: r.children.into_iter().map(child).collect(),
            other_vulnerable_adults: r.other_vulnerable_adults,
            childrens_social_care: None,
            risk: risk(r.risk),
            consent: consent(r.consent),
            to_follow: Vec::new(),
        }
    }
}

fn referrer(r: v1::Referrer) -> Referrer {
    Referrer {
        organisation_type: r.organisation_type.map(|t| match t {
            v1::OrganisationType::Police => OrganisationType::Police,
            v1::OrganisationType::Health => OrganisationType::Health,
            v1::OrganisationType::Idva => OrganisationType::Idva,
            v1::OrganisationType::Charity => OrganisationType::Charity,
            v1::OrganisationType::Other => OrganisationType::Other,
        }),
        organisation_id: r.organisation_id,
        officer_name: r.officer_name,
        collar_number: r.collar_number,
        rank: r.rank,
        role: None,
        station: r.station,
        contact_phone: r.contact_phone,
        email: r.email,
    }
}

fn incident(i: v1::Incident) -> Incident {
    let orders = i
        .existing_orders
        .filter(|t| !t.trim().is_empty())
        .map(|text| ExistingOrder {
            details: Some(text),
            ..ExistingOrder::default()
        });
    Incident {
        incident_number: i.incident_number,
        case_reference: None,
        crime_recorded: i.crime_recorded,
        crime_reference: i.crime_reference,
        occurred_at: i.occurred_at,
        period: None,
        location_postcode: i.location_postcode,
        injuries: i.injuries,
        arrest_made: i.arrest_made,
        existing_orders: orders.into_iter().collect(),
        reason: i.reason,
    }
}

fn address(a: v1::Address) -> Address {
    Address {
        line1: a.line1,
        line2: a.line2,
        town: a.town,
        postcode: a.postcode,
        country: None,
    }
}

fn victim(v: v1::Victim) -> Victim {
    Victim {
        forename: v.forename,
        surname: v.surname,
        other_names: v.other_names,
        date_of_birth: v.date_of_birth,
        aged_16_or_over: None,
        approximate_age: None,
        childrens_social_care_told: None,
        sex_or_gender: v.sex_or_gender,
        address: v.address.map(address),
        no_fixed_abode: v.no_fixed_abode,
        address_confidential: None,
        care_of_address: None,
        preferred_language: v.preferred_language,
        interpreter_required: v.interpreter_required,
        interpreter_language: None,
        communication_needs: v.communication_needs,
        vulnerability_notes: v.vulnerability_notes,
        pregnant: v.pregnant,
        due_date: None,
        no_recourse_to_public_funds: None,
        immigration_status: v.immigration_status,
        housing_tenure: None,
        equality: None,
    }
}

fn weekday(d: v1::Weekday) -> Weekday {
    match d {
        v1::Weekday::Monday => Weekday::Monday,
        v1::Weekday::Tuesday => Weekday::Tuesday,
        v1::Weekday::Wednesday => Weekday::Wednesday,
        v1::Weekday::Thursday => Weekday::Thursday,
        v1::Weekday::Friday => Weekday::Friday,
        v1::Weekday::Saturday => Weekday::Saturday,
        v1::Weekday::Sunday => Weekday::Sunday,
        v1::Weekday::Weekdays => Weekday::Weekdays,
        v1::Weekday::Any => Weekday::Any,
    }
}

fn safe_contact(s: v1::SafeContact) -> SafeContact {
    SafeContact {
        no_safe_phone: None,
        phone: s.phone,
        safe_to_call: s.safe_to_call,
        voicemail_safe: s.voicemail_safe,
        text_message_safe: s.text_message_safe,
        withheld_number_acceptable: s.withheld_number_acceptable,
        safe_times: s
            .safe_times
            .into_iter()
            .map(|w| SafeTimeWindow {
                day: weekday(w.day),
                from: w.from,
                to: w.to,
            })
            .collect(),
        alternative_contact: s.alternative_contact.map(|a| AlternativeContact {
            name: a.name,
            phone: a.phone,
            relationship: a.relationship,
            organisation: None,
        }),
        email: s.email,
        email_safe: s.email_safe,
    }
}

fn perpetrator(p: v1::Perpetrator) -> Perpetrator {
    Perpetrator {
        name: p.name,
        name_not_known: None,
        other_names: p.other_names,
        sex: None,
        date_of_birth: p.date_of_birth,
        approximate_age: p.approximate_age,
        address: p.address.map(address),
        phone: None,
        relationship_to_victim: p.relationship_to_victim.map(|r| match r {
            v1::Relationship::Spouse => Relationship::Spouse,
            v1::Relationship::ExSpouse => Relationship::ExSpouse,
            v1::Relationship::Partner => Relationship::Partner,
            v1::Relationship::ExPartner => Relationship::ExPartner,
            v1::Relationship::FamilyMember => Relationship::FamilyMember,
            v1::Relationship::Other => Relationship::Other,
        }),
        lives_with_victim: p.lives_with_victim,
        access_to_weapons: p.access_to_weapons,
        custody: None,
    }
}

fn child_relationship(r: v1::ChildRelationship) -> ChildRelationship {
    match r {
        v1::ChildRelationship::Child => ChildRelationship::Child,
        v1::ChildRelationship::Stepchild => ChildRelationship::Stepchild,
        v1::ChildRelationship::FosterChild => ChildRelationship::FosterChild,
        v1::ChildRelationship::Grandchild => ChildRelationship::Grandchild,
        v1::ChildRelationship::Sibling => ChildRelationship::Sibling,
        v1::ChildRelationship::Other => ChildRelationship::Other,
        v1::ChildRelationship::None => ChildRelationship::None,
    }
}

fn child(c: v1::Child) -> Child {
    Child {
        name: c.name,
        date_of_birth: c.date_of_birth,
        approximate_age: None,
        relationship_to_victim: c.relationship_to_victim.map(child_relationship),
        relationship_to_perpetrator: c.relationship_to_perpetrator.map(child_relationship),
        lives_at_address: c.lives_at_address,
        present_or_witnessed: c.present_or_witnessed,
        saw_heard_or_experienced: None,
        school: None,
    }
}

fn risk(r: v1::Risk) -> Risk {
    let level = |l: v1::RiskLevel| match l {
        v1::RiskLevel::Standard => RiskLevel::Standard,
        v1::RiskLevel::Medium => RiskLevel::Medium,
        v1::RiskLevel::High => RiskLevel::High,
    };
    Risk {
        instrument: r.instrument.map(|i| InstrumentRef {
            id: i.id,
            version: i.version,
        }),
        answers: r
            .answers
            .into_iter()
            .map(|a| RiskAnswer {
                question_id: a.question_id,
                answer: match a.answer {
                    v1::Answer::Yes => Answer::Yes,
                    v1::Answer::No => Answer::No,
                    v1::Answer::NotKnown => Answer::NotKnown,
                },
                comment: a.comment,
            })
            .collect(),
        officer_level: r.officer_level.map(level),
        rationale: r.rationale,
        marac_referral_made: r.marac_referral_made,
        marac_repeat: None,
        police_callouts_last_12_months: None,
        flags: None,
    }
}

fn consent(k: v1::Consent) -> Consent {
    Consent {
        given: k.given,
        method: k.method.map(|m| match m {
            v1::ConsentMethod::Verbal => ConsentMethod::Verbal,
            v1::ConsentMethod::Signed => ConsentMethod::Signed,
            v1::ConsentMethod::BodyWornVideo => ConsentMethod::BodyWornVideo,
        }),
        obtained_at: k.obtained_at,
        obtained_by: k.obtained_by,
        body_worn_video_reference: k.body_worn_video_reference,
        agreed_contact_methods: k
            .agreed_contact_methods
            .into_iter()
            .map(|m| match m {
                v1::ContactMethod::Phone => ContactMethod::Phone,
                v1::ContactMethod::TextMessage => ContactMethod::TextMessage,
                v1::ContactMethod::Voicemail => ContactMethod::Voicemail,
                v1::ContactMethod::Email => ContactMethod::Email,
            })
            .collect(),
        script_version: k.script_version,
        safe_to_talk_now: None,
        scope: None,
        spoken_to_alone: None,
        interpreter_used: None,
        capacity_concern: None,
    }
}

/// The paths of version 2's yes/no values that version 3 answers yes / no / not known.
const V2_BOOLEANS_NOW_ANSWERS: &[&[&str]] = &[
    &["risk", "flags", "non_fatal_strangulation"],
    &["risk", "flags", "stalking"],
    &["risk", "flags", "coercive_control"],
    &["risk", "flags", "honour_based_abuse"],
    &["risk", "flags", "forced_marriage"],
    &["risk", "flags", "threats_to_kill"],
    &["risk", "flags", "weapons"],
    &["childrens_social_care", "involved"],
];

/// Rewrites a version 2 document (JSON) as version 3: yes/no booleans that are now answers
/// become `"yes"` / `"no"`, and the version number becomes 3. Values of any other type are
/// left as they are, so a wrong shape is still reported at its path when the result is read.
pub(crate) fn v2_to_v3(doc: &mut serde_json::Value) {
    for path in V2_BOOLEANS_NOW_ANSWERS {
        let mut at = Some(&mut *doc);
        for key in *path {
            at = at.and_then(|v| v.get_mut(*key));
        }
        if let Some(value) = at
            && let Some(b) = value.as_bool()
        {
            *value = serde_json::Value::from(if b { "yes" } else { "no" });
        }
    }
    if let Some(v) = doc.get_mut("schema_version") {
        *v = serde_json::Value::from(SCHEMA_VERSION);
    }
}
