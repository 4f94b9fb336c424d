//! `weprotect admin advisor-add`, `advisor-revoke` and `console-audit` on a real data directory
//! with its SQLite file, and on a real PostgreSQL database (the test process's own cluster,
//! `tests/src/postgres.rs`; without PostgreSQL that test prints SKIP).

use std::process::Command;

#[path = "../../tests/src/postgres.rs"]
mod postgres;

fn weprotect(database: &str, dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_weprotect"))
        .args(["admin", "--database", database, "--server-dir"])
        .arg(dir)
        .args(args)
        .env_remove("WEPROTECT_DATABASE_PASSWORD")
        .output()
        .unwrap()
}

#[test]
fn advisor_add_prints_a_one_time_link_and_revoke_and_audit_work_without_showing_the_email() {
    advisor_commands("sqlite");
}

#[test]
fn the_advisor_commands_work_on_postgres_too() {
    let Some(cluster) = postgres::cluster() else {
        return;
    };
    advisor_commands(&cluster.create_database());
}

fn advisor_commands(database: &str) {
    let weprotect = |dir: &std::path::Path, args: &[&str]| weprotect(database, dir, args);
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
    // Revoked is for good: the same email cannot be added again.
    let again = weprotect(dir.path(), &["advisor-add", "sam@service.example"]);
    assert_ne!(again.status.code(), Some(0));
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("revoked"),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
}

#[test]
fn serve_refuses_a_time_zone_it_does_not_know_naming_the_flag_and_starting_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("service");
    let out = Command::new(env!("CARGO_BIN_EXE_weprotect"))
        .args([
            "serve",
            "--bind",
            "127.0.0.1:0",
            "--time-zone",
            "Mars/Olympus",
        ])
        .arg("--server-dir")
        .arg(&data)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--time-zone") && stderr.contains("Mars/Olympus"),
        "{stderr}"
    );
    assert!(stderr.contains("Europe/London"), "{stderr}");
    assert!(!data.exists(), "nothing was started");
}
