//! The device-side commands (`configure`, `draft`, `submit`, `outbox`, `follow-up`, `withdraw`,
//! `wipe`) and their exit code contract, driven through the real binary against a temporary data
//! directory.

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
    assert_eq!(list[0]["title"], "CAD-2026-000123");
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
    let other = "1122".repeat(16);
    let out = run(dir, Some(&other), &["draft", "list"], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not the key"));
    assert!(ok(dir, &["draft", "list"], "").contains("CAD-2026-000123"));
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

#[test]
fn configure_refuses_an_endpoint_that_sync_would_refuse() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let with_endpoint = |endpoint: &str| SERVICE.replace("https://intake.example.org", endpoint);
    for bad in [
        "http://intake.example.org",
        "https://officer:CANARYPW@intake.example.org",
        "ftp://intake.example.org",
        "file:///etc/passwd",
        "intake.example.org",
    ] {
        let out = run(
            dir,
            Some(KEY),
            &["configure", "--service", "-"],
            &with_endpoint(bad),
        );
        assert_eq!(out.status.code(), Some(2), "{bad}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("endpoint cannot be used"),
            "{bad}: {stderr}"
        );
        assert!(!stderr.contains("CANARYPW"), "{stderr}");
        assert!(!dir.join("service.json").exists(), "{bad}");
    }
    ok(
        dir,
        &["configure", "--service", "-"],
        &with_endpoint("http://127.0.0.1:9"),
    );
    ok(dir, &["configure", "--service", "-"], SERVICE);
}

#[test]
fn a_key_of_one_repeated_byte_is_refused_and_makes_no_store() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    for key in ["00".repeat(32), "ff".repeat(32), "AA".repeat(32)] {
        let out = run(
            &dir,
            Some(&key),
            &["draft", "save", "-"],
            &example(tmp.path()),
        );
        assert_eq!(out.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&out.stderr).contains("repeated byte"));
    }
    assert!(!dir.join(weprotect_core::store::DB_FILE_NAME).exists());
}

#[cfg(unix)]
#[test]
fn the_data_directory_is_0700_and_the_database_and_its_wal_are_0600() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    std::fs::create_dir(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    ok(&dir, &["configure", "--service", "-"], SERVICE);
    let id = ok(&dir, &["draft", "save", "-"], &example(&dir));
    ok(&dir, &["submit", id.trim()], "");
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&dir), 0o700);
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if name.starts_with(weprotect_core::store::DB_FILE_NAME) {
            assert_eq!(mode(&path), 0o600, "{name}");
            checked += 1;
        }
    }
    assert!(checked >= 1);
}

#[cfg(unix)]
#[test]
fn a_store_file_that_is_a_fifo_is_refused_at_once_not_waited_on() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    for name in [
        weprotect_core::store::DB_FILE_NAME.to_string(),
        format!("{}-wal", weprotect_core::store::DB_FILE_NAME),
    ] {
        if name.ends_with("-wal") {
            ok(dir, &["draft", "save", "-"], &example(dir));
        }
        let fifo = dir.join(&name);
        let _ = std::fs::remove_file(&fifo);
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        let mut cmd = common::weprotect();
        cmd.arg("--data-dir")
            .arg(dir)
            .args(["draft", "list"])
            .env("WEPROTECT_DATA_KEY", KEY)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        let mut child = cmd.spawn().unwrap();
        let started = std::time::Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break Some(status);
            }
            if started.elapsed() > std::time::Duration::from_secs(10) {
                child.kill().unwrap();
                break None;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        };
        let out = child.wait_with_output().unwrap();
        assert_eq!(
            status.and_then(|s| s.code()),
            Some(2),
            "{name}: hung or wrong exit"
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("not a regular file"), "{name}: {stderr}");
        std::fs::remove_file(&fifo).unwrap();
    }
}

#[test]
fn read_only_commands_at_a_mistyped_data_dir_say_there_is_no_store_and_make_none() {
    let tmp = tempfile::tempdir().unwrap();
    let typo = tmp.path().join("weprotect-dta");
    for args in [
        vec!["draft", "list"],
        vec!["draft", "show", "7d9f2c1e-5b4a-4f0e-9c3d-2a1b0c9d8e7f"],
        vec!["outbox"],
    ] {
        let out = run(&typo, Some(KEY), &args, "");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("there is no store"),
            "{args:?}"
        );
        assert!(!typo.exists(), "{args:?} created {}", typo.display());
    }
}

