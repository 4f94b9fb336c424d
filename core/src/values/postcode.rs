//! UK postcodes in BS 7666 shape, plus GIR 0AA and BFPO numbers.
//!
//! Only the shape is checked: a well-formed postcode may still not exist, and only the address
//! file can tell. Normalised to upper case with exactly one space before the inward code.
//!
//! A postcode also tells the jurisdiction, by its area (the leading letters) and, on the
//! Scottish border, its district. Sources: Royal Mail's postcode areas as listed in the
//! Wikipedia pages of the AB..ZE areas, and for the border the TD, DG and CA area pages and
//! local reports on TD12 and TD15. What the area alone cannot settle:
//! - TD12 (Coldstream, Cornhill-on-Tweed) and TD15 (Berwick-upon-Tweed) cross the border and
//!   are mostly in Northumberland (TD12: 16 of 23 delivery areas, TD15: 30 of 39), so they are
//!   England and Wales; the Scottish addresses in them (Coldstream; Foulden, Paxton, Hutton)
//!   are read as England and Wales too.
//! - TD9 (Hawick, Newcastleton) and DG16 (Gretna) reach a few addresses into Cumbria; they are
//!   read as Scotland.
//! - CA (Carlisle) and NE (Newcastle) are wholly in England; CH, LL, SY, HR, NP, SA and LD lie
//!   in England or Wales, one jurisdiction either way.
//! - BF (BFPO) and BX (non-geographic) addresses and GIR 0AA have no jurisdiction.

use super::jurisdiction::Jurisdiction;
use super::lenient_value;

/// Postcode areas wholly or mainly in Scotland (TD12 and TD15 excepted, see the module doc).
const SCOTTISH_AREAS: &[&str] = &[
    "AB", "DD", "DG", "EH", "FK", "G", "HS", "IV", "KA", "KW", "KY", "ML", "PA", "PH", "TD", "ZE",
];

/// Postcode areas in England and Wales.
const ENGLAND_AND_WALES_AREAS: &[&str] = &[
    "AL", "B", "BA", "BB", "BD", "BH", "BL", "BN", "BR", "BS", "CA", "CB", "CF", "CH", "CM", "CO",
    "CR", "CT", "CV", "CW", "DA", "DE", "DH", "DL", "DN", "DT", "DY", "E", "EC", "EN", "EX", "FY",
    "GL", "GU", "HA", "HD", "HG", "HP", "HR", "HU", "HX", "IG", "IP", "KT", "L", "LA", "LD", "LE",
    "LL", "LN", "LS", "LU", "M", "ME", "MK", "N", "NE", "NG", "NN", "NP", "NR", "NW", "OL", "OX",
    "PE", "PL", "PO", "PR", "RG", "RH", "RM", "S", "SA", "SE", "SG", "SK", "SL", "SM", "SN", "SO",
    "SP", "SR", "SS", "ST", "SW", "SY", "TA", "TF", "TN", "TQ", "TR", "TS", "TW", "UB", "W", "WA",
    "WC", "WD", "WF", "WN", "WR", "WS", "WV", "YO",
];

/// A postcode as typed, with its normalised form when it has a valid shape.
#[derive(Clone)]
pub struct Postcode {
    text: String,
    normalised: Option<String>,
}

impl Postcode {
    /// Parses a postcode; never fails (see the module doc of `values`).
    pub fn parse(text: &str) -> Postcode {
        let trimmed = text.trim();
        Postcode {
            normalised: normalise(trimmed),
            text: trimmed.to_string(),
        }
    }

    /// True when the postcode has a valid shape.
    pub fn is_valid(&self) -> bool {
        self.normalised.is_some()
    }

    /// The normalised form when valid, else the text as typed.
    pub fn as_str(&self) -> &str {
        self.normalised.as_deref().unwrap_or(&self.text)
    }

