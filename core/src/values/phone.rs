//! Phone numbers, parsed with libphonenumber's data (the `rlibphonenumber` port).
//!
//! UK national forms (07..., 01..., 02..., 03...) and international forms (+44..., 0044...) are
//! accepted; non-UK numbers are allowed. Inside, a valid number is E.164. Whether a number can
//! take a text message comes from libphonenumber's number type, not from our own prefix table:
//! 070 (personal numbering) and most of 076 (pagers) are not mobiles.

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

/// A phone number as typed, with its E.164 form when it is a valid number.
#[derive(Clone)]
pub struct PhoneNumber {
    text: String,
    parsed: Option<(String, PhoneKind)>,
}

impl PhoneNumber {
    /// Parses a phone number typed in national UK form or international form.
    /// Never fails: an invalid number keeps its text and reports `is_valid() == false`.
    pub fn parse(text: &str) -> PhoneNumber {
        let trimmed = text.trim();
        let parsed = if trimmed.is_empty() || trimmed.len() > 64 {
            None
        } else {
            rlibphonenumber::PhoneNumber::parse(trimmed, Some(Region::GB))
                .ok()
                .filter(|n| n.is_valid())
                .map(|n| {
                    let kind = match n.get_type() {
                        PhoneNumberType::Mobile => PhoneKind::Mobile,
                        PhoneNumberType::FixedLineOrMobile => PhoneKind::FixedLineOrMobile,
                        PhoneNumberType::FixedLine => PhoneKind::FixedLine,
                        _ => PhoneKind::Other,
                    };
                    (n.format_as(PhoneNumberFormat::E164).into_owned(), kind)
                })
        };
        PhoneNumber {
            text: trimmed.to_string(),
            parsed,
        }
    }

    /// True when libphonenumber recognises the number as a valid number.
    pub fn is_valid(&self) -> bool {
        self.parsed.is_some()
    }

    /// The E.164 form (`+447700900123`) of a valid number.
    pub fn e164(&self) -> Option<&str> {
        self.parsed.as_ref().map(|(e, _)| e.as_str())
    }

    /// The kind of line, for a valid number.
    pub fn kind(&self) -> Option<PhoneKind> {
        self.parsed.as_ref().map(|(_, k)| *k)
    }

    /// True when a valid number can receive text messages.
    pub fn can_receive_texts(&self) -> bool {
        matches!(
            self.kind(),
            Some(PhoneKind::Mobile | PhoneKind::FixedLineOrMobile)
        )
    }

    /// The normalised form when valid, else the text as typed.
    pub fn as_str(&self) -> &str {
        self.e164().unwrap_or(&self.text)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uk_national_and_international_forms_normalise_to_the_same_e164() {
        for typed in [
            "07400 123456",
            "+44 7400 123456",
            "0044 7400 123456",
            "(07400) 123-456",
        ] {
            let n = PhoneNumber::parse(typed);
            assert_eq!(n.e164(), Some("+447400123456"), "{typed}");
        }
    }

    #[test]
    fn uk_mobile_ranges_are_mobiles_and_070_is_not() {
        for mobile in [
            "07123 456789",
            "07400 123456",
            "07500 123456",
            "07700 123456",
            "07812 345678",
            "07912 345678",
            "07624 123456",
        ] {
            assert!(PhoneNumber::parse(mobile).can_receive_texts(), "{mobile}");
        }
        let personal = PhoneNumber::parse("07012 345678");
        assert!(personal.is_valid());
        assert!(!personal.can_receive_texts());
        let landline = PhoneNumber::parse("020 7946 0000");
        assert_eq!(landline.kind(), Some(PhoneKind::FixedLine));
        assert!(!landline.can_receive_texts());
    }

    #[test]
    fn non_uk_numbers_are_allowed() {
        let n = PhoneNumber::parse("+33 6 12 34 56 78");
        assert_eq!(n.e164(), Some("+33612345678"));
        assert!(n.can_receive_texts());
    }

    #[test]
    fn invalid_input_is_kept_as_typed_and_debug_hides_it() {
        let n = PhoneNumber::parse("07700 9");
        assert!(!n.is_valid());
        assert_eq!(n.as_str(), "07700 9");
        assert!(!format!("{n:?}").contains("07700"));
    }
}