/// A small tmpfs mounted for one test, unmounted when dropped (needs root, as CI runs).
#[cfg(target_os = "linux")]
struct Mount(std::path::PathBuf);

#[cfg(target_os = "linux")]
impl Mount {
    fn new(at: &Path) -> Option<Mount> {
        std::fs::create_dir_all(at).unwrap();
        let ok = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=4m", "tmpfs"])
            .arg(at)
            .status()
            .is_ok_and(|s| s.success());
        ok.then(|| Mount(at.to_path_buf()))
    }

    fn remount(&self, mode: &str) {
        let status = std::process::Command::new("mount")
            .args(["-o", &format!("remount,{mode}")])
            .arg(&self.0)
            .status()
            .unwrap();
        assert!(status.success());
    }
}

#[cfg(target_os = "linux")]
impl Drop for Mount {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg(&self.0).status();
    }
}

#[cfg(target_os = "linux")]
#[test]
fn read_only_commands_work_on_a_read_only_and_on_a_full_disk() {
    let tmp = tempfile::tempdir().unwrap();
    let Some(mount) = Mount::new(&tmp.path().join("mnt")) else {
        // Not root (a developer's machine): CI runs as root and runs this.
        eprintln!("skipped: cannot mount a tmpfs here");
        return;
    };
    let dir = mount.0.join("data");
    ok(&dir, &["configure", "--service", "-"], SERVICE);
    let kept = ok(&dir, &["draft", "save", "-"], &example(&dir));
    let sent = ok(&dir, &["draft", "save", "-"], &example(&dir));
    ok(&dir, &["submit", sent.trim()], "");
    let check = |when: &str| {
        let list: serde_json::Value =
            serde_json::from_str(&ok(&dir, &["draft", "list", "--json"], "")).unwrap();
        assert_eq!(list.as_array().unwrap().len(), 1, "{when}");
        assert!(ok(&dir, &["draft", "show", kept.trim()], "").contains("Testperson"));
        let outbox: serde_json::Value =
            serde_json::from_str(&ok(&dir, &["outbox", "--json"], "")).unwrap();
        assert_eq!(outbox[0]["state"], "queued", "{when}");
    };

    mount.remount("ro");
    check("read-only");
    // Writing is refused clearly, and nothing is lost.
    let out = run(&dir, Some(KEY), &["draft", "save", "-"], &example(&dir));
    assert_eq!(out.status.code(), Some(2));

    mount.remount("rw");
    let mut filler = std::fs::File::create(mount.0.join("filler")).unwrap();
    let block = vec![0x55u8; 64 * 1024];
    while std::io::Write::write_all(&mut filler, &block).is_ok() {}
    drop(filler);
    check("full");
    let out = run(&dir, Some(KEY), &["draft", "save", "-"], &example(&dir));
    assert_ne!(out.status.code(), Some(0));
    std::fs::remove_file(mount.0.join("filler")).unwrap();
    check("after the disk was freed");
}

/// Flips one byte in the middle of a stored encrypted value, as damage on disk would.
fn damage(dir: &Path, sql_select: &str, sql_update: &str, id: &str) {
    let conn = rusqlite::Connection::open(dir.join(weprotect_core::store::DB_FILE_NAME)).unwrap();
    let mut value: Vec<u8> = conn.query_row(sql_select, [id], |r| r.get(0)).unwrap();
    let middle = value.len() / 2;
    value[middle] ^= 0x01;
    conn.execute(sql_update, rusqlite::params![id, value])
        .unwrap();
}

