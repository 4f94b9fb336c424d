//! Country codes for addresses outside the United Kingdom (ISO 3166-1 alpha-2).
//!
//! An address abroad has no UK postcode (an Eircode or a French code postal is not one), so a
//! country decides whether the postcode rule applies. The Crown Dependencies (JE, GG, IM) use
//! UK-shaped postcodes and are treated as UK addresses for that rule.
//!
//! Officers type names ("Ireland", "Republic of Ireland", "Poland"), so every country's usual
//! English short name, its formal ISO names and common alternatives ("UK", "Great Britain",
//! "Ivory Coast", "DRC") are read as its code. The names are a hand-written table rather than a
//! crate: the mobile library has a tight size budget and the table is a few kilobytes.
//! "England", "Scotland", "Wales" and "Northern Ireland" are read as `GB`: for an address the
//! country is the state; the jurisdiction within it comes from the postcode.

use super::choice::{NameIndex, NamedChoice, name_key};
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

/// A country as an ISO 3166-1 alpha-2 code, upper-cased; `UK` is read as `GB`, and a country's
/// name as its code.
#[derive(Clone)]
pub struct CountryCode {
    text: String,
    valid: bool,
}

impl CountryCode {
    /// Parses a country code or a country's name ("Ireland", "UK"); never fails. Text that is
    /// neither is kept as typed (trimmed).
    pub fn parse(text: &str) -> CountryCode {
        let trimmed = text.trim();
        let mut upper = trimmed.to_ascii_uppercase();
        if upper == "UK" {
            upper = "GB".to_string();
        }
        if upper.len() == 2 && ISO_3166_ALPHA2.split_whitespace().any(|c| c == upper) {
            return CountryCode {
                text: upper,
                valid: true,
            };
        }
        match INDEX.code(COUNTRIES, ALIASES, name_key, trimmed) {
            Some(code) => CountryCode {
                text: code.to_string(),
                valid: true,
            },
            None => CountryCode {
                text: trimmed.to_string(),
                valid: false,
            },
        }
    }
    /// The country's usual English name, when the code is valid ("Ireland" for `IE`).
    pub fn name(&self) -> Option<&'static str> {
        country_name(&self.text)
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

/// Every ISO 3166-1 country, code and usual English name, sorted by name for a picker.
pub fn countries() -> &'static [NamedChoice] {
    COUNTRIES
}

/// The usual English name of an ISO 3166-1 alpha-2 code (any case); `None` for unknown codes.
pub fn country_name(code: &str) -> Option<&'static str> {
    let code = code.trim();
    COUNTRIES
        .iter()
        .find(|c| c.code.eq_ignore_ascii_case(code))
        .map(|c| c.name)
}

static INDEX: NameIndex = NameIndex::new();

const fn country(code: &'static str, name: &'static str) -> NamedChoice {
    NamedChoice { code, name }
}

