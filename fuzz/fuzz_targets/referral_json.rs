//! cargo-fuzz target: see `fuzz/src/entries.rs`. Run: `cargo +nightly fuzz run referral_json` in fuzz/.
#![no_main]

#[path = "../src/entries.rs"]
mod entries;

libfuzzer_sys::fuzz_target!(|data: &[u8]| entries::referral_json(data));
