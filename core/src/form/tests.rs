//! Tests of the form engine: the definition kept honest against the model and validation, and
//! the editor's behaviour as an app sees it. Phone numbers are Ofcom drama numbers.

use std::collections::BTreeSet;

use chrono::{DateTime, TimeZone, Utc};
use proptest::prelude::*;
use serde_json::{Value, json};

use super::definition::schema_value;
use super::schema_leaves::{self, Shape};
use super::*;
use crate::example::EXAMPLE_REFERRAL_JSON;
use crate::store::StoreError;
use crate::store::test_support::{open_store, service, t0};
use crate::validation::{validate_draft, validate_for_submission};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 28, 12, 0, 0).unwrap()
}

fn blank() -> std::sync::Arc<DraftEditor> {
    let e = DraftEditor::open_detached();
    e.pin_clock(Some(now()));
    e
}

fn example() -> std::sync::Arc<DraftEditor> {
    let e = DraftEditor::open_json(EXAMPLE_REFERRAL_JSON.to_string(), None).unwrap();
    e.pin_clock(Some(now()));
    e
}

fn text(t: &str) -> FormValue {
    FormValue::text(t)
}

fn yes(y: bool) -> FormValue {
    FormValue::YesNo { yes: y }
}

fn state_in<'a>(changed: &'a [FieldState], path: &str) -> &'a FieldState {
    changed
        .iter()
        .find(|s| s.path == path)
        .unwrap_or_else(|| panic!("{path} not in the change"))
}

fn state(s: &FormSnapshot, path: &str) -> FieldState {
    s.fields
        .iter()
        .find(|f| f.path == path)
        .unwrap_or_else(|| panic!("no field state {path}"))
        .clone()
}

fn codes(ps: &[crate::validation::Problem]) -> Vec<&str> {
    ps.iter().map(|p| p.code.as_str()).collect()
}

// ---------------------------------------------------------------------------------------------
// The definition, kept honest against the model and validation.

/// Does `field` cover the schema leaf `leaf`? A field covers its own path and, unless it is a
/// repeatable group (whose items have fields of their own), everything under it.
fn covers(field: &Field, leaf: &str) -> bool {
    leaf == field.path
        || (!matches!(field.kind, FieldKind::RepeatableGroup { .. })
            && (leaf.starts_with(&format!("{}.", field.path))
                || leaf.starts_with(&format!("{}[", field.path))))
}

#[test]
fn every_schema_leaf_has_exactly_one_field() {
    let def = form_definition();
    let leaves = schema_leaves::leaves(&schema_value());
    assert!(leaves.len() > 60, "the schema walk found too few leaves");
    let mut wrong = Vec::new();
    for leaf in leaves.keys() {
        if super::fields::WRITTEN_BY_CORE
            .iter()
            .any(|p| leaf.starts_with(&format!("{p}[")) || leaf.starts_with(&format!("{p}.")))
        {
            continue;
        }
        let n = def.fields().filter(|f| covers(f, leaf)).count();
        if n != 1 {
            wrong.push(format!("{leaf}: {n} fields"));
        }
    }
    assert!(
        wrong.is_empty(),
        "schema leaves without exactly one field: {wrong:#?}"
    );
}

#[test]
fn every_field_is_a_path_of_the_schema_and_appears_once() {
    let def = form_definition();
    let paths = schema_leaves::walk(&schema_value());
    let mut seen = BTreeSet::new();
    for f in def.fields() {
        assert!(
            paths.contains_key(&f.path),
            "{} is not in the schema",
            f.path
        );
        assert!(seen.insert(f.path.clone()), "{} appears twice", f.path);
        if let Some(g) = &f.group {
            assert!(
                matches!(def.field(g).map(|g| &g.kind), Some(FieldKind::RepeatableGroup { item_fields, .. }) if item_fields.contains(&f.path)),
                "{} is not listed by its group",
                f.path
            );
        }
    }
}

#[test]
fn kinds_agree_with_the_schema() {
    let def = form_definition();
    let paths = schema_leaves::walk(&schema_value());
    for f in def.fields() {
        let shape = &paths[&f.path];
        let ok = match (&f.kind, shape) {
            (FieldKind::YesNo, Shape::Bool) => true,
            (FieldKind::Integer { .. }, Shape::Integer { .. }) => true,
            (FieldKind::Choice { .. }, Shape::Enum(..)) => true,
            (FieldKind::Choice { .. }, Shape::Object) => f.path == "risk.instrument",
            (FieldKind::MultiChoice { .. }, Shape::EnumList(..)) => true,
            (FieldKind::RepeatableGroup { .. }, Shape::ObjectList) => true,
            (FieldKind::RiskChecklist { .. }, Shape::ObjectList) => true,
            (FieldKind::Phone, Shape::Typed(t)) => t == "PhoneNumber",
            (FieldKind::Postcode, Shape::Typed(t)) => t == "Postcode",
            (FieldKind::Date, Shape::Typed(t)) => t == "DateValue",
            (FieldKind::DateTime, Shape::Typed(t)) => t == "InstantValue",
            (FieldKind::TimeOfDay, Shape::Typed(t)) => t == "TimeOfDay",
            (FieldKind::Text { .. } | FieldKind::Email, Shape::Text | Shape::Typed(_)) => true,
            _ => false,
        };
        assert!(
            ok,
            "{}: kind {} but schema {shape:?}",
            f.path,
            f.kind.name()
        );
    }
}

/// Writes `value` at a concrete path, creating objects and list items on the way.
fn put(doc: &mut Value, concrete: &str, value: Value) {
    let segs = super::path::parse(concrete).unwrap();
    let mut v = doc;
    for seg in segs {
        match seg {
            super::path::Segment::Key(k) => {
                if !v.is_object() {
                    *v = json!({});
                }
                v = v.as_object_mut().unwrap().entry(k).or_insert(Value::Null);
            }
            super::path::Segment::Index(i) => {
                let i = i.unwrap();
                if !v.is_array() {
                    *v = json!([]);
                }
                let a = v.as_array_mut().unwrap();
                while a.len() <= i {
                    a.push(json!({}));
                }
                v = &mut a[i];
            }
        }
    }
    *v = value;
}

/// A document with every leaf filled with something validation complains about.
fn everything_wrong() -> Value {
    let mut doc = json!({"schema_version": crate::SCHEMA_VERSION});
    for (leaf, shape) in schema_leaves::leaves(&schema_value()) {
        let value = match &shape {
            Shape::Bool => json!(true),
            Shape::Integer { .. } => json!(0),
            Shape::Text => json!("x".repeat(5000)),
            Shape::Typed(_) => json!("??"),
            Shape::Enum(_, o) => json!(o[0].0),
            Shape::EnumList(_, o) => json!(o.iter().map(|o| o.0.clone()).collect::<Vec<_>>()),
            _ => continue,
        };
        for i in 0..2 {
            put(
                &mut doc,
                &leaf.replace("[]", &format!("[{i}]")),
                value.clone(),
            );
        }
    }
    doc
}

