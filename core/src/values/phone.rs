//! Phone numbers, parsed with libphonenumber's data (the `rlibphonenumber` port).
//!
//! UK national forms (07..., 01..., 02..., 03...) and international forms (+44..., 0044...) are
//! accepted; non-UK numbers are allowed. Inside, a valid number is E.164. Whether a number can
//! take a text message comes from libphonenumber's number type, not from our own prefix table:
//! 070 (personal numbering) and most of 076 (pagers) are not mobiles.
//!
//! Three corrections to libphonenumber, each for the people at the other end of the number:
//! * Letters are a typing error and are refused before libphonenumber sees them. It would
//!   convert them as on a keypad ("07400 CANARY" would become a real mobile number), and the
//!   advisor would ring a stranger.
//! * An extension typed after a number ("020 7946 0123 ext 456", "x456", "#456") is kept in the
//!   stored value (`+442079460123;ext=456`, the RFC 3966 form), not dropped: without it the
//!   call reaches a switchboard, not the referrer. A mobile has no extensions: refused.
//! * Ofcom's drama ranges (07700 900xxx, 01632 960xxx, 020 7946 0xxx, ...) reach nobody and are
//!   used in every example and test; libphonenumber treats some of them as unallocated, so they
//!   are accepted here with the kind of line they imitate.

use rlibphonenumber::{PhoneNumberFormat, PhoneNumberType, enums::Region};

use super::lenient_value;

/// What kind of line a valid phone number is, as far as libphonenumber can tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhoneKind {
    /// A mobile number: can receive text messages.
    Mobile,
    /// A number that may be either (some countries cannot tell): treated as able to take texts.
    FixedLineOrMobile,
    /// A landline.
    FixedLine,
    /// Anything else: personal numbering, pagers, VoIP, non-geographic, toll-free...
    Other,
}

/// Why a phone number that was typed is not usable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhoneProblem {
    /// It contains letters (never converted as on a keypad).
    Letters,
    /// It is not a valid number.
    Invalid,
    /// An extension was typed after a mobile number.
    ExtensionOnMobile,
}

/// Ofcom's numbers reserved for drama: (E.164 prefix, digits after it, kind of line imitated).
/// From Ofcom's "Telephone numbers for use in TV and radio drama programmes".
const DRAMA_RANGES: &[(&str, usize, PhoneKind)] = &[
    ("+447700900", 3, PhoneKind::Mobile),
    ("+441134960", 3, PhoneKind::FixedLine),
    ("+441144960", 3, PhoneKind::FixedLine),
    ("+441154960", 3, PhoneKind::FixedLine),
    ("+441164960", 3, PhoneKind::FixedLine),
    ("+441174960", 3, PhoneKind::FixedLine),
    ("+441184960", 3, PhoneKind::FixedLine),
    ("+441214960", 3, PhoneKind::FixedLine),
    ("+441314960", 3, PhoneKind::FixedLine),
    ("+441414960", 3, PhoneKind::FixedLine),
    ("+441514960", 3, PhoneKind::FixedLine),
    ("+441614960", 3, PhoneKind::FixedLine),
    ("+441632960", 3, PhoneKind::FixedLine),
    ("+442079460", 3, PhoneKind::FixedLine),
    ("+442896496", 3, PhoneKind::FixedLine),
    ("+442920180", 3, PhoneKind::FixedLine),
    ("+443069990", 3, PhoneKind::Other),
    ("+448081570", 3, PhoneKind::Other),
    ("+449098790", 3, PhoneKind::Other),
];

/// The longest extension kept, in digits.
const MAX_EXTENSION: usize = 7;

#[derive(Clone)]
struct Parsed {
    e164: String,
    kind: PhoneKind,
    extension: Option<String>,
    stored: String,
}

/// A phone number as typed, with its E.164 form when it is a valid number.
#[derive(Clone)]
pub struct PhoneNumber {
    text: String,
    parsed: Result<Parsed, PhoneProblem>,
}

impl PhoneNumber {
    /// Parses a phone number typed in national UK form or international form, with an optional
    /// extension. Never fails: an unusable number keeps its text and reports why.
    pub fn parse(text: &str) -> PhoneNumber {
        let trimmed = text.trim();
        PhoneNumber {
            parsed: parse_recent(trimmed),
            text: trimmed.to_string(),
        }
    }

    /// True when the number is a valid number (with an extension only after a landline).
    pub fn is_valid(&self) -> bool {
        self.parsed.is_ok()
    }

    /// Why the number is not usable, when it is not (`None` when valid or empty).
    pub fn problem(&self) -> Option<PhoneProblem> {
        if self.is_empty() {
            return None;
        }
        self.parsed.as_ref().err().copied()
    }

    /// The E.164 form (`+447700900123`) of a valid number, without any extension.
    pub fn e164(&self) -> Option<&str> {
        self.parsed.as_ref().ok().map(|p| p.e164.as_str())
    }

