//! The legal jurisdictions of the United Kingdom and the Crown Dependencies.
//!
//! Why it matters: the orders a legal-assistance service applies for (non-molestation and
//! occupation orders, Family Law Act 1996 Part IV) are orders of the courts of England and
//! Wales. Scotland, Northern Ireland, Jersey, Guernsey and the Isle of Man each have their own
//! law and courts, so a service must know where the victim's case would be heard before it
//! accepts a referral. The referring force tells (see `OrganisationId::jurisdiction`) and, for
//! national forces and other referrers, the incident postcode (`Postcode::jurisdiction`).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A legal jurisdiction whose courts would hear a protective-order application.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Jurisdiction {
    /// England and Wales (one jurisdiction: Family Law Act 1996 orders).
    EnglandAndWales,
    /// Scotland (Scots law: interdicts, non-harassment orders).
    Scotland,
    /// Northern Ireland (Family Homes and Domestic Violence (NI) Order 1998).
    NorthernIreland,
    /// The Bailiwick of Jersey (Crown Dependency, own law).
    Jersey,
    /// The Bailiwick of Guernsey, with Alderney and Sark (Crown Dependency, own law).
    Guernsey,
    /// The Isle of Man (Crown Dependency, own law).
    IsleOfMan,
}

impl Jurisdiction {
    /// Every jurisdiction, in the order of the enum.
    pub const ALL: [Jurisdiction; 6] = [
        Jurisdiction::EnglandAndWales,
        Jurisdiction::Scotland,
        Jurisdiction::NorthernIreland,
        Jurisdiction::Jersey,
        Jurisdiction::Guernsey,
        Jurisdiction::IsleOfMan,
    ];

    /// The snake_case name, as serialised (`england_and_wales`).
    pub fn as_str(&self) -> &'static str {
        match self {
            Jurisdiction::EnglandAndWales => "england_and_wales",
            Jurisdiction::Scotland => "scotland",
            Jurisdiction::NorthernIreland => "northern_ireland",
            Jurisdiction::Jersey => "jersey",
            Jurisdiction::Guernsey => "guernsey",
            Jurisdiction::IsleOfMan => "isle_of_man",
        }
    }

    /// The English name ("England and Wales").
    pub fn name(&self) -> &'static str {
        match self {
            Jurisdiction::EnglandAndWales => "England and Wales",
            Jurisdiction::Scotland => "Scotland",
            Jurisdiction::NorthernIreland => "Northern Ireland",
            Jurisdiction::Jersey => "Jersey",
            Jurisdiction::Guernsey => "Guernsey",
            Jurisdiction::IsleOfMan => "Isle of Man",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn as_str_is_the_serialised_name_and_round_trips() {
        for j in Jurisdiction::ALL {
            let json = serde_json::to_string(&j).unwrap();
            assert_eq!(json, format!("\"{}\"", j.as_str()));
            assert_eq!(serde_json::from_str::<Jurisdiction>(&json).unwrap(), j);
            assert!(!j.name().is_empty());
        }
        assert_eq!(Jurisdiction::EnglandAndWales.as_str(), "england_and_wales");
        assert_eq!(Jurisdiction::IsleOfMan.name(), "Isle of Man");
    }
}
