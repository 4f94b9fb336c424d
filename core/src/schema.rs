//! The JSON Schema of the referral, generated from the Rust types so it cannot drift from them.
//!
//! A copy lives in `docs/referral.schema.json` for integrators; a test fails when that copy is
//! stale, and `cargo xtask schema` rewrites it.

use crate::model::Referral;

/// The JSON Schema (draft 2020-12) of a referral document, pretty-printed.
pub fn referral_json_schema() -> String {
    let schema = schemars::schema_for!(Referral);
    let mut text = serde_json::to_string_pretty(&schema).expect("a schema always serialises");
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    #[test]
    fn checked_in_schema_matches_the_types() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/referral.schema.json");
        let on_disk = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            on_disk == super::referral_json_schema(),
            "docs/referral.schema.json is stale: run `cargo xtask schema`"
        );
    }
}
