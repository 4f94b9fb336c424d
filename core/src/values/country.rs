//! Country codes for addresses outside the United Kingdom (ISO 3166-1 alpha-2).
//!
//! An address abroad has no UK postcode (an Eircode or a French code postal is not one), so a
//! country decides whether the postcode rule applies. The Crown Dependencies (JE, GG, IM) use
//! UK-shaped postcodes and are treated as UK addresses for that rule.

use super::lenient_value;

/// Every officially assigned ISO 3166-1 alpha-2 code (249).
const ISO_3166_ALPHA2: &str = "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG \
BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX \
CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN \
GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI \
KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ \
MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR \
PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC \
TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT \
ZA ZM ZW";

/// Countries whose addresses take a UK-shaped postcode.
const UK_POSTCODE_COUNTRIES: &[&str] = &["GB", "JE", "GG", "IM"];

/// A country as an ISO 3166-1 alpha-2 code, upper-cased; `UK` is read as `GB`.
#[derive(Clone)]
pub struct CountryCode {
    text: String,
    valid: bool,
}

impl CountryCode {
    /// Parses a country code; never fails.
    pub fn parse(text: &str) -> CountryCode {
        let mut text = text.trim().to_ascii_uppercase();
        if text == "UK" {
            text = "GB".to_string();
        }
        let valid = text.len() == 2 && ISO_3166_ALPHA2.split_whitespace().any(|c| c == text);
        CountryCode { text, valid }
    }
    /// True when it is an assigned ISO 3166-1 alpha-2 code.
    pub fn is_valid(&self) -> bool {
        self.valid
    }
    /// True when addresses there take a UK-shaped postcode (GB and the Crown Dependencies).
    pub fn uses_uk_postcodes(&self) -> bool {
        UK_POSTCODE_COUNTRIES.contains(&self.text.as_str())
    }
    /// The code.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}
lenient_value!(
    CountryCode,
    "Country, ISO 3166-1 alpha-2 (GB, IE, PL); absent means the United Kingdom."
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_has_the_249_assigned_codes_once_each() {
        let mut codes: Vec<&str> = ISO_3166_ALPHA2.split_whitespace().collect();
        assert_eq!(codes.len(), 249);
        codes.dedup();
        assert_eq!(codes.len(), 249);
    }

    #[test]
    fn codes_are_upper_cased_uk_means_gb_and_unknown_codes_are_refused() {
        assert_eq!(CountryCode::parse(" ie ").as_str(), "IE");
        assert!(CountryCode::parse("ie").is_valid());
        assert_eq!(CountryCode::parse("uk").as_str(), "GB");
        assert!(CountryCode::parse("JE").uses_uk_postcodes());
        assert!(!CountryCode::parse("IE").uses_uk_postcodes());
        for bad in ["", "XX", "IRL", "Ireland", "I"] {
            assert!(!CountryCode::parse(bad).is_valid(), "{bad}");
        }
    }
}
