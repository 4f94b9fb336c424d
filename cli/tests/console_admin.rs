//! `weprotect admin advisor-add`, `advisor-revoke` and `console-audit` on a real data directory.

use std::process::Command;

fn weprotect(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_weprotect"))
        .args(["admin", "--server-dir"])
        .arg(dir)
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn advisor_add_prints_a_one_time_link_and_revoke_and_audit_work_without_showing_the_email() {
    let dir = tempfile::tempdir().unwrap();
    let out = weprotect(
        dir.path(),
        &["advisor-add", "sam@service.example", "--role", "supervisor"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let link = String::from_utf8(out.stdout).unwrap();
    assert!(link.trim().contains("/console/enrol/"), "{link}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("adv_"));

    let bad = weprotect(
        dir.path(),
        &["advisor-add", "kim@service.example", "--role", "boss"],
    );
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--role"));
    let bad = weprotect(dir.path(), &["advisor-add", "not-an-email"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("email"));

    let out = weprotect(dir.path(), &["advisor-revoke", "SAM@service.example"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = weprotect(dir.path(), &["console-audit"]);
    let audit = String::from_utf8(out.stdout).unwrap();
    assert!(audit.contains("advisor_revoked"), "{audit}");
    assert!(!audit.contains("sam@"));
}
