//! The fuzz corpus (`fuzz/corpus/<target>/`) replayed as a normal test, through the very entry
//! points the fuzzers explore (`fuzz/src/entries.rs`, `fuzz/src/server_request.rs`): referral
//! JSON into validation, edits into the draft editor, service responses into the sync engine's
//! reading of them, envelopes into the intake server's open path, HTTP requests into a running
//! intake server. Each file, and a few hundred seeded mutations of it (bit flips, truncations,
//! splices), must run without a panic. Cheap enough for every CI run; the coverage-guided runs
//! are AFL++ on stable Rust (`cargo xtask fuzz`, docs/RELIABILITY.md).
//!
//! `WEPROTECT_WRITE_CORPUS=1` (re)writes the generated seeds: the envelopes (which need the fuzz
//! key to seal), the draft editor scripts and the intake requests.

#[path = "../../fuzz/src/entries.rs"]
mod entries;
#[path = "../../fuzz/src/server_request.rs"]
mod server_request;

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
fn replay(target: &str, entry: impl Fn(&[u8]) + std::panic::RefUnwindSafe, mutations: u64) -> u64 {
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

fn corpus_dir(target: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("../fuzz/corpus/{target}"))
}

/// One draft editor edit (see `entries::draft_editor`): operation, field, value kind, value.
fn edit(op: u8, path: &str, kind: u8, value: &[u8]) -> Vec<u8> {
    let fields = entries::editor_fields();
    let index = fields
        .iter()
        .position(|(p, _)| p == path)
        .unwrap_or_else(|| panic!("{path} is not a form path"));
    let mut out = vec![op, u8::try_from(index).expect("under 256 paths"), kind];
    out.extend_from_slice(value);
    out
}

fn script(head: &[u8], edits: &[Vec<u8>]) -> Vec<u8> {
    let mut out = head.to_vec();
    for e in edits {
        out.push(0);
        out.extend_from_slice(e);
    }
    out
}

fn write_editor_seeds() {
    let dir = corpus_dir("draft_editor");
    std::fs::create_dir_all(&dir).unwrap();
    let typed = vec![
        edit(0, "victim.surname", 0, "  O\u{2019}Brien-Smith ".as_bytes()),
        edit(0, "victim.date_of_birth", 0, b"29/02/1988"),
        edit(0, "safe_contact.phone", 0, b"07700 900123"),
        edit(0, "victim.address.postcode", 0, b"sw1a1aa"),
        edit(2, "children", 0, b""),
        edit(0, "children[].name", 0, b"Sam"),
        edit(4, "victim.surname", 0, b""),
    ];
    std::fs::write(dir.join("new_draft_typed"), script(b"", &typed)).unwrap();
    let kinds = vec![
        edit(0, "victim.surname", 1, b"\x01"),
        edit(0, "victim.surname", 4, b"42"),
        edit(0, "victim.surname", 3, b"\x00\x01"),
        edit(0, "children[].name", 0x20, b"nobody"),
        edit(3, "children", 2, b""),
        edit(5, "victim.surname", 0, b""),
    ];
    std::fs::write(dir.join("wrong_kinds"), script(b"", &kinds)).unwrap();
    let example = weprotect_core::example::EXAMPLE_REFERRAL_JSON.as_bytes();
    let (risk, options) = entries::editor_fields()
        .iter()
        .find(|(p, o)| p.starts_with("risk.answers.") && !o.is_empty())
        .expect("a risk question");
    let _ = options;
    let edits = vec![
        edit(0, risk, 2, b"\x00"),
        edit(0, &format!("{risk}.comment"), 0, b"said he would kill her"),
        edit(1, "victim.surname", 5, b""),
        edit(5, "victim.surname", 0, b""),
    ];
    std::fs::write(dir.join("example_edited"), script(example, &edits)).unwrap();
    std::fs::write(dir.join("example_only"), example).unwrap();
}

fn request(route: u8, creds: u8, payload: &[u8]) -> Vec<u8> {
    let mut out = vec![route, creds];
    out.extend_from_slice(payload);
    out
}

fn write_request_seeds() {
    let dir = corpus_dir("server_request");
    std::fs::create_dir_all(&dir).unwrap();
    let sealed = std::fs::read(corpus_dir("server_envelope").join("example_referral")).unwrap();
    let garbage = std::fs::read(corpus_dir("server_envelope").join("sealed_garbage_json")).unwrap();
    let id = b"0f8fad5b-d9cb-469f-a165-70867728950e";
    let seeds: Vec<(&str, Vec<u8>)> = vec![
        ("submit_example", request(1, 0, &sealed)),
        ("submit_garbage_json", request(1, 0, &garbage)),
        ("submit_wrong_key_header", request(1, 4, &sealed)),
        ("submit_no_token", request(1, 1, &sealed)),
        ("status", request(2, 0, id)),
        ("status_bad_token", request(2, 2, id)),
        (
            "admin_status",
            request(3, 3, &[&id[..], b"\n{\"status\": \"advisor_assigned\"}"].concat()),
        ),
        (
            "raw_get",
            request(0, 0, b"GET /v1/referrals/0f8fad5b-d9cb-469f-a165-70867728950e/status HTTP/1.1\r\nHost: a\r\n\r\n"),
        ),
        (
            "raw_chunked_post",
            request(0, 0, b"POST /v1/referrals HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nIdempotency-Key: x\r\n\r\n4\r\nWPE1\r\n0\r\n\r\n"),
        ),
    ];
    for (name, bytes) in seeds {
        std::fs::write(dir.join(name), bytes).unwrap();
    }
}

#[test]
fn draft_editor_corpus_and_mutations_never_panic() {
    if std::env::var_os("WEPROTECT_WRITE_CORPUS").is_some() {
        write_editor_seeds();
    }
    let runs = replay("draft_editor", entries::draft_editor, mutations());
    println!("PROOF fuzz_replay target=draft_editor executions={runs} crashes=0");
}

#[test]
fn server_request_corpus_and_mutations_never_panic() {
    if std::env::var_os("WEPROTECT_WRITE_CORPUS").is_some() {
        write_request_seeds();
    }
    let dir = tempfile::tempdir().unwrap();
    let runs = replay(
        "server_request",
        |data| server_request::server_request(dir.path(), data),
        Mode::from_env().pick(5, 100),
    );
    println!("PROOF fuzz_replay target=server_request executions={runs} crashes=0");
}
