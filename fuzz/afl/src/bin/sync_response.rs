//! AFL++ target (stable Rust, cargo-afl): see `fuzz/src/entries.rs`. Built and run by
//! `cargo xtask fuzz`; by hand: `cargo afl build --release` in fuzz/afl, then
//! `cargo afl fuzz -i ../corpus/sync_response -o OUT target/release/sync_response`.

#[path = "../../../src/entries.rs"]
#[allow(dead_code)]
mod entries;

fn main() {
    afl::fuzz!(|data: &[u8]| entries::sync_response(data));
}
