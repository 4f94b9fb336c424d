//! The rules an addendum's information meets.
//!
//! Information is a set of values for paths that were to follow. Each path must be one of the
//! referral's to-follow items (or a field inside one: a care-of address has lines), and each
//! value must pass the rules of its field. The device checks each field on its own, because it
//! keeps no copy of a delivered referral: the values are merged into an empty referral that
//! carries only the to-follow list. The service checks them merged into the referral they
//! complete, by the rules that referral was written under, so a rule that needs the rest of the
//! referral (a child's date of birth against the child's stated age) is checked where the rest is.
//! Either way only errors on the added paths count: the rest of the referral was checked when
//! it was sent.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use crate::form::{parse_concrete_path, path_under as under};
use crate::model::{Referral, ToFollowItem};
use crate::validation::{Problem, ProblemKind, Rules, validate_draft_with};

/// Checks `information` on its own, as the device does before sealing an addendum: each path
/// must be in `to_follow`, each value must pass its field's rules.
///
/// # Errors
///
/// Every problem, on the path it is about (codes `addendum.not_to_follow`,
/// `addendum.value_empty`, `addendum.value_invalid`, or the field's own rule).
pub fn check_information_alone(
    to_follow: &[ToFollowItem],
    information: &BTreeMap<String, Value>,
    now: DateTime<Utc>,
) -> Result<(), Vec<Problem>> {
    let base = Referral {
        to_follow: to_follow.to_vec(),
        ..Referral::default()
    };
    apply_information(&base, information, Rules::CURRENT, now).map(|_| ())
}