#[test]
fn one_damaged_value_hides_only_its_entry_and_a_damaged_key_check_is_not_a_wrong_key() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    ok(dir, &["configure", "--service", "-"], SERVICE);
    let mut drafts = Vec::new();
    for _ in 0..4 {
        drafts.push(
            ok(dir, &["draft", "save", "-"], &example(dir))
                .trim()
                .to_string(),
        );
    }
    let mut queued = Vec::new();
    for id in &drafts[2..] {
        let out = ok(dir, &["submit", id, "--json"], "");
        let out: serde_json::Value = serde_json::from_str(&out).unwrap();
        queued.push(out["referral_id"].as_str().unwrap().to_string());
    }
    damage(
        dir,
        "SELECT summary FROM drafts WHERE id = ?1",
        "UPDATE drafts SET summary = ?2 WHERE id = ?1",
        &drafts[0],
    );
    damage(
        dir,
        "SELECT summary FROM outbox WHERE referral_id = ?1",
        "UPDATE outbox SET summary = ?2 WHERE referral_id = ?1",
        &queued[0],
    );

    let list: Vec<serde_json::Value> =
        serde_json::from_str(&ok(dir, &["draft", "list", "--json"], "")).unwrap();
    assert_eq!(list.len(), 2);
    for d in &list {
        let damaged = d["id"] == drafts[0].as_str();
        assert_eq!(d["damaged"], damaged, "{d}");
        assert_eq!(d["title"] == "CAD-2026-000123", !damaged, "{d}");
    }
    assert!(ok(dir, &["draft", "list"], "").contains("damaged: this draft cannot be read"));
    let outbox: Vec<serde_json::Value> =
        serde_json::from_str(&ok(dir, &["outbox", "--json"], "")).unwrap();
    assert_eq!(outbox.len(), 2);
    for e in &outbox {
        let damaged = e["referral_id"] == queued[0].as_str();
        assert_eq!(e["damaged"], damaged, "{e}");
        assert_eq!(e["title"].is_null(), damaged, "{e}");
    }
    assert!(ok(dir, &["outbox"], "").contains(queued[0].as_str()));

    // The key check value damaged: the right key still opens the store (its values prove it),
    // a wrong key is still a wrong key.
    damage(
        dir,
        "SELECT value FROM meta WHERE name = ?1",
        "UPDATE meta SET value = ?2 WHERE name = ?1",
        "key_check",
    );
    let other = "1122".repeat(16);
    let out = run(dir, Some(&other), &["draft", "list"], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not the key"));
    assert_eq!(
        serde_json::from_str::<Vec<serde_json::Value>>(&ok(dir, &["draft", "list", "--json"], ""))
            .unwrap()
            .len(),
        2
    );
    // A command that writes repairs the check value; the wrong key is still refused after.
    ok(dir, &["draft", "save", "-"], &example(dir));
    let out = run(dir, Some(&other), &["outbox"], "");
    assert!(String::from_utf8_lossy(&out.stderr).contains("not the key"));
    assert_eq!(
        ok(dir, &["draft", "list", "--json"], "")
            .matches("\"id\"")
            .count(),
        3
    );
}

#[test]
fn a_profile_is_set_once_shown_refused_when_malformed_and_cleared() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let profile = r#"{"officer_name": "PC Alex Example", "collar_number": "4321 SE",
        "contact_phone": "020 7946 0123", "email": "alex.example@police.example"}"#;
    assert!(ok(dir, &["profile", "set", "-"], profile).contains("profile saved"));
    let shown = ok(dir, &["profile", "show"], "");
    assert!(
        shown.contains("PC Alex Example") && shown.contains("4321 SE"),
        "{shown}"
    );
    let bad = r#"{"officer_name": "PC Alex Example", "contact_phone": "0207 CANARY"}"#;
    let out = run(dir, Some(KEY), &["profile", "set", "-"], bad);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("phone.letters") && !stdout.contains("CANARY"),
        "{stdout}"
    );
    assert!(ok(dir, &["profile", "show"], "").contains("020 7946 0123"));
    assert!(ok(dir, &["profile", "clear"], "").contains("cleared"));
    assert!(ok(dir, &["profile", "show"], "").contains("no profile"));
}

