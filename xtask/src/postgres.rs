//! PostgreSQL for the intake server's tests and benchmark (issue 14).
//!
//! The tests start their own cluster (`tests/src/postgres.rs`) from Debian's `postgresql`
//! binaries; this module makes sure those binaries exist, installing the package with apt-get
//! when they are missing (CI machines run as root), and then sets
//! `WEPROTECT_REQUIRE_POSTGRES=1`, so that a PostgreSQL that cannot start fails the tests
//! instead of letting them print SKIP and pass.

use std::path::Path;

use crate::{cargo, run};

/// The variable the test harness reads (see `tests/src/postgres.rs`).
const REQUIRE_ENV: &str = "WEPROTECT_REQUIRE_POSTGRES";

/// Whether `/usr/lib/postgresql/<version>/bin/postgres` exists (or `WEPROTECT_POSTGRES_BIN`
/// names a directory holding `postgres`).
fn installed() -> bool {
    if let Ok(dir) = std::env::var("WEPROTECT_POSTGRES_BIN") {
        return Path::new(&dir).join("postgres").exists();
    }
    std::fs::read_dir("/usr/lib/postgresql").is_ok_and(|versions| {
        versions
            .flatten()
            .any(|v| v.path().join("bin/postgres").exists())
    })
}

/// Installs PostgreSQL when it is missing and requires it from then on.
pub fn prepare() -> Result<(), String> {
    if !installed() {
        eprintln!("==> PostgreSQL is missing: installing Debian's postgresql package");
        // Only the binaries are used; the packaged cluster is not needed by the tests.
        let install = || {
            run(
                "install PostgreSQL",
                "apt-get",
                &["install", "-y", "--no-install-recommends", "postgresql"],
            )
        };
        install().or_else(|_| {
            run("apt index", "apt-get", &["update"])?;
            install()
        })?;
        if !installed() {
            return Err("postgresql installed, but no /usr/lib/postgresql/*/bin/postgres".into());
        }
    }
    // SAFETY: xtask is single-threaded here; the variable is read by the child processes.
    unsafe { std::env::set_var(REQUIRE_ENV, "1") };
    Ok(())
}

/// `cargo xtask bench postgres`: referrals recorded per second on one and two instances on
/// one PostgreSQL database (and one SQLite instance for reference). `quick` checks it runs.
pub fn bench(quick: bool) -> Result<(), String> {
    prepare()?;
    if quick {
        // SAFETY: as above.
        unsafe { std::env::set_var("WEPROTECT_BENCH_QUICK", "1") };
    }
    run(
        "postgres benchmark",
        &cargo(),
        &["bench", "--workspace", "--bench", "postgres"],
    )
}