/// Merges `information` into `referral` (whose `to_follow` list says which paths may be
/// given) and checks the result by `rules`: the service's check of a received addendum.
/// Returns the completed referral, its to-follow list without the items now given.
///
/// # Errors
///
/// Every problem on the added paths, as [`check_information_alone`].
pub fn apply_information(
    referral: &Referral,
    information: &BTreeMap<String, Value>,
    rules: Rules,
    now: DateTime<Utc>,
) -> Result<Referral, Vec<Problem>> {
    let mut problems = Vec::new();
    let mut doc = serde_json::to_value(referral).unwrap_or(Value::Null);
    for (path, value) in information {
        if !to_follow_covers(&referral.to_follow, path) {
            problems.push(Problem::new(
                path,
                "addendum.not_to_follow",
                "This field was not on the referral's list of items to follow.",
            ));
            continue;
        }
        if !crate::form::is_given(value) {
            problems.push(Problem::new(
                path,
                "addendum.value_empty",
                "Give a value, or leave this item out.",
            ));
            continue;
        }
        // One at a time, so a value of the wrong shape is named by its own path.
        let mut trial = doc.clone();
        if !put(&mut trial, path, value.clone())
            || serde_json::from_value::<Referral>(trial.clone()).is_err()
        {
            problems.push(Problem::new(
                path,
                "addendum.value_invalid",
                "This value is not of the kind the field takes.",
            ));
            continue;
        }
        doc = trial;
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let Ok(mut merged) = serde_json::from_value::<Referral>(doc) else {
        return Err(vec![Problem::new(
            "information",
            "addendum.value_invalid",
            "A value is not of the kind its field takes.",
        )]);
    };
    let report = validate_draft_with(&merged, rules, now);
    let errors: Vec<Problem> = report
        .problems
        .iter()
        .chain(report.missing.iter())
        .filter(|p| p.kind == ProblemKind::Error)
        .filter(|p| information.keys().any(|path| under(&p.path, path)))
        .cloned()
        .collect();
    if !errors.is_empty() {
        return Err(errors);
    }
    merged.to_follow.retain(|item| {
        !information
            .keys()
            .any(|path| under(path, &item.path) || under(&item.path, path))
    });
    Ok(merged)
}

/// Whether `path` is a to-follow item's path or a field inside one.
fn to_follow_covers(to_follow: &[ToFollowItem], path: &str) -> bool {
    to_follow.iter().any(|item| under(path, &item.path))
}

/// Writes `value` at `path`, creating objects and list items on the way (a to-follow item
/// inside a child names an item the referral has; the device's empty referral has none).
pub(crate) fn put(doc: &mut Value, path: &str, value: Value) -> bool {
    use crate::form::PathSegment as S;
    let Some(segments) = parse_concrete_path(path) else {
        return false;
    };
    let mut v = doc;
    for seg in &segments {
        v = match seg {
            S::Key(k) => {
                if v.is_null() {
                    *v = Value::Object(Map::new());
                }
                let Value::Object(m) = v else { return false };
                m.entry(k.clone()).or_insert(Value::Null)
            }
            S::Index(Some(i)) => {
                if v.is_null() {
                    *v = Value::Array(Vec::new());
                }
                let Value::Array(a) = v else { return false };
                if *i >= crate::form::MAX_GROUP_ITEMS {
                    return false;
                }
                while a.len() <= *i {
                    a.push(Value::Object(Map::new()));
                }
                &mut a[*i]
            }
            S::Index(None) => return false,
        };
    }
    *v = value;
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use serde_json::json;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 6, 15, 0, 0).unwrap()
    }

    fn item(path: &str, code: &str) -> ToFollowItem {
        ToFollowItem {
            path: path.into(),
            code: code.into(),
        }
    }

    fn info(pairs: &[(&str, Value)]) -> BTreeMap<String, Value> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect()
    }

    #[test]
    fn a_crime_reference_that_was_to_follow_is_accepted_alone() {
        let list = [item(
            "incident.crime_reference",
            "crime_reference.to_follow",
        )];
        let given = info(&[("incident.crime_reference", json!("CR/123456/26"))]);
        assert_eq!(check_information_alone(&list, &given, now()), Ok(()));
    }

    #[test]
    fn a_field_that_was_not_to_follow_is_refused_by_its_path() {
        let list = [item(
            "incident.crime_reference",
            "crime_reference.to_follow",
        )];
        let given = info(&[("victim.name", json!("Someone Else"))]);
        let problems = check_information_alone(&list, &given, now()).unwrap_err();
        assert_eq!(problems[0].path, "victim.name");
        assert_eq!(problems[0].code, "addendum.not_to_follow");
    }

    #[test]
    fn a_date_of_birth_in_the_future_is_refused_by_the_fields_own_rule() {
        let list = [item(
            "victim.date_of_birth",
            "victim.date_of_birth_to_follow",
        )];
        let given = info(&[("victim.date_of_birth", json!("2030-01-01"))]);
        let problems = check_information_alone(&list, &given, now()).unwrap_err();
        assert!(
            problems.iter().all(|p| p.path == "victim.date_of_birth"),
            "{problems:?}"
        );
        assert!(!problems.is_empty());
        assert!(!format!("{problems:?}").contains("2030"));
    }

    #[test]
    fn a_childs_date_of_birth_names_the_child_and_fills_in_an_empty_referral() {
        let list = [item(
            "children[1].date_of_birth",
            "child.date_of_birth_to_follow",
        )];
        let given = info(&[("children[1].date_of_birth", json!("2019-03-04"))]);
        assert_eq!(check_information_alone(&list, &given, now()), Ok(()));
    }

    #[test]
    fn a_value_of_the_wrong_kind_or_empty_is_refused_without_quoting_it() {
        let list = [
            item("victim.date_of_birth", "victim.date_of_birth_to_follow"),
            item("incident.crime_reference", "crime_reference.to_follow"),
        ];
        let given = info(&[
            ("victim.date_of_birth", json!({"secret": "SECRETVALUE"})),
            ("incident.crime_reference", json!("")),
        ]);
        let problems = check_information_alone(&list, &given, now()).unwrap_err();
        let codes: Vec<_> = problems
            .iter()
            .map(|p| (p.path.as_str(), p.code.as_str()))
            .collect();
        assert!(
            codes.contains(&("victim.date_of_birth", "addendum.value_invalid")),
            "{codes:?}"
        );
        assert!(
            codes.contains(&("incident.crime_reference", "addendum.value_empty")),
            "{codes:?}"
        );
        assert!(!format!("{problems:?}").contains("SECRETVALUE"));
    }

    #[test]
    fn the_service_merges_information_and_drops_the_items_given_from_the_list() {
        let referral = Referral {
            to_follow: vec![
                item("incident.crime_reference", "crime_reference.to_follow"),
                item("victim.date_of_birth", "victim.date_of_birth_to_follow"),
            ],
            ..Referral::default()
        };
        let given = info(&[("incident.crime_reference", json!("CR/123456/26"))]);
        let merged = apply_information(&referral, &given, Rules::CURRENT, now()).unwrap();
        assert_eq!(
            merged.incident.crime_reference.as_deref(),
            Some("CR/123456/26")
        );
        assert_eq!(
            merged.to_follow,
            [item(
                "victim.date_of_birth",
                "victim.date_of_birth_to_follow"
            )]
        );
    }

    #[test]
    fn a_care_of_address_is_given_line_by_line_inside_its_item() {
        let list = [item("victim.care_of_address", "address.care_of_to_follow")];
        let given = info(&[
            ("victim.care_of_address.line1", json!("c/o PO Box 123")),
            ("victim.care_of_address.town", json!("Leeds")),
            ("victim.care_of_address.postcode", json!("LS1 4AP")),
        ]);
        assert_eq!(check_information_alone(&list, &given, now()), Ok(()));
    }
}
