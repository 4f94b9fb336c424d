//! The fuzz corpus (`fuzz/corpus/<target>/`) replayed as a normal test, through the very entry
//! points the cargo-fuzz targets explore (`fuzz/src/entries.rs`): referral JSON into
//! validation, service responses into the sync engine's reading of them, envelopes into the
//! intake server's open path. Each file, and a few hundred seeded mutations of it (bit flips,
//! truncations, splices), must run without a panic. Cheap enough for every CI run; the long,
//! coverage-guided runs are `cargo +nightly fuzz run TARGET` in fuzz/ (docs/RELIABILITY.md).
//!
//! `WEPROTECT_WRITE_CORPUS=1` (re)writes the envelope seeds, which need the fuzz key to seal.

#[path = "../../fuzz/src/entries.rs"]
mod entries;

use std::path::PathBuf;

use weprotect_core::crypto::{ServicePrivateKey, envelope};
use weprotect_tests::proof::{Dice, Mode};

fn corpus(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("../fuzz/corpus/{target}"));
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| {
            let path = e.unwrap().path();
            (
                path.file_name().unwrap().to_string_lossy().to_string(),
                std::fs::read(&path).unwrap(),
            )
        })
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no corpus for {target}");
    files
}

/// Runs `entry` on every corpus file and `mutations` mutations of each; returns executions.
fn replay(target: &str, entry: fn(&[u8]), mutations: u64) -> u64 {
    let files = corpus(target);
    let mut dice = Dice::new(0x5EED ^ target.len() as u64);
    let mut runs = 0;
    for (name, bytes) in &files {
        let result = std::panic::catch_unwind(|| entry(bytes));
        assert!(result.is_ok(), "{target}/{name} panicked");
        runs += 1;
        for _ in 0..mutations {
            let mut m = bytes.clone();
            match dice.below(4) {
                0 if !m.is_empty() => {
                    let i = dice.below(m.len() as u64) as usize;
                    m[i] ^= 1 << dice.below(8);
                }
                1 => m.truncate(dice.below(m.len() as u64 + 1) as usize),
                2 => {
                    let (_, other) = &files[dice.below(files.len() as u64) as usize];
                    let at = dice.below(m.len() as u64 + 1) as usize;
                    let from = dice.below(other.len() as u64 + 1) as usize;
                    m.truncate(at);
                    m.extend_from_slice(&other[from..]);
                }
                _ => {
                    let at = dice.below(m.len() as u64 + 1) as usize;
                    let byte =
                        [b'"', b'{', b'}', b'[', 0, 0xff, b'\\', b'9'][dice.below(8) as usize];
                    m.insert(at, byte);
                }
            }
            let result = std::panic::catch_unwind(|| entry(&m));
            assert!(
                result.is_ok(),
                "{target}/{name}, mutation {:02x?} panicked",
                &m[..m.len().min(64)]
            );
            runs += 1;
        }
    }
    runs
}

fn mutations() -> u64 {
    Mode::from_env().pick(15, 500)
}

#[test]
fn referral_json_corpus_and_mutations_never_panic() {
    let runs = replay("referral_json", entries::referral_json, mutations());
    println!("PROOF fuzz_replay target=referral_json executions={runs} crashes=0");
}

#[test]
fn sync_response_corpus_and_mutations_never_panic() {
    let runs = replay("sync_response", entries::sync_response, mutations());
    println!("PROOF fuzz_replay target=sync_response executions={runs} crashes=0");
}

#[test]
fn server_envelope_corpus_and_mutations_never_panic() {
    if std::env::var_os("WEPROTECT_WRITE_CORPUS").is_some() {
        let sk = ServicePrivateKey::from_hex("fuzz-key".into(), entries::SERVICE_KEY_HEX).unwrap();
        let json = weprotect_core::example::EXAMPLE_REFERRAL_JSON.as_bytes();
        let id = "0f8fad5b-d9cb-469f-a165-70867728950e";
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus/server_envelope");
        std::fs::create_dir_all(&dir).unwrap();
        let sealed = envelope::seal(&sk.public_key(), id, 1, json).unwrap();
        std::fs::write(dir.join("example_referral"), &sealed).unwrap();
        let garbage = envelope::seal(&sk.public_key(), id, 1, b"{\"victim\": 7}").unwrap();
        std::fs::write(dir.join("sealed_garbage_json"), &garbage).unwrap();
        std::fs::write(dir.join("header_only"), &sealed[..sealed.len().min(80)]).unwrap();
    }
    // The valid seed really opens: mutations start from the deep end of the path.
    let sk = ServicePrivateKey::from_hex("fuzz-key".into(), entries::SERVICE_KEY_HEX).unwrap();
    let seeds = corpus("server_envelope");
    assert!(
        seeds.iter().any(|(_, b)| envelope::open(&sk, b).is_ok()),
        "no corpus envelope opens under the fuzz key"
    );
    let runs = replay("server_envelope", entries::server_envelope, mutations());
    println!("PROOF fuzz_replay target=server_envelope executions={runs} crashes=0");
}
