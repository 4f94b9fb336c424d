//! Language codes for the interpreter the victim needs (BCP 47 tags: `pl`, `ur`, `pa-Arab`,
//! `bfi` for British Sign Language), and the languages officers ask for by name.
//!
//! A code, not free text, so the service can book an interpreter without guessing what
//! "Punjabi" or "Kurdish" meant. Officers type names, though ("Polish", "BSL"), so a name or a
//! common alternative name from the table below is read as its code; a name not in the table
//! is kept as typed and refused, never guessed. Otherwise only the shape of a tag is checked (a
//! 2 or 3 letter language subtag, then subtags of 1 to 8 letters or digits), and case is
//! normalised as BCP 47 recommends.
//!
//! The table is hand-written rather than taken from a crate: a crate with every ISO 639 name
//! (about 8,000) would cost the mobile library's size budget and still lack the names UK
//! officers use ("BSL", "Mirpuri", "Sorani", "Badini", "Patois"). Codes are the shortest ISO
//! 639 code, as BCP 47 requires, checked against the iso-codes tables. Choices worth knowing:
//! - British Sign Language is `bfi`: `bsl` is Basa-Gumna, a language of Nigeria, so "BSL" typed
//!   in any case is read as `bfi`. Likewise "ASL" is `ase` (`asl` is Asilulu) and "ISL" is Irish
//!   Sign Language `isg` (as a code `isl` would be Icelandic, which BCP 47 writes `is`).
//! - Mirpuri, the language of most British Pakistanis with roots in Azad Kashmir, is a dialect
//!   of Pahari-Pothwari, `phr`; it is not Punjabi (`pa`) nor Urdu (`ur`), though many speakers
//!   also speak one of those.
//! - Kurdish has its own codes for Sorani (`ckb`) and Kurmanji (`kmr`, with its Badini dialect);
//!   plain "Kurdish" stays the macrolanguage `ku`, for the service to ask which.
//! - Chinese: Mandarin `cmn`, Cantonese `yue`, Hakka `hak`, Hokkien `nan`; plain "Chinese" is
//!   `zh`.

use super::choice::{NameIndex, NamedChoice, name_key};
use super::lenient_value;

/// A BCP 47 language tag as typed, normalised when well formed.
#[derive(Clone)]
pub struct LanguageCode {
    text: String,
    valid: bool,
}

impl LanguageCode {
    /// Parses a language name ("Polish", "BSL") or a tag (`_` is read as `-`); never fails.
    pub fn parse(text: &str) -> LanguageCode {
        let trimmed = text.trim();
        if let Some(code) = code_of_name(trimmed) {
            return LanguageCode {
                text: code.to_string(),
                valid: true,
            };
        }
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
    /// The English name of the language, when the tag is one of [`languages`].
    pub fn name(&self) -> Option<&'static str> {
        if self.valid {
            language_name(&self.text)
        } else {
            None
        }
    }
}
lenient_value!(
    LanguageCode,
    "Language as a BCP 47 tag (pl, ur, pa-Arab, bfi for British Sign Language)."
);

/// The languages officers can pick from, sorted by name.
pub fn languages() -> &'static [NamedChoice] {
    LANGUAGES
}

/// The English name of a language tag: the table's name of the tag, or else of its language
/// subtag (`pl-PL` is "Polish"); `None` when neither is in [`languages`] or the tag is malformed.
pub fn language_name(code: &str) -> Option<&'static str> {
    let tag = normalise(code.trim())?;
    let exact = LANGUAGES.iter().find(|l| l.code == tag);
    let primary = || {
        let language = tag.split('-').next()?;
        LANGUAGES.iter().find(|l| l.code == language)
    };
    exact.or_else(primary).map(|l| l.name)
}

static INDEX: NameIndex = NameIndex::new();

fn code_of_name(text: &str) -> Option<&'static str> {
    INDEX.code(LANGUAGES, ALIASES, language_key, text)
}

/// The matching key of a language name; "Polish language" is "Polish".
fn language_key(text: &str) -> String {
    let key = name_key(text);
    match key.strip_suffix(" language") {
        Some(stripped) if !stripped.ends_with(" sign") && stripped != "sign" => {
            stripped.to_string()
        }
        _ => key,
    }
}

const fn lang(code: &'static str, name: &'static str) -> NamedChoice {
    NamedChoice { code, name }
}

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