/// Every ISO 3166-1 country by its usual English short name, sorted by name.
pub(crate) static COUNTRIES: &[NamedChoice] = &[
    country("AF", "Afghanistan"),
    country("AX", "Åland Islands"),
    country("AL", "Albania"),
    country("DZ", "Algeria"),
    country("AS", "American Samoa"),
    country("AD", "Andorra"),
    country("AO", "Angola"),
    country("AI", "Anguilla"),
    country("AQ", "Antarctica"),
    country("AG", "Antigua and Barbuda"),
    country("AR", "Argentina"),
    country("AM", "Armenia"),
    country("AW", "Aruba"),
    country("AU", "Australia"),
    country("AT", "Austria"),
    country("AZ", "Azerbaijan"),
    country("BS", "Bahamas"),
    country("BH", "Bahrain"),
    country("BD", "Bangladesh"),
    country("BB", "Barbados"),
    country("BY", "Belarus"),
    country("BE", "Belgium"),
    country("BZ", "Belize"),
    country("BJ", "Benin"),
    country("BM", "Bermuda"),
    country("BT", "Bhutan"),
    country("BO", "Bolivia"),
    country("BQ", "Bonaire, Sint Eustatius and Saba"),
    country("BA", "Bosnia and Herzegovina"),
    country("BW", "Botswana"),
    country("BV", "Bouvet Island"),
    country("BR", "Brazil"),
    country("IO", "British Indian Ocean Territory"),
    country("VG", "British Virgin Islands"),
    country("BN", "Brunei"),
    country("BG", "Bulgaria"),
    country("BF", "Burkina Faso"),
    country("BI", "Burundi"),
    country("KH", "Cambodia"),
    country("CM", "Cameroon"),
    country("CA", "Canada"),
    country("CV", "Cape Verde"),
    country("KY", "Cayman Islands"),
    country("CF", "Central African Republic"),
    country("TD", "Chad"),
    country("CL", "Chile"),
    country("CN", "China"),
    country("CX", "Christmas Island"),
    country("CC", "Cocos (Keeling) Islands"),
    country("CO", "Colombia"),
    country("KM", "Comoros"),
    country("CG", "Congo"),
    country("CD", "Congo (Democratic Republic)"),
    country("CK", "Cook Islands"),
    country("CR", "Costa Rica"),
    country("CI", "Côte d'Ivoire"),
    country("HR", "Croatia"),
    country("CU", "Cuba"),
    country("CW", "Curaçao"),
    country("CY", "Cyprus"),
    country("CZ", "Czechia"),
    country("DK", "Denmark"),
    country("DJ", "Djibouti"),
    country("DM", "Dominica"),
    country("DO", "Dominican Republic"),
    country("TL", "East Timor"),
    country("EC", "Ecuador"),
    country("EG", "Egypt"),
    country("SV", "El Salvador"),
    country("GQ", "Equatorial Guinea"),
    country("ER", "Eritrea"),
    country("EE", "Estonia"),
    country("SZ", "Eswatini"),
    country("ET", "Ethiopia"),
    country("FK", "Falkland Islands"),
    country("FO", "Faroe Islands"),
    country("FJ", "Fiji"),
    country("FI", "Finland"),
    country("FR", "France"),
    country("GF", "French Guiana"),
    country("PF", "French Polynesia"),
    country("TF", "French Southern Territories"),
    country("GA", "Gabon"),
    country("GM", "Gambia"),
    country("GE", "Georgia"),
    country("DE", "Germany"),
    country("GH", "Ghana"),
    country("GI", "Gibraltar"),
    country("GR", "Greece"),
    country("GL", "Greenland"),
    country("GD", "Grenada"),
    country("GP", "Guadeloupe"),
    country("GU", "Guam"),
    country("GT", "Guatemala"),
    country("GG", "Guernsey"),
    country("GN", "Guinea"),
    country("GW", "Guinea-Bissau"),
    country("GY", "Guyana"),
    country("HT", "Haiti"),
    country("HM", "Heard Island and McDonald Islands"),
    country("HN", "Honduras"),
    country("HK", "Hong Kong"),
    country("HU", "Hungary"),
    country("IS", "Iceland"),
    country("IN", "India"),
    country("ID", "Indonesia"),
    country("IR", "Iran"),
    country("IQ", "Iraq"),
    country("IE", "Ireland"),
    country("IM", "Isle of Man"),
    country("IL", "Israel"),
    country("IT", "Italy"),
    country("JM", "Jamaica"),
    country("JP", "Japan"),
    country("JE", "Jersey"),
    country("JO", "Jordan"),
    country("KZ", "Kazakhstan"),
    country("KE", "Kenya"),
    country("KI", "Kiribati"),
    country("KW", "Kuwait"),
    country("KG", "Kyrgyzstan"),
    country("LA", "Laos"),
    country("LV", "Latvia"),
    country("LB", "Lebanon"),
    country("LS", "Lesotho"),
    country("LR", "Liberia"),
    country("LY", "Libya"),
    country("LI", "Liechtenstein"),
    country("LT", "Lithuania"),
    country("LU", "Luxembourg"),
    country("MO", "Macao"),
    country("MG", "Madagascar"),
    country("MW", "Malawi"),
    country("MY", "Malaysia"),
    country("MV", "Maldives"),
    country("ML", "Mali"),
    country("MT", "Malta"),
    country("MH", "Marshall Islands"),
    country("MQ", "Martinique"),
    country("MR", "Mauritania"),
    country("MU", "Mauritius"),
    country("YT", "Mayotte"),
    country("MX", "Mexico"),
    country("FM", "Micronesia"),
    country("MD", "Moldova"),
    country("MC", "Monaco"),
    country("MN", "Mongolia"),
    country("ME", "Montenegro"),
    country("MS", "Montserrat"),
    country("MA", "Morocco"),
    country("MZ", "Mozambique"),
    country("MM", "Myanmar (Burma)"),
    country("NA", "Namibia"),
    country("NR", "Nauru"),
    country("NP", "Nepal"),
    country("NL", "Netherlands"),
    country("NC", "New Caledonia"),
    country("NZ", "New Zealand"),
    country("NI", "Nicaragua"),
    country("NE", "Niger"),
    country("NG", "Nigeria"),
    country("NU", "Niue"),
    country("NF", "Norfolk Island"),
    country("KP", "North Korea"),
    country("MK", "North Macedonia"),
    country("MP", "Northern Mariana Islands"),
    country("NO", "Norway"),
    country("OM", "Oman"),
    country("PK", "Pakistan"),
    country("PW", "Palau"),
    country("PS", "Palestine"),
    country("PA", "Panama"),
    country("PG", "Papua New Guinea"),
    country("PY", "Paraguay"),
    country("PE", "Peru"),
    country("PH", "Philippines"),
    country("PN", "Pitcairn Islands"),
    country("PL", "Poland"),
    country("PT", "Portugal"),
    country("PR", "Puerto Rico"),
    country("QA", "Qatar"),
    country("RE", "Réunion"),
    country("RO", "Romania"),
    country("RU", "Russia"),
    country("RW", "Rwanda"),
    country("BL", "Saint Barthélemy"),
    country("SH", "Saint Helena, Ascension and Tristan da Cunha"),
    country("KN", "Saint Kitts and Nevis"),
    country("LC", "Saint Lucia"),
    country("MF", "Saint Martin (French part)"),
    country("PM", "Saint Pierre and Miquelon"),
    country("VC", "Saint Vincent and the Grenadines"),
    country("WS", "Samoa"),
    country("SM", "San Marino"),
    country("ST", "São Tomé and Príncipe"),
    country("SA", "Saudi Arabia"),
    country("SN", "Senegal"),
    country("RS", "Serbia"),
    country("SC", "Seychelles"),
    country("SL", "Sierra Leone"),
    country("SG", "Singapore"),
    country("SX", "Sint Maarten (Dutch part)"),
    country("SK", "Slovakia"),
    country("SI", "Slovenia"),
    country("SB", "Solomon Islands"),
    country("SO", "Somalia"),
    country("ZA", "South Africa"),
    country("GS", "South Georgia and the South Sandwich Islands"),
    country("KR", "South Korea"),
    country("SS", "South Sudan"),
    country("ES", "Spain"),
    country("LK", "Sri Lanka"),
    country("SD", "Sudan"),
    country("SR", "Suriname"),
    country("SJ", "Svalbard and Jan Mayen"),
    country("SE", "Sweden"),
    country("CH", "Switzerland"),
    country("SY", "Syria"),
    country("TW", "Taiwan"),
    country("TJ", "Tajikistan"),
    country("TZ", "Tanzania"),
    country("TH", "Thailand"),
    country("TG", "Togo"),
    country("TK", "Tokelau"),
    country("TO", "Tonga"),
    country("TT", "Trinidad and Tobago"),
    country("TN", "Tunisia"),
    country("TR", "Turkey"),
    country("TM", "Turkmenistan"),
    country("TC", "Turks and Caicos Islands"),
    country("TV", "Tuvalu"),
    country("UG", "Uganda"),
    country("UA", "Ukraine"),
    country("AE", "United Arab Emirates"),
    country("GB", "United Kingdom"),
    country("US", "United States"),
    country("UM", "United States Minor Outlying Islands"),
    country("VI", "United States Virgin Islands"),
    country("UY", "Uruguay"),
    country("UZ", "Uzbekistan"),
    country("VU", "Vanuatu"),
    country("VA", "Vatican City"),
    country("VE", "Venezuela"),
    country("VN", "Vietnam"),
    country("WF", "Wallis and Futuna"),
    country("EH", "Western Sahara"),
    country("YE", "Yemen"),
    country("ZM", "Zambia"),
    country("ZW", "Zimbabwe"),
];

