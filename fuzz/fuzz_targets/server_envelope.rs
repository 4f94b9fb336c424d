//! cargo-fuzz target: see `fuzz/src/entries.rs`. Run: `cargo +nightly fuzz run server_envelope` in fuzz/.
#![no_main]

#[path = "../src/entries.rs"]
mod entries;

libfuzzer_sys::fuzz_target!(|data: &[u8]| entries::server_envelope(data));
