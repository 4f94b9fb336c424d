//! UK postcodes in BS 7666 shape, plus GIR 0AA and BFPO numbers.
//!
//! Only the shape is checked: a well-formed postcode may still not exist, and only the address
//! file can tell. Normalised to upper case with exactly one space before the inward code.

use super::lenient_value;

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
}