/// Formal ISO names, former names and common alternatives: (alias, code).
static ALIASES: &[(&str, &str)] = &[
    ("Principality of Andorra", "AD"),
    ("UAE", "AE"),
    ("Emirates", "AE"),
    ("Islamic Republic of Afghanistan", "AF"),
    ("Antigua", "AG"),
    ("Republic of Albania", "AL"),
    ("Republic of Armenia", "AM"),
    ("Republic of Angola", "AO"),
    ("Argentine Republic", "AR"),
    ("Republic of Austria", "AT"),
    ("Republic of Azerbaijan", "AZ"),
    ("Bosnia", "BA"),
    ("Bosnia-Herzegovina", "BA"),
    ("Republic of Bosnia and Herzegovina", "BA"),
    ("People's Republic of Bangladesh", "BD"),
    ("Kingdom of Belgium", "BE"),
    ("Republic of Bulgaria", "BG"),
    ("Kingdom of Bahrain", "BH"),
    ("Republic of Burundi", "BI"),
    ("Republic of Benin", "BJ"),
    ("St Barts", "BL"),
    ("Brunei Darussalam", "BN"),
    ("Bolivia, Plurinational State of", "BO"),
    ("Plurinational State of Bolivia", "BO"),
    ("Federative Republic of Brazil", "BR"),
    ("Commonwealth of the Bahamas", "BS"),
    ("Kingdom of Bhutan", "BT"),
    ("Republic of Botswana", "BW"),
    ("Byelorussia", "BY"),
    ("Belorussia", "BY"),
    ("Republic of Belarus", "BY"),
    ("DRC", "CD"),
    ("DR Congo", "CD"),
    ("Democratic Republic of the Congo", "CD"),
    ("Democratic Republic of Congo", "CD"),
    ("Congo-Kinshasa", "CD"),
    ("Congo, The Democratic Republic of the", "CD"),
    ("Zaire", "CD"),
    ("CAR", "CF"),
    ("Republic of the Congo", "CG"),
    ("Congo-Brazzaville", "CG"),
    ("Congo Brazzaville", "CG"),
    ("Republic of Congo", "CG"),
    ("Swiss Confederation", "CH"),
    ("Ivory Coast", "CI"),
    ("Republic of Côte d'Ivoire", "CI"),
    ("Republic of Chile", "CL"),
    ("Republic of Cameroon", "CM"),
    ("People's Republic of China", "CN"),
    ("PRC", "CN"),
    ("Mainland China", "CN"),
    ("Republic of Colombia", "CO"),
    ("Republic of Costa Rica", "CR"),
    ("Republic of Cuba", "CU"),
    ("Cabo Verde", "CV"),
    ("Republic of Cabo Verde", "CV"),
    ("Republic of Cyprus", "CY"),
    ("Czech Republic", "CZ"),
    ("Deutschland", "DE"),
    ("Federal Republic of Germany", "DE"),
    ("Republic of Djibouti", "DJ"),
    ("Kingdom of Denmark", "DK"),
    ("Commonwealth of Dominica", "DM"),
    ("People's Democratic Republic of Algeria", "DZ"),
    ("Republic of Ecuador", "EC"),
    ("Republic of Estonia", "EE"),
    ("Arab Republic of Egypt", "EG"),
    ("the State of Eritrea", "ER"),
    ("España", "ES"),
    ("Kingdom of Spain", "ES"),
    ("Federal Democratic Republic of Ethiopia", "ET"),
    ("Republic of Finland", "FI"),
    ("Republic of Fiji", "FJ"),
    ("Falkland Islands (Malvinas)", "FK"),
    ("Falklands", "FK"),
    ("Micronesia, Federated States of", "FM"),
    ("Federated States of Micronesia", "FM"),
    ("French Republic", "FR"),
    ("Gabonese Republic", "GA"),
    ("UK", "GB"),
    ("U.K.", "GB"),
    ("Great Britain", "GB"),
    ("Britain", "GB"),
    ("England", "GB"),
    ("Scotland", "GB"),
    ("Wales", "GB"),
    ("Northern Ireland", "GB"),
    ("United Kingdom of Great Britain and Northern Ireland", "GB"),
    ("Sakartvelo", "GE"),
    ("Republic of Ghana", "GH"),
    ("Republic of the Gambia", "GM"),
    ("Republic of Guinea", "GN"),
    ("Republic of Equatorial Guinea", "GQ"),
    ("Hellenic Republic", "GR"),
    ("Republic of Guatemala", "GT"),
    ("Republic of Guinea-Bissau", "GW"),
    ("Republic of Guyana", "GY"),
    ("Hong Kong SAR", "HK"),
    ("Hong Kong Special Administrative Region of China", "HK"),
    ("Republic of Honduras", "HN"),
    ("Republic of Croatia", "HR"),
    ("Republic of Haiti", "HT"),
    ("Republic of Indonesia", "ID"),
    ("Republic of Ireland", "IE"),
    ("Eire", "IE"),
    ("Éire", "IE"),
    ("Southern Ireland", "IE"),
    ("Irish Republic", "IE"),
    ("State of Israel", "IL"),
    ("Republic of India", "IN"),
    ("Republic of Iraq", "IQ"),
    ("Iran, Islamic Republic of", "IR"),
    ("Islamic Republic of Iran", "IR"),
    ("Persia", "IR"),
    ("Republic of Iceland", "IS"),
    ("Italian Republic", "IT"),
    ("Hashemite Kingdom of Jordan", "JO"),
    ("Republic of Kenya", "KE"),
    ("Kirghizia", "KG"),
    ("Kyrgyz Republic", "KG"),
    ("Kingdom of Cambodia", "KH"),
    ("Republic of Kiribati", "KI"),
    ("Union of the Comoros", "KM"),
    ("Saint Kitts", "KN"),
    ("St Kitts", "KN"),
    ("Korea, Democratic People's Republic of", "KP"),
    ("Democratic People's Republic of Korea", "KP"),
    ("DPRK", "KP"),
    ("Korea (North)", "KP"),
    ("Korea, Republic of", "KR"),
    ("Republic of Korea", "KR"),
    ("Korea (South)", "KR"),
    ("State of Kuwait", "KW"),
    ("Republic of Kazakhstan", "KZ"),
    ("Lao People's Democratic Republic", "LA"),
    ("Lao PDR", "LA"),
    ("Lebanese Republic", "LB"),
    ("Principality of Liechtenstein", "LI"),
    ("Ceylon", "LK"),
    ("Democratic Socialist Republic of Sri Lanka", "LK"),
    ("Republic of Liberia", "LR"),
    ("Kingdom of Lesotho", "LS"),
    ("Republic of Lithuania", "LT"),
    ("Grand Duchy of Luxembourg", "LU"),
    ("Republic of Latvia", "LV"),
    ("Kingdom of Morocco", "MA"),
    ("Principality of Monaco", "MC"),
    ("Moldova, Republic of", "MD"),
    ("Republic of Moldova", "MD"),
    ("Republic of Madagascar", "MG"),
    ("Republic of the Marshall Islands", "MH"),
    ("Macedonia", "MK"),
    ("Former Yugoslav Republic of Macedonia", "MK"),
    ("FYROM", "MK"),
    ("Republic of North Macedonia", "MK"),
    ("Republic of Mali", "ML"),
    ("Myanmar", "MM"),
    ("Burma", "MM"),
    ("Republic of Myanmar", "MM"),
    ("Macau", "MO"),
    ("Macao Special Administrative Region of China", "MO"),
    ("Commonwealth of the Northern Mariana Islands", "MP"),
    ("Islamic Republic of Mauritania", "MR"),
    ("Republic of Malta", "MT"),
    ("Republic of Mauritius", "MU"),
    ("Republic of Maldives", "MV"),
    ("Republic of Malawi", "MW"),
    ("United Mexican States", "MX"),
    ("Republic of Mozambique", "MZ"),
    ("Republic of Namibia", "NA"),
    ("Republic of the Niger", "NE"),
    ("Federal Republic of Nigeria", "NG"),
    ("Republic of Nicaragua", "NI"),
    ("Holland", "NL"),
    ("Kingdom of the Netherlands", "NL"),
    ("Kingdom of Norway", "NO"),
    ("Federal Democratic Republic of Nepal", "NP"),
    ("Republic of Nauru", "NR"),
    ("Aotearoa", "NZ"),
    ("Sultanate of Oman", "OM"),
    ("Republic of Panama", "PA"),
    ("Republic of Peru", "PE"),
    ("PNG", "PG"),
    ("Independent State of Papua New Guinea", "PG"),
    ("Republic of the Philippines", "PH"),
    ("Islamic Republic of Pakistan", "PK"),
    ("Republic of Poland", "PL"),
    ("Pitcairn", "PN"),
    ("Palestine, State of", "PS"),
    ("State of Palestine", "PS"),
    ("Palestinian Territories", "PS"),
    ("Occupied Palestinian Territories", "PS"),
    ("Gaza", "PS"),
    ("West Bank", "PS"),
    ("Portuguese Republic", "PT"),
    ("Republic of Palau", "PW"),
    ("Republic of Paraguay", "PY"),
    ("State of Qatar", "QA"),
    ("Republic of Serbia", "RS"),
    ("Russian Federation", "RU"),
    ("Rwandese Republic", "RW"),
    ("KSA", "SA"),
    ("Kingdom of Saudi Arabia", "SA"),
    ("Solomons", "SB"),
    ("Republic of Seychelles", "SC"),
    ("Republic of the Sudan", "SD"),
    ("Kingdom of Sweden", "SE"),
    ("Republic of Singapore", "SG"),
    ("Saint Helena", "SH"),
    ("Ascension Island", "SH"),
    ("Tristan da Cunha", "SH"),
    ("Republic of Slovenia", "SI"),
    ("Slovak Republic", "SK"),
    ("Republic of Sierra Leone", "SL"),
    ("Republic of San Marino", "SM"),
    ("Republic of Senegal", "SN"),
    ("Federal Republic of Somalia", "SO"),
    ("Republic of Suriname", "SR"),
    ("Republic of South Sudan", "SS"),
    ("Democratic Republic of Sao Tome and Principe", "ST"),
    ("Republic of El Salvador", "SV"),
    ("Syrian Arab Republic", "SY"),
    ("Swaziland", "SZ"),
    ("Kingdom of Eswatini", "SZ"),
    ("Republic of Chad", "TD"),
    ("Togolese Republic", "TG"),
    ("Kingdom of Thailand", "TH"),
    ("Republic of Tajikistan", "TJ"),
    ("Timor-Leste", "TL"),
    ("Democratic Republic of Timor-Leste", "TL"),
    ("Republic of Tunisia", "TN"),
    ("Kingdom of Tonga", "TO"),
    ("Türkiye", "TR"),
    ("Turkiye", "TR"),
    ("Republic of Türkiye", "TR"),
    ("Trinidad", "TT"),
    ("Tobago", "TT"),
    ("Republic of Trinidad and Tobago", "TT"),
    ("Taiwan, Province of China", "TW"),
    ("Republic of China", "TW"),
    ("Tanzania, United Republic of", "TZ"),
    ("United Republic of Tanzania", "TZ"),
    ("Republic of Uganda", "UG"),
    ("USA", "US"),
    ("U.S.A.", "US"),
    ("U.S.", "US"),
    ("America", "US"),
    ("United States of America", "US"),
    ("Eastern Republic of Uruguay", "UY"),
    ("Republic of Uzbekistan", "UZ"),
    ("Holy See", "VA"),
    ("Holy See (Vatican City State)", "VA"),
    ("Vatican", "VA"),
    ("Saint Vincent", "VC"),
    ("St Vincent", "VC"),
    ("Venezuela, Bolivarian Republic of", "VE"),
    ("Bolivarian Republic of Venezuela", "VE"),
    ("Virgin Islands, British", "VG"),
    ("BVI", "VG"),
    ("Virgin Islands, U.S.", "VI"),
    ("US Virgin Islands", "VI"),
    ("Virgin Islands of the United States", "VI"),
    ("Viet Nam", "VN"),
    ("Socialist Republic of Viet Nam", "VN"),
    ("Republic of Vanuatu", "VU"),
    ("Independent State of Samoa", "WS"),
    ("Republic of Yemen", "YE"),
    ("RSA", "ZA"),
    ("Republic of South Africa", "ZA"),
    ("Republic of Zambia", "ZM"),
    ("Republic of Zimbabwe", "ZW"),
];

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
        for bad in ["", "XX", "IRL", "I", "Irelend", "Atlantis"] {
            let c = CountryCode::parse(bad);
            assert!(!c.is_valid(), "{bad}");
            assert_eq!(c.as_str(), bad, "kept as typed");
        }
    }

    #[test]
    fn country_names_are_understood() {
        for (typed, want) in [
            ("Ireland", "IE"),
            ("ireland", "IE"),
            ("Republic of Ireland", "IE"),
            ("Eire", "IE"),
            ("Poland", "PL"),
            (" POLAND ", "PL"),
            ("United Kingdom", "GB"),
            ("UK", "GB"),
            ("U.K.", "GB"),
            ("Great Britain", "GB"),
            ("England", "GB"),
            ("Romania", "RO"),
            ("Lithuania", "LT"),
            ("Pakistan", "PK"),
            ("India", "IN"),
            ("Bangladesh", "BD"),
            ("Nigeria", "NG"),
            ("Eritrea", "ER"),
            ("Afghanistan", "AF"),
            ("Iran", "IR"),
            ("Syria", "SY"),
            ("Syrian Arab Republic", "SY"),
            ("Turkey", "TR"),
            ("Türkiye", "TR"),
            ("Ivory Coast", "CI"),
            ("Cote d'Ivoire", "CI"),
            ("DRC", "CD"),
            ("Democratic Republic of the Congo", "CD"),
            ("Congo", "CG"),
            ("The Gambia", "GM"),
            ("the Netherlands", "NL"),
            ("Holland", "NL"),
            ("USA", "US"),
            ("United States of America", "US"),
            ("South Korea", "KR"),
            ("Czech Republic", "CZ"),
            ("St Lucia", "LC"),
            ("Trinidad & Tobago", "TT"),
            ("Jersey", "JE"),
            ("Isle of Man", "IM"),
        ] {
            let c = CountryCode::parse(typed);
            assert!(c.is_valid(), "{typed}");
            assert_eq!(c.as_str(), want, "{typed}");
        }
        assert_eq!(CountryCode::parse("Ireland").name(), Some("Ireland"));
        assert_eq!(country_name("gb"), Some("United Kingdom"));
        assert_eq!(country_name("XX"), None);
    }

    #[test]
    fn every_assigned_code_has_one_name_and_the_list_is_sorted() {
        let mut codes: Vec<&str> = COUNTRIES.iter().map(|c| c.code).collect();
        codes.sort();
        let mut iso: Vec<&str> = ISO_3166_ALPHA2.split_whitespace().collect();
        iso.sort();
        assert_eq!(codes, iso);
        assert!(super::super::choice::sorted_by_name(COUNTRIES));
        for (alias, code) in ALIASES {
            assert!(iso.contains(code), "{alias} -> {code}");
        }
        let built = super::super::choice::build(COUNTRIES, ALIASES, name_key);
        assert!(built.is_ok(), "{:?}", built.err().map(|(_, c)| c));
        // Every name reads back as its own code.
        for c in COUNTRIES {
            assert_eq!(CountryCode::parse(c.name).as_str(), c.code, "{}", c.name);
        }
    }
}
