//! `cargo xtask test console`: the advisors' console in a real browser (issue 24).
//!
//! Installs what the browser tests need when it is missing, as the other layers do: Debian's
//! `chromium` and `chromium-driver` with apt-get (CI machines run as root), and axe-core from
//! npm into `target/console-tools/` (no network at test time: the test injects the file). Then
//! runs the console's HTTP tests on SQLite and on PostgreSQL (`console_postgres`, which needs
//! `postgres::prepare` first) and its browser test (ignored by a plain `cargo test`), and
//! prints how long the layer took. Screenshots land in `target/console-screenshots/`.

use std::path::Path;
use std::time::Instant;

use crate::{cargo, root, run};

const AXE_DIR: &str = "target/console-tools";
const AXE_JS: &str = "target/console-tools/node_modules/axe-core/axe.min.js";

fn browser_installed() -> bool {
    Path::new("/usr/bin/chromium").exists() && Path::new("/usr/bin/chromedriver").exists()
}

fn install_browser() -> Result<(), String> {
    if browser_installed() {
        return Ok(());
    }
    eprintln!("==> chromium or chromedriver is missing: installing Debian's packages");
    let install = || {
        run(
            "install chromium",
            "apt-get",
            &[
                "install",
                "-y",
                "--no-install-recommends",
                "chromium",
                "chromium-driver",
            ],
        )
    };
    install().or_else(|_| {
        run("apt index", "apt-get", &["update"])?;
        install()
    })?;
    if browser_installed() {
        Ok(())
    } else {
        Err("chromium installed, but /usr/bin/chromium or /usr/bin/chromedriver is missing".into())
    }
}

fn install_axe() -> Result<(), String> {
    if root().join(AXE_JS).exists() {
        return Ok(());
    }
    std::fs::create_dir_all(root().join(AXE_DIR)).map_err(|e| format!("{AXE_DIR}: {e}"))?;
    run(
        "install axe-core",
        "npm",
        &[
            "install",
            "--prefix",
            AXE_DIR,
            "--no-audit",
            "--no-fund",
            "axe-core@4",
        ],
    )
}

/// The console layer.
pub fn test() -> Result<(), String> {
    let started = Instant::now();
    install_browser()?;
    install_axe()?;
    // SAFETY: xtask is single-threaded here; the variable is read by the test process.
    unsafe { std::env::set_var("WEPROTECT_AXE_JS", root().join(AXE_JS)) };
    run(
        "console tests (HTTP and a real browser)",
        &cargo(),
        &[
            "test",
            "--workspace",
            "--test",
            "console",
            "--test",
            "console_postgres",
            "--test",
            "console_browser",
            "--",
            "--include-ignored",
        ],
    )?;
    eprintln!(
        "==> console layer took {:.0} s; screenshots in target/console-screenshots/",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