fn validation_paths(doc: &Value) -> Vec<String> {
    let referral: crate::Referral = serde_json::from_value(doc.clone()).unwrap();
    let r = validate_draft(&referral, now());
    let mut out: Vec<String> = r
        .problems
        .iter()
        .chain(&r.missing)
        .map(|p| p.path.clone())
        .collect();
    if let Err(ps) = validate_for_submission(&referral, now()) {
        out.extend(ps.into_iter().map(|p| p.path));
    }
    out
}

#[test]
fn every_path_validation_reports_maps_to_a_field() {
    let def = form_definition();
    let example: Value = serde_json::from_str(EXAMPLE_REFERRAL_JSON).unwrap();
    let mut docs = vec![
        json!({"schema_version": crate::SCHEMA_VERSION}),
        everything_wrong(),
    ];
    let mut wrong = everything_wrong();
    put(
        &mut wrong,
        "risk.instrument",
        json!({"id": "dash", "version": "2009"}),
    );
    put(
        &mut wrong,
        "risk.answers[1].question_id",
        json!("q01_injury"),
    );
    put(
        &mut wrong,
        "risk.answers[0].question_id",
        json!("q01_injury"),
    );
    docs.push(wrong);
    let scenarios: &[&[(&str, Value)]] = &[
        &[("incident.crime_reference", Value::Null)],
        &[("incident.crime_recorded", json!(false))],
        &[("victim.no_fixed_abode", json!(true))],
        &[("victim.address", Value::Null)],
        &[("safe_contact.phone", json!("020 7946 0123"))],
        &[("safe_contact.safe_times[0].to", json!("08:00"))],
        &[("safe_contact.safe_times", json!([]))],
        &[("safe_contact.alternative_contact", json!({}))],
        &[
            ("risk.officer_level", json!("standard")),
            ("risk.rationale", Value::Null),
        ],
        &[("risk.answers", json!([]))],
        &[("consent.given", json!(false))],
        &[("victim.date_of_birth", json!("2015-01-01"))],
        &[("victim.date_of_birth", json!("2027-01-01"))],
        &[("incident.occurred_at", json!("1980-01-01T00:00:00+00:00"))],
        &[("consent.obtained_at", json!("2030-01-01T00:00:00+00:00"))],
        &[("perpetrator.address", json!({"town": "Exampleton"}))],
        &[("children", json!(vec![json!({}); 21]))],
    ];
    for changes in scenarios {
        let mut doc = example.clone();
        for (p, v) in *changes {
            put(&mut doc, p, v.clone());
        }
        docs.push(doc);
    }
    let mut unmapped = BTreeSet::new();
    let mut seen = 0;
    for doc in &docs {
        for p in validation_paths(doc) {
            seen += 1;
            // Written by the core, never typed: a problem there is about the document.
            let core_written = super::fields::WRITTEN_BY_CORE
                .iter()
                .any(|w| p.starts_with(w));
            if p != "referral" && !core_written && def.field_for_path(&p).is_none() {
                unmapped.insert(p);
            }
        }
    }
    assert!(
        seen > 100,
        "too few problems generated ({seen}) to prove anything"
    );
    assert!(
        unmapped.is_empty(),
        "validation paths with no field: {unmapped:#?}"
    );
}

#[test]
fn choice_options_are_the_models_serde_names() {
    use crate::model::*;
    let def = form_definition();
    let options = |path: &str| -> Vec<String> {
        match &def.field(path).unwrap().kind {
            FieldKind::Choice { options } | FieldKind::MultiChoice { options } => {
                options.iter().map(|o| o.value.clone()).collect()
            }
            other => panic!("{path} is a {}", other.name()),
        }
    };
    let names = |values: Vec<Value>| -> Vec<String> {
        values
            .into_iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect()
    };
    let s = |v: &dyn erased::Ser| v.json();
    assert_eq!(
        options("consent.method"),
        names(vec![
            s(&ConsentMethod::Verbal),
            s(&ConsentMethod::Signed),
            s(&ConsentMethod::BodyWornVideo)
        ])
    );
    assert_eq!(
        options("referrer.organisation_type"),
        names(vec![
            s(&OrganisationType::Police),
            s(&OrganisationType::Health),
            s(&OrganisationType::Idva),
            s(&OrganisationType::Charity),
            s(&OrganisationType::Other)
        ])
    );
    assert_eq!(
        options("consent.agreed_contact_methods"),
        names(vec![
            s(&ContactMethod::Phone),
            s(&ContactMethod::TextMessage),
            s(&ContactMethod::Voicemail),
            s(&ContactMethod::Email),
            s(&ContactMethod::ThirdParty)
        ])
    );
    // Every option of every choice is accepted by the model at its path.
    for f in def.fields() {
        let (FieldKind::Choice { options } | FieldKind::MultiChoice { options }) = &f.kind else {
            continue;
        };
        assert!(!options.is_empty(), "{} has no options", f.path);
        for o in options {
            assert!(!o.label.is_empty() && !o.label_key.is_empty());
            let e = example();
            let concrete = f.path.replace("[]", "[0]");
            let value = match f.kind {
                FieldKind::MultiChoice { .. } => FormValue::Choices {
                    options: vec![o.value.clone()],
                },
                _ => FormValue::choice(&o.value),
            };
            // A field hidden in the example is shown first by clearing what hides it.
            let _ = e.set("perpetrator.date_of_birth".into(), FormValue::Clear);
            // A group the example leaves empty gets one item.
            if let Some(group) = &f.group
                && !e.to_json().contains(&format!("\"{group}\": [{{"))
            {
                e.add_item(group.clone()).unwrap();
            }
            e.set(concrete.clone(), value)
                .unwrap_or_else(|err| panic!("{concrete} = {}: {err}", o.value));
        }
    }
}

mod erased {
    pub trait Ser {
        fn json(&self) -> serde_json::Value;
    }
    impl<T: serde::Serialize> Ser for T {
        fn json(&self) -> serde_json::Value {
            serde_json::to_value(self).unwrap()
        }
    }
}

