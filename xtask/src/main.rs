//! `cargo xtask`: the project's own build and test commands (the cargo-xtask pattern).
//!
//! `cargo xtask test` is the one command that runs every test on a fresh machine; it installs
//! what it needs first. Layers: `rust` (fmt, clippy, all workspace tests), `kotlin` (the
//! generated bindings on the JVM, see `kotlin.rs`), `android` (the Android library's plain-Kotlin
//! decisions on the JVM, see `android.rs`), `swift` (the generated bindings, the iOS package and
//! the sample app's model on Linux, see `swift.rs`), `shells` (the Linux-runnable steps of the
//! Android and iOS build scripts, the Gradle files' versions, the Swift 6 build; see
//! `shells.rs`), `console` (the advisors' console over HTTP and in headless chromium, see
//! `console.rs`). `cargo xtask schema` rewrites
//! docs/referral.schema.json; `cargo xtask bench` runs the benchmarks that print ratios against
//! baselines measured in the same run and writes docs/PERFORMANCE.md (`quick`: checks they
//! still run; see `bench.rs`); `cargo xtask proof` prints the reliability figures (proof
//! loops in long mode; see xtask/src/proof.rs); `cargo xtask fuzz` runs AFL++ over the fuzz
//! targets (see xtask/src/fuzz.rs; `test rust` replays the committed corpus, and runs the
//! short AFL++ smoke run too when `WEPROTECT_FUZZ_SMOKE=1`).

mod android;
mod bench;
mod console;
mod fuzz;
mod kotlin;
mod postgres;
mod proof;
mod schemathesis;
mod shells;
mod size;
mod swift;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

fn main() -> ExitCode {
    // No incremental compilation for the cargo runs below: its caches are gigabytes per test
    // target (12 GB of a 56 GB target folder here) and only help a developer's edit-compile
    // loop, which does not go through xtask. A value set by the caller wins.
    if std::env::var_os("CARGO_INCREMENTAL").is_none() {
        // SAFETY: at the very start of main, before any thread exists.
        unsafe { std::env::set_var("CARGO_INCREMENTAL", "0") };
    }
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    if args.first() == Some(&"test") {
        disk_space("before");
    }
    let result = match args.as_slice() {
        ["test"] => postgres::prepare()
            .and_then(|()| test_rust())
            .and_then(|()| kotlin::test())
            .and_then(|()| android::test())
            .and_then(|()| swift::test())
            .and_then(|()| shells::test())
            .and_then(|()| console::test()),
        ["test", "rust"] => postgres::prepare().and_then(|()| test_rust()),
        ["test", "kotlin"] => kotlin::test(),
        ["test", "android"] => android::test(),
        ["test", "swift"] => swift::test(),
        ["test", "shells"] => shells::test(),
        ["test", "console"] => postgres::prepare().and_then(|()| console::test()),
        ["schema"] => schema(),
        ["bench"] => postgres::prepare().and_then(|()| bench::full()),
        ["bench", "quick"] => postgres::prepare().and_then(|()| bench::quick()),
        ["bench", "size"] => size::bench(),
        ["bench", "kotlin"] => kotlin::bench(),
        ["bench", "swift"] => swift::bench(),
        ["bench", "form"] => run(
            "form inputs",
            &cargo(),
            &["bench", "--workspace", "--bench", "form_inputs"],
        ),
        ["bench", "postgres", rest @ ..] => postgres::bench(rest == ["quick"]),
        ["bench", rest @ ..] => bench(rest),
        ["proof", rest @ ..] => proof::proof(rest),
        ["fuzz", rest @ ..] => fuzz::fuzz(rest),
        _ => {
            eprintln!(
                "usage: cargo xtask test [rust|kotlin|android|swift|shells|console]\n       cargo xtask schema\n       cargo xtask bench [quick|size|kotlin|swift|form|postgres [quick]|NAME]\n       cargo xtask proof [short|long] [loops|api]\n       cargo xtask fuzz [short|long] [TARGET...]"
            );
            return ExitCode::from(2);
        }
    };
    if args.first() == Some(&"test") {
        disk_space("after");
    }
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Prints the free space where the build goes and the target folder's size: a test run that
/// fills the disk fails with a cut message (a CI run did), and these two lines say why.
fn disk_space(when: &str) {
    let target = root().join("target");
    let df = Command::new("df")
        .args(["-h", "--output=avail"])
        .arg(root())
        .output();
    let du = Command::new("du").args(["-sh"]).arg(&target).output();
    let last = |o: std::io::Result<std::process::Output>| {
        o.ok()
            .and_then(|o| String::from_utf8(o.stdout).ok())
            .and_then(|s| {
                s.lines()
                    .last()
                    .map(|l| l.split_whitespace().next().unwrap_or("").to_string())
            })
            .unwrap_or_else(|| "?".into())
    };
    eprintln!(
        "==> disk {when} the tests: {} free, target folder {}",
        last(df),
        last(du)
    );
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
    proof::proof(&["short", "api"])?;
    bench::quick()?;
    fuzz::smoke_in_tests()?;
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
