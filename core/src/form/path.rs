//! Field paths: the one vocabulary shared by the definition, the editor and validation.
//!
//! A concrete path names one value of one referral (`children[1].date_of_birth`); a template
//! path names a field of the definition (`children[].date_of_birth`). Risk answers are named by
//! question id (`risk.answers.q01_injury`), because an answer's position in the list means
//! nothing to the officer. Paths are parsed once into segments so that no code splits strings
//! in several places.

use serde_json::{Map, Value};

/// One step of a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Segment {
    /// An object key.
    Key(String),
    /// A list position; `None` in a template (`[]`).
    Index(Option<usize>),
}

/// Longest path accepted (no real path comes close).
const MAX_PATH_LEN: usize = 256;

/// Parses `a.b[2].c` or `a.b[].c`. `None` for anything else (empty keys, bad brackets, odd
/// characters), so an app's typo becomes "unknown field", never a panic.
pub(crate) fn parse(path: &str) -> Option<Vec<Segment>> {
    if path.is_empty() || path.len() > MAX_PATH_LEN || !is_printable(path) {
        return None;
    }
    let mut out = Vec::new();
    for part in path.split('.') {
        let (key, mut rest) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if key.is_empty() || key.contains(']') {
            return None;
        }
        out.push(Segment::Key(key.to_string()));
        while !rest.is_empty() {
            let close = rest.find(']')?;
            if !rest.starts_with('[') {
                return None;
            }
            let inner = &rest[1..close];
            out.push(Segment::Index(if inner.is_empty() {
                None
            } else {
                if inner.len() > 6 || !inner.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                Some(inner.parse().ok()?)
            }));
            rest = &rest[close + 1..];
        }
    }
    Some(out)
}

/// True when a path is made of the characters real paths use: safe to echo in an error.
pub(crate) fn is_printable(path: &str) -> bool {
    path.len() <= MAX_PATH_LEN
        && path
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"_.[]".contains(&b))
}

/// A path as text; `[]` for template positions.
pub(crate) fn render(segments: &[Segment]) -> String {
    let mut s = String::new();
    for seg in segments {
        match seg {
            Segment::Key(k) => {
                if !s.is_empty() {
                    s.push('.');
                }
                s.push_str(k);
            }
            Segment::Index(Some(i)) => {
                s.push('[');
                s.push_str(&i.to_string());
                s.push(']');
            }
            Segment::Index(None) => s.push_str("[]"),
        }
    }
    s
}

/// Whether `path` is `parent` or inside it (`parent.x`, `parent[0]`), never a sibling that
/// only shares its start (`parent_other`).
pub fn under(path: &str, parent: &str) -> bool {
    path.strip_prefix(parent)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('.') || rest.starts_with('['))
}

/// The template of a concrete path: every index becomes `[]` (`children[1].name` is
/// `children[].name`, the path the form definition names the field by).
pub fn template(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut in_index = false;
    for c in path.chars() {
        match c {
            '[' => {
                in_index = true;
                out.push('[');
            }
            ']' => {
                in_index = false;
                out.push(']');
            }
            _ if in_index => {}
            _ => out.push(c),
        }
    }
    out
}

/// Fills the `[]` positions of a template with the indexes of `item` (a concrete item path such
/// as `children[2]`): `children[].name` in item `children[2]` is `children[2].name`.
pub(crate) fn instantiate(template_path: &str, indexes: &[usize]) -> String {
    let mut out = String::with_capacity(template_path.len() + 4);
    let mut it = indexes.iter();
    let mut rest = template_path;
    while let Some(i) = rest.find("[]") {
        out.push_str(&rest[..i]);
        match it.next() {
            Some(n) => {
                out.push('[');
                out.push_str(&n.to_string());
                out.push(']');
            }
            None => out.push_str("[]"),
        }
        rest = &rest[i + 2..];
    }
    out.push_str(rest);
    out
}

/// The value at a concrete path given as text, without allocating (conditions and reads run
/// this for every field after every change). `None` for a template or malformed path.
pub(crate) fn get_str<'a>(doc: &'a Value, concrete: &str) -> Option<&'a Value> {
    let mut v = doc;
    for part in concrete.split('.') {
        let (key, mut rest) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        v = v.as_object()?.get(key)?;
        while let Some(r) = rest.strip_prefix('[') {
            let close = r.find(']')?;
            let i: usize = r[..close].parse().ok()?;
            v = v.as_array()?.get(i)?;
            rest = &r[close + 1..];
        }
    }
    Some(v)
}

/// The value at a concrete path, if every step exists.
pub(crate) fn get<'a>(doc: &'a Value, segments: &[Segment]) -> Option<&'a Value> {
    let mut v = doc;
    for seg in segments {
        v = match (seg, v) {
            (Segment::Key(k), Value::Object(m)) => m.get(k)?,
            (Segment::Index(Some(i)), Value::Array(a)) => a.get(*i)?,
            _ => return None,
        };
    }
    Some(v)
}

/// The value at a concrete path, creating objects on the way (never list items: those exist
/// only through `add_item`). `None` when a step cannot be taken.
pub(crate) fn get_mut_creating<'a>(
    doc: &'a mut Value,
    segments: &[Segment],
) -> Option<&'a mut Value> {
    let mut v = doc;
    for seg in segments {
        if v.is_null() && matches!(seg, Segment::Key(_)) {
            *v = Value::Object(Map::new());
        }
        v = match (seg, v) {
            (Segment::Key(k), Value::Object(m)) => m.entry(k.clone()).or_insert(Value::Null),
            (Segment::Index(Some(i)), Value::Array(a)) => a.get_mut(*i)?,
            _ => return None,
        };
    }
    Some(v)
}

/// True when a value counts as given: not null, not an empty string, list or object, and for an
/// object, at least one member given.
pub(crate) fn is_set(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(m) => m.values().any(is_set),
        Value::Bool(_) | Value::Number(_) => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_is_under_itself_its_parts_and_items_never_a_sibling_sharing_its_start() {
        assert!(under("victim.address", "victim.address"));
        assert!(under("victim.address.postcode", "victim.address"));
        assert!(under("children[1].name", "children"));
        assert!(!under("victim.address_known", "victim.address"));
        assert!(!under("victim", "victim.address"));
    }

    #[test]
    fn paths_parse_render_and_template() {
        let segs = parse("children[12].date_of_birth").unwrap();
        assert_eq!(render(&segs), "children[12].date_of_birth");
        assert_eq!(
            template("children[12].date_of_birth"),
            "children[].date_of_birth"
        );
        assert_eq!(instantiate("children[].name", &[3]), "children[3].name");
        assert_eq!(
            render(&parse("children[].name").unwrap()),
            "children[].name"
        );
    }

    #[test]
    fn malformed_paths_are_refused_not_panicked_on() {
        for bad in [
            "",
            ".",
            "a..b",
            "a[",
            "a]",
            "a[x]",
            "a[1",
            "[1]",
            "a.[1]",
            "A",
            "a b",
            "a[1]x",
            "a[99999999]",
        ] {
            assert!(parse(bad).is_none(), "{bad}");
        }
    }
}
