//! The fuzzed entry points, shared by the AFL++ targets in `afl/` (stable Rust, cargo-afl), the
//! cargo-fuzz targets in `fuzz_targets/` (nightly) and the corpus replay test
//! `tests/tests/fuzz_corpus.rs` (which includes this file), so CI replays the corpus through
//! exactly the code the fuzzers explore. Each must never panic. The intake server's request
//! entry needs a running server and lives in `server_request.rs`.

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

/// The draft editor as an app drives it: the input up to the first NUL byte is a referral
/// document opened for editing (none: a new empty draft); each NUL-separated chunk after it is
/// one edit. An edit's first byte picks the operation (set, add an item, remove an item,
/// snapshot, JSON out and back, clear), its second the field (out of every path of the form,
/// risk checklist answers included), its third the kind of value; the rest is the value, typed
/// as an officer would type it. Wrong kinds, hidden fields and missing items must be refused
/// with an error, never a panic.
pub fn draft_editor(data: &[u8]) {
    use weprotect_core::form::{DraftEditor, FormValue};
    let (head, edits) = match data.iter().position(|b| *b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[][..]),
    };
    let editor = if head.is_empty() {
        DraftEditor::open_detached()
    } else {
        let Ok(json) = std::str::from_utf8(head) else {
            return;
        };
        match DraftEditor::open_json(json.to_string(), None) {
            Ok(editor) => editor,
            Err(_) => return,
        }
    };
    editor.pin_clock(Some(now()));
    let fields = editor_fields();
    for edit in edits.split(|b| *b == 0).take(64) {
        let [op, field, kind, rest @ ..] = edit else {
            continue;
        };
        let (path, options) = &fields[*field as usize % fields.len()];
        let item = (*kind >> 4) % 3;
        let path = path.replace("[]", &format!("[{item}]"));
        let group = path.rsplit_once('[').map_or(path.as_str(), |(g, _)| g);
        let text = String::from_utf8_lossy(rest).into_owned();
        let pick = |i: u8| {
            options
                .get(i as usize % options.len().max(1))
                .cloned()
                .unwrap_or_else(|| text.clone())
        };
        let value = match kind % 6 {
            0 => FormValue::Text { text: text.clone() },
            1 => FormValue::YesNo {
                yes: rest.first().is_some_and(|b| b & 1 == 1),
            },
            2 => FormValue::Choice {
                option: pick(rest.first().copied().unwrap_or(0)),
            },
            3 => FormValue::Choices {
                options: rest.iter().take(8).map(|b| pick(*b)).collect(),
            },
            4 => FormValue::Integer {
                value: text.trim().parse().unwrap_or_else(|_| {
                    let mut b = [0u8; 8];
                    let n = rest.len().min(8);
                    b[..n].copy_from_slice(&rest[..n]);
                    i64::from_le_bytes(b)
                }),
            },
            _ => FormValue::Clear,
        };
        match op % 6 {
            0 | 1 => {
                let _ = editor.set(path, value);
            }
            2 => {
                let _ = editor.add_item(group.to_string());
            }
            3 => {
                let _ = editor.remove_item(group.to_string(), u32::from(*kind & 3));
            }
            4 => {
                let _ = editor.snapshot();
            }
            _ => {
                // What the editor writes out, it must read back.
                let _ = weprotect_core::parse_referral(&editor.to_json());
            }
        }
    }
    let _ = editor.snapshot();
    let _ = weprotect_core::validate_for_submission(&editor.referral(), now());
}

/// Every path the editor takes (template paths, `[]` for an item), with the options of a
/// choice field: the form's fields plus each risk checklist question's answer and comment.
pub fn editor_fields() -> &'static [(String, Vec<String>)] {
    use weprotect_core::form::{FieldKind, form_definition};
    static FIELDS: std::sync::OnceLock<Vec<(String, Vec<String>)>> = std::sync::OnceLock::new();
    FIELDS.get_or_init(|| {
        let mut out = Vec::new();
        for field in form_definition().fields() {
            match &field.kind {
                FieldKind::Choice { options } | FieldKind::MultiChoice { options } => {
                    let values = options.iter().map(|o| o.value.clone()).collect();
                    out.push((field.path.clone(), values));
                }
                FieldKind::RiskChecklist {
                    answer_options,
                    instruments,
                } => {
                    let answers: Vec<String> =
                        answer_options.iter().map(|o| o.value.clone()).collect();
                    out.push((field.path.clone(), Vec::new()));
                    for question in instruments.iter().flat_map(|i| i.questions.iter()) {
                        let path = format!("{}.{}", field.path, question.id);
                        out.push((format!("{path}.comment"), Vec::new()));
                        out.push((path, answers.clone()));
                    }
                }
                _ => out.push((field.path.clone(), Vec::new())),
            }
        }
        out
    })
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
