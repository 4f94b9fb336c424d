//! Property tests: no input, however odd, makes parsing or validation panic.

use chrono::{TimeZone, Utc};
use proptest::prelude::*;
use serde_json::Value;
use weprotect_core::example::EXAMPLE_REFERRAL_JSON;
use weprotect_core::validation::{Rules, read_referral, validate_for_submission_with};
use weprotect_core::{parse_referral, validate_draft, validate_for_submission};

/// A version 1 document as the version 1 code wrote it.
const V1_REFERRAL_JSON: &str = include_str!("../fixtures/v1-store/submitted-v1.json");

fn check_everything(json: &str) {
    let now = Utc.with_ymd_and_hms(2026, 11, 28, 12, 0, 0).unwrap();
    if let Ok(read) = read_referral(json) {
        let referral = read.referral;
        let _ = validate_draft(&referral, now);
        let _ = validate_for_submission(&referral, now);
        let _ = validate_for_submission_with(&referral, Rules::V1, now);
        // What was read can always be written and read back.
        let again = serde_json::to_string(&referral).expect("a referral always serialises");
        parse_referral(&again).expect("a serialised referral reads back");
    }
}

fn arbitrary_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        ".*".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    ".*",
                    Just("schema_version".to_string()),
                    Just("victim".to_string())
                ],
                inner,
                0..8
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Paths to every leaf of the example, so each can be replaced.
fn leaves(value: &Value, path: Vec<String>, out: &mut Vec<Vec<String>>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let mut p = path.clone();
                p.push(k.clone());
                leaves(v, p, out);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                let mut p = path.clone();
                p.push(i.to_string());
                leaves(v, p, out);
            }
        }
        _ => out.push(path),
    }
}

fn leaf_mut<'a>(value: &'a mut Value, path: &[String]) -> &'a mut Value {
    path.iter().fold(value, |v, key| match v {
        Value::Object(map) => map.get_mut(key).expect("path from leaves()"),
        Value::Array(items) => &mut items[key.parse::<usize>().expect("index")],
        _ => unreachable!("leaves() only descends into containers"),
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics(text in ".*") {
        check_everything(&text);
    }

    #[test]
    fn arbitrary_json_never_panics(value in arbitrary_json()) {
        check_everything(&value.to_string());
        if let Value::Object(mut map) = value {
            for version in [1, 2] {
                map.insert("schema_version".into(), Value::from(version));
                check_everything(&Value::Object(map.clone()).to_string());
            }
        }
    }

    #[test]
    fn arbitrary_strings_in_every_field_never_panic(
        strings in prop::collection::vec(prop_oneof![".*", "[0-9+ ()-]{0,20}", "[A-Za-z0-9 ]{0,10}", "[0-9:T+-]{0,30}", "[0-9A-Za-z #x.:;=+]{0,24}"], 128),
        mask in prop::collection::vec(any::<bool>(), 128),
        v1 in any::<bool>(),
    ) {
        let source = if v1 { V1_REFERRAL_JSON } else { EXAMPLE_REFERRAL_JSON };
        let mut doc: Value = serde_json::from_str(source).unwrap();
        let mut paths = Vec::new();
        leaves(&doc, Vec::new(), &mut paths);
        paths.retain(|p| p.first().map(String::as_str) != Some("schema_version"));
        for (i, path) in paths.iter().enumerate() {
            if mask[i % mask.len()] {
                *leaf_mut(&mut doc, path) = Value::String(strings[i % strings.len()].clone());
            }
        }
        check_everything(&doc.to_string());
    }
}
