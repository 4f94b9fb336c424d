//! Language codes for the interpreter the victim needs (BCP 47 tags: `pl`, `ur`, `pa-Arab`,
//! `bfi` for British Sign Language).
//!
//! A code, not free text, so the service can book an interpreter without guessing what
//! "Punjabi" or "Kurdish" meant. Only the shape is checked (a 2 or 3 letter language subtag,
//! then subtags of 1 to 8 letters or digits), and case is normalised as BCP 47 recommends.

use super::lenient_value;

/// A BCP 47 language tag as typed, normalised when well formed.
#[derive(Clone)]
pub struct LanguageCode {
    text: String,
    valid: bool,
}

impl LanguageCode {
    /// Parses a language tag (`_` is read as `-`); never fails.
    pub fn parse(text: &str) -> LanguageCode {
        let trimmed = text.trim();
        match normalise(trimmed) {
            Some(text) => LanguageCode { text, valid: true },
            None => LanguageCode {
                text: trimmed.to_string(),
                valid: false,
            },
        }
    }
    /// True when the tag is well formed.
    pub fn is_valid(&self) -> bool {
        self.valid
    }
    /// The normalised tag, or the text as typed.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}
lenient_value!(
    LanguageCode,
    "Language as a BCP 47 tag (pl, ur, pa-Arab, bfi for British Sign Language)."
);

fn normalise(text: &str) -> Option<String> {
    if text.len() > 35 {
        return None;
    }
    let mut parts = text.split(['-', '_']);
    let language = parts.next()?;
    if !(2..=3).contains(&language.len()) || !language.bytes().all(|b| b.is_ascii_alphabetic()) {
        return None;
    }
    let mut out = language.to_ascii_lowercase();
    for part in parts {
        if !(1..=8).contains(&part.len()) || !part.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return None;
        }
        out.push('-');
        match part.len() {
            // Region: GB, 419.
            2 => out.push_str(&part.to_ascii_uppercase()),
            // Script: Arab, Latn.
            4 if part.bytes().all(|b| b.is_ascii_alphabetic()) => {
                out.push_str(&part[..1].to_ascii_uppercase());
                out.push_str(&part[1..].to_ascii_lowercase());
            }
            _ => out.push_str(&part.to_ascii_lowercase()),
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_normalised_as_bcp47_recommends() {
        for (typed, want) in [
            ("pl", "pl"),
            ("UR", "ur"),
            ("pa_arab", "pa-Arab"),
            ("en-gb", "en-GB"),
            ("bfi", "bfi"),
            ("es-419", "es-419"),
        ] {
            let l = LanguageCode::parse(typed);
            assert!(l.is_valid(), "{typed}");
            assert_eq!(l.as_str(), want);
        }
    }

    #[test]
    fn names_and_malformed_tags_are_refused_but_kept() {
        for typed in ["Polish", "p", "en--GB", "1a", "en-", "ürdü"] {
            let l = LanguageCode::parse(typed);
            assert!(!l.is_valid(), "{typed}");
            assert_eq!(l.as_str(), typed);
        }
    }
}