    /// The extension typed after a valid landline number, digits only.
    pub fn extension(&self) -> Option<&str> {
        self.parsed.as_ref().ok()?.extension.as_deref()
    }

    /// The kind of line, for a valid number.
    pub fn kind(&self) -> Option<PhoneKind> {
        self.parsed.as_ref().ok().map(|p| p.kind)
    }

    /// True when a valid number can receive text messages.
    pub fn can_receive_texts(&self) -> bool {
        matches!(
            self.kind(),
            Some(PhoneKind::Mobile | PhoneKind::FixedLineOrMobile)
        )
    }

    /// The stored form when valid (E.164, then `;ext=` and the extension if one was typed),
    /// else the text as typed.
    pub fn as_str(&self) -> &str {
        match &self.parsed {
            Ok(p) => &p.stored,
            Err(_) => &self.text,
        }
    }

    /// True when nothing was typed.
    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }
}

lenient_value!(
    PhoneNumber,
    "Phone number. UK national (07700 900123) or international (+44..., 0044...) form is accepted; valid numbers are stored in E.164."
);

thread_local! {
    /// The last few numbers parsed on this thread. The form editor re-reads the same few
    /// numbers after every change, and a libphonenumber parse costs tens of microseconds; the
    /// parse is a pure function of the text, so a hit is exactly what a parse would give.
    static RECENT: std::cell::RefCell<std::collections::VecDeque<(String, Result<Parsed, PhoneProblem>)>> =
        const { std::cell::RefCell::new(std::collections::VecDeque::new()) };
}
const RECENT_MAX: usize = 8;

fn parse_recent(text: &str) -> Result<Parsed, PhoneProblem> {
    let hit = RECENT.with(|r| {
        r.borrow()
            .iter()
            .find(|(t, _)| t == text)
            .map(|(_, p)| p.clone())
    });
    if let Some(parsed) = hit {
        return parsed;
    }
    let parsed = parse_usable(text);
    RECENT.with(|r| {
        let mut r = r.borrow_mut();
        if r.len() >= RECENT_MAX {
            r.pop_back();
        }
        r.push_front((text.to_string(), parsed.clone()));
    });
    parsed
}

fn parse_usable(text: &str) -> Result<Parsed, PhoneProblem> {
    if text.is_empty() || text.len() > 64 {
        return Err(PhoneProblem::Invalid);
    }
    let (number, extension) = split_extension(text);
    // Refuse letters before libphonenumber can turn them into keypad digits.
    if number.chars().any(char::is_alphabetic) {
        return Err(PhoneProblem::Letters);
    }
    let parsed = rlibphonenumber::PhoneNumber::parse(number, Some(Region::GB))
        .map_err(|_| PhoneProblem::Invalid)?;
    let e164 = parsed.format_as(PhoneNumberFormat::E164).into_owned();
    let kind = if parsed.is_valid() {
        match parsed.get_type() {
            PhoneNumberType::Mobile => PhoneKind::Mobile,
            PhoneNumberType::FixedLineOrMobile => PhoneKind::FixedLineOrMobile,
            PhoneNumberType::FixedLine => PhoneKind::FixedLine,
            _ => PhoneKind::Other,
        }
    } else {
        drama_kind(&e164).ok_or(PhoneProblem::Invalid)?
    };
    if extension.is_some() && kind == PhoneKind::Mobile {
        return Err(PhoneProblem::ExtensionOnMobile);
    }
    let stored = match &extension {
        Some(ext) => format!("{e164};ext={ext}"),
        None => e164.clone(),
    };
    Ok(Parsed {
        e164,
        kind,
        extension,
        stored,
    })
}

fn drama_kind(e164: &str) -> Option<PhoneKind> {
    DRAMA_RANGES.iter().find_map(|(prefix, rest, kind)| {
        let tail = e164.strip_prefix(prefix)?;
        (tail.len() == *rest && tail.bytes().all(|b| b.is_ascii_digit())).then_some(*kind)
    })
}

