//! Conditions: when a field is visible, when it is required.
//!
//! The core evaluates them; apps never do (they read `visible` and `required` from a
//! snapshot), but they may inspect them, for example to show "asked because a crime was
//! recorded". A condition is kept in disjunctive normal form: any one of several groups of
//! tests, each group needing all of its tests. That is a flat, non-recursive shape, so it
//! crosses FFI (uniffi records) as it is, and it can still say anything the form needs:
//! [`Condition::and`], [`Condition::or`] and `!` build it from single tests.
//!
//! Tests read other fields by path. Inside a repeatable group a test may name a field of the
//! same item by its template path (`children[].lives_at_address`); it then reads that item.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::path;

/// What a test checks about the value at its path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "check", rename_all = "snake_case")]
pub enum Check {
    /// The yes/no field is this answer.
    IsYes {
        /// `true`: the answer is yes; `false`: the answer is no (not merely unanswered).
        yes: bool,
    },
    /// The choice field has this option (serde name, as in the definition's options).
    Equals {
        /// The option.
        option: String,
    },
    /// The choice field has one of these options.
    OneOf {
        /// The options.
        options: Vec<String>,
    },
    /// Anything is given (text typed, an answer chosen, an item added).
    IsSet,
}

/// One test on one field, possibly negated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Test {
    /// The field tested (a concrete path, or a template path of the same repeatable item).
    pub path: String,
    /// What is checked.
    pub check: Check,
    /// True when the test is "not ...".
    pub negated: bool,
}

/// All of these tests hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AllOf {
    /// The tests.
    pub tests: Vec<Test>,
}

/// A condition: true when any group holds (an empty list is never true).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Condition {
    /// The alternatives.
    pub any_of: Vec<AllOf>,
}

impl Condition {
    fn test(path: &str, check: Check) -> Condition {
        Condition {
            any_of: vec![AllOf {
                tests: vec![Test {
                    path: path.to_string(),
                    check,
                    negated: false,
                }],
            }],
        }
    }

    /// The yes/no field at `path` is answered yes.
    pub fn is_yes(path: &str) -> Condition {
        Condition::test(path, Check::IsYes { yes: true })
    }

    /// The yes/no field at `path` is answered no.
    pub fn is_no(path: &str) -> Condition {
        Condition::test(path, Check::IsYes { yes: false })
    }

    /// The choice field at `path` has `option`.
    pub fn equals(path: &str, option: &str) -> Condition {
        Condition::test(
            path,
            Check::Equals {
                option: option.to_string(),
            },
        )
    }

    /// The choice field at `path` has one of `options`.
    pub fn one_of(path: &str, options: &[&str]) -> Condition {
        Condition::test(
            path,
            Check::OneOf {
                options: options.iter().map(|s| s.to_string()).collect(),
            },
        )
    }

    /// Something is given at `path`.
    pub fn is_set(path: &str) -> Condition {
        Condition::test(path, Check::IsSet)
    }

    /// Both hold.
    pub fn and(self, other: Condition) -> Condition {
        let mut any_of = Vec::new();
        for a in &self.any_of {
            for b in &other.any_of {
                let mut tests = a.tests.clone();
                tests.extend(b.tests.iter().cloned());
                any_of.push(AllOf { tests });
            }
        }
        Condition { any_of }
    }

    /// Either holds.
    pub fn or(mut self, other: Condition) -> Condition {
        self.any_of.extend(other.any_of);
        self
    }

    /// Every path the condition reads.
    pub fn paths(&self) -> impl Iterator<Item = &str> {
        self.any_of
            .iter()
            .flat_map(|g| g.tests.iter().map(|t| t.path.as_str()))
    }

    /// Evaluates the condition on a referral document. `item` holds the indexes of the
    /// repeatable item being evaluated, used to fill template paths.
    pub(crate) fn holds(&self, doc: &Value, item: &[usize]) -> bool {
        self.any_of
            .iter()
            .any(|g| g.tests.iter().all(|t| t.holds(doc, item)))
    }
}

impl std::ops::Not for Condition {
    type Output = Condition;

    /// The negation (De Morgan, kept in the same flat form).
    fn not(self) -> Condition {
        // not(any_i all_j t_ij) = all_i any_j not t_ij; multiply out to stay flat.
        let always = Condition {
            any_of: vec![AllOf { tests: Vec::new() }],
        };
        self.any_of.into_iter().fold(always, |acc, group| {
            let alternatives = Condition {
                any_of: group
                    .tests
                    .into_iter()
                    .map(|mut t| {
                        t.negated = !t.negated;
                        AllOf { tests: vec![t] }
                    })
                    .collect(),
            };
            acc.and(alternatives)
        })
    }
}

impl Test {
    fn holds(&self, doc: &Value, item: &[usize]) -> bool {
        let concrete = path::instantiate(&self.path, item);
        let value = path::parse(&concrete)
            .and_then(|segs| path::get(doc, &segs).cloned())
            .unwrap_or(Value::Null);
        let result = match &self.check {
            Check::IsYes { yes } => value.as_bool() == Some(*yes),
            Check::Equals { option } => value.as_str() == Some(option.as_str()),
            Check::OneOf { options } => value
                .as_str()
                .is_some_and(|v| options.iter().any(|o| o == v)),
            Check::IsSet => path::is_set(&value),
        };
        result != self.negated
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn conditions_combine_and_negate_in_flat_form() {
        let doc = json!({"a": {"x": true, "c": "police"}, "k": [{"y": "z"}, {"y": null}]});
        let x = Condition::is_yes("a.x");
        let police = Condition::equals("a.c", "police");
        assert!(x.holds(&doc, &[]));
        assert!(x.clone().and(police.clone()).holds(&doc, &[]));
        assert!(!(!x.clone()).holds(&doc, &[]));
        assert!((!!x.clone().and(police.clone())).holds(&doc, &[]));
        assert!(!x.clone().and(!police.clone()).holds(&doc, &[]));
        assert!((!police.clone()).or(x.clone()).holds(&doc, &[]));
        assert!(Condition::one_of("a.c", &["health", "police"]).holds(&doc, &[]));
        assert!(!Condition::is_no("a.x").holds(&doc, &[]));
        assert!(!Condition::is_no("a.missing").holds(&doc, &[]));
        let item = Condition::is_set("k[].y");
        assert!(item.holds(&doc, &[0]));
        assert!(!item.holds(&doc, &[1]));
        assert!(!item.holds(&doc, &[7]));
    }
}