#[test]
fn always_required_fields_are_the_ones_validation_reports_missing() {
    let def = form_definition();
    let report = validate_draft(&crate::Referral::default(), now());
    let missing: BTreeSet<&str> = report.missing.iter().map(|p| p.path.as_str()).collect();
    for f in def.fields() {
        if f.group.is_some() || f.visible_when.is_some() {
            continue;
        }
        match &f.required {
            Requirement::Always => {
                assert!(
                    missing.contains(f.path.as_str()),
                    "{} is required but not reported",
                    f.path
                )
            }
            Requirement::Never => {
                assert!(
                    !missing.contains(f.path.as_str()),
                    "{} is optional but reported",
                    f.path
                )
            }
            Requirement::When { .. } => {}
        }
    }
    // Item fields, with one empty item of each group.
    let e = blank();
    for f in def.fields() {
        if let FieldKind::RepeatableGroup { .. } = f.kind {
            e.add_item(f.path.clone()).unwrap();
        }
    }
    let snap = e.snapshot();
    for f in def.fields().filter(|f| f.group.is_some()) {
        let concrete = f.path.replace("[]", "[0]");
        let reported = snap
            .missing
            .iter()
            .any(|p| p.path == concrete && p.is_error());
        let required = state(&snap, &concrete).required;
        assert_eq!(
            reported, required,
            "{concrete}: required {:?}, reported missing {reported}",
            f.required
        );
    }
}

#[test]
fn text_length_limits_are_the_ones_validation_enforces() {
    let def = form_definition();
    let paths = schema_leaves::walk(&schema_value());
    let mut checked = 0;
    for f in def.fields() {
        let (FieldKind::Text { .. } | FieldKind::Email) = f.kind else {
            continue;
        };
        if paths[&f.path] != Shape::Text || f.group.is_some() {
            continue;
        }
        let max = f.max_length.unwrap() as usize;
        let e = example();
        if !state(&e.snapshot(), &f.path).visible {
            continue;
        }
        let at_limit = e.set(f.path.clone(), text(&"a".repeat(max))).unwrap();
        let st = at_limit.changed.iter().find(|s| s.path == f.path).unwrap();
        assert!(
            !codes(&st.problems).contains(&"text.too_long"),
            "{} at its limit",
            f.path
        );
        let over = e.set(f.path.clone(), text(&"a".repeat(max + 1))).unwrap();
        let st = over.changed.iter().find(|s| s.path == f.path).unwrap();
        assert!(
            codes(&st.problems).contains(&"text.too_long"),
            "{} over its limit",
            f.path
        );
        checked += 1;
    }
    assert!(checked > 20);
}

#[test]
fn the_definition_is_shaped_for_apps() {
    let def = form_definition();
    assert_eq!(def.schema_version, crate::SCHEMA_VERSION);
    let ids: Vec<&str> = def.sections.iter().map(|s| s.id.as_str()).collect();
    // SafeLives' quick start: consent and whether it is safe to talk first, then safe contact;
    // the referrer's own details (filled from the profile) last.
    assert_eq!(
        ids,
        [
            "consent",
            "safe_contact",
            "victim",
            "risk",
            "perpetrator",
            "other_perpetrators",
            "household",
            "incident",
            "referrer"
        ]
    );
    for f in def.fields() {
        assert!(
            !f.label.is_empty() && f.label_key.starts_with("field."),
            "{}",
            f.path
        );
    }
    let FieldKind::RiskChecklist {
        instruments,
        answer_options,
    } = &def.field("risk.answers").unwrap().kind
    else {
        panic!("risk.answers is not a checklist")
    };
    assert_eq!(instruments[0].value, "dash:2009");
    assert_eq!(instruments[0].questions.len(), 27);
    assert_eq!(answer_options.len(), 3);
    let FieldKind::RepeatableGroup {
        max_items,
        item_fields,
    } = &def.field("children").unwrap().kind
    else {
        panic!("children is not a group")
    };
    assert_eq!(*max_items as usize, crate::validation::MAX_CHILDREN);
    assert_eq!(item_fields[0], "children[].name");
    // The definition crosses as JSON too (for integrations), and back.
    let json = serde_json::to_string(&def).unwrap();
    let again: FormDefinition = serde_json::from_str(&json).unwrap();
    assert_eq!(again, def);
}

// ---------------------------------------------------------------------------------------------
// The editor.

#[test]
fn typed_text_is_kept_and_a_half_typed_phone_is_flagged() {
    let e = blank();
    let out = e.set("safe_contact.phone".into(), text("07700 9")).unwrap();
    let st = out
        .changed
        .iter()
        .find(|s| s.path == "safe_contact.phone")
        .unwrap();
    assert_eq!(st.value, Some(text("07700 9")));
    assert_eq!(st.normalised, None);
    assert_eq!(codes(&st.problems), ["phone.invalid"]);
    let out = e
        .set("safe_contact.phone".into(), text("020 7946 0123"))
        .unwrap();
    assert_eq!(out.normalised.as_deref(), Some("+442079460123"));
    let st = state(&e.snapshot(), "safe_contact.phone");
    assert_eq!(
        st.value,
        Some(text("020 7946 0123")),
        "the typed form is kept"
    );
    assert!(st.problems.is_empty() && st.missing.is_empty());
    // Names keep their spacing and case as typed.
    e.set("victim.surname".into(), text("  O'Neill-Smith "))
        .unwrap();
    assert_eq!(
        state(&e.snapshot(), "victim.surname").value,
        Some(text("  O'Neill-Smith "))
    );
}

#[test]
fn uk_numbers_and_postcodes_are_answered_normalised() {
    let e = blank();
    for (typed, e164) in [
        ("020 7946 0123", "+442079460123"),
        ("01632 960123", "+441632960123"),
        ("+44 7700 900456", "+447700900456"),
        ("0044 7700 900456", "+447700900456"),
    ] {
        let out = e.set("referrer.contact_phone".into(), text(typed)).unwrap();
        assert_eq!(out.normalised.as_deref(), Some(e164), "{typed}");
    }
    let out = e
        .set("incident.location_postcode".into(), text("sw1a2aa"))
        .unwrap();
    assert_eq!(out.normalised.as_deref(), Some("SW1A 2AA"));
    let out = e
        .set("incident.location_postcode".into(), text("SW1A"))
        .unwrap();
    assert_eq!(out.normalised, None);
    assert_eq!(codes(&out.changed[0].problems), ["postcode.invalid"]);
}