/// Splits "020 7946 0123 ext. 456" into the number and the extension's digits. Recognised
/// markers (any case): `;ext=`, `extension`, `ext`, `x`, `#`, each optionally followed by `.`,
/// `:` or spaces. Without a marker followed by 1 to 7 digits at the end, there is no extension.
fn split_extension(text: &str) -> (&str, Option<String>) {
    let digits_start = text
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_ascii_digit())
        .last()
        .map(|(i, _)| i);
    let Some(digits_start) = digits_start else {
        return (text, None);
    };
    let digits = &text[digits_start..];
    if digits.len() > MAX_EXTENSION {
        return (text, None);
    }
    let before = text[..digits_start].trim_end_matches([' ', '.', ':']);
    let lower = before.to_ascii_lowercase();
    for marker in [";ext=", "extension", "ext", "x", "#"] {
        if lower.ends_with(marker) {
            let number = before[..before.len() - marker.len()].trim_end();
            // A marker must follow a number ("x123" alone is not a number with an extension).
            if number.chars().any(|c| c.is_ascii_digit()) {
                return (number, Some(digits.to_string()));
            }
        }
    }
    (text, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uk_national_and_international_forms_normalise_to_the_same_e164() {
        for typed in [
            "07700 900123",
            "+44 7700 900123",
            "0044 7700 900123",
            "(07700) 900-123",
            "+44 (0)7700 900123",
        ] {
            let n = PhoneNumber::parse(typed);
            assert_eq!(n.e164(), Some("+447700900123"), "{typed}");
            assert_eq!(n.kind(), Some(PhoneKind::Mobile), "{typed}");
        }
    }

    #[test]
    fn every_ofcom_drama_range_is_a_valid_number_of_the_kind_it_imitates() {
        for (typed, kind) in [
            ("07700 900000", PhoneKind::Mobile),
            ("07700 900999", PhoneKind::Mobile),
            ("01632 960000", PhoneKind::FixedLine),
            ("01632 960999", PhoneKind::FixedLine),
            ("020 7946 0000", PhoneKind::FixedLine),
            ("020 7946 0999", PhoneKind::FixedLine),
            ("0113 496 0123", PhoneKind::FixedLine),
            ("0121 496 0456", PhoneKind::FixedLine),
            ("0161 496 0999", PhoneKind::FixedLine),
            ("028 9649 6123", PhoneKind::FixedLine),
            ("029 2018 0123", PhoneKind::FixedLine),
            ("0306 999 0123", PhoneKind::Other),
            ("0808 157 0123", PhoneKind::Other),
            ("0909 879 0123", PhoneKind::Other),
        ] {
            let n = PhoneNumber::parse(typed);
            assert_eq!(n.kind(), Some(kind), "{typed}");
        }
        // Just outside the mobile drama range is not made valid by it.
        assert!(!PhoneNumber::parse("07700 9001234").is_valid());
    }

    #[test]
    fn drama_mobiles_take_texts_and_landlines_and_non_geographic_numbers_do_not() {
        let non_geographic = PhoneNumber::parse("0306 999 0123");
        assert!(non_geographic.is_valid());
        assert!(!non_geographic.can_receive_texts());
        let landline = PhoneNumber::parse("020 7946 0000");
        assert_eq!(landline.kind(), Some(PhoneKind::FixedLine));
        assert!(!landline.can_receive_texts());
        assert!(PhoneNumber::parse("07700 900321").can_receive_texts());
    }

    #[test]
    fn letters_are_refused_never_converted_as_on_a_keypad() {
        for typed in [
            "07700 CANARY",
            "07700 900ABC",
            "0800 FLOWERS",
            "+44 7700 9OO123",
            "O7700 900123",
            "07700 900l23",
            "07700 9001ab",
        ] {
            let n = PhoneNumber::parse(typed);
            assert!(!n.is_valid(), "{typed}");
            assert_eq!(n.problem(), Some(PhoneProblem::Letters), "{typed}");
            assert_eq!(n.as_str(), typed, "kept as typed");
            assert_eq!(n.e164(), None);
        }
    }

    #[test]
    fn an_extension_after_a_landline_is_kept_in_the_stored_value() {
        for typed in [
            "020 7946 0123 ext 456",
            "020 7946 0123 ext. 456",
            "020 7946 0123 Ext: 456",
            "020 7946 0123 extension 456",
            "020 7946 0123 x456",
            "020 7946 0123 X 456",
            "020 7946 0123 #456",
            "+442079460123;ext=456",
        ] {
            let n = PhoneNumber::parse(typed);
            assert!(n.is_valid(), "{typed}");
            assert_eq!(n.e164(), Some("+442079460123"), "{typed}");
            assert_eq!(n.extension(), Some("456"), "{typed}");
            assert_eq!(n.as_str(), "+442079460123;ext=456", "{typed}");
            // The stored value reads back the same.
            assert_eq!(PhoneNumber::parse(n.as_str()).as_str(), n.as_str());
        }
        assert_eq!(PhoneNumber::parse("020 7946 0123").extension(), None);
    }

    #[test]
    fn an_extension_after_a_mobile_is_refused() {
        let n = PhoneNumber::parse("07700 900123 ext 12");
        assert_eq!(n.problem(), Some(PhoneProblem::ExtensionOnMobile));
    }

    #[test]
    fn non_uk_numbers_are_allowed() {
        // 555-0100 to 555-0199 are the North American numbers reserved for fiction.
        let n = PhoneNumber::parse("+1 202 555 0123");
        assert_eq!(n.e164(), Some("+12025550123"));
        assert!(n.can_receive_texts());
    }

    #[test]
    fn invalid_input_is_kept_as_typed_and_debug_hides_it() {
        let n = PhoneNumber::parse("07700 9");
        assert!(!n.is_valid());
        assert_eq!(n.problem(), Some(PhoneProblem::Invalid));
        assert_eq!(n.as_str(), "07700 9");
        assert!(!format!("{n:?}").contains("07700"));
        assert_eq!(PhoneNumber::parse("").problem(), None);
    }
}
