//! A complete, valid example referral about fictional people (Ofcom drama phone numbers,
//! example.* email domains), for the CLI, the demo, tests and benchmarks.

use crate::model::Referral;

/// The example referral as JSON, exactly as shipped in `core/fixtures/example-referral.json`.
pub const EXAMPLE_REFERRAL_JSON: &str = include_str!("../fixtures/example-referral.json");

/// The example referral, parsed.
pub fn example_referral() -> Referral {
    crate::validation::parse_referral(EXAMPLE_REFERRAL_JSON)
        .expect("the shipped example is checked by tests")
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    #[test]
    fn the_example_is_complete_and_valid() {
        let report = crate::validation::validate_draft(&example_referral(), Utc::now());
        assert_eq!(report, Default::default());
    }

    #[test]
    fn the_example_survives_a_json_round_trip_with_normalised_values() {
        let json = serde_json::to_string(&example_referral()).unwrap();
        assert!(json.contains("\"+447700900123\""));
        assert!(json.contains("\"SW1A 1AA\""));
        let again = crate::validation::parse_referral(&json).unwrap();
        assert!(again == example_referral());
    }
}