#[test]
fn a_value_of_the_wrong_kind_is_refused_and_changes_nothing() {
    let e = example();
    let before = e.snapshot();
    let cases: Vec<(&str, FormValue, &str)> = vec![
        (
            "victim.interpreter_required",
            text("yes"),
            "form.wrong_kind",
        ),
        ("victim.forename", yes(true), "form.wrong_kind"),
        ("consent.method", text("verbal"), "form.wrong_kind"),
        (
            "consent.method",
            FormValue::choice("telepathy"),
            "form.unknown_option",
        ),
        (
            "consent.agreed_contact_methods",
            FormValue::Choices {
                options: vec!["phone".into(), "pigeon".into()],
            },
            "form.unknown_option",
        ),
        (
            "perpetrator.name",
            FormValue::Integer { value: 3 },
            "form.wrong_kind",
        ),
        ("children", text("Robin"), "form.wrong_kind"),
        ("children[5].name", text("Robin"), "form.no_such_item"),
        ("victim.nickname", text("Jo"), "form.unknown_field"),
        ("Victim.Forename", text("Jo"), "form.unknown_field"),
        ("risk.answers.q01_injury", yes(true), "form.wrong_kind"),
        (
            "risk.answers.q99_nothing",
            FormValue::choice("yes"),
            "form.unknown_field",
        ),
        (
            "victim.forename",
            text(&"a".repeat(MAX_INPUT_BYTES + 1)),
            "form.too_long",
        ),
    ];
    for (path, value, code) in cases {
        let err = e.set(path.into(), value).unwrap_err();
        assert_eq!(err.code(), code, "{path}");
        assert!(!err.to_string().contains("Jamie"));
    }
    assert_eq!(e.snapshot(), before);
    // The public error keeps a specific code.
    let err = e
        .set("victim.interpreter_required".into(), text("yes"))
        .unwrap_err();
    let public = crate::WeprotectError::from(err);
    assert_eq!(public.code(), "wrong_kind");
    assert!(
        matches!(public, crate::WeprotectError::WrongKind { ref expected, .. } if expected == "yes_no")
    );
}

#[test]
fn an_age_the_model_cannot_hold_is_refused_but_an_implausible_one_is_flagged() {
    let e = blank();
    let err = e.set(
        "perpetrator.approximate_age".into(),
        FormValue::Integer { value: 300 },
    );
    assert_eq!(err.unwrap_err().code(), "form.out_of_range");
    let out = e
        .set(
            "perpetrator.approximate_age".into(),
            FormValue::Integer { value: 7 },
        )
        .unwrap();
    assert_eq!(codes(&out.changed[0].problems), ["age.out_of_range"]);
}

#[test]
fn conditional_fields_appear_and_disappear() {
    let e = blank();
    assert!(!state(&e.snapshot(), "incident.crime_reference").visible);
    let out = e.set("incident.crime_recorded".into(), yes(true)).unwrap();
    let reference = out
        .changed
        .iter()
        .find(|s| s.path == "incident.crime_reference")
        .unwrap();
    // Version 3: a crime number not issued yet is to follow, not an error.
    assert!(reference.visible && !reference.required);
    assert_eq!(codes(&reference.missing), ["crime_reference.to_follow"]);
    assert_eq!(reference.missing[0].kind, crate::ProblemKind::ToFollow);
    e.set("incident.crime_reference".into(), text("CRIS-0000001/26"))
        .unwrap();
    // No crime recorded: the reference is hidden and gives up its value...
    let out = e.set("incident.crime_recorded".into(), yes(false)).unwrap();
    let reference = out
        .changed
        .iter()
        .find(|s| s.path == "incident.crime_reference")
        .unwrap();
    assert!(!reference.visible && !reference.required && reference.value.is_none());
    assert!(!e.to_json().contains("CRIS-0000001/26"));
    assert!(
        e.snapshot().problems.is_empty(),
        "no problem on a hidden field"
    );
    // ...and gets it back when it reappears.
    e.set("incident.crime_recorded".into(), yes(true)).unwrap();
    assert_eq!(
        state(&e.snapshot(), "incident.crime_reference").value,
        Some(text("CRIS-0000001/26"))
    );
    // A hidden field takes no value.
    e.set("incident.crime_recorded".into(), yes(false)).unwrap();
    let err = e
        .set("incident.crime_reference".into(), text("X"))
        .unwrap_err();
    assert_eq!(err.code(), "form.hidden");
}

#[test]
fn no_fixed_abode_hides_the_address_and_an_emptied_address_is_no_address() {
    let e = blank();
    e.set("victim.address.line1".into(), text("1 Example Street"))
        .unwrap();
    let snap = e.snapshot();
    assert!(state(&snap, "victim.address.postcode").required);
    assert!(
        snap.missing
            .iter()
            .any(|p| p.path == "victim.address.postcode")
    );
    let out = e.set("victim.no_fixed_abode".into(), yes(true)).unwrap();
    assert!(
        out.changed
            .iter()
            .any(|s| s.path == "victim.address.line1" && !s.visible)
    );
    let snap = e.snapshot();
    assert!(
        !snap
            .missing
            .iter()
            .any(|p| p.path.starts_with("victim.address"))
    );
    assert!(!codes(&snap.problems).contains(&"address.conflicts_with_no_fixed_abode"));
    e.set("victim.no_fixed_abode".into(), FormValue::Clear)
        .unwrap();
    e.set("victim.address.line1".into(), FormValue::Clear)
        .unwrap();
    let snap = e.snapshot();
    // The address problem is shown on the address's first field.
    let line1 = state(&snap, "victim.address.line1");
    assert_eq!(
        codes(&line1.missing),
        ["address.required_or_no_fixed_abode"]
    );
}

#[test]
fn a_change_answers_with_the_problems_of_every_field_it_affects() {
    // Date of birth and incident time.
    let e = example();
    let out = e
        .set("victim.date_of_birth".into(), text("2026-11-25"))
        .unwrap();
    let incident = out
        .changed
        .iter()
        .find(|s| s.path == "incident.occurred_at")
        .unwrap();
    assert!(codes(&incident.problems).contains(&"incident.before_victim_birth"));

    let out = e
        .set("victim.date_of_birth".into(), text("1990-04-12"))
        .unwrap();
    let incident = out
        .changed
        .iter()
        .find(|s| s.path == "incident.occurred_at")
        .unwrap();
    assert!(
        incident.problems.is_empty(),
        "the cleared problem is reported too"
    );
    // Age is judged at the incident: 15 then.
    let out = e
        .set("victim.date_of_birth".into(), text("2011-01-01"))
        .unwrap();
    let dob = out
        .changed
        .iter()
        .find(|s| s.path == "victim.date_of_birth")
        .unwrap();
    assert!(codes(&dob.problems).contains(&"victim.under_16"), "{dob:?}");
    // Texts marked safe and a landline.
    let out = e
        .set("safe_contact.phone".into(), text("020 7946 0456"))
        .unwrap();
    let phone = state_in(&out.changed, "safe_contact.phone");
    assert!(codes(&phone.problems).contains(&"phone.not_mobile"));
    let out = e
        .set("safe_contact.text_message_safe".into(), yes(false))
        .unwrap();
    let phone = out
        .changed
        .iter()
        .find(|s| s.path == "safe_contact.phone")
        .unwrap();
    assert!(phone.problems.is_empty());
    // Fields the change does not affect are not repeated.
    assert!(!out.changed.iter().any(|s| s.path == "victim.surname"));
}

