//! The device-side commands (`configure`, `draft`, `submit`, `outbox`, `wipe`) and their exit
//! code contract, driven through the real binary against a temporary data directory.

mod common;

use std::path::Path;
use std::process::Output;

const KEY: &str = "8f1e0a4c2b3d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7";
/// RFC 7748's test public key: any valid X25519 key will do for sealing.
const SERVICE: &str = r#"{"endpoint":"https://intake.example.org","key_id":"k1",
  "public_key":"8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"}"#;

fn run(dir: &Path, key: Option<&str>, args: &[&str], stdin: &str) -> Output {
    let mut cmd = common::weprotect();
    cmd.arg("--data-dir").arg(dir).args(args);
    if let Some(key) = key {
        cmd.env("WEPROTECT_DATA_KEY", key);
    }
    common::feed(cmd, stdin)
}

fn ok(dir: &Path, args: &[&str], stdin: &str) -> String {
    let out = run(dir, Some(KEY), args, stdin);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn example(dir: &Path) -> String {
    ok(dir, &["example"], "")
}

#[test]
fn a_draft_is_saved_listed_autosaved_submitted_and_shows_in_the_outbox() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    ok(dir, &["configure", "--service", "-"], SERVICE);
    let id = ok(dir, &["draft", "save", "-"], &example(dir))
        .trim()
        .to_string();
    assert_eq!(id.len(), 36);
    let again = ok(dir, &["draft", "save", "-", "--id", &id], &example(dir));
    assert_eq!(again.trim(), id);
    let list = ok(dir, &["draft", "list", "--json"], "");
    let list: serde_json::Value = serde_json::from_str(&list).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["title"], "J.T. CAD-2026-000123");
    let shown = ok(dir, &["draft", "show", &id], "");
    assert!(shown.contains("Testperson"));
    let queued = ok(dir, &["submit", &id], "");
    assert!(queued.starts_with("queued: "));
    let outbox = ok(dir, &["outbox", "--json"], "");
    let outbox: serde_json::Value = serde_json::from_str(&outbox).unwrap();
    assert_eq!(outbox[0]["state"], "queued");
    assert_eq!(ok(dir, &["draft", "list"], "").trim(), "no drafts");
    // The draft is gone: a second submit cannot make a second entry.
    assert_eq!(
        run(dir, Some(KEY), &["submit", &id], "").status.code(),
        Some(2)
    );
    let outbox: serde_json::Value =
        serde_json::from_str(&ok(dir, &["outbox", "--json"], "")).unwrap();
    assert_eq!(outbox.as_array().unwrap().len(), 1);
}

#[test]
fn an_invalid_draft_is_refused_with_exit_1_and_the_validate_format() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    ok(dir, &["configure", "--service", "-"], SERVICE);
    let id = ok(dir, &["draft", "save", "-"], r#"{"schema_version":2}"#);
    let out = run(dir, Some(KEY), &["submit", id.trim()], "");
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.starts_with("invalid: "), "{stdout}");
    assert!(stdout.contains("victim.surname"));
    let out = run(dir, Some(KEY), &["submit", id.trim(), "--json"], "");
    let problems: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(problems.as_array().unwrap().len() > 5);
    // Nothing changed: the draft is still there, the outbox is empty.
    assert!(ok(dir, &["draft", "list"], "").contains(id.trim()));
    assert_eq!(ok(dir, &["outbox"], "").trim(), "outbox empty");
}

#[test]
fn a_missing_or_malformed_or_wrong_key_exits_2_with_a_clear_message() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    ok(dir, &["draft", "save", "-"], &example(dir));
    let out = run(dir, None, &["draft", "list"], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("WEPROTECT_DATA_KEY is not set"));
    let out = run(dir, Some("abc"), &["draft", "list"], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("64 hex characters"));
    let other = "11".repeat(32);
    let out = run(dir, Some(&other), &["draft", "list"], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not the key"));
    assert!(ok(dir, &["draft", "list"], "").contains("J.T."));
}

#[test]
fn submit_without_a_configured_service_exits_2() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let id = ok(dir, &["draft", "save", "-"], &example(dir));
    let out = run(dir, Some(KEY), &["submit", id.trim()], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("configure --service"));
    let out = run(
        dir,
        Some(KEY),
        &["configure", "--service", "-"],
        r#"{"endpoint":"x"}"#,
    );
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn wipe_needs_yes_and_no_key_and_reports_what_it_destroyed() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    ok(dir, &["configure", "--service", "-"], SERVICE);
    let id = ok(dir, &["draft", "save", "-"], &example(dir));
    ok(dir, &["submit", id.trim()], "");
    ok(dir, &["draft", "save", "-"], &example(dir));
    assert_eq!(run(dir, None, &["wipe"], "").status.code(), Some(2));
    let out = run(dir, None, &["wipe", "--yes"], "");
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8(out.stdout).unwrap().trim(),
        "wiped: 1 undelivered referral(s) and 1 draft(s) destroyed"
    );
    assert!(!dir.join("weprotect.db").exists());
    assert!(!dir.join("weprotect.db-wal").exists());
}

#[test]
fn a_foreign_file_in_the_data_directory_is_refused_and_left_alone() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(dir.join("weprotect.db"), "not a database").unwrap();
    let out = run(dir, Some(KEY), &["draft", "list"], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a WEPROTECT store"));
    assert_eq!(
        std::fs::read_to_string(dir.join("weprotect.db")).unwrap(),
        "not a database"
    );
}
