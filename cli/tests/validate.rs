//! The `weprotect example` / `weprotect validate` contract, driven through the real binary.

mod common;

use std::process::{Command, Output, Stdio};

fn weprotect(args: &[&str], stdin: &str) -> Output {
    let mut command = common::weprotect();
    command.args(args);
    common::feed(command, stdin)
}

fn example() -> String {
    String::from_utf8(weprotect(&["example"], "").stdout).unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn the_example_validates_from_standard_input() {
    let out = weprotect(&["validate", "-"], &example());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    let out = weprotect(&["validate", "-", "--json"], &example());
    assert_eq!(text(&out.stdout).trim(), "[]");
}

#[test]
fn an_invalid_referral_exits_1_and_lists_every_problem() {
    let mut doc: serde_json::Value = serde_json::from_str(&example()).unwrap();
    doc["safe_contact"]["phone"] = "CANARYPHONE".into();
    doc["consent"]["given"] = false.into();
    doc["victim"]["surname"] = serde_json::Value::Null;
    doc["victim"]["forename"] = serde_json::Value::Null;
    let out = weprotect(&["validate", "-"], &doc.to_string());
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    // Letters are refused, never converted as on a keypad.
    assert!(stdout.contains("safe_contact.phone") && stdout.contains("phone.letters"));
    assert!(stdout.contains("consent.given") && stdout.contains("consent.not_given"));
    assert!(stdout.contains("victim.surname") && stdout.contains("victim.name_required"));
    // Calls and texts were agreed, and now there is no usable phone for them.
    assert!(stdout.contains("contact_method.phone_unusable"));
    assert!(stdout.contains("contact_method.text_unusable"));
    assert!(!stdout.contains("CANARY"));

    let out = weprotect(&["validate", "-", "--json"], &doc.to_string());
    assert_eq!(out.status.code(), Some(1));
    let problems: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(problems.len(), 5);
    for p in &problems {
        assert!(p["path"].is_string() && p["code"].is_string() && p["message"].is_string());
        assert_eq!(p["kind"], "error");
    }
}

#[test]
fn a_referral_with_items_to_follow_and_warnings_exits_0_and_lists_them_by_kind() {
    let mut doc: serde_json::Value = serde_json::from_str(&example()).unwrap();
    // The crime number is not issued yet; the perpetrator's relationship is "other".
    doc["incident"]["crime_reference"] = serde_json::Value::Null;
    doc["perpetrator"]["relationship_to_victim"] = "other".into();
    let out = weprotect(&["validate", "-"], &doc.to_string());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    let stdout = text(&out.stdout);
    assert!(
        stdout.starts_with("valid: can be sent (1 to follow, 1 to confirm)"),
        "{stdout}"
    );
    assert!(stdout.contains("crime_reference.to_follow"));
    assert!(stdout.contains("relationship.other_confirm"));

    let out = weprotect(&["validate", "-", "--json"], &doc.to_string());
    assert_eq!(out.status.code(), Some(0));
    let findings: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    let kinds: Vec<(&str, &str)> = findings
        .iter()
        .map(|p| (p["code"].as_str().unwrap(), p["kind"].as_str().unwrap()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("crime_reference.to_follow", "to_follow"),
            ("relationship.other_confirm", "warning"),
        ]
    );
}

#[test]
fn a_shape_error_exits_1_with_its_path() {
    let mut doc: serde_json::Value = serde_json::from_str(&example()).unwrap();
    doc["victim"]["interpreter_required"] = "CANARY".into();
    let out = weprotect(&["validate", "-", "--json"], &doc.to_string());
    assert_eq!(out.status.code(), Some(1));
    let problems: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(problems[0]["path"], "victim.interpreter_required");
    assert_eq!(problems[0]["code"], "document.wrong_type");
    assert!(!text(&out.stdout).contains("CANARY"));
}

#[test]
fn not_json_exits_2_and_says_where() {
    let out = weprotect(&["validate", "-"], "{\n \"schema_version\": 1,\n oops\n}");
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("line 3"), "{stderr}");
    assert!(!stderr.contains("panicked"));
}