#[test]
fn consent_on_body_worn_video_asks_for_the_video_reference() {
    let e = example();
    e.set("consent.method".into(), FormValue::choice("verbal"))
        .unwrap();
    let snap = e.snapshot();
    assert!(!state(&snap, "consent.body_worn_video_reference").visible);
    assert!(snap.complete, "{snap:?}");
    let out = e
        .set(
            "consent.method".into(),
            FormValue::choice("body_worn_video"),
        )
        .unwrap();
    let reference = out
        .changed
        .iter()
        .find(|s| s.path == "consent.body_worn_video_reference")
        .unwrap();
    assert!(reference.visible && reference.required);
    // The reference typed before comes back with the field.
    assert_eq!(reference.value, Some(text("BWV-000042")));
    e.set("consent.body_worn_video_reference".into(), FormValue::Clear)
        .unwrap();
    let snap = e.snapshot();
    let reference = state(&snap, "consent.body_worn_video_reference");
    assert_eq!(
        codes(&reference.missing),
        ["consent.body_worn_video_reference_required"]
    );
}

#[test]
fn a_nurse_gives_a_role_and_an_officer_a_collar_number() {
    let e = example();
    let out = e
        .set(
            "referrer.organisation_type".into(),
            FormValue::choice("health"),
        )
        .unwrap();
    let changed = |p: &str| out.changed.iter().find(|s| s.path == p).cloned();
    assert!(!changed("referrer.collar_number").unwrap().visible);
    assert!(!changed("referrer.rank").unwrap().visible);
    let role = changed("referrer.role").unwrap();
    assert!(role.visible && role.required);
    assert_eq!(codes(&role.missing), ["referrer.role_required"]);
    assert!(!changed("incident.incident_number").unwrap().visible);
    e.set("referrer.role".into(), text("Emergency department nurse"))
        .unwrap();
    e.set("referrer.organisation_id".into(), text("example-nhs-trust"))
        .unwrap();
    let snap = e.snapshot();
    assert!(snap.complete, "{snap:?}");
    assert!(
        e.referral().referrer.collar_number.is_none(),
        "a hidden collar number is not sent"
    );
    // Back to police: the collar number returns and the role is set aside.
    e.set(
        "referrer.organisation_type".into(),
        FormValue::choice("police"),
    )
    .unwrap();
    e.set("referrer.organisation_id".into(), text("metropolitan"))
        .unwrap();
    let snap = e.snapshot();
    assert_eq!(
        state(&snap, "referrer.collar_number").value,
        Some(text("AB1234"))
    );
    assert!(!state(&snap, "referrer.role").visible);
    assert!(snap.complete, "{snap:?}");
}

#[test]
fn repeatable_groups_add_and_remove_items_within_their_maximum() {
    let e = blank();
    let out = e.add_item("children".into()).unwrap();
    assert_eq!(out.path, "children[0]");
    e.set("children[0].name".into(), text("Robin Testperson"))
        .unwrap();
    e.add_item("children".into()).unwrap();
    e.set("children[1].name".into(), text("Alex Testperson"))
        .unwrap();
    e.set("children[1].date_of_birth".into(), text("2030-01-01"))
        .unwrap();
    let snap = e.snapshot();
    assert_eq!(state(&snap, "children").item_count, 2);
    let dob = state(&snap, "children[1].date_of_birth");
    assert!(dob.visible && dob.required);
    assert_eq!(codes(&dob.problems), ["date.in_future"]);
    let out = e.remove_item("children".into(), 0).unwrap();
    assert!(out.changed.iter().any(|s| s.path == "children[0].name"));
    let snap = e.snapshot();
    assert_eq!(
        state(&snap, "children[0].name").value,
        Some(text("Alex Testperson"))
    );
    assert!(!snap.fields.iter().any(|f| f.path == "children[1].name"));
    assert_eq!(
        e.remove_item("children".into(), 4).unwrap_err().code(),
        "form.no_such_item"
    );
    for _ in 1..crate::validation::MAX_CHILDREN {
        e.add_item("children".into()).unwrap();
    }
    let err = e.add_item("children".into()).unwrap_err();
    assert_eq!(err.code(), "form.group_full");
    assert_eq!(
        e.add_item("victim.forename".into()).unwrap_err().code(),
        "form.wrong_kind"
    );
}

#[test]
fn a_safe_time_window_without_its_day_is_reported_and_kept_in_the_editor() {
    let e = example();
    let before = e.referral().safe_contact.safe_times.len();
    let out = e.add_item("safe_contact.safe_times".into()).unwrap();
    let item = format!("safe_contact.safe_times[{before}]");
    assert_eq!(out.path, item);
    e.set(format!("{item}.from"), text("18:00")).unwrap();
    let snap = e.snapshot();
    let day = state(&snap, &format!("{item}.day"));
    assert_eq!(codes(&day.missing), ["field.required"]);
    assert!(state(&snap, &format!("{item}.to")).missing.len() == 1);
    assert_eq!(
        state(&snap, &format!("{item}.from")).value,
        Some(text("18:00"))
    );
    assert!(!snap.complete);
    e.set(format!("{item}.day"), FormValue::choice("sunday"))
        .unwrap();
    // A window may pass midnight.
    e.set(format!("{item}.to"), text("01:00")).unwrap();
    let snap = e.snapshot();
    assert!(snap.complete, "{snap:?}");
    assert_eq!(e.referral().safe_contact.safe_times.len(), before + 1);
}

