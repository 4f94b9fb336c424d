//! The leaves of the referral's JSON Schema, as the form definition sees them.
//!
//! The definition takes each field's kind and choice options from here, not from a hand copy:
//! a `bool` is a yes/no, an enum is a choice whose options are the enum's serde names, a
//! `PhoneNumber` is a phone. And the test that keeps the definition honest walks the same
//! leaves: each must be covered by exactly one field. So a field added to the model shows up
//! as a failing test until the form places it, and its kind and options come for free.

use std::collections::BTreeMap;

use serde_json::Value;

/// What the schema says a leaf holds.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Shape {
    Bool,
    Integer {
        min: i64,
        max: i64,
    },
    Text,
    /// A string with its own type in the model (`PhoneNumber`, `DateValue`...).
    Typed(String),
    /// One of an enum's values: (enum name, [(serde name, description)]).
    Enum(String, Vec<(String, String)>),
    /// A list of an enum's values.
    EnumList(String, Vec<(String, String)>),
    /// An object (a group of leaves under this path).
    Object,
    /// A list of objects (a repeatable group).
    ObjectList,
}

/// Every path of the schema (template form) with its shape, in schema order. Objects and
/// lists of objects appear too, before their leaves.
pub(crate) fn walk(schema: &Value) -> BTreeMap<String, Shape> {
    let defs = schema.get("$defs").cloned().unwrap_or(Value::Null);
    let mut out = BTreeMap::new();
    walk_object(schema, &defs, "", &mut out);
    out
}

/// Only the leaves (not objects or object lists).
#[cfg(test)]
pub(crate) fn leaves(schema: &Value) -> BTreeMap<String, Shape> {
    walk(schema)
        .into_iter()
        .filter(|(_, s)| !matches!(s, Shape::Object | Shape::ObjectList))
        .collect()
}

fn walk_object(node: &Value, defs: &Value, prefix: &str, out: &mut BTreeMap<String, Shape>) {
    let Some(props) = node.get("properties").and_then(Value::as_object) else {
        return;
    };
    for (name, prop) in props {
        if prefix.is_empty() && name == "schema_version" {
            continue;
        }
        let path = if prefix.is_empty() {
            name.clone()
        } else {
            format!("{prefix}.{name}")
        };
        walk_value(prop, defs, &path, out);
    }
}

fn walk_value(node: &Value, defs: &Value, path: &str, out: &mut BTreeMap<String, Shape>) {
    let (node, name) = resolve(node, defs);
    if node.get("properties").is_some() {
        out.insert(path.to_string(), Shape::Object);
        walk_object(node, defs, path, out);
        return;
    }
    if let Some(options) = enum_options(node) {
        out.insert(
            path.to_string(),
            Shape::Enum(name.unwrap_or_default(), options),
        );
        return;
    }
    let types = type_names(node);
    if types.iter().any(|t| t == "array") {
        let items = node.get("items").unwrap_or(&Value::Null);
        let (item, item_name) = resolve(items, defs);
        if item.get("properties").is_some() {
            out.insert(path.to_string(), Shape::ObjectList);
            walk_object(item, defs, &format!("{path}[]"), out);
        } else if let Some(options) = enum_options(item) {
            out.insert(
                path.to_string(),
                Shape::EnumList(item_name.unwrap_or_default(), options),
            );
        } else {
            out.insert(path.to_string(), Shape::Text);
        }
        return;
    }
    let shape = if types.iter().any(|t| t == "boolean") {
        Shape::Bool
    } else if types.iter().any(|t| t == "integer") {
        Shape::Integer {
            min: node
                .get("minimum")
                .and_then(Value::as_i64)
                .unwrap_or(i64::MIN),
            max: node
                .get("maximum")
                .and_then(Value::as_i64)
                .unwrap_or(i64::MAX),
        }
    } else if let Some(name) = name {
        Shape::Typed(name)
    } else {
        Shape::Text
    };
    out.insert(path.to_string(), shape);
}

/// Follows `$ref` and unwraps `anyOf [X, null]`; returns the node and the last def name.
fn resolve<'a>(node: &'a Value, defs: &'a Value) -> (&'a Value, Option<String>) {
    let mut node = node;
    let mut name = None;
    for _ in 0..8 {
        if let Some(r) = node.get("$ref").and_then(Value::as_str) {
            let def = r.trim_start_matches("#/$defs/");
            name = Some(def.to_string());
            node = defs.get(def).unwrap_or(&Value::Null);
            continue;
        }
        if let Some(any) = node.get("anyOf").and_then(Value::as_array)
            && let Some(inner) = any
                .iter()
                .find(|v| v.get("type").and_then(Value::as_str) != Some("null"))
        {
            node = inner;
            continue;
        }
        break;
    }
    (node, name)
}

fn type_names(node: &Value) -> Vec<String> {
    match node.get("type") {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|v| v.as_str().map(String::from))
            .collect(),
        _ => Vec::new(),
    }
}

fn enum_options(node: &Value) -> Option<Vec<(String, String)>> {
    if let Some(one_of) = node.get("oneOf").and_then(Value::as_array) {
        let options: Option<Vec<_>> = one_of
            .iter()
            .map(|v| {
                let value = v.get("const").and_then(Value::as_str)?;
                let description = v
                    .get("description")
                    .and_then(Value::as_str)
                    .unwrap_or(value);
                Some((value.to_string(), description.to_string()))
            })
            .collect();
        return options.filter(|o| !o.is_empty());
    }
    let values = node.get("enum").and_then(Value::as_array)?;
    Some(
        values
            .iter()
            .filter_map(Value::as_str)
            .map(|v| (v.to_string(), v.to_string()))
            .collect(),
    )
}
