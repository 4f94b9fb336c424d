//! Organisation ids (police forces keyed by slug) and collar numbers.
//!
//! Forces are keyed on the slug that the national open-data API (data.police.uk) uses, because
//! display names change ("Avon and Somerset Constabulary" vs "Avon & Somerset Police") and slugs
//! do not. The five forces outside that API's 43 territorial forces use the API's slugs where it
//! has one (`btp`, `northern-ireland`) and a descriptive slug otherwise.

use super::lenient_value;

/// Every police force a referral may come from: (slug, display name).
pub const POLICE_FORCES: &[(&str, &str)] = &[
    ("avon-and-somerset", "Avon and Somerset Constabulary"),
    ("bedfordshire", "Bedfordshire Police"),
    ("cambridgeshire", "Cambridgeshire Constabulary"),
    ("cheshire", "Cheshire Constabulary"),
    ("city-of-london", "City of London Police"),
    ("cleveland", "Cleveland Police"),
    ("cumbria", "Cumbria Constabulary"),
    ("derbyshire", "Derbyshire Constabulary"),
    ("devon-and-cornwall", "Devon & Cornwall Police"),
    ("dorset", "Dorset Police"),
    ("durham", "Durham Constabulary"),
    ("dyfed-powys", "Dyfed-Powys Police"),
    ("essex", "Essex Police"),
    ("gloucestershire", "Gloucestershire Constabulary"),
    ("greater-manchester", "Greater Manchester Police"),
    ("gwent", "Gwent Police"),
    ("hampshire", "Hampshire Constabulary"),
    ("hertfordshire", "Hertfordshire Constabulary"),
    ("humberside", "Humberside Police"),
    ("kent", "Kent Police"),
    ("lancashire", "Lancashire Constabulary"),
    ("leicestershire", "Leicestershire Police"),
    ("lincolnshire", "Lincolnshire Police"),
    ("merseyside", "Merseyside Police"),
    ("metropolitan", "Metropolitan Police Service"),
    ("norfolk", "Norfolk Constabulary"),
    ("north-wales", "North Wales Police"),
    ("north-yorkshire", "North Yorkshire Police"),
    ("northamptonshire", "Northamptonshire Police"),
    ("northumbria", "Northumbria Police"),
    ("nottinghamshire", "Nottinghamshire Police"),
    ("south-wales", "South Wales Police"),
    ("south-yorkshire", "South Yorkshire Police"),
    ("staffordshire", "Staffordshire Police"),
    ("suffolk", "Suffolk Constabulary"),
    ("surrey", "Surrey Police"),
    ("sussex", "Sussex Police"),
    ("thames-valley", "Thames Valley Police"),
    ("warwickshire", "Warwickshire Police"),
    ("west-mercia", "West Mercia Police"),
    ("west-midlands", "West Midlands Police"),
    ("west-yorkshire", "West Yorkshire Police"),
    ("wiltshire", "Wiltshire Police"),
    ("northern-ireland", "Police Service of Northern Ireland"),
    ("police-scotland", "Police Scotland"),
    ("btp", "British Transport Police"),
    ("ministry-of-defence-police", "Ministry of Defence Police"),
    ("civil-nuclear-constabulary", "Civil Nuclear Constabulary"),
];

/// The id of the referring organisation: a lower-case slug such as `metropolitan`.
#[derive(Clone)]
pub struct OrganisationId {
    text: String,
    valid: bool,
}

impl OrganisationId {
    /// Parses a slug (`a-z`, `0-9`, `-`, 1 to 64 characters); never fails.
    pub fn parse(text: &str) -> OrganisationId {
        let text = text.trim().to_string();
        let valid = (1..=64).contains(&text.len())
            && text
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !text.starts_with('-')
            && !text.ends_with('-');
        OrganisationId { text, valid }
    }
    /// True when the text is a well-formed slug.
    pub fn is_valid(&self) -> bool {
        self.valid
    }
    /// True when the slug names a police force of [`POLICE_FORCES`].
    pub fn is_police_force(&self) -> bool {
        POLICE_FORCES.iter().any(|(slug, _)| *slug == self.text)
    }
    /// The slug.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}
lenient_value!(
    OrganisationId,
    "Organisation slug; for police, a force slug as data.police.uk uses it."
);

/// A collar (shoulder) number: 1 to 8 letters or digits; forces differ in shape.
#[derive(Clone)]
pub struct CollarNumber {
    text: String,
    valid: bool,
}

impl CollarNumber {
    /// Parses a collar number, upper-casing letters; never fails.
    pub fn parse(text: &str) -> CollarNumber {
        let text = text.trim().to_ascii_uppercase();
        let valid =
            (1..=8).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_alphanumeric());
        CollarNumber { text, valid }
    }
    /// True when it is 1 to 8 letters or digits.
    pub fn is_valid(&self) -> bool {
        self.valid
    }
    /// The normalised text.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}
lenient_value!(
    CollarNumber,
    "Collar/shoulder number: 1 to 8 letters or digits."
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_force_list_has_43_territorial_forces_and_5_others_with_unique_slugs() {
        assert_eq!(POLICE_FORCES.len(), 48);
        let mut slugs: Vec<_> = POLICE_FORCES.iter().map(|(s, _)| *s).collect();
        slugs.sort();
        slugs.dedup();
        assert_eq!(slugs.len(), 48);
        assert!(slugs.iter().all(|s| OrganisationId::parse(s).is_valid()));
    }

    #[test]
    fn collar_numbers_are_upper_cased_and_limited_to_eight_alphanumerics() {
        assert_eq!(CollarNumber::parse(" ab1234 ").as_str(), "AB1234");
        assert!(CollarNumber::parse("AB1234").is_valid());
        assert!(!CollarNumber::parse("AB 1234").is_valid());
        assert!(!CollarNumber::parse("123456789").is_valid());
        assert!(!CollarNumber::parse("").is_valid());
    }
}
