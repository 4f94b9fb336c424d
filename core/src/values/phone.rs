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

use std::sync::LazyLock;

use prost::Message;
use rlibphonenumber::{
    PHONE_NUMBER_UTIL, PhoneMetadataCollection, PhoneNumberFormat, PhoneNumberType,
    PhoneNumberUtil, enums::Region,
};

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
    let reading = read_two_stage(number).ok_or(PhoneProblem::Invalid)?;
    let e164 = reading.e164;
    let kind = match reading.kind {
        Some(kind) => kind,
        None => drama_kind(&e164).ok_or(PhoneProblem::Invalid)?,
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

/// The metadata of the regions that share +44 (GB, GG, IM, JE), cut from the crate's own
/// metadata in its order; `uk_metadata_is_cut_from_the_crates_own_data` checks it is current.
const UK_METADATA: &[u8] = include_bytes!("phone_uk_metadata.bin");

/// A libphonenumber util knowing only +44. Building the full util decodes the metadata of
/// every region (about 4 ms, paid by the first validation in a process); this one decodes
/// four. `None` only if the embedded metadata did not decode (the test rules that out): then
/// every number goes to the full util.
static UK_UTIL: LazyLock<Option<PhoneNumberUtil>> = LazyLock::new(|| {
    let collection = PhoneMetadataCollection::decode(UK_METADATA).ok()?;
    PhoneNumberUtil::new_for_metadata(collection).ok()
});

/// What libphonenumber makes of a number: its E.164 form and, when valid, its kind of line.
#[derive(Debug, PartialEq)]
struct Reading {
    e164: String,
    kind: Option<PhoneKind>,
}

/// Reads a number with the +44 util first and with the full util only when that fails.
///
/// Exactly what the full util alone gives: a parse that succeeds with the +44 util found
/// country code 44, and the full util reads a +44 number with the same metadata (no calling
/// code is a prefix of 44, and the national forms are read with GB's metadata in both), so it
/// would read the same number; every other input (another country, garbage) goes to the full
/// util. `two_stage_reading_equals_the_full_utils` checks this over a broad set of inputs.
fn read_two_stage(number: &str) -> Option<Reading> {
    if let Some(uk) = UK_UTIL.as_ref()
        && let Ok(parsed) = uk.parse(number, Some(Region::GB))
    {
        return Some(reading(uk, &parsed));
    }
    read_with(&PHONE_NUMBER_UTIL, number)
}

/// Reads a number with one util.
fn read_with(util: &PhoneNumberUtil, number: &str) -> Option<Reading> {
    let parsed = util.parse(number, Some(Region::GB)).ok()?;
    Some(reading(util, &parsed))
}

fn reading(util: &PhoneNumberUtil, parsed: &rlibphonenumber::PhoneNumber) -> Reading {
    let kind = util
        .is_valid_number(parsed)
        .then(|| match util.get_number_type(parsed) {
            PhoneNumberType::Mobile => PhoneKind::Mobile,
            PhoneNumberType::FixedLineOrMobile => PhoneKind::FixedLineOrMobile,
            PhoneNumberType::FixedLine => PhoneKind::FixedLine,
            _ => PhoneKind::Other,
        });
    Reading {
        e164: util.format(parsed, PhoneNumberFormat::E164).into_owned(),
        kind,
    }
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

    /// The host's target triple (`rustc -vV`).
    fn host_triple() -> String {
        let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
        let out = std::process::Command::new(rustc)
            .arg("-vV")
            .output()
            .expect("rustc -vV runs");
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .find_map(|l| l.strip_prefix("host: ").map(str::to_owned))
            .expect("rustc -vV names the host")
    }

    /// rlibphonenumber's own compiled metadata, found through `cargo metadata`.
    ///
    /// Filtered to the host platform: a build downloads only the host's dependencies, and an
    /// unfiltered `cargo metadata` would need every platform's (Windows, Android, ...) and so
    /// the network on a fresh machine.
    fn crates_metadata() -> Vec<u8> {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let out = std::process::Command::new(cargo)
            .args(["metadata", "--format-version", "1", "--filter-platform"])
            .arg(host_triple())
            .arg("--manifest-path")
            .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml"))
            .output()
            .expect("cargo metadata runs");
        assert!(
            out.status.success(),
            "cargo metadata failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let meta: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let package = meta["packages"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == "rlibphonenumber")
            .expect("rlibphonenumber is a dependency");
        let manifest = std::path::Path::new(package["manifest_path"].as_str().unwrap());
        std::fs::read(manifest.with_file_name("src/generated/metadata/metadata.bin"))
            .expect("rlibphonenumber's metadata.bin")
    }

    #[test]
    fn uk_metadata_is_cut_from_the_crates_own_data() {
        let full = PhoneMetadataCollection::decode(crates_metadata().as_slice()).unwrap();
        let cut = PhoneMetadataCollection {
            metadata: full
                .metadata
                .into_iter()
                .filter(|m| m.country_code == Some(44))
                .collect(),
        };
        let ids: Vec<&str> = cut.metadata.iter().map(|m| m.id.as_str()).collect();
        assert_eq!(ids.len(), 4, "GB, GG, IM and JE share +44: {ids:?}");
        let bytes = cut.encode_to_vec();
        if bytes != UK_METADATA {
            let path = concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/src/values/phone_uk_metadata.bin"
            );
            if std::env::var_os("WEPROTECT_WRITE_PHONE_METADATA").is_some() {
                std::fs::write(path, &bytes).unwrap();
            }
            panic!(
                "{path} is not the +44 cut of rlibphonenumber's metadata (the crate was updated?): \
                 rerun this test with WEPROTECT_WRITE_PHONE_METADATA=1 to rewrite it, then rebuild"
            );
        }
        assert!(UK_UTIL.is_some());
    }

    /// Numbers as people type them: UK national and international forms of every kind of
    /// +44 line (drama ranges, Channel Islands, Isle of Man), other countries, extensions,
    /// and garbage; then many pseudo-random strings of what a phone field can hold.
    fn phone_inputs() -> Vec<String> {
        let uk_nsns = [
            "7700900123",
            "7700900000",
            "7700900999",
            "7700901123",
            "7400123456",
            "7912345678",
            "7624123456",
            "7624456789",
            "7781123456",
            "7839123456",
            "7797123456",
            "7700123456",
            "7000123456",
            "7011234567",
            "7600123456",
            "7640123456",
            "7911123456",
            "2079460123",
            "2079460000",
            "2071838750",
            "1134960123",
            "1214960456",
            "1614960999",
            "1632960123",
            "1632960999",
            "2896496123",
            "2920180123",
            "1481256789",
            "1481700123",
            "1534456789",
            "1534700123",
            "1624756789",
            "1624612345",
            "3069990123",
            "8081570123",
            "9098790123",
            "8001111",
            "8001234567",
            "8081234567",
            "8451234567",
            "8701234567",
            "9012345678",
            "5512345678",
            "5612345678",
            "3001234567",
            "3701234567",
            "1912345678",
            "169772345",
            "16977234",
            "1387234567",
            "7700900",
            "77009001234",
            "207946012",
            "20794601234",
            "1",
            "12",
            "123",
            "1234567890123456",
            "0",
            "07700900123",
            "447700900123",
        ];
        let forms = [
            "0{}",
            "+44{}",
            "+44 {}",
            "0044{}",
            "0044 {}",
            "+44 (0){}",
            "+44(0){}",
            "44{}",
            "+440{}",
            "00440{}",
            "{}",
            "(0{})",
            "+ 44 {}",
            "+44-{}",
            "tel:+44{}",
            "0 {}",
            "011 44 {}",
            "+0044{}",
            "+44 {} ext 45678901",
            "0{};ext=12",
            "0{} x 12345678",
        ];
        let mut inputs = Vec::new();
        for nsn in uk_nsns {
            // Spaced as typed: "07700 900 123".
            let spaced = if nsn.len() > 4 {
                format!("{} {}", &nsn[..4], &nsn[4..])
            } else {
                nsn.to_string()
            };
            for form in forms {
                inputs.push(form.replace("{}", nsn));
                inputs.push(form.replace("{}", &spaced));
            }
        }
        for other in [
            "+1 202 555 0123",
            "+12025550123",
            "001 202 555 0123",
            "+1 (202) 555-0123",
            "+353 1 234 5678",
            "00353 87 123 4567",
            "+353 (0)87 123 4567",
            "+33 1 23 45 67 89",
            "+33 6 12 34 56 78",
            "+49 30 123456",
            "+49 1512 3456789",
            "+34 612 34 56 78",
            "+39 06 1234 5678",
            "+39 347 123 4567",
            "+7 495 123 45 67",
            "+86 10 1234 5678",
            "+91 98765 43210",
            "+61 2 1234 5678",
            "+64 21 123 4567",
            "+27 82 123 4567",
            "+234 803 123 4567",
            "+48 512 345 678",
            "+40 721 234 567",
            "+370 612 34567",
            "+800 1234 5678",
            "+882 1234 5678",
            "+870 7712 34567",
            "+979 123456789",
            "+888 123456",
            "+4 1234567",
            "+43 1 234567",
            "+45 32 12 34 56",
            "+41 44 123 45 67",
            "+420 601 123 456",
            "+1 242 357 1234",
            "+1 441 234 5678",
            "+1 671 123 4567",
            "+599 9 123 4567",
            "+290 22158",
            "+500 12345",
            "+350 200 12345",
            "+356 2123 4567",
            "+357 22 123456",
            "+354 512 3456",
            "+47 22 12 34 56",
            "+46 8 123 456 78",
            "+358 9 123 4567",
            "+31 20 123 4567",
            "+32 2 123 45 67",
            "+352 621 123 456",
            "+30 21 0123 4567",
            "+90 212 123 4567",
            "+972 50 123 4567",
            "+971 50 123 4567",
            "+966 50 123 4567",
            "+20 10 1234 5678",
            "+212 612 345678",
            "+55 11 91234 5678",
            "+52 55 1234 5678",
            "+81 3 1234 5678",
            "+82 2 123 4567",
            "+65 6123 4567",
            "+852 2123 4567",
        ] {
            inputs.push(other.to_string());
            inputs.push(other.replace(' ', ""));
            inputs.push(other.replacen('+', "00", 1));
        }
        for garbage in [
            "",
            "+",
            "++44",
            "++447700900123",
            "0",
            "00",
            "000",
            "0000",
            "+44",
            "+4",
            "4",
            "44",
            "+0",
            "+00",
            "+1",
            "999",
            "112",
            "123",
            "*123#",
            "#",
            "-",
            "()",
            "+()",
            "(+44) 7700 900123",
            "+(44) 7700 900123",
            "+44 ++7700 900123",
            "7700 900123+",
            "07700 900123 07700 900124",
            "0770090012307700900124",
            "+44 7700 900123 ext",
            "０７７００ ９００１２３",
            "+４４ ７７００ ９００１２３",
            "٠٧٧٠٠٩٠٠١٢٣",
            "07700\u{a0}900123",
            "07700.900.123",
            "07700/900/123",
            "07700_900_123",
            "+44 7700 900 123 ;ext=1",
            "tel:07700900123",
            "tel:+44-7700-900123;phone-context=+44",
            "sip:+447700900123",
            "+44 20 7946 0123;ext=",
            "+44 20 7946 0123 #",
            "0800 000 000 000 000 000",
            "99999999999999999999",
            "+999999999999999999",
            "+44 0000000000",
            "+44 9999999999",
        ] {
            inputs.push(garbage.to_string());
        }
        // Pseudo-random strings over a phone field's alphabet, many starting like +44 or 0.
        let alphabet: Vec<char> = "0123456789012345678901234567894447+ ()-.#x"
            .chars()
            .collect();
        let starts = ["", "+44", "0", "00", "+", "0044", "+1", "07", "01", "+3"];
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..4000 {
            let mut s = starts[(next() % starts.len() as u64) as usize].to_string();
            let len = 3 + next() % 14;
            for _ in 0..len {
                s.push(alphabet[(next() % alphabet.len() as u64) as usize]);
            }
            inputs.push(s);
        }
        inputs
    }

    #[test]
    fn two_stage_reading_equals_the_full_utils() {
        let uk = UK_UTIL.as_ref().expect("the +44 util builds");
        let (mut by_uk, mut by_full) = (0, 0);
        for input in phone_inputs() {
            let full = read_with(&PHONE_NUMBER_UTIL, &input);
            assert_eq!(read_two_stage(&input), full, "{input:?}");
            // The +44 util reads a number exactly as the full util does, raw fields included.
            if let Ok(parsed) = uk.parse(&input, Some(Region::GB)) {
                by_uk += 1;
                assert_eq!(
                    Ok(parsed),
                    PHONE_NUMBER_UTIL.parse(&input, Some(Region::GB)),
                    "{input:?}"
                );
            } else if full.is_some() {
                by_full += 1;
            }
        }
        // Both stages were exercised.
        assert!(
            by_uk > 1000 && by_full > 200,
            "{by_uk} by +44, {by_full} by full"
        );
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