#[test]
fn the_risk_checklist_is_answered_by_question_id() {
    let e = blank();
    assert!(!state(&e.snapshot(), "risk.answers").visible);
    assert_eq!(
        e.set("risk.answers.q01_injury".into(), FormValue::choice("yes"))
            .unwrap_err()
            .code(),
        "form.hidden"
    );
    e.set("risk.instrument".into(), FormValue::choice("dash:2009"))
        .unwrap();
    let snap = e.snapshot();
    assert_eq!(
        state(&snap, "risk.instrument").value,
        Some(FormValue::choice("dash:2009"))
    );
    let q1 = state(&snap, "risk.answers.q01_injury");
    assert!(q1.visible && q1.required);
    assert_eq!(codes(&q1.missing), ["risk.unanswered"]);
    assert!(!state(&snap, "risk.answers.q01_injury.comment").visible);
    assert_eq!(
        e.set("risk.answers.q01_injury.comment".into(), text("x"))
            .unwrap_err()
            .code(),
        "form.hidden"
    );
    let out = e
        .set("risk.answers.q01_injury".into(), FormValue::choice("yes"))
        .unwrap();
    assert!(
        out.changed
            .iter()
            .any(|s| s.path == "risk.answers.q01_injury.comment" && s.visible)
    );
    let out = e
        .set(
            "risk.answers.q01_injury.comment".into(),
            text(&"c".repeat(4001)),
        )
        .unwrap();
    let comment = out
        .changed
        .iter()
        .find(|s| s.path == "risk.answers.q01_injury.comment")
        .unwrap();
    assert_eq!(codes(&comment.problems), ["text.too_long"]);
    assert_eq!(e.referral().risk.answers.len(), 1);
    e.set("risk.answers.q01_injury".into(), FormValue::Clear)
        .unwrap();
    assert!(e.referral().risk.answers.is_empty());
    assert_eq!(
        e.set("risk.answers.q01_injury".into(), FormValue::choice("maybe"))
            .unwrap_err()
            .code(),
        "form.unknown_option"
    );
}

#[test]
fn the_example_opens_complete_and_round_trips_as_json() {
    let e = example();
    let snap = e.snapshot();
    assert!(snap.complete, "{snap:?}");
    assert!(
        snap.fields
            .iter()
            .any(|f| f.path == "children[0].relationship_to_perpetrator")
    );
    assert!(
        snap.fields
            .iter()
            .any(|f| f.path == "risk.answers.q27_criminal_history" && f.visible)
    );
    let again = crate::parse_referral(&e.to_json()).unwrap();
    assert!(again == crate::example::example_referral());
    assert!(DraftEditor::open_json("{}".into(), None).is_err());
}

#[test]
fn autosave_keeps_every_change_and_a_draft_reopens_as_it_was_left() {
    let (_dir, store) = open_store();
    let e = DraftEditor::open_new(store.clone());
    e.pin_clock(Some(t0()));
    assert!(
        e.draft_id().is_none(),
        "an untouched form leaves nothing behind"
    );
    assert!(store.list_drafts().unwrap().is_empty());
    let out = e.set("victim.forename".into(), text("Jamie")).unwrap();
    assert!(out.saved);
    e.set("victim.surname".into(), text("Testperson")).unwrap();
    e.set("safe_contact.phone".into(), text("020 7946 0123"))
        .unwrap();
    let id = e.draft_id().unwrap();
    // The app is killed: no explicit save, the editor is simply gone.
    drop(e);
    let drafts = store.list_drafts().unwrap();
    assert_eq!(drafts.len(), 1);
    assert_eq!(drafts[0].id, id);
    assert_eq!(
        drafts[0].title, "Untitled draft",
        "no name, not even initials"
    );
    let e = DraftEditor::open_draft(store.clone(), id.clone()).unwrap();
    let snap = e.snapshot();
    assert_eq!(snap.draft_id.as_deref(), Some(id.as_str()));
    assert_eq!(
        state(&snap, "victim.surname").value,
        Some(text("Testperson"))
    );
    assert_eq!(
        state(&snap, "safe_contact.phone").normalised.as_deref(),
        Some("+442079460123")
    );
    e.set("victim.other_names".into(), text("JT")).unwrap();
    assert_eq!(
        store.list_drafts().unwrap().len(),
        1,
        "the same draft is updated"
    );
    let missing = DraftEditor::open_draft(store, "no-such-draft".into()).unwrap_err();
    assert!(matches!(missing, FormError::Store(StoreError::NotFound(_))));
}

#[test]
fn the_drafts_list_counts_what_the_form_shows_after_each_autosave() {
    let (_dir, store) = open_store();
    let e = DraftEditor::open_new(store.clone());
    e.pin_clock(Some(t0()));
    for (path, typed) in [
        ("victim.forename", "Jamie"),
        ("safe_contact.phone", "07700 9"),
        ("safe_contact.phone", "07700 900123"),
    ] {
        let out = e.set(path.into(), text(typed)).unwrap();
        let listed = &store.list_drafts().unwrap()[0];
        assert_eq!(listed.problems, out.problem_count, "after {path}");
        assert_eq!(listed.missing_fields, out.missing_count, "after {path}");
    }
    // Without held-back group items, the editor's counts are exactly what validation finds.
    let referral = e.referral();
    let report = crate::validate_draft(&referral, t0());
    let listed = &store.list_drafts().unwrap()[0];
    assert_eq!(listed.problems as usize, report.problems.len());
    assert_eq!(listed.missing_fields as usize, report.missing.len());
}

#[test]
fn submitting_an_incomplete_draft_lists_its_problems_and_changes_nothing() {
    let (_dir, store) = open_store();
    let (_sk, config) = service();
    let e = DraftEditor::open_new(store.clone());
    e.pin_clock(Some(t0()));
    e.set("safe_contact.phone".into(), text("07700 9")).unwrap();
    let err = e.submit(config.clone()).unwrap_err();
    let FormError::Store(StoreError::Invalid(problems)) = &err else {
        panic!("expected invalid, got {err}")
    };
    assert!(
        problems
            .iter()
            .any(|p| p.path == "safe_contact.phone" && p.code == "phone.invalid")
    );
    assert!(
        problems
            .iter()
            .any(|p| p.path == "victim.surname" && p.code == "victim.name_required")
    );
    assert!(matches!(
        crate::WeprotectError::from(err),
        crate::WeprotectError::Invalid { .. }
    ));
    assert!(store.outbox().unwrap().is_empty());
    assert_eq!(store.list_drafts().unwrap().len(), 1);
}

#[test]
fn a_complete_draft_is_submitted_through_the_store() {
    let (_dir, store) = open_store();
    let (_sk, config) = service();
    let e = DraftEditor::open_json(EXAMPLE_REFERRAL_JSON.into(), Some(store.clone())).unwrap();
    e.pin_clock(Some(t0()));
    let queued = e.submit(config.clone()).unwrap();
    assert_eq!(store.outbox().unwrap()[0].referral_id, queued.referral_id);
    assert!(store.list_drafts().unwrap().is_empty());
    let err = e.set("victim.forename".into(), text("Jamie")).unwrap_err();
    assert_eq!(err.code(), "form.submitted");
    assert_eq!(e.submit(config).unwrap_err().code(), "form.submitted");
}

