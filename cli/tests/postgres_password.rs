//! `weprotect serve` and `weprotect admin` take the PostgreSQL password from a file or an
//! environment variable, so it need not be in `--database`, where `ps` shows it to every user
//! of the machine (issue 21). Runs against a real PostgreSQL cluster of this test process
//! (`tests/src/postgres.rs`); without PostgreSQL it prints SKIP.

mod common;

#[path = "../../tests/src/postgres.rs"]
mod postgres;

/// The cluster's URL for a fresh database, and the same URL without the password, and the
/// password.
fn urls() -> Option<(String, String, String)> {
    let cluster = postgres::cluster()?;
    let url = cluster.create_database();
    let (scheme, rest) = url.split_once("://").unwrap();
    let (userinfo, host) = rest.split_once('@').unwrap();
    let (user, password) = userinfo.split_once(':').unwrap();
    Some((
        url.clone(),
        format!("{scheme}://{user}@{host}"),
        password.to_string(),
    ))
}

#[test]
fn the_database_password_is_taken_from_a_file_or_the_environment() {
    let Some((_, without, password)) = urls() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("db-password");
    std::fs::write(&file, format!("{password}\n")).unwrap();
    let from_file = common::weprotect()
        .args(["admin", "--server-dir"])
        .arg(dir.path())
        .args(["--database", &without, "--database-password-file"])
        .arg(&file)
        .args(["token-issue", "device 1"])
        .env_remove("WEPROTECT_DATABASE_PASSWORD")
        .output()
        .unwrap();
    assert_eq!(
        from_file.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&from_file.stderr)
    );
    let from_env = common::weprotect()
        .args(["admin", "--server-dir"])
        .arg(dir.path())
        .args(["--database", &without, "token-list"])
        .env("WEPROTECT_DATABASE_PASSWORD", &password)
        .output()
        .unwrap();
    assert_eq!(
        from_env.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&from_env.stderr)
    );
    assert!(String::from_utf8_lossy(&from_env.stdout).contains("device 1"));
}
