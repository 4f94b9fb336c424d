//! AFL++ target (stable Rust, cargo-afl): HTTP requests into a real intake server running in
//! this process; see `fuzz/src/server_request.rs`. Built and run by `cargo xtask fuzz`.

#[path = "../../../src/entries.rs"]
#[allow(dead_code)]
mod entries;
#[path = "../../../src/server_request.rs"]
mod server_request;

fn main() {
    let dir = server_request::default_dir();
    afl::fuzz!(|data: &[u8]| server_request::server_request(&dir, data));
}
