//! The fuzzed entry points, shared by the cargo-fuzz targets in `fuzz_targets/` and by the
//! corpus replay test `tests/tests/fuzz_corpus.rs` (which includes this file), so CI replays
//! the corpus through exactly the code the fuzzer explores. Each must never panic.

use weprotect_core::crypto::{ServicePrivateKey, envelope};

/// A fixed instant, so a replay is deterministic.
fn now() -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp(1_795_000_000, 0).unwrap()
}

/// Referral JSON as a device or the CLI receives it: parsed, then validated as a draft and for
/// submission.
pub fn referral_json(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(referral) = weprotect_core::parse_referral(text) {
        let _ = weprotect_core::validate_draft(&referral, now());
        let _ = weprotect_core::validate_for_submission(&referral, now());
    }
}

/// A service response as the sync engine reads it: the first two bytes are the status code,
/// a third byte says whether the next line is a Retry-After value, the rest is the body.
pub fn sync_response(data: &[u8]) {
    if data.len() < 3 {
        return;
    }
    let status = u16::from_be_bytes([data[0], data[1]]) % 600;
    let rest = &data[3..];
    let (retry_after, body) = if data[2] & 1 == 1 {
        let end = rest.iter().position(|b| *b == b'\n').unwrap_or(rest.len());
        (
            std::str::from_utf8(&rest[..end]).ok(),
            rest.get(end + 1..).unwrap_or(&[]),
        )
    } else {
        (None, rest)
    };
    let _ = weprotect_core::sync::read_response_for_fuzzing(
        "0f8fad5b-d9cb-469f-a165-70867728950e",
        status,
        retry_after,
        body,
    );
}

/// The service's private key the envelope corpus was sealed to (a test key, never a real one).
pub const SERVICE_KEY_HEX: &str =
    "4a8b1c2d3e4f5061728394a5b6c7d8e9fa0b1c2d3e4f5061728394a5b6c7d8e9";

/// An envelope as the intake server opens it: header read without a key, then opened with the
/// service key, then the plaintext parsed and validated as a referral.
pub fn server_envelope(data: &[u8]) {
    let _ = envelope::peek(data);
    let sk = ServicePrivateKey::from_hex("fuzz-key".into(), SERVICE_KEY_HEX).unwrap();
    if let Ok(opened) = envelope::open(&sk, data) {
        referral_json(&opened.plaintext);
    }
}