/// Languages most requested from UK interpreting services, sorted by name.
pub(crate) static LANGUAGES: &[NamedChoice] = &[
    lang("af", "Afrikaans"),
    lang("ak", "Akan"),
    lang("sq", "Albanian"),
    lang("ase", "American Sign Language"),
    lang("am", "Amharic"),
    lang("ar", "Arabic"),
    lang("arz", "Arabic (Egyptian)"),
    lang("acm", "Arabic (Iraqi)"),
    lang("apc", "Arabic (Levantine)"),
    lang("ary", "Arabic (Moroccan)"),
    lang("apd", "Arabic (Sudanese)"),
    lang("hy", "Armenian"),
    lang("aii", "Assyrian (Neo-Aramaic)"),
    lang("az", "Azerbaijani"),
    lang("be", "Belarusian"),
    lang("bem", "Bemba"),
    lang("bn", "Bengali"),
    lang("bin", "Bini (Edo)"),
    lang("bs", "Bosnian"),
    lang("bfi", "British Sign Language"),
    lang("bg", "Bulgarian"),
    lang("my", "Burmese"),
    lang("yue", "Cantonese"),
    lang("ca", "Catalan"),
    lang("ce", "Chechen"),
    lang("ny", "Chichewa"),
    lang("zh", "Chinese"),
    lang("ctg", "Chittagonian"),
    lang("hr", "Croatian"),
    lang("cs", "Czech"),
    lang("da", "Danish"),
    lang("prs", "Dari"),
    lang("din", "Dinka"),
    lang("nl", "Dutch"),
    lang("en", "English"),
    lang("et", "Estonian"),
    lang("ee", "Ewe"),
    lang("fat", "Fante"),
    lang("fa", "Farsi (Persian)"),
    lang("fil", "Filipino"),
    lang("fi", "Finnish"),
    lang("fr", "French"),
    lang("ff", "Fula"),
    lang("ka", "Georgian"),
    lang("de", "German"),
    lang("el", "Greek"),
    lang("gu", "Gujarati"),
    lang("hak", "Hakka"),
    lang("ha", "Hausa"),
    lang("he", "Hebrew"),
    lang("hi", "Hindi"),
    lang("hno", "Hindko"),
    lang("hmn", "Hmong"),
    lang("nan", "Hokkien"),
    lang("hu", "Hungarian"),
    lang("is", "Icelandic"),
    lang("ig", "Igbo"),
    lang("id", "Indonesian"),
    lang("ils", "International Sign"),
    lang("ga", "Irish"),
    lang("isg", "Irish Sign Language"),
    lang("it", "Italian"),
    lang("jam", "Jamaican Patois"),
    lang("ja", "Japanese"),
    lang("kn", "Kannada"),
    lang("ks", "Kashmiri"),
    lang("kk", "Kazakh"),
    lang("km", "Khmer"),
    lang("ki", "Kikuyu"),
    lang("rw", "Kinyarwanda"),
    lang("rn", "Kirundi"),
    lang("kok", "Konkani"),
    lang("ko", "Korean"),
    lang("kri", "Krio"),
    lang("ku", "Kurdish"),
    lang("kmr", "Kurdish (Kurmanji)"),
    lang("ckb", "Kurdish (Sorani)"),
    lang("lo", "Lao"),
    lang("lv", "Latvian"),
    lang("ln", "Lingala"),
    lang("lt", "Lithuanian"),
    lang("lg", "Luganda"),
    lang("mk", "Macedonian"),
    lang("ms", "Malay"),
    lang("ml", "Malayalam"),
    lang("mt", "Maltese"),
    lang("cmn", "Mandarin"),
    lang("mnk", "Mandinka"),
    lang("mr", "Marathi"),
    lang("phr", "Mirpuri (Pahari-Pothwari)"),
    lang("mn", "Mongolian"),
    lang("nd", "Ndebele"),
    lang("ne", "Nepali"),
    lang("pcm", "Nigerian Pidgin"),
    lang("no", "Norwegian"),
    lang("nus", "Nuer"),
    lang("om", "Oromo"),
    lang("ps", "Pashto"),
    lang("pl", "Polish"),
    lang("pt", "Portuguese"),
    lang("pt-BR", "Portuguese (Brazil)"),
    lang("kea", "Portuguese Creole (Cape Verdean)"),
    lang("pa", "Punjabi"),
    lang("pa-Guru", "Punjabi (Gurmukhi)"),
    lang("pa-Arab", "Punjabi (Shahmukhi)"),
    lang("rhg", "Rohingya"),
    lang("rom", "Romani"),
    lang("ro", "Romanian"),
    lang("ru", "Russian"),
    lang("skr", "Saraiki"),
    lang("gd", "Scottish Gaelic"),
    lang("sr", "Serbian"),
    lang("sh", "Serbo-Croatian"),
    lang("sn", "Shona"),
    lang("sd", "Sindhi"),
    lang("si", "Sinhala"),
    lang("sk", "Slovak"),
    lang("sl", "Slovenian"),
    lang("so", "Somali"),
    lang("es", "Spanish"),
    lang("es-419", "Spanish (Latin American)"),
    lang("sw", "Swahili"),
    lang("sv", "Swedish"),
    lang("syl", "Sylheti"),
    lang("tl", "Tagalog"),
    lang("ber", "Tamazight (Berber)"),
    lang("ta", "Tamil"),
    lang("te", "Telugu"),
    lang("tet", "Tetum"),
    lang("th", "Thai"),
    lang("bo", "Tibetan"),
    lang("tig", "Tigre"),
    lang("ti", "Tigrinya"),
    lang("tr", "Turkish"),
    lang("tk", "Turkmen"),
    lang("tw", "Twi"),
    lang("uk", "Ukrainian"),
    lang("ur", "Urdu"),
    lang("uz", "Uzbek"),
    lang("vi", "Vietnamese"),
    lang("cy", "Welsh"),
    lang("wo", "Wolof"),
    lang("xh", "Xhosa"),
    lang("yi", "Yiddish"),
    lang("yo", "Yoruba"),
    lang("zu", "Zulu"),
];