    /// True when nothing was typed.
    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    /// The jurisdiction of a valid postcode: BT is Northern Ireland, JE Jersey, GY Guernsey, IM
    /// the Isle of Man, the Scottish areas Scotland (except the mostly English TD12 and TD15),
    /// the other areas England and Wales. `None` when the postcode is not valid, is GIR 0AA, a
    /// BFPO number or a non-geographic area (BX), or its area does not exist.
    pub fn jurisdiction(&self) -> Option<Jurisdiction> {
        let outward = self.normalised.as_deref()?.split(' ').next()?;
        let area_len = outward.bytes().take_while(u8::is_ascii_alphabetic).count();
        let (area, district) = outward.split_at(area_len);
        match area {
            "BT" => Some(Jurisdiction::NorthernIreland),
            "JE" => Some(Jurisdiction::Jersey),
            "GY" => Some(Jurisdiction::Guernsey),
            "IM" => Some(Jurisdiction::IsleOfMan),
            "TD" if district == "12" || district == "15" => Some(Jurisdiction::EnglandAndWales),
            a if SCOTTISH_AREAS.contains(&a) => Some(Jurisdiction::Scotland),
            a if ENGLAND_AND_WALES_AREAS.contains(&a) => Some(Jurisdiction::EnglandAndWales),
            _ => None,
        }
    }
}

lenient_value!(
    Postcode,
    "UK postcode (BS 7666 shape), GIR 0AA or BFPO number; normalised to upper case with one space."
);

fn normalise(text: &str) -> Option<String> {
    let compact: String = text
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if !compact.is_ascii() || compact.len() > 10 {
        return None;
    }
    if compact == "GIR0AA" {
        return Some("GIR 0AA".to_string());
    }
    if let Some(number) = compact.strip_prefix("BFPO") {
        let ok = (1..=4).contains(&number.len()) && number.bytes().all(|b| b.is_ascii_digit());
        return ok.then(|| format!("BFPO {number}"));
    }
    if compact.len() < 5 || compact.len() > 7 {
        return None;
    }
    let (outward, inward) = compact.split_at(compact.len() - 3);
    (outward_ok(outward.as_bytes()) && inward_ok(inward.as_bytes()))
        .then(|| format!("{outward} {inward}"))
}

fn outward_ok(o: &[u8]) -> bool {
    let first = |b: u8| b.is_ascii_uppercase() && !b"QVX".contains(&b);
    let second = |b: u8| b.is_ascii_uppercase() && !b"IJZ".contains(&b);
    let digit = |b: u8| b.is_ascii_digit();
    match *o {
        // A9
        [a, d] => first(a) && digit(d),
        // A99, A9A, AA9
        [a, x, y] => {
            first(a)
                && ((digit(x) && (digit(y) || b"ABCDEFGHJKPSTUW".contains(&y)))
                    || (second(x) && digit(y)))
        }
        // AA99, AA9A
        [a, b, d, x] => {
            first(a) && second(b) && digit(d) && (digit(x) || b"ABEHMNPRVWXY".contains(&x))
        }
        _ => false,
    }
}

