//! Organisation ids (police forces keyed by slug) and collar numbers.
//!
//! Forces are keyed on the slug that the national open-data API (data.police.uk) uses, because
//! display names change ("Avon and Somerset Constabulary" vs "Avon & Somerset Police") and slugs
//! do not. The forces outside that API's 43 territorial forces use the API's slugs where it has
//! one (`btp`, `northern-ireland`) and a descriptive slug otherwise; the Crown Dependencies'
//! forces (`states-of-jersey`, `guernsey`, `isle-of-man`) are listed so that a referral from them
//! is recognised as police and routed by its own jurisdiction.
//!
//! Officers type names, not slugs: "West Yorkshire Police", "the Met", "PSNI". A force's name,
//! its slug written with spaces, a common abbreviation, or its Welsh name is read as its slug,
//! ignoring case, punctuation and a trailing "Police", "Constabulary" or "Police Service".
//!
//! Collar numbers are typed as they are printed on the epaulette ("4321 SE", "AB-1234"), so
//! spaces and hyphens inside are dropped before the 1 to 8 letters or digits are checked.

use std::sync::OnceLock;

use super::choice::{NameIndex, NamedChoice, name_key};
use super::jurisdiction::Jurisdiction;
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
    ("states-of-jersey", "States of Jersey Police"),
    ("guernsey", "Guernsey Police"),
    ("isle-of-man", "Isle of Man Constabulary"),
];

/// Other names of forces: abbreviations, former and Welsh names: (alias, slug). A force whose
/// slug written with spaces is its name without "Police" or "Constabulary" needs no alias for
/// that (a test checks every slug is understood so).
static FORCE_ALIASES: &[(&str, &str)] = &[
    ("Met", "metropolitan"),
    ("MPS", "metropolitan"),
    ("Metropolitan Police", "metropolitan"),
    ("London Metropolitan Police", "metropolitan"),
    ("Scotland Yard", "metropolitan"),
    ("New Scotland Yard", "metropolitan"),
    ("COLP", "city-of-london"),
    ("City Police", "city-of-london"),
    ("PSNI", "northern-ireland"),
    ("Northern Ireland", "northern-ireland"),
    ("Northern Ireland Police", "northern-ireland"),
    ("Police Scotland", "police-scotland"),
    ("Police Service of Scotland", "police-scotland"),
    ("Scottish Police", "police-scotland"),
    ("Scotland", "police-scotland"),
    ("BTP", "btp"),
    ("British Transport Police", "btp"),
    ("Transport Police", "btp"),
    ("MDP", "ministry-of-defence-police"),
    ("MoD Police", "ministry-of-defence-police"),
    ("MoD", "ministry-of-defence-police"),
    ("CNC", "civil-nuclear-constabulary"),
    ("GMP", "greater-manchester"),
    ("Manchester", "greater-manchester"),
    ("WMP", "west-midlands"),
    ("WYP", "west-yorkshire"),
    ("SYP", "south-yorkshire"),
    ("NYP", "north-yorkshire"),
    ("TVP", "thames-valley"),
    ("Hampshire and Isle of Wight Constabulary", "hampshire"),
    ("Isle of Wight", "hampshire"),
    ("Heddlu Dyfed-Powys", "dyfed-powys"),
    ("Heddlu Gogledd Cymru", "north-wales"),
    ("Heddlu De Cymru", "south-wales"),
    ("Heddlu Gwent", "gwent"),
    ("Jersey", "states-of-jersey"),
    ("Jersey Police", "states-of-jersey"),
    ("SOJP", "states-of-jersey"),
    ("States of Guernsey Police", "guernsey"),
    ("Bailiwick of Guernsey Law Enforcement", "guernsey"),
    ("Guernsey Law Enforcement", "guernsey"),
    ("Manx Police", "isle-of-man"),
    ("IOM", "isle-of-man"),
];

/// Police forces whose area is not one jurisdiction (they police railways, defence and
/// nuclear sites across Great Britain): the incident postcode decides for them.
const NATIONAL_FORCES: &[&str] = &[
    "btp",
    "ministry-of-defence-police",
    "civil-nuclear-constabulary",
];

/// Every police force, slug and display name, sorted by name for a searchable picker.
pub fn police_forces() -> &'static [NamedChoice] {
    static SORTED: OnceLock<Vec<NamedChoice>> = OnceLock::new();
    SORTED.get_or_init(|| {
        let mut forces: Vec<NamedChoice> = POLICE_FORCES
            .iter()
            .map(|(code, name)| NamedChoice { code, name })
            .collect();
        forces.sort_by_cached_key(|f| name_key(f.name));
        forces
    })
}

static FORCE_INDEX: NameIndex = NameIndex::new();

/// The slug of a force typed by name, alias or slug with spaces.
fn force_of_name(text: &str) -> Option<&'static str> {
    FORCE_INDEX.code(police_forces(), FORCE_ALIASES, force_key, text)
}