/// Alternative names and spellings: (alias, code).
static ALIASES: &[(&str, &str)] = &[
    ("Shqip", "sq"),
    ("ASL", "ase"),
    ("Arabic (Middle Eastern)", "ar"),
    ("Modern Standard Arabic", "ar"),
    ("Standard Arabic", "ar"),
    ("Egyptian Arabic", "arz"),
    ("Egyptian", "arz"),
    ("Iraqi Arabic", "acm"),
    ("Mesopotamian Arabic", "acm"),
    ("Levantine Arabic", "apc"),
    ("Syrian Arabic", "apc"),
    ("Lebanese Arabic", "apc"),
    ("Moroccan Arabic", "ary"),
    ("Darija", "ary"),
    ("Arabic (North African)", "ary"),
    ("North African Arabic", "ary"),
    ("Sudanese Arabic", "apd"),
    ("Assyrian", "aii"),
    ("Aramaic", "aii"),
    ("Assyrian Neo-Aramaic", "aii"),
    ("Syriac", "aii"),
    ("Azeri", "az"),
    ("Belarussian", "be"),
    ("Byelorussian", "be"),
    ("Bangla", "bn"),
    ("Bini", "bin"),
    ("Edo", "bin"),
    ("BSL", "bfi"),
    ("Sign Language", "bfi"),
    ("British Sign", "bfi"),
    ("Myanmar", "my"),
    ("Chinese (Cantonese)", "yue"),
    ("Yue", "yue"),
    ("Yue Chinese", "yue"),
    ("Cantonese Chinese", "yue"),
    ("Nyanja", "ny"),
    ("Chewa", "ny"),
    ("Afghan Persian", "prs"),
    ("Persian (Dari)", "prs"),
    ("Farsi (Dari)", "prs"),
    ("Flemish", "nl"),
    ("Fanti", "fat"),
    ("Farsi", "fa"),
    ("Persian", "fa"),
    ("Iranian", "fa"),
    ("Iranian Persian", "fa"),
    ("Fulani", "ff"),
    ("Fulah", "ff"),
    ("Pulaar", "ff"),
    ("Fulfulde", "ff"),
    ("Hakka Chinese", "hak"),
    ("Min Nan", "nan"),
    ("Fujianese", "nan"),
    ("Taiwanese Hokkien", "nan"),
    ("Min Nan Chinese", "nan"),
    ("Ibo", "ig"),
    ("Bahasa Indonesia", "id"),
    ("International Sign Language", "ils"),
    ("Irish Gaelic", "ga"),
    ("Gaeilge", "ga"),
    ("ISL", "isg"),
    ("Patois", "jam"),
    ("Patwa", "jam"),
    ("Jamaican Creole", "jam"),
    ("Jamaican", "jam"),
    ("Cambodian", "km"),
    ("Gikuyu", "ki"),
    ("Rwandan", "rw"),
    ("Rundi", "rn"),
    ("Burundian", "rn"),
    ("Goan Konkani", "kok"),
    ("Sierra Leonean Krio", "kri"),
    ("Sierra Leone Creole", "kri"),
    ("Kurmanji", "kmr"),
    ("Kurmanji Kurdish", "kmr"),
    ("Kurdish Kurmanji", "kmr"),
    ("Northern Kurdish", "kmr"),
    ("Badini", "kmr"),
    ("Bahdini", "kmr"),
    ("Behdini", "kmr"),
    ("Kurdish (Badini)", "kmr"),
    ("Kurdish Badini", "kmr"),
    ("Sorani", "ckb"),
    ("Sorani Kurdish", "ckb"),
    ("Kurdish Sorani", "ckb"),
    ("Central Kurdish", "ckb"),
    ("Laotian", "lo"),
    ("Lettish", "lv"),
    ("Ganda", "lg"),
    ("Bahasa Malaysia", "ms"),
    ("Malaysian", "ms"),
    ("Chinese (Mandarin)", "cmn"),
    ("Mandarin Chinese", "cmn"),
    ("Putonghua", "cmn"),
    ("Mandingo", "mnk"),
    ("Mirpuri", "phr"),
    ("Pahari", "phr"),
    ("Pothwari", "phr"),
    ("Potwari", "phr"),
    ("Pothohari", "phr"),
    ("Pahari-Pothwari", "phr"),
    ("Pahari-Potwari", "phr"),
    ("Pahari Pothwari", "phr"),
    ("Pahari (Mirpuri)", "phr"),
    ("North Ndebele", "nd"),
    ("isiNdebele", "nd"),
    ("Sindebele", "nd"),
    ("Nepalese", "ne"),
    ("Pidgin English", "pcm"),
    ("Pidgin", "pcm"),
    ("Naija", "pcm"),
    ("Afaan Oromo", "om"),
    ("Oromiffa", "om"),
    ("Oromifa", "om"),
    ("Pushto", "ps"),
    ("Pashtu", "ps"),
    ("Pakhto", "ps"),
    ("Pukhto", "ps"),
    ("European Portuguese", "pt"),
    ("Portuguese (Portugal)", "pt"),
    ("Brazilian Portuguese", "pt-BR"),
    ("Brazilian", "pt-BR"),
    ("Portuguese (Brazilian)", "pt-BR"),
    ("Cape Verdean Creole", "kea"),
    ("Kriolu", "kea"),
    ("Kabuverdianu", "kea"),
    ("Cape Verdean", "kea"),
    ("Panjabi", "pa"),
    ("Indian Punjabi", "pa-Guru"),
    ("Gurmukhi", "pa-Guru"),
    ("Pakistani Punjabi", "pa-Arab"),
    ("Shahmukhi", "pa-Arab"),
    ("Romany", "rom"),
    ("Roma", "rom"),
    ("Moldovan", "ro"),
    ("Moldavian", "ro"),
    ("Seraiki", "skr"),
    ("Siraiki", "skr"),
    ("Gaelic", "gd"),
    ("Gàidhlig", "gd"),
    ("Serbo Croat", "sh"),
    ("Serbo-Croat", "sh"),
    ("Sinhalese", "si"),
    ("Singhalese", "si"),
    ("Slovene", "sl"),
    ("Castilian", "es"),
    ("Latin American Spanish", "es-419"),
    ("Kiswahili", "sw"),
    ("Berber", "ber"),
    ("Tamazight", "ber"),
    ("Amazigh", "ber"),
    ("Tetun", "tet"),
    ("Tigrigna", "ti"),
    ("Tigrinia", "ti"),
    ("Asante Twi", "tw"),
    ("Ashanti Twi", "tw"),
    ("Ashanti", "tw"),
    ("Cymraeg", "cy"),
    ("isiXhosa", "xh"),
    ("isiZulu", "zu"),
];

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
    fn malformed_tags_and_unknown_names_are_refused_but_kept() {
        for typed in [
            "p",
            "en--GB",
            "1a",
            "en-",
            "pö",
            "日本語",
            "?",
            "Polis",
            "Klingonese",
        ] {
            let l = LanguageCode::parse(typed);
            assert!(!l.is_valid(), "{typed}");
            assert_eq!(l.as_str(), typed);
        }
    }

    #[test]
    fn language_names_are_understood_in_any_case_and_trimmed() {
        for (typed, want) in [
            ("Polish", "pl"),
            ("polish", "pl"),
            ("  POLISH ", "pl"),
            ("Polish language", "pl"),
            ("Urdu", "ur"),
            ("Punjabi", "pa"),
            ("Panjabi", "pa"),
            ("Sylheti", "syl"),
            ("Tigrinya", "ti"),
            ("Kurdish (Sorani)", "ckb"),
            ("sorani", "ckb"),
            ("Kurdish Sorani", "ckb"),
            ("Badini", "kmr"),
            ("Brazilian Portuguese", "pt-BR"),
            ("Portuguese (Brazil)", "pt-BR"),
            ("Mandarin", "cmn"),
            ("Cantonese", "yue"),
            ("Farsi", "fa"),
            ("Persian", "fa"),
            ("Dari", "prs"),
            ("Pashto", "ps"),
            ("Bengali", "bn"),
            ("Bangla", "bn"),
            ("Somali", "so"),
            ("Romanian", "ro"),
            ("Lithuanian", "lt"),
            ("Arabic", "ar"),
            ("Welsh", "cy"),
            ("Gàidhlig", "gd"),
            ("Irish Sign Language", "isg"),
            ("ISL", "isg"),
            ("American Sign Language", "ase"),
            ("asl", "ase"),
        ] {
            let l = LanguageCode::parse(typed);
            assert!(l.is_valid(), "{typed}");
            assert_eq!(l.as_str(), want, "{typed}");
        }
    }

    #[test]
    fn bsl_is_understood_as_bfi_never_bsl() {
        for typed in [
            "BSL",
            "bsl",
            "Bsl",
            "British Sign Language",
            "british sign language",
        ] {
            assert_eq!(LanguageCode::parse(typed).as_str(), "bfi", "{typed}");
        }
        assert!(LANGUAGES.iter().all(|l| l.code != "bsl"));
        assert_eq!(language_name("bfi"), Some("British Sign Language"));
    }

    #[test]
    fn mirpuri_is_pahari_pothwari() {
        for typed in ["Mirpuri", "Pahari", "Pothwari", "Pahari-Pothwari"] {
            assert_eq!(LanguageCode::parse(typed).as_str(), "phr", "{typed}");
        }
    }

    #[test]
    fn a_parsed_name_serialises_as_its_code() {
        let l: LanguageCode = serde_json::from_str("\"Polish\"").unwrap();
        assert_eq!(serde_json::to_string(&l).unwrap(), "\"pl\"");
        assert_eq!(l.name(), Some("Polish"));
    }

    #[test]
    fn language_names_are_found_by_tag_or_its_language_subtag() {
        assert_eq!(language_name("pl"), Some("Polish"));
        assert_eq!(language_name("PL"), Some("Polish"));
        assert_eq!(language_name("pl-PL"), Some("Polish"));
        assert_eq!(language_name("pt-BR"), Some("Portuguese (Brazil)"));
        assert_eq!(language_name("pa_arab"), Some("Punjabi (Shahmukhi)"));
        assert_eq!(language_name("qaa"), None);
        assert_eq!(language_name("Polish"), None);
        assert_eq!(LanguageCode::parse("Klingonese").name(), None);
    }

    #[test]
    fn the_language_table_is_sorted_well_formed_and_unambiguous() {
        assert!(LANGUAGES.len() >= 80);
        assert!(super::super::choice::sorted_by_name(LANGUAGES));
        for l in LANGUAGES {
            assert_eq!(normalise(l.code).as_deref(), Some(l.code), "{}", l.name);
        }
        let mut codes: Vec<_> = LANGUAGES.iter().map(|l| l.code).collect();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), LANGUAGES.len(), "a code listed twice");
        for (alias, code) in ALIASES {
            assert!(codes.contains(code), "{alias} -> {code} is not listed");
        }
        let built = super::super::choice::build(LANGUAGES, ALIASES, language_key);
        assert!(built.is_ok(), "{:?}", built.err().map(|(_, c)| c));
    }

    #[test]
    fn a_name_never_hides_a_code_of_another_language() {
        // A three-letter name that is also a tag must mean the same language, except the sign
        // language abbreviations whose codes belong to unrelated languages (see module doc).
        for (alias, code) in ALIASES {
            let key = language_key(alias);
            let Some(tag) = normalise(&key) else { continue };
            if ["bsl", "asl", "isl"].contains(&tag.as_str()) {
                continue;
            }
            let same = LANGUAGES
                .iter()
                .any(|l| l.code == *code && language_key(l.name) == key)
                || matches!(
                    (tag.as_str(), *code),
                    ("ibo", "ig") | ("lao", "lo") | ("twi", "tw") | ("yue", "yue") | ("edo", "bin")
                );
            assert!(same, "{alias} reads as {code} but is also the tag {tag}");
        }
    }
}