fn inward_ok(i: &[u8]) -> bool {
    let letter = |b: u8| b.is_ascii_uppercase() && !b"CIKMOV".contains(&b);
    matches!(*i, [d, a, b] if d.is_ascii_digit() && letter(a) && letter(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bs7666_shape_is_accepted_and_normalised() {
        for (typed, want) in [
            ("m1 1ae", "M1 1AE"),
            ("B33 8TH", "B33 8TH"),
            ("cr2 6xh", "CR2 6XH"),
            ("DN551PT", "DN55 1PT"),
            ("W1A 0AX", "W1A 0AX"),
            ("ec1a  1bb", "EC1A 1BB"),
            ("gir0aa", "GIR 0AA"),
            ("bfpo 801", "BFPO 801"),
            ("BFPO1234", "BFPO 1234"),
        ] {
            let p = Postcode::parse(typed);
            assert_eq!(p.as_str(), want, "{typed}");
            assert!(p.is_valid());
        }
    }

    #[test]
    fn malformed_postcodes_are_refused_but_kept_as_typed() {
        for typed in [
            "",
            "SW1",
            "Q1 1AA",
            "M1 1AC",
            "12345",
            "BFPO 12345",
            "EC1A1BBB",
            "AAA 1AA",
            "M1 1ÄA",
        ] {
            let p = Postcode::parse(typed);
            assert!(!p.is_valid(), "{typed}");
            assert_eq!(p.as_str(), typed.trim());
        }
    }

    fn jurisdiction_of(postcode: &str) -> Option<Jurisdiction> {
        Postcode::parse(postcode).jurisdiction()
    }

    #[test]
    fn scottish_postcodes_are_scotland_except_english_td_districts() {
        for scottish in [
            "AB10 1AB", "DD1 4HN", "DG16 5AA", "EH1 1YZ", "FK8 2ET", "G1 1XQ", "g2 3ab", "HS1 2AA",
            "IV2 3HH", "KA1 1AA", "KW15 1AA", "KY1 1AA", "ML1 1AA", "PA1 1AA", "PH1 5AA",
            "ZE1 0AA", "TD1 1AA", "TD9 0AA", "TD13 5AA", "TD14 5AA",
        ] {
            assert_eq!(
                jurisdiction_of(scottish),
                Some(Jurisdiction::Scotland),
                "{scottish}"
            );
        }
        for english in ["TD12 4AA", "TD15 1AA", "td152aa"] {
            assert_eq!(
                jurisdiction_of(english),
                Some(Jurisdiction::EnglandAndWales),
                "{english}"
            );
        }
    }

    #[test]
    fn northern_irish_and_crown_dependency_postcodes_are_their_own_jurisdictions() {
        assert_eq!(
            jurisdiction_of("BT1 5GS"),
            Some(Jurisdiction::NorthernIreland)
        );
        assert_eq!(
            jurisdiction_of("BT48 6AA"),
            Some(Jurisdiction::NorthernIreland)
        );
        assert_eq!(jurisdiction_of("JE2 3AB"), Some(Jurisdiction::Jersey));
        assert_eq!(jurisdiction_of("GY1 1AA"), Some(Jurisdiction::Guernsey));
        assert_eq!(jurisdiction_of("IM1 1AA"), Some(Jurisdiction::IsleOfMan));
    }

    #[test]
    fn english_and_welsh_postcodes_including_border_areas_are_england_and_wales() {
        for postcode in [
            "SW1A 1AA", "EC1A 1BB", "W1A 0AX", "M1 1AE", "B33 8TH", "CR2 6XH", "DN55 1PT",
            "CA6 5AA", "NE71 6AA", "LL11 1AA", "CH5 1AA", "SY10 7AA", "HR5 3AA", "NP16 5AA",
            "SA1 1AA", "LD1 5AA", "CF10 1AA", "GL1 1AA", "GU1 1AA", "L1 8JQ", "S1 2HE",
        ] {
            assert_eq!(
                jurisdiction_of(postcode),
                Some(Jurisdiction::EnglandAndWales),
                "{postcode}"
            );
        }
    }

    #[test]
    fn postcodes_without_a_place_have_no_jurisdiction() {
        for postcode in [
            "GIR 0AA", "BFPO 801", "BF1 3AA", "BX1 1LT", "AA1 1AA", "not one", "",
        ] {
            assert_eq!(jurisdiction_of(postcode), None, "{postcode}");
        }
    }

    #[test]
    fn every_postcode_area_is_listed_once() {
        let mut areas: Vec<&str> = SCOTTISH_AREAS
            .iter()
            .chain(ENGLAND_AND_WALES_AREAS)
            .copied()
            .collect();
        // Plus BT, JE, GY, IM, and BF and BX without a place: Royal Mail's 126 areas (121 in
        // the UK, 3 in the Crown Dependencies, 2 non-geographic).
        assert_eq!(areas.len() + 6, 126);
        areas.sort();
        areas.dedup();
        assert_eq!(areas.len() + 6, 126);
    }
}