/// The matching key of a force name: [`name_key`] without a trailing "police", "constabulary",
/// "police service" or "police force" ("West Yorkshire Police" is "west yorkshire").
fn force_key(text: &str) -> String {
    let key = name_key(text);
    for suffix in [
        " police service",
        " police force",
        " constabulary",
        " police",
    ] {
        if let Some(stripped) = key.strip_suffix(suffix) {
            return stripped.to_string();
        }
    }
    key
}

/// The id of the referring organisation: a lower-case slug such as `metropolitan`.
#[derive(Clone)]
pub struct OrganisationId {
    text: String,
    valid: bool,
}

impl OrganisationId {
    /// Parses a force's name ("West Yorkshire Police", "PSNI") as its slug, or else a slug
    /// (`a-z`, `0-9`, `-`, 1 to 64 characters); never fails.
    pub fn parse(text: &str) -> OrganisationId {
        let trimmed = text.trim();
        let known_slug = POLICE_FORCES.iter().any(|(slug, _)| *slug == trimmed);
        if !known_slug && let Some(slug) = force_of_name(trimmed) {
            return OrganisationId {
                text: slug.to_string(),
                valid: true,
            };
        }
        let text = trimmed.to_string();
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
    /// The display name of the force, when the slug names one.
    pub fn force_name(&self) -> Option<&'static str> {
        POLICE_FORCES
            .iter()
            .find(|(slug, _)| *slug == self.text)
            .map(|(_, name)| *name)
    }
    /// The jurisdiction the force polices: England and Wales for its 43 territorial forces,
    /// Scotland, Northern Ireland, or the Crown Dependency. `None` for national forces (British
    /// Transport Police, Ministry of Defence Police, Civil Nuclear Constabulary) and for
    /// organisations that are not police: the incident postcode decides for them.
    pub fn jurisdiction(&self) -> Option<Jurisdiction> {
        match self.text.as_str() {
            "police-scotland" => Some(Jurisdiction::Scotland),
            "northern-ireland" => Some(Jurisdiction::NorthernIreland),
            "states-of-jersey" => Some(Jurisdiction::Jersey),
            "guernsey" => Some(Jurisdiction::Guernsey),
            "isle-of-man" => Some(Jurisdiction::IsleOfMan),
            slug if NATIONAL_FORCES.contains(&slug) => None,
            _ if self.is_police_force() => Some(Jurisdiction::EnglandAndWales),
            _ => None,
        }
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
    /// Parses a collar number, dropping spaces and hyphens typed inside ("4321 SE" is
    /// `4321SE`) and upper-casing letters; never fails.
    pub fn parse(text: &str) -> CollarNumber {
        let text: String = text
            .trim()
            .chars()
            .filter(|c| !c.is_whitespace() && !matches!(c, '-' | '\u{2010}'..='\u{2013}'))
            .map(|c| c.to_ascii_uppercase())
            .collect();
        let valid =
            (1..=8).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_alphanumeric());
        CollarNumber { text, valid }
    }
    /// True when it is 1 to 8 letters or digits (after dropping spaces and hyphens).
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
    fn the_force_list_has_43_territorial_forces_and_8_others_with_unique_slugs() {
        assert_eq!(POLICE_FORCES.len(), 51);
        let mut slugs: Vec<_> = POLICE_FORCES.iter().map(|(s, _)| *s).collect();
        slugs.sort();
        slugs.dedup();
        assert_eq!(slugs.len(), 51);
        assert!(slugs.iter().all(|s| OrganisationId::parse(s).is_valid()));
        let england_and_wales = POLICE_FORCES
            .iter()
            .filter(|(s, _)| {
                OrganisationId::parse(s).jurisdiction() == Some(Jurisdiction::EnglandAndWales)
            })
            .count();
        assert_eq!(england_and_wales, 43);
    }

    #[test]
    fn existing_slugs_stay_as_they_are() {
        for (slug, _) in POLICE_FORCES {
            let id = OrganisationId::parse(slug);
            assert_eq!(id.as_str(), *slug);
            assert!(id.is_police_force());
        }
        let other = OrganisationId::parse("exampleton-nhs-trust");
        assert!(other.is_valid());
        assert_eq!(other.as_str(), "exampleton-nhs-trust");
        assert!(!other.is_police_force());
    }

