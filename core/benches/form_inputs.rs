//! How many inputs a typical police referral needs: the example referral typed field by field
//! through the draft editor, as an app would, counting each value set and each item added.
//!
//! Two runs of the same referral on the same form: with the referrer's profile and the
//! organisation's deployment settings filled in (referral v3, issue 22), and without them, as
//! every referral was typed before (the baseline). A value already there (filled from the
//! profile or the settings) is not typed again. The editor's result is compared with the
//! example at the end, so the count is of a referral that is really complete. The count does
//! not depend on the machine, so quick and full runs print the same figure.

use std::collections::BTreeMap;

use chrono::{TimeZone, Utc};
use serde_json::Value;
use weprotect_core::config::DeploymentSettings;
use weprotect_core::crypto::DataKey;
use weprotect_core::example::{EXAMPLE_REFERRAL_JSON, example_referral};
use weprotect_core::form::{DraftEditor, FieldKind, FormValue, form_definition};
use weprotect_core::store::ReferrerProfile;
use weprotect_core::{Store, StoreSettings};

/// The value at a dotted path with `[i]` indexes, or `Null`.
fn at<'a>(doc: &'a Value, path: &str) -> &'a Value {
    let mut v = doc;
    for part in path.split('.') {
        let (key, index) = match part.split_once('[') {
            Some((k, rest)) => (k, rest.trim_end_matches(']').parse::<usize>().ok()),
            None => (part, None),
        };
        v = &v[key];
        if let Some(i) = index {
            v = &v[i];
        }
    }
    v
}

fn form_value(kind: &FieldKind, typed: &Value) -> Option<FormValue> {
    Some(match (kind, typed) {
        (_, Value::Null) => return None,
        (FieldKind::YesNo, Value::Bool(b)) => FormValue::YesNo { yes: *b },
        (FieldKind::Integer { .. }, Value::Number(n)) => FormValue::Integer { value: n.as_i64()? },
        (FieldKind::MultiChoice { .. }, Value::Array(items)) => FormValue::Choices {
            options: items
                .iter()
                .filter_map(|i| i.as_str().map(str::to_string))
                .collect(),
        },
        (FieldKind::Choice { .. }, Value::Object(o)) => FormValue::Choice {
            option: format!("{}:{}", o.get("id")?.as_str()?, o.get("version")?.as_str()?),
        },
        (FieldKind::Choice { .. }, Value::String(s)) => FormValue::Choice { option: s.clone() },
        (_, Value::String(s)) => FormValue::Text { text: s.clone() },
        _ => return None,
    })
}

/// Types the example into a new draft; returns the inputs per section.
fn type_example(prefilled: bool) -> BTreeMap<String, u32> {
    let now = Utc.with_ymd_and_hms(2026, 11, 28, 12, 0, 0).unwrap();
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(
        dir.path().to_path_buf(),
        DataKey::generate(),
        StoreSettings::default(),
        now,
    )
    .expect("store");
    let example = example_referral();
    if prefilled {
        let r = &example.referrer;
        let text = |v: Option<&str>| v.map(str::to_string);
        store
            .set_profile(ReferrerProfile {
                officer_name: r.officer_name.clone(),
                collar_number: text(r.collar_number.as_ref().map(|c| c.as_str())),
                rank: r.rank.clone(),
                role: r.role.clone(),
                station: r.station.clone(),
                contact_phone: text(r.contact_phone.as_ref().map(|p| p.as_str())),
                email: r.email.clone(),
            })
            .expect("profile");
        store.set_deployment(DeploymentSettings {
            organisation_type: r.organisation_type,
            organisation_id: text(r.organisation_id.as_ref().map(|o| o.as_str())),
            consent_script_version: example.consent.script_version.clone(),
            risk_instrument: example
                .risk
                .instrument
                .as_ref()
                .map(|i| format!("{}:{}", i.id, i.version)),
            consent_refused_route: None,
        });
    }
    let editor = DraftEditor::open_new(store);
    editor.pin_clock(Some(now));
    let typed: Value = serde_json::from_str(EXAMPLE_REFERRAL_JSON).expect("example");
    let wanted = serde_json::to_value(&example).expect("example");
    let def = form_definition();
    let mut inputs: BTreeMap<String, u32> = BTreeMap::new();
    // (section, concrete path, value): what is left to type, retried while fields appear.
    let mut pending: Vec<(String, String, FormValue)> = Vec::new();
    for section in &def.sections {
        for field in &section.fields {
            match &field.kind {
                FieldKind::RepeatableGroup { .. } => {
                    let n = at(&typed, &field.path).as_array().map_or(0, Vec::len);
                    for _ in 0..n {
                        editor.add_item(field.path.clone()).expect("add item");
                        *inputs.entry(section.id.clone()).or_default() += 1;
                    }
                }
                FieldKind::RiskChecklist { .. } => {
                    for a in typed["risk"]["answers"].as_array().into_iter().flatten() {
                        let (Some(q), Some(answer)) =
                            (a["question_id"].as_str(), a["answer"].as_str())
                        else {
                            continue;
                        };
                        pending.push((
                            section.id.clone(),
                            format!("risk.answers.{q}"),
                            FormValue::Choice {
                                option: answer.to_string(),
                            },
                        ));
                    }
                }
                kind => {
                    let items = match &field.group {
                        Some(g) => at(&typed, g).as_array().map_or(0, Vec::len),
                        None => 1,
                    };
                    for i in 0..items {
                        let path = field.path.replace("[]", &format!("[{i}]"));
                        if let Some(value) = form_value(kind, at(&typed, &path)) {
                            pending.push((section.id.clone(), path, value));
                        }
                    }
                }
            }
        }
        // Type this section's values in order; a field shown by a later answer is retried.
        for _ in 0..4 {
            let mut left = Vec::new();
            for (sid, path, value) in pending.drain(..) {
                let now_doc: Value = serde_json::from_str(&editor.to_json()).expect("editor JSON");
                if !at(&now_doc, &path).is_null() && at(&now_doc, &path) == at(&wanted, &path) {
                    continue; // already there: filled from the profile or the settings
                }
                match editor.set(path.clone(), value.clone()) {
                    Ok(_) => *inputs.entry(sid).or_default() += 1,
                    Err(_) => left.push((sid, path, value)),
                }
            }
            pending = left;
            if pending.is_empty() {
                break;
            }
        }
    }
    assert!(
        pending.is_empty(),
        "could not type: {:?}",
        pending.iter().map(|p| &p.1).collect::<Vec<_>>()
    );
    let mut got = editor.referral();
    got.to_follow.clear();
    assert!(
        got == example,
        "the typed referral is not the example: the count would be of another referral"
    );
    inputs
}

fn main() {
    let with = type_example(true);
    let without = type_example(false);
    let total = |m: &BTreeMap<String, u32>| m.values().sum::<u32>();
    println!("inputs per section (with profile and settings / without):");
    for (section, n) in &without {
        println!(
            "  {section:<20} {:>3} / {n:>3}",
            with.get(section).copied().unwrap_or(0)
        );
    }
    let (w, wo) = (total(&with), total(&without));
    println!("total: {w} inputs with the profile and settings, {wo} without");
    println!(
        "FIGURE\tinputs for a typical police referral (profile and settings filled)\t{w}\t{wo} (typed in full, as before)\t{:.2}\t<= 45",
        f64::from(w) / f64::from(wo)
    );
}