/// Runs `args` in `dir` with the key (and a token), killing it after 10 s; its exit code
/// (`None`: it hung) and standard error.
fn run_bounded(dir: &Path, args: &[&str]) -> (Option<i32>, String) {
    let mut child = common::weprotect()
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .env("WEPROTECT_DATA_KEY", KEY)
        .env("WEPROTECT_TOKEN", "wpt_test")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status.code();
        }
        if started.elapsed() > std::time::Duration::from_secs(10) {
            child.kill().unwrap();
            break None;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    let out = child.wait_with_output().unwrap();
    (status, String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn a_service_json_that_is_a_fifo_is_refused_at_once_by_submit_and_sync() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let draft = ok(dir, &["draft", "save", "-"], &example(dir));
    let made = std::process::Command::new("mkfifo")
        .arg(dir.join("service.json"))
        .status()
        .unwrap();
    assert!(made.success());
    for args in [vec!["submit", draft.trim()], vec!["sync"]] {
        let (code, stderr) = run_bounded(dir, &args);
        assert_eq!(code, Some(2), "{args:?} hung or wrong exit: {stderr}");
        assert!(stderr.contains("not a regular file"), "{args:?}: {stderr}");
    }
}

#[test]
fn input_beyond_its_bound_is_refused_not_read_whole() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    for args in [
        vec!["validate", "/dev/zero"],
        vec!["draft", "save", "/dev/zero"],
        vec!["configure", "--service", "/dev/zero"],
    ] {
        let (code, stderr) = run_bounded(dir, &args);
        assert_eq!(code, Some(2), "{args:?} hung or wrong exit: {stderr}");
        assert!(stderr.contains("larger than"), "{args:?}: {stderr}");
    }
}

#[test]
fn commands_that_write_at_a_mistyped_data_dir_make_no_store_and_say_so() {
    let tmp = tempfile::tempdir().unwrap();
    let typo = tmp.path().join("weprotect-dta");
    for args in [
        vec!["draft", "delete", "7d9f2c1e-5b4a-4f0e-9c3d-2a1b0c9d8e7f"],
        vec!["sync"],
        vec!["submit", "7d9f2c1e-5b4a-4f0e-9c3d-2a1b0c9d8e7f"],
        vec!["wipe", "--yes"],
    ] {
        let (code, stderr) = run_bounded(&typo, &args);
        assert_eq!(code, Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains("there is no store") || stderr.contains("no service configured"),
            "{args:?}: {stderr}"
        );
        assert!(!typo.exists(), "{args:?} created {}", typo.display());
    }
}

#[test]
fn one_damaged_draft_id_is_listed_as_damaged_and_the_others_still_list() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let mut drafts = Vec::new();
    for _ in 0..3 {
        drafts.push(
            ok(dir, &["draft", "save", "-"], &example(dir))
                .trim()
                .to_string(),
        );
    }
    {
        let conn =
            rusqlite::Connection::open(dir.join(weprotect_core::store::DB_FILE_NAME)).unwrap();
        // The id is no longer UTF-8 text, and another row's time is out of any range.
        conn.execute(
            "UPDATE drafts SET id = CAST(X'ff00fe' AS TEXT) WHERE id = ?1",
            [&drafts[0]],
        )
        .unwrap();
        conn.execute(
            "UPDATE drafts SET updated_at = 9223372036854775807 WHERE id = ?1",
            [&drafts[1]],
        )
        .unwrap();
    }
    let out = run(dir, Some(KEY), &["draft", "list", "--json"], "");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(!stderr.to_lowercase().contains("column"), "{stderr}");
    let list: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(list.len(), 3, "{list:?}");
    let damaged: Vec<bool> = list.iter().map(|d| d["damaged"] == true).collect();
    assert_eq!(damaged.iter().filter(|d| **d).count(), 2, "{list:?}");
    assert!(
        list.iter()
            .any(|d| d["id"] == drafts[2].as_str() && d["damaged"] == false)
    );
    // The text listing works too.
    assert!(ok(dir, &["draft", "list"], "").contains("damaged"));
}