    #[test]
    fn force_names_are_understood() {
        for (typed, want) in [
            ("West Yorkshire Police", "west-yorkshire"),
            ("west yorkshire", "west-yorkshire"),
            ("WEST YORKSHIRE", "west-yorkshire"),
            ("Met", "metropolitan"),
            ("the Met", "metropolitan"),
            ("Met Police", "metropolitan"),
            ("Metropolitan Police Service", "metropolitan"),
            ("Police Scotland", "police-scotland"),
            ("PSNI", "northern-ireland"),
            ("Northern Ireland", "northern-ireland"),
            ("Police Service of Northern Ireland", "northern-ireland"),
            ("BTP", "btp"),
            ("British Transport Police", "btp"),
            ("Thames Valley Police", "thames-valley"),
            ("Devon & Cornwall Police", "devon-and-cornwall"),
            ("Avon and Somerset Constabulary", "avon-and-somerset"),
            ("Dyfed-Powys Police", "dyfed-powys"),
            ("Heddlu Gogledd Cymru", "north-wales"),
            ("Hampshire and Isle of Wight Constabulary", "hampshire"),
            ("Ministry of Defence Police", "ministry-of-defence-police"),
            ("Civil Nuclear Constabulary", "civil-nuclear-constabulary"),
            ("City of London Police", "city-of-london"),
            ("GMP", "greater-manchester"),
            ("States of Jersey Police", "states-of-jersey"),
            ("Guernsey Police", "guernsey"),
            ("Isle of Man Constabulary", "isle-of-man"),
        ] {
            let id = OrganisationId::parse(typed);
            assert_eq!(id.as_str(), want, "{typed}");
            assert!(id.is_valid() && id.is_police_force(), "{typed}");
        }
    }

    #[test]
    fn every_slug_written_with_spaces_or_capitals_is_understood() {
        for (slug, _) in POLICE_FORCES {
            for typed in [slug.replace('-', " "), slug.to_ascii_uppercase()] {
                assert_eq!(OrganisationId::parse(&typed).as_str(), *slug, "{typed}");
            }
        }
    }

    #[test]
    fn unknown_names_are_kept_as_typed_and_refused() {
        for typed in ["Not A Slug", "Atlantis Police", "Exampleton NHS Trust"] {
            let id = OrganisationId::parse(typed);
            assert_eq!(id.as_str(), typed);
            assert!(!id.is_valid(), "{typed}");
        }
        assert!(!OrganisationId::parse("atlantis").is_police_force());
    }

    #[test]
    fn the_force_aliases_are_unambiguous_and_name_known_forces() {
        for (alias, slug) in FORCE_ALIASES {
            assert!(
                POLICE_FORCES.iter().any(|(s, _)| s == slug),
                "{alias} -> {slug}"
            );
        }
        let built = super::super::choice::build(police_forces(), FORCE_ALIASES, force_key);
        assert!(built.is_ok(), "{:?}", built.err().map(|(_, c)| c));
    }

    #[test]
    fn police_forces_are_listed_once_each_sorted_by_name() {
        let forces = police_forces();
        assert_eq!(forces.len(), POLICE_FORCES.len());
        assert!(super::super::choice::sorted_by_name(forces));
        assert_eq!(forces[0].code, "avon-and-somerset");
        assert_eq!(
            OrganisationId::parse("psni").force_name(),
            Some("Police Service of Northern Ireland")
        );
    }

    #[test]
    fn forces_know_their_jurisdiction_and_national_forces_do_not() {
        for (slug, want) in [
            ("west-yorkshire", Some(Jurisdiction::EnglandAndWales)),
            ("dyfed-powys", Some(Jurisdiction::EnglandAndWales)),
            ("metropolitan", Some(Jurisdiction::EnglandAndWales)),
            ("police-scotland", Some(Jurisdiction::Scotland)),
            ("northern-ireland", Some(Jurisdiction::NorthernIreland)),
            ("states-of-jersey", Some(Jurisdiction::Jersey)),
            ("guernsey", Some(Jurisdiction::Guernsey)),
            ("isle-of-man", Some(Jurisdiction::IsleOfMan)),
            ("btp", None),
            ("ministry-of-defence-police", None),
            ("civil-nuclear-constabulary", None),
            ("exampleton-nhs-trust", None),
        ] {
            assert_eq!(OrganisationId::parse(slug).jurisdiction(), want, "{slug}");
        }
    }

    #[test]
    fn collar_numbers_typed_with_spaces_are_normalised() {
        for (typed, want) in [
            ("4321 SE", "4321SE"),
            ("AB 1234", "AB1234"),
            (" ab1234 ", "AB1234"),
            ("AB-12", "AB12"),
            ("ab - 12 34", "AB1234"),
            ("1 2 3 4 5 6 7 8", "12345678"),
        ] {
            let c = CollarNumber::parse(typed);
            assert_eq!(c.as_str(), want, "{typed}");
            assert!(c.is_valid(), "{typed}");
        }
    }

    #[test]
    fn collar_numbers_are_limited_to_eight_letters_or_digits() {
        for typed in [
            "123456789",
            "1234 56789",
            "",
            " - ",
            "AB/12",
            "AB.12",
            "ÄB12",
        ] {
            assert!(!CollarNumber::parse(typed).is_valid(), "{typed}");
        }
    }
}
