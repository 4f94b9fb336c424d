//! The JSON Schema of the referral, generated from the Rust types so it cannot drift from them.
//!
//! A copy lives in `docs/referral.schema.json` for integrators; a test fails when that copy is
//! stale, and `cargo xtask schema` rewrites it. The schema of version 1 stays published in
//! `docs/referral.v1.schema.json`: it is generated from the frozen version 1 types, and a test
//! fails if it ever changes (a phone that has not updated still writes version 1).

use crate::model::{Referral, v1};

/// The JSON Schema (draft 2020-12) of a referral document of the current version, pretty-printed.
pub fn referral_json_schema() -> String {
    pretty(schemars::schema_for!(Referral))
}

/// The JSON Schema of a version 1 referral document, as it was published.
pub fn referral_v1_json_schema() -> String {
    pretty(schemars::schema_for!(v1::Referral))
}

fn pretty(schema: schemars::Schema) -> String {
    let mut text = serde_json::to_string_pretty(&schema).expect("a schema always serialises");
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    fn docs(name: &str) -> String {
        let path = format!("{}/../docs/{name}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read_to_string(path).unwrap_or_default()
    }

    #[test]
    fn checked_in_schema_matches_the_types() {
        assert!(
            docs("referral.schema.json") == super::referral_json_schema(),
            "docs/referral.schema.json is stale: run `cargo xtask schema`"
        );
    }

    #[test]
    fn the_published_version_1_schema_is_unchanged() {
        let published = docs("referral.v1.schema.json");
        assert!(
            published == super::referral_v1_json_schema(),
            "the frozen version 1 types no longer give the published version 1 schema"
        );
        // What version 1 published, byte for byte (sha256 of the file as released).
        use sha2::Digest;
        let digest = hex::encode(sha2::Sha256::digest(published.as_bytes()));
        assert_eq!(digest, V1_SCHEMA_SHA256);
    }

    const V1_SCHEMA_SHA256: &str =
        "57ba9040900cddde2793ed116b65d7b036408e2e5f4150493e4485355dfad133";
}
