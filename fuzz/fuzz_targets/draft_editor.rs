//! cargo-fuzz target: see `fuzz/src/entries.rs`. Run: `cargo +nightly fuzz run draft_editor` in fuzz/.
#![no_main]

#[path = "../src/entries.rs"]
mod entries;

libfuzzer_sys::fuzz_target!(|data: &[u8]| entries::draft_editor(data));