#[cfg(target_os = "linux")]
#[test]
fn a_read_only_store_without_its_shm_file_never_lists_stale_contents() {
    let tmp = tempfile::tempdir().unwrap();
    let Some(mount) = Mount::new(&tmp.path().join("mnt")) else {
        eprintln!("skipped: cannot mount a tmpfs here");
        return;
    };
    // A store whose latest change (a draft deleted) is still only in its -wal file, as after
    // the app was killed; copied without its -shm file onto a read-only disk.
    let work = tmp.path().join("work");
    let gone = ok(&work, &["draft", "save", "-"], &example(&work));
    let kept = ok(&work, &["draft", "save", "-"], &example(&work));
    let db = weprotect_core::store::DB_FILE_NAME;
    let conn = rusqlite::Connection::open(work.join(db)).unwrap();
    conn.pragma_update(None, "wal_autocheckpoint", 0).unwrap();
    conn.execute("DELETE FROM drafts WHERE id = ?1", [gone.trim()])
        .unwrap();
    let dir = mount.0.join("data");
    std::fs::create_dir(&dir).unwrap();
    for file in [db.to_string(), format!("{db}-wal")] {
        std::fs::copy(work.join(&file), dir.join(&file)).unwrap();
    }
    drop(conn);
    assert!(
        std::fs::metadata(dir.join(format!("{db}-wal")))
            .unwrap()
            .len()
            > 0
    );
    mount.remount("ro");

    let out = run(&dir, Some(KEY), &["draft", "list", "--json"], "");
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!(
        "read-only without -shm: exit {:?} {stderr}",
        out.status.code()
    );
    if out.status.code() == Some(0) {
        let list: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
        let ids: Vec<&str> = list.iter().map(|d| d["id"].as_str().unwrap()).collect();
        assert_eq!(ids, [kept.trim()], "stale contents listed");
    } else {
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains("-wal"), "{stderr}");
    }
    mount.remount("rw");
}

#[test]
fn follow_up_queues_what_was_to_follow_refuses_anything_else_and_withdraw_closes_the_referral() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    ok(dir, &["configure", "--service", "-"], SERVICE);
    // The crime number is not issued yet at the scene.
    let referral = example(dir).replace("\"CRIS-0000001/26\"", "null");
    let draft = ok(dir, &["draft", "save", "-"], &referral)
        .trim()
        .to_string();
    let queued = ok(dir, &["submit", &draft], "");
    let id = queued.trim().strip_prefix("queued: ").unwrap().to_string();
    let outbox = ok(dir, &["outbox"], "");
    assert!(
        outbox.contains("to follow: incident.crime_reference  (crime_reference.to_follow)"),
        "{outbox}"
    );

    // A field that was not to follow: exit 1, path and code, never the value; nothing queued.
    let out = run(
        dir,
        Some(KEY),
        &["follow-up", &id, "-"],
        r#"{"victim.surname": "Zebedeeson"}"#,
    );
    assert_eq!(out.status.code(), Some(1));
    let printed = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(printed.contains("victim.surname") && printed.contains("addendum.not_to_follow"));
    assert!(!printed.contains("Zebedeeson"));

    let sent = ok(
        dir,
        &["follow-up", &id, "-"],
        r#"{"incident.crime_reference": "CR/123456/26"}"#,
    );
    assert!(sent.starts_with("queued information: "), "{sent}");
    let outbox = ok(dir, &["outbox"], "");
    assert!(!outbox.contains("to follow:"), "{outbox}");
    assert!(
        outbox.contains("information: incident.crime_reference: queued"),
        "{outbox}"
    );

    let withdrawn = ok(dir, &["withdraw", &id, "--how", "by-phone"], "");
    assert!(
        withdrawn.starts_with("queued withdrawal of consent: "),
        "{withdrawn}"
    );
    let outbox = ok(dir, &["outbox", "--json"], "");
    let outbox: serde_json::Value = serde_json::from_str(&outbox).unwrap();
    assert_eq!(outbox[0]["consent_withdrawn"], true);
    assert_eq!(
        outbox[0]["addenda"][0]["rejection_code"],
        "consent.withdrawn"
    );
    assert_eq!(outbox[0]["addenda"][1]["kind"], "consent_withdrawn");
    let again = run(
        dir,
        Some(KEY),
        &["follow-up", &id, "-"],
        r#"{"incident.crime_reference": "CR/1/26"}"#,
    );
    assert_eq!(
        again.status.code(),
        Some(1),
        "nothing more after a withdrawal"
    );
}