#[test]
fn personal_data_never_prints_through_debug_or_errors() {
    let canary = "Zebedee Canary 07700 900999";
    let e = blank();
    let out = e.set("victim.forename".into(), text(canary)).unwrap();
    let out2 = e
        .set("safe_contact.phone".into(), text("07700 900999"))
        .unwrap();
    let snap = e.snapshot();
    for printed in [
        format!("{:?}", text(canary)),
        format!("{out:?}"),
        format!("{out2:?}"),
        format!("{snap:?}"),
        format!("{:?}", snap.fields),
        format!("{e:?}"),
        e.set("victim.forename".into(), yes(true))
            .unwrap_err()
            .to_string(),
        format!("{:?}", e.set(canary.into(), text(canary)).unwrap_err()),
    ] {
        assert!(!printed.contains("Zebedee"), "{printed}");
        assert!(!printed.contains("900999"), "{printed}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn no_set_of_any_path_and_value_panics(
        path_pick in 0usize..200,
        junk_path in "[a-z_.\\[\\]0-9]{0,40}",
        value_pick in 0u8..6,
        s in ".{0,40}",
        n in any::<i64>(),
        b in any::<bool>(),
    ) {
        let e = example();
        let fields: Vec<String> = e.snapshot().fields.into_iter().map(|f| f.path).collect();
        let path = fields.get(path_pick).cloned().unwrap_or(junk_path);
        let value = match value_pick {
            0 => FormValue::Text { text: s.clone() },
            1 => FormValue::YesNo { yes: b },
            2 => FormValue::Choice { option: s.clone() },
            3 => FormValue::Choices { options: vec![s.clone(), "yes".into()] },
            4 => FormValue::Integer { value: n },
            _ => FormValue::Clear,
        };
        let before = e.snapshot();
        match e.set(path.clone(), value) {
            Ok(_) => {}
            Err(_) => prop_assert_eq!(e.snapshot(), before),
        }
        let _ = e.add_item(path.clone());
        let _ = e.remove_item(path, (n as u32) % 3);
        let _ = e.snapshot();
        let _ = e.to_json();
    }
}

#[test]
fn a_confidential_address_is_kept_when_ticked_and_after_reopening() {
    let (_dir, store) = open_store();
    let e = DraftEditor::open_json(EXAMPLE_REFERRAL_JSON.to_string(), Some(store.clone())).unwrap();
    e.pin_clock(Some(t0()));
    let out = e
        .set("victim.address_confidential".into(), yes(true))
        .unwrap();
    let line1 = state(&e.snapshot(), "victim.address.line1");
    assert!(line1.visible, "the address stays on the form");
    assert!(
        !out.changed
            .iter()
            .any(|s| s.path == "victim.address.line1" && s.value.is_none())
    );
    let id = e.save().unwrap();
    let again = DraftEditor::open_draft(store.clone(), id.clone()).unwrap();
    let reopened = again.referral();
    let address = reopened.victim.address.as_ref().expect("address kept");
    assert_eq!(address.line1.as_deref(), Some("1 Example Street"));
    assert_eq!(reopened.victim.address_confidential, Some(true));
    // The refuge's care-of address is to follow, not a reason to refuse.
    let snap = again.snapshot();
    assert!(snap.complete, "{:?}", snap.missing);
    let care_of = state(&snap, "victim.care_of_address.line1");
    assert!(care_of.visible && !care_of.required);
}

#[test]
fn languages_forces_and_countries_are_searchable_choices_and_typed_names_are_understood() {
    let def = form_definition();
    let field = |path: &str| def.fields().find(|f| f.path == path).unwrap().clone();
    let interpreter = field("victim.interpreter_language");
    assert!(
        interpreter
            .suggestions
            .iter()
            .any(|o| o.value == "bfi" && o.label == "British Sign Language")
    );
    assert!(!interpreter.suggestions.iter().any(|o| o.value == "bsl"));
    let force = field("referrer.organisation_id");
    assert!(
        force
            .suggestions
            .iter()
            .any(|o| o.value == "west-yorkshire")
    );
    assert!(
        field("victim.address.country")
            .suggestions
            .iter()
            .any(|o| o.value == "IE")
    );
    assert!(field("victim.surname").suggestions.is_empty());

    let e = example();
    e.set("victim.interpreter_required".into(), yes(true))
        .unwrap();
    let out = e
        .set("victim.interpreter_language".into(), text("BSL"))
        .unwrap();
    assert_eq!(out.normalised.as_deref(), Some("bfi"));
    let out = e
        .set(
            "referrer.organisation_id".into(),
            text("West Yorkshire Police"),
        )
        .unwrap();
    assert_eq!(out.normalised.as_deref(), Some("west-yorkshire"));
    assert!(e.snapshot().complete);
}

/// What an officer at 3 am reads must be plain words: no markup, no developer tokens (ids,
/// codes, offsets, slugs), no statute numbers (they go to the help text), and hints of one
/// short sentence.
fn plain_words_problems(text: &str, what: &str, max: usize) -> Vec<String> {
    let mut found = Vec::new();
    if text.chars().count() > max {
        found.push(format!("{what}: longer than {max} characters"));
    }
    if text.contains(['`', '_', '<', '>', '*', '[', ']', '{', '}', '|', '\\']) {
        found.push(format!("{what}: markup or code characters"));
    }
    let lower = text.to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric() && c != '.' && c != '-')
        .filter(|w| !w.is_empty())
        .collect();
    for jargon in [
        "utc", "iso", "bcp", "rfc", "e.164", "slug", "id", "ids", "code", "codes", "offset",
        "json", "enum", "null", "boolean",
    ] {
        if words.iter().any(|w| w.trim_end_matches('.') == jargon) {
            found.push(format!("{what}: jargon word {jargon:?}"));
        }
    }
    // Statute references: "s.42", "s. 2(1)", "Act 1996".
    let statute = words.windows(2).any(|w| {
        (w[0] == "s." || w[0] == "s" || w[0].starts_with("s.") && w[0].len() > 2)
            && w.iter().any(|x| x.chars().any(|c| c.is_ascii_digit()))
    }) || (lower.contains(" act ")
        && words
            .iter()
            .any(|w| w.len() == 4 && w.starts_with("19") || w.starts_with("20") && w.len() == 4));
    if statute
        || lower.contains("s.1")
        || lower.contains("s.2")
        || lower.contains("s.3")
        || lower.contains("s.4")
    {
        found.push(format!(
            "{what}: a statute reference (put it in the help text)"
        ));
    }
    // A slug such as west-yorkshire (an id, not a name).
    if words
        .iter()
        .any(|w| w.contains('-') && crate::values::police_forces().iter().any(|c| c.code == *w))
    {
        found.push(format!("{what}: a force id instead of its name"));
    }
    found
}

