//! Duplicate keys in a referral's JSON are refused.
//!
//! JSON allows an object to repeat a key, and readers disagree about which value counts:
//! `serde_json` keeps the last, many others keep the first. The intake server stores the text
//! it received, so a referral with `"phone"` twice, or `"given": true` and `"given": false` in
//! its consent, would show one value to the device's checks and another to whoever reads it
//! later: a different phone number rings, or a consent that was not given is acted on. So a
//! repeated key is an error wherever the referral is parsed (`parse_referral`), with the path
//! of the repeated key and the code `document.duplicate_key`.
//!
//! The walk reads the text once with `serde_json`'s streaming deserializer and keeps nothing
//! but the keys of the object it is in; keys are compared after unescaping (`"sur\u006eame"`
//! is `"surname"`). Text that is not JSON is left to the parser, which reports it.

use std::cell::RefCell;
use std::collections::HashSet;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

/// The path of the first repeated key in `json` (`safe_contact.phone`, `children[1].name`),
/// or `None`. A key that is not a plain field name (it could be anything typed, even a name)
/// is shown as `?`.
pub(crate) fn first_duplicate_key(json: &str) -> Option<String> {
    let found = RefCell::new(None);
    let mut path = Vec::new();
    let mut deserializer = serde_json::Deserializer::from_str(json);
    let _ = Walk {
        path: &mut path,
        found: &found,
    }
    .deserialize(&mut deserializer);
    found.into_inner()
}

enum Segment {
    Key(String),
    Index(usize),
}

fn path_text(path: &[Segment]) -> String {
    let mut text = String::new();
    for segment in path {
        match segment {
            Segment::Index(i) => text.push_str(&format!("[{i}]")),
            Segment::Key(key) => {
                if !text.is_empty() {
                    text.push('.');
                }
                let plain = key.len() <= 64
                    && key.starts_with(|c: char| c.is_ascii_lowercase())
                    && key
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
                text.push_str(if plain { key } else { "?" });
            }
        }
    }
    text
}

struct Walk<'a> {
    path: &'a mut Vec<Segment>,
    found: &'a RefCell<Option<String>>,
}

impl<'de> DeserializeSeed<'de> for Walk<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Walk<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("JSON")
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let Walk { path, found } = self;
        let mut index = 0;
        loop {
            path.push(Segment::Index(index));
            let more = seq.next_element_seed(Walk {
                path: &mut *path,
                found,
            })?;
            path.pop();
            if more.is_none() {
                return Ok(());
            }
            index += 1;
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let Walk { path, found } = self;
        let mut seen = HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            let repeated = !seen.insert(key.clone());
            path.push(Segment::Key(key));
            if repeated {
                *found.borrow_mut() = Some(path_text(path));
                return Err(de::Error::custom("duplicate key"));
            }
            map.next_value_seed(Walk {
                path: &mut *path,
                found,
            })?;
            path.pop();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_keys_are_found_with_their_path_at_any_depth() {
        assert_eq!(first_duplicate_key(r#"{"a":1,"b":2}"#), None);
        assert_eq!(
            first_duplicate_key(r#"{"a":1,"a":2}"#).as_deref(),
            Some("a")
        );
        assert_eq!(
            first_duplicate_key(r#"{"safe_contact":{"phone":"x","phone":"y"}}"#).as_deref(),
            Some("safe_contact.phone")
        );
        assert_eq!(
            first_duplicate_key(r#"{"children":[{"n":1},{"n":1,"n":2}]}"#).as_deref(),
            Some("children[1].n")
        );
        // Same key once unescaped.
        assert_eq!(
            first_duplicate_key(r#"{"consent":{"given":true,"giv\u0065n":false}}"#).as_deref(),
            Some("consent.given")
        );
        // The same key in sibling objects is not a repeat.
        assert_eq!(first_duplicate_key(r#"{"x":{"a":1},"y":{"a":1}}"#), None);
    }

    #[test]
    fn a_key_that_is_not_a_field_name_is_not_echoed() {
        assert_eq!(
            first_duplicate_key(r#"{"v":{"Jamie Testperson":1,"Jamie Testperson":2}}"#).as_deref(),
            Some("v.?")
        );
    }

    #[test]
    fn text_that_is_not_json_is_left_to_the_parser() {
        assert_eq!(first_duplicate_key("{\"a\":"), None);
        assert_eq!(first_duplicate_key(&"[".repeat(10_000)), None);
    }
}
