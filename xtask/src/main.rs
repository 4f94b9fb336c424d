//! `cargo xtask`: the project's own build and test commands (the cargo-xtask pattern).
//!
//! `cargo xtask test` is the one command that runs every test on a fresh machine; it installs
//! what it needs first. Layers: `rust` (fmt, clippy, all workspace tests), `kotlin` (the
//! generated bindings on the JVM, see `kotlin.rs`), `android` (the Android library's plain-Kotlin
//! decisions on the JVM, see `android.rs`); later `swift`. `cargo xtask schema` rewrites
//! docs/referral.schema.json; `cargo xtask bench` runs the benchmarks that print ratios against
//! baselines measured in the same run.

mod android;
mod kotlin;
mod size;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match args.as_slice() {
        ["test"] => test_rust()
            .and_then(|()| kotlin::test())
            .and_then(|()| android::test()),
        ["test", "rust"] => test_rust(),
        ["test", "kotlin"] => kotlin::test(),
        ["test", "android"] => android::test(),
        ["schema"] => schema(),
        ["bench", "size"] => size::bench(),
        ["bench", "kotlin"] => kotlin::bench(),
        ["bench", rest @ ..] => bench(rest),
        _ => {
            eprintln!(
                "usage: cargo xtask test [rust|kotlin|android]\n       cargo xtask schema\n       cargo xtask bench [size|kotlin|NAME]"
            );
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .to_path_buf()
}

fn run(step: &str, program: &str, args: &[&str]) -> Result<(), String> {
    eprintln!("==> {step}: {program} {}", args.join(" "));
    let status = Command::new(program)
        .args(args)
        .current_dir(root())
        .status()
        .map_err(|e| format!("{step}: cannot start {program}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{step} failed ({status})"))
    }
}

fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string())
}

fn test_rust() -> Result<(), String> {
    let cargo = cargo();
    run("format", &cargo, &["fmt", "--all", "--", "--check"])?;
    run(
        "lint",
        &cargo,
        &[
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ],
    )?;
    run("tests", &cargo, &["test", "--workspace", "--all-targets"])?;
    run("doc tests", &cargo, &["test", "--workspace", "--doc"])?;
    Ok(())
}

fn schema() -> Result<(), String> {
    run(
        "schema",
        &cargo(),
        &[
            "run",
            "--quiet",
            "-p",
            "weprotect-cli",
            "--",
            "schema",
            "--write",
            "docs/referral.schema.json",
        ],
    )
}

fn bench(rest: &[&str]) -> Result<(), String> {
    let mut args = vec!["bench", "--workspace"];
    if let Some(name) = rest.first() {
        args.extend(["--bench", name]);
    }
    run("benchmarks", &cargo(), &args)
}