#[test]
fn an_unknown_schema_version_exits_2() {
    let out = weprotect(&["validate", "-"], r#"{"schema_version": 7}"#);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("schema version"));
}

#[test]
fn an_unreadable_file_exits_2_without_a_stack_trace() {
    let out = weprotect(&["validate", "/nonexistent/referral.json"], "");
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("cannot read /nonexistent/referral.json"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"));
}

#[test]
fn a_file_argument_works_like_standard_input() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("referral.json");
    std::fs::write(&path, example()).unwrap();
    let out = weprotect(&["validate", path.to_str().unwrap()], "");
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn a_closed_output_pipe_ends_quietly_without_a_stack_trace() {
    // A pipe whose reading end is already closed (`weprotect schema | true`): the first write fails.
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let out = Command::new(env!("CARGO_BIN_EXE_weprotect"))
        .arg("schema")
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    let stderr = text(&out.stderr);
    assert!(
        !stderr.contains("panicked") && !stderr.contains("backtrace"),
        "{stderr}"
    );
    assert_eq!(out.status.code(), Some(141), "{stderr}");
}

#[test]
fn an_absurd_sync_deadline_is_accepted_by_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_weprotect"))
        .arg("--data-dir")
        .arg(dir.path())
        .args(["sync", "--deadline", "18446744073709551615"])
        .env("WEPROTECT_DATA_KEY", "abcd".repeat(16))
        .output()
        .unwrap();
    // No store (and no service) here: a clear exit 2, not a panic.
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("there is no store"));
}

fn instrument_file(name: &str) -> String {
    format!("{}/../core/instruments/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// The example, assessed with our test instrument instead of DASH.
fn assessed_with_test_instrument() -> String {
    let mut doc: serde_json::Value = serde_json::from_str(&example()).unwrap();
    doc["risk"]["instrument"] = serde_json::json!({"id": "weprotect-test", "version": "1"});
    doc["risk"]["answers"] = serde_json::json!([
        {"question_id": "t01_injury", "answer": "yes", "comment": null},
        {"question_id": "t02_strangulation", "answer": "yes", "comment": null},
        {"question_id": "t03_escalation", "answer": "no", "comment": null},
        {"question_id": "t04_fear", "answer": "not_known", "comment": null}
    ]);
    doc["risk"]["officer_level"] = "high".into();
    doc.to_string()
}

#[test]
fn an_instrument_file_is_loaded_with_validate_instrument() {
    let doc = assessed_with_test_instrument();
    // Not loaded: a tool the app does not know is sent with a warning (level and rationale
    // given), its answers as typed.
    let out = weprotect(&["validate", "-", "--json"], &doc);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    let findings: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        findings
            .iter()
            .any(|p| p["code"] == "risk.instrument_not_known" && p["kind"] == "warning")
    );

    let file = instrument_file("test-instrument-1.json");
    let out = weprotect(&["validate", "-", "--instrument", &file], &doc);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    assert!(!text(&out.stdout).contains("risk.instrument_not_known"));

    // Its scoring applies: 7 points is high, so "medium" is below the answers.
    let lowered = doc.replace("\"officer_level\":\"high\"", "\"officer_level\":\"medium\"");
    let out = weprotect(&["validate", "-", "--instrument", &file], &lowered);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stdout).contains("risk.level_below_answers"));
}

#[test]
fn a_broken_instrument_file_exits_2_naming_the_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let broken = std::fs::read_to_string(instrument_file("test-instrument-1.json"))
        .unwrap()
        .replace("\"section\": \"history\"", "\"section\": \"past\"");
    let path = dir.path().join("broken.json");
    std::fs::write(&path, broken).unwrap();
    // The referral in a file: the command stops at the instrument, before reading its input.
    let referral = dir.path().join("referral.json");
    std::fs::write(&referral, example()).unwrap();
    let out = weprotect(
        &[
            "validate",
            referral.to_str().unwrap(),
            "--instrument",
            path.to_str().unwrap(),
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("line 24, column 18") && stderr.contains("questions[1].section"),
        "{stderr}"
    );
}

#[test]
fn a_field_given_twice_is_refused_with_its_path_and_neither_value_shown() {
    let doc: serde_json::Value = serde_json::from_str(&example()).unwrap();
    // A reader keeping the first value would ring another number than one keeping the last.
    let twice = doc.to_string().replacen(
        "\"safe_contact\":{",
        "\"safe_contact\":{\"phone\":\"CANARY 07700 900999\",",
        1,
    );
    assert_ne!(twice, doc.to_string());
    let out = weprotect(&["validate", "-", "--json"], &twice);
    assert_eq!(out.status.code(), Some(1));
    let problems: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0]["path"], "safe_contact.phone");
    assert_eq!(problems[0]["code"], "document.duplicate_key");
    assert!(!text(&out.stdout).contains("CANARY"));
}

#[test]
fn form_prints_the_definition_the_apps_render_in_the_new_order() {
    let out = weprotect(&["form"], "");
    assert_eq!(out.status.code(), Some(0));
    let def: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(def["schema_version"], 3);
    let ids: Vec<&str> = def["sections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.first(), Some(&"consent"));
    assert_eq!(ids.last(), Some(&"referrer"));
    let first = &def["sections"][0]["fields"][0];
    assert_eq!(first["path"], "consent.safe_to_talk_now");
}
