//! Named choices (code + English name) for searchable pickers, and the matching of names as
//! officers type them.
//!
//! Why names at all: officers type "Polish", "BSL" or "West Yorkshire Police", not `pl`, `bfi`
//! or `west-yorkshire`, and an officer refused at 3 am phones instead. So the lenient value
//! types read a name (or a common alternative name) as its code. Matching is forgiving about
//! what does not change the meaning: case, accents ("Cote d'Ivoire"), punctuation and spacing,
//! `&` for "and", "St" for "Saint", and a leading "the". Everything else must match a name or
//! an alias of the table exactly: guessing ("Polis" is probably Polish) would send an
//! interpreter of the wrong language.

use std::collections::HashMap;
use std::sync::OnceLock;

/// A choice for a searchable picker: the stable code to store and the English name to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NamedChoice {
    /// The code stored in the referral (`pl`, `west-yorkshire`, `IE`).
    pub code: &'static str,
    /// The English name shown to the user ("Polish", "West Yorkshire Police", "Ireland").
    pub name: &'static str,
}

/// The matching key of a name: lower case, accents folded to ASCII, apostrophes dropped, `&`
/// read as "and", "st" as "saint", any other run of punctuation or spaces as one space, and a
/// leading "the" dropped.
pub(crate) fn name_key(text: &str) -> String {
    let mut folded = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\'' | '\u{2019}' | '\u{2018}' | '`' => {}
            '&' => folded.push_str(" and "),
            c if c.is_ascii_alphanumeric() => folded.push(c.to_ascii_lowercase()),
            c => match fold(c) {
                Some(s) => folded.push_str(s),
                None => folded.push(' '),
            },
        }
    }
    let mut words: Vec<&str> = folded.split_whitespace().collect();
    if words.len() > 1 && words[0] == "the" {
        words.remove(0);
    }
    let words: Vec<&str> = words
        .into_iter()
        .map(|w| if w == "st" { "saint" } else { w })
        .collect();
    words.join(" ")
}

/// ASCII for the accented letters that appear in English names of languages, countries and
/// places (and their upper-case forms).
fn fold(c: char) -> Option<&'static str> {
    let lower = c.to_lowercase().next().unwrap_or(c);
    Some(match lower {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ą' | 'ā' => "a",
        'æ' => "ae",
        'ç' | 'ć' | 'č' => "c",
        'ď' | 'đ' => "d",
        'è' | 'é' | 'ê' | 'ë' | 'ę' | 'ě' | 'ē' => "e",
        'ğ' => "g",
        'ì' | 'í' | 'î' | 'ï' | 'ı' | 'ī' => "i",
        'ł' => "l",
        'ñ' | 'ń' | 'ň' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ő' | 'ō' => "o",
        'œ' => "oe",
        'ř' => "r",
        'ś' | 'š' | 'ş' | 'ș' => "s",
        'ß' => "ss",
        'ť' | 'ţ' | 'ț' => "t",
        'ù' | 'ú' | 'û' | 'ü' | 'ů' | 'ű' | 'ū' => "u",
        'ý' | 'ÿ' => "y",
        'ź' | 'ż' | 'ž' => "z",
        _ => return None,
    })
}

/// Longest text looked up as a name; anything longer is not a name of these tables.
const MAX_NAME_LEN: usize = 80;

/// An index from name keys to codes, built on first use from a table of choices and a table of
/// alternative names (alias, code).
pub(crate) struct NameIndex {
    map: OnceLock<HashMap<String, &'static str>>,
}

impl NameIndex {
    /// An index not built yet.
    pub(crate) const fn new() -> NameIndex {
        NameIndex {
            map: OnceLock::new(),
        }
    }

    /// The code whose name or alias has the same key as `text` under `key`.
    pub(crate) fn code(
        &self,
        choices: &'static [NamedChoice],
        aliases: &'static [(&'static str, &'static str)],
        key: fn(&str) -> String,
        text: &str,
    ) -> Option<&'static str> {
        if text.len() > MAX_NAME_LEN {
            return None;
        }
        let map = self
            .map
            .get_or_init(|| build(choices, aliases, key).unwrap_or_else(|(map, _)| map));
        map.get(&key(text)).copied()
    }
}

/// Builds the index; on a key given two different codes, returns the map (first wins) and the
/// conflicting keys, which the tables' tests refuse.
#[allow(clippy::type_complexity)]
pub(crate) fn build(
    choices: &'static [NamedChoice],
    aliases: &'static [(&'static str, &'static str)],
    key: fn(&str) -> String,
) -> Result<HashMap<String, &'static str>, (HashMap<String, &'static str>, Vec<String>)> {
    let mut map = HashMap::new();
    let mut conflicts = Vec::new();
    let entries = choices
        .iter()
        .map(|c| (c.name, c.code))
        .chain(aliases.iter().copied());
    for (name, code) in entries {
        let k = key(name);
        match map.get(&k) {
            Some(existing) if *existing != code => conflicts.push(k),
            Some(_) => {}
            None => {
                map.insert(k, code);
            }
        }
    }
    if conflicts.is_empty() {
        Ok(map)
    } else {
        Err((map, conflicts))
    }
}

/// True when the choices are sorted by name as a user reads them (by [`name_key`]).
#[cfg(test)]
pub(crate) fn sorted_by_name(choices: &[NamedChoice]) -> bool {
    choices
        .windows(2)
        .all(|w| name_key(w[0].name) <= name_key(w[1].name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_keys_ignore_case_accents_punctuation_and_a_leading_the() {
        assert_eq!(name_key("  Côte d’Ivoire "), "cote divoire");
        assert_eq!(name_key("COTE D'IVOIRE"), "cote divoire");
        assert_eq!(name_key("Devon & Cornwall"), "devon and cornwall");
        assert_eq!(name_key("The Gambia"), "gambia");
        assert_eq!(name_key("St. Lucia"), "saint lucia");
        assert_eq!(name_key("Kurdish (Sorani)"), "kurdish sorani");
        assert_eq!(name_key("Türkiye"), "turkiye");
        assert_eq!(name_key("the"), "the");
    }

    #[test]
    fn a_name_given_two_codes_is_reported_as_a_conflict() {
        static CHOICES: &[NamedChoice] = &[
            NamedChoice {
                code: "a",
                name: "Alpha",
            },
            NamedChoice {
                code: "b",
                name: "Beta",
            },
        ];
        static ALIASES: &[(&str, &str)] = &[("ALPHA", "b"), ("alpha", "a")];
        let (_, conflicts) = build(CHOICES, ALIASES, name_key).unwrap_err();
        assert_eq!(conflicts, vec!["alpha".to_string()]);
    }
}