#[test]
fn labels_hints_and_options_are_plain_words_for_someone_who_is_not_a_lawyer_or_a_developer() {
    let def = form_definition();
    let mut found = Vec::new();
    for s in &def.sections {
        found.extend(plain_words_problems(
            &s.label,
            &format!("section {}", s.id),
            40,
        ));
    }
    for f in def.fields() {
        found.extend(plain_words_problems(
            &f.label,
            &format!("{} label", f.path),
            90,
        ));
        if let Some(hint) = &f.hint {
            let what = format!("{} hint", f.path);
            found.extend(plain_words_problems(hint, &what, 80));
            // One short sentence.
            if hint.trim_end_matches('.').contains(". ") {
                found.push(format!("{what}: more than one sentence"));
            }
        }
        if let FieldKind::Choice { options } | FieldKind::MultiChoice { options } = &f.kind {
            for o in options {
                found.extend(plain_words_problems(
                    &o.label,
                    &format!("{} option {}", f.path, o.value),
                    70,
                ));
            }
        }
    }
    assert!(found.is_empty(), "{found:#?}");
    // The checker itself catches what the officers' reading found.
    for bad in [
        "the force id such as west-yorkshire",
        "Two-letter code, e.g. IE",
        "with the UTC offset the device had",
        "Someone else (say who in `details`)",
        "Married or civil partners (s.2(1)(a), (b))",
        "Non-molestation order (Family Law Act 1996, s.42)",
    ] {
        assert!(
            !plain_words_problems(bad, "example", 90).is_empty(),
            "{bad}"
        );
    }
}

#[test]
fn nothing_on_a_lock_screen_or_in_a_list_betrays_the_subject() {
    let def = form_definition();
    for s in &def.sections {
        assert!(
            !s.label.to_lowercase().contains("domestic abuse"),
            "{}",
            s.label
        );
    }
    // A draft's title is its incident reference: no name, no initials, not the subject.
    let (_dir, store) = open_store();
    let id = store
        .save_draft(None, crate::example::example_referral(), t0())
        .unwrap();
    let title = store.list_drafts().unwrap()[0].title.clone();
    assert_eq!(title, "CAD-2026-000123");
    for personal in [
        "Jamie",
        "Testperson",
        "J.T.",
        "J. T.",
        "domestic",
        "abuse",
        "Chris",
    ] {
        assert!(!title.contains(personal), "{personal}");
    }
    store.delete_draft(id).unwrap();
}

#[test]
fn a_reopened_draft_shows_what_was_typed_and_keeps_an_incomplete_item() {
    let (dir, store) = open_store();
    let e = DraftEditor::open_new(store.clone());
    e.pin_clock(Some(t0()));
    e.set("safe_contact.phone".into(), text("020 7946 0123"))
        .unwrap();
    e.set("victim.date_of_birth".into(), text("12/04/1990"))
        .unwrap();
    e.add_item("safe_contact.safe_times".into()).unwrap();
    e.set("safe_contact.safe_times[0].from".into(), text("6pm"))
        .unwrap();
    let id = e.draft_id().unwrap();
    drop(e);
    // The store is re-encrypted under a new key: the typed copy moves with everything else.
    store.rekey(crate::crypto::DataKey::generate()).unwrap();
    let e = DraftEditor::open_draft(store.clone(), id.clone()).unwrap();
    let snap = e.snapshot();
    let phone = state(&snap, "safe_contact.phone");
    assert_eq!(phone.value, Some(text("020 7946 0123")), "as typed");
    assert_eq!(phone.normalised.as_deref(), Some("+442079460123"));
    assert_eq!(
        state(&snap, "victim.date_of_birth").value,
        Some(text("12/04/1990"))
    );
    assert_eq!(
        state(&snap, "safe_contact.safe_times[0].from").value,
        Some(text("6pm")),
        "an incomplete item is not lost"
    );
    assert!(snap.saved);
    // The body is still the normalised referral: what submit, the lists and JSON read.
    let json = store.load_draft_json(id.clone()).unwrap();
    assert!(json.contains("+442079460123") && !json.contains("020 7946 0123"));
    // And what was typed is encrypted at rest like the rest.
    drop(e);
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        let hay = String::from_utf8_lossy(&bytes);
        assert!(!hay.contains("020 7946 0123") && !hay.contains("12/04/1990"));
    }
}

#[test]
fn a_typed_copy_out_of_step_with_its_body_is_not_used() {
    let (_dir, store) = open_store();
    let e = DraftEditor::open_new(store.clone());
    e.set("safe_contact.phone".into(), text("020 7946 0123"))
        .unwrap();
    let id = e.draft_id().unwrap();
    // Saved from JSON (an integration): the typed copy of the editor is cleared with it.
    let json = r#"{"schema_version": 3, "safe_contact": {"phone": "07700 900123"}}"#;
    store
        .save_draft_json(Some(id.clone()), json.into(), t0())
        .unwrap();
    let snap = DraftEditor::open_draft(store, id).unwrap().snapshot();
    assert_eq!(
        state(&snap, "safe_contact.phone").normalised.as_deref(),
        Some("+447700900123")
    );
}

#[test]
fn after_a_wipe_every_editor_call_is_closed_and_its_values_are_gone() {
    let (_dir, store) = open_store();
    let e = DraftEditor::open_new(store.clone());
    e.set("victim.forename".into(), text("Jamie")).unwrap();
    let detached = DraftEditor::open_detached();
    detached
        .set("victim.forename".into(), text("Jamie"))
        .unwrap();
    store.wipe().unwrap();
    assert!(e.is_closed(), "told by the wipe, before any call");
    let (doc, stash, referral, fields) = e.internals();
    assert_eq!(doc, json!({}));
    assert!(stash.is_empty() && fields.is_empty());
    assert!(referral.victim.forename.is_none());
    let closed = |r: Result<SetOutcome, FormError>| {
        assert!(
            matches!(r, Err(FormError::Store(StoreError::Closed))),
            "{r:?}"
        )
    };
    closed(e.set("victim.surname".into(), text("T")));
    closed(e.add_item("children".into()));
    closed(e.remove_item("children".into(), 0));
    assert!(matches!(
        e.save(),
        Err(FormError::Store(StoreError::Closed))
    ));
    assert!(matches!(
        e.submit(service().1),
        Err(FormError::Store(StoreError::Closed))
    ));
    // An editor opened on the wiped store starts closed; one without a store is unaffected.
    assert!(DraftEditor::open_new(store).is_closed());
    assert!(!detached.is_closed());
    assert!(detached.set("victim.surname".into(), text("T")).is_ok());
}
