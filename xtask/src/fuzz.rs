//! `cargo xtask fuzz [short|long] [TARGET...]`: coverage-guided fuzzing with AFL++ on stable
//! Rust (cargo-afl), over the targets in `fuzz/afl/` (the entry points in `fuzz/src/`).
//!
//! Why AFL++ through cargo-afl: it runs on the stable toolchain the project builds with (cargo
//! fuzz needs nightly's sanitizer flags), and `cargo install cargo-afl` builds AFL++ from the
//! source the crate ships, so a fresh machine needs only crates.io and a C compiler.
//!
//! * `short` (what `cargo xtask test` runs): builds the instrumented targets, then runs the real
//!   fuzzer a few seconds per target from the repository's corpus. Fails on any crash.
//! * `long`: the same for `WEPROTECT_FUZZ_SECS` seconds per target (default 540: 45 minutes over
//!   the five targets); its figures go into docs/RELIABILITY.md.
//!
//! Every build and fuzzer runs under `nice -n 19`, one fuzzer at a time (CI and developers'
//! machines are small and shared). Each run's output stays in `target/afl-runs/<mode>/<target>/`
//! (`default/crashes/`, `default/hangs/`, `default/queue/`); a crash reproduces with
//! `<afl target dir>/release/<target> < FILE` (see `afl_target_dir`).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use crate::{cargo, root};

/// The targets, as binaries of `fuzz/afl` and folders of `fuzz/corpus`.
pub const TARGETS: &[&str] = &[
    "referral_json",
    "draft_editor",
    "sync_response",
    "server_envelope",
    "server_request",
];

/// The cargo-afl release this project builds with (it ships AFL++ 4.40c).
const CARGO_AFL_VERSION: &str = "0.18.2";
/// Seconds per target in the short (CI) run.
const SHORT_SECS: u64 = 8;
/// Seconds per target in the long run, unless `WEPROTECT_FUZZ_SECS` says otherwise.
const LONG_SECS: u64 = 540;
/// Milliseconds one input may take before AFL counts a hang: generous, as the machines are
/// shared and the fuzzer runs at the lowest priority.
const TIMEOUT_MS: &str = "5000";

/// What one run's `fuzzer_stats` says.
#[derive(Debug, Default)]
pub struct Figures {
    pub target: String,
    pub executions: u64,
    pub execs_per_sec: f64,
    pub crashes: u64,
    pub hangs: u64,
    pub corpus: u64,
    pub seconds: u64,
    pub edges: String,
}

/// `cargo xtask fuzz [short|long] [TARGET...]`.
pub fn fuzz(args: &[&str]) -> Result<(), String> {
    let (long, rest) = match args {
        ["long", rest @ ..] => (true, rest),
        ["short", rest @ ..] => (false, rest),
        rest => (false, rest),
    };
    let targets: Vec<&str> = if rest.is_empty() {
        TARGETS.to_vec()
    } else {
        for t in rest {
            if !TARGETS.contains(t) {
                return Err(format!(
                    "fuzz: no target {t} (targets: {})",
                    TARGETS.join(", ")
                ));
            }
        }
        rest.to_vec()
    };
    let secs = if long {
        std::env::var("WEPROTECT_FUZZ_SECS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(LONG_SECS)
    } else {
        SHORT_SECS
    };
    install()?;
    build()?;
    let mode = if long { "long" } else { "short" };
    let mut all = Vec::new();
    for target in targets {
        all.push(run_target(target, mode, secs)?);
    }
    print_table(&all);
    let crashed: Vec<&Figures> = all.iter().filter(|f| f.crashes > 0).collect();
    if crashed.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "fuzz: crashes in {} (inputs in target/afl-runs/{mode}/<target>/default/crashes/; reproduce with {}/release/<target> < FILE)",
            crashed
                .iter()
                .map(|f| f.target.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            afl_target_dir().display()
        ))
    }
}

/// The AFL++ part of `cargo xtask test rust`.
///
/// The committed corpus is always replayed, uninstrumented, by `tests/tests/fuzz_corpus.rs`
/// (part of the workspace tests). The coverage-guided smoke run needs cargo-afl and an
/// instrumented build of core, server and their dependencies, which on a fresh 2-core machine
/// costs more than the whole rest of the test run (installing cargo-afl about 2.5 minutes, the
/// cold instrumented build far longer). So it runs when `WEPROTECT_FUZZ_SMOKE=1` asks for it, or
/// when this machine already holds the instrumented build (then it costs about a minute), and
/// otherwise says plainly that it was skipped and how to run it.
pub fn smoke_in_tests() -> Result<(), String> {
    // The fuzz workspace has its own lock file (it builds with AFL++'s flags, apart from the
    // main workspace). Check on every run that it still matches the crates' manifests, or the
    // next `cargo xtask fuzz` would fail on `--locked` long after the change that broke it.
    eprintln!("==> fuzz lock file is current: cargo metadata --locked (fuzz/afl)");
    let status = Command::new(cargo())
        .args(["metadata", "--locked", "--format-version", "1"])
        .args(["--manifest-path", "fuzz/afl/Cargo.toml"])
        .current_dir(root())
        .stdout(std::process::Stdio::null())
        .status()
        .map_err(|e| format!("fuzz lock check: cannot start cargo: {e}"))?;
    if !status.success() {
        return Err(
            "fuzz/afl/Cargo.lock does not match the manifests: run `cargo metadata \
             --manifest-path fuzz/afl/Cargo.toml` (without --locked) and commit the lock file"
                .to_string(),
        );
    }
    let asked = std::env::var("WEPROTECT_FUZZ_SMOKE").is_ok_and(|v| v == "1");
    let warm = afl_target_dir().join("release").is_dir();
    if asked || warm {
        return fuzz(&["short"]);
    }
    eprintln!(
        "==> fuzz: AFL++ smoke run SKIPPED (no instrumented build on this machine; the corpus was \
         replayed by tests/fuzz_corpus.rs). Run it with `cargo xtask fuzz short`, or set \
         WEPROTECT_FUZZ_SMOKE=1 for `cargo xtask test`."
    );
    Ok(())
}

/// Installs cargo-afl (which builds AFL++ from its bundled source) unless it is there.
fn install() -> Result<(), String> {
    let have = Command::new(cargo())
        .args(["afl", "--version"])
        .output()
        .is_ok_and(|o| {
            o.status.success() && String::from_utf8_lossy(&o.stdout).contains(CARGO_AFL_VERSION)
        });
    if have {
        return Ok(());
    }
    crate::run(
        "install cargo-afl (builds AFL++)",
        "nice",
        &[
            "-n",
            "19",
            &cargo(),
            "install",
            "--locked",
            "--force",
            "cargo-afl",
            "--version",
            CARGO_AFL_VERSION,
        ],
    )
}

/// Where the instrumented build goes: `WEPROTECT_AFL_TARGET_DIR`, or a cache folder outside the
/// repository (`~/.cache/weprotect/afl-target`), so that CI's fresh clone on the same machine
/// reuses the instrumented dependencies (a cold build of them takes many minutes: cargo-afl
/// builds every crate at opt-level 3 with one codegen unit).
fn afl_target_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("WEPROTECT_AFL_TARGET_DIR") {
        return PathBuf::from(dir);
    }
    let home = std::env::var_os("HOME").map_or_else(|| root().join("target"), PathBuf::from);
    home.join(".cache/weprotect/afl-target")
}

/// Builds the instrumented targets (release, debug assertions and overflow checks on).
fn build() -> Result<(), String> {
    eprintln!(
        "==> fuzz build: cargo afl build --release --locked (in fuzz/afl, into {})",
        afl_target_dir().display()
    );
    let status = Command::new("nice")
        .args([
            "-n",
            "19",
            &cargo(),
            "afl",
            "build",
            "--release",
            "--locked",
        ])
        .current_dir(root().join("fuzz/afl"))
        .env("CARGO_TARGET_DIR", afl_target_dir())
        .status()
        .map_err(|e| format!("fuzz build: cannot start cargo afl: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("fuzz build failed ({status})"))
    }
}

fn run_target(target: &str, mode: &str, secs: u64) -> Result<Figures, String> {
    let out = root().join(format!("target/afl-runs/{mode}/{target}"));
    if out.exists() {
        std::fs::remove_dir_all(&out).map_err(|e| format!("{}: {e}", out.display()))?;
    }
    std::fs::create_dir_all(&out).map_err(|e| format!("{}: {e}", out.display()))?;
    let corpus = root().join(format!("fuzz/corpus/{target}"));
    let binary = afl_target_dir().join(format!("release/{target}"));
    let log = out.join("afl.log");
    let log_file = std::fs::File::create(&log).map_err(|e| format!("{}: {e}", log.display()))?;
    let secs_arg = secs.to_string();
    let args = [
        "-n",
        "19",
        &cargo(),
        "afl",
        "fuzz",
        "-i",
        path_str(&corpus)?,
        "-o",
        path_str(&out)?,
        "-V",
        &secs_arg,
        "-t",
        TIMEOUT_MS,
        "--",
        path_str(&binary)?,
    ];
    eprintln!(
        "==> fuzz {target}: {secs} s (nice -n 19 cargo afl fuzz -i fuzz/corpus/{target} -o target/afl-runs/{mode}/{target} -V {secs} -t {TIMEOUT_MS} -- {})",
        binary.display()
    );
    let started = Instant::now();
    let status = Command::new("nice")
        .args(args)
        .current_dir(root())
        .env("AFL_NO_UI", "1")
        .env("AFL_SKIP_CPUFREQ", "1")
        .env("AFL_NO_AFFINITY", "1")
        .env("AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES", "1")
        .env("AFL_FAST_CAL", "1")
        .env("AFL_NO_CRASH_README", "1")
        // The intake server target keeps its database here, fresh for each run.
        .env("WEPROTECT_FUZZ_SERVER_DIR", out.join("server"))
        .stdout(log_file.try_clone().map_err(|e| e.to_string())?)
        .stderr(log_file)
        .status()
        .map_err(|e| format!("fuzz {target}: cannot start cargo afl fuzz: {e}"))?;
    if !status.success() {
        let tail = std::fs::read_to_string(&log).unwrap_or_default();
        let tail: Vec<&str> = tail.lines().rev().take(15).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        return Err(format!(
            "fuzz {target}: afl-fuzz failed ({status}); its log ({}) ends:\n{}",
            log.display(),
            tail.join("\n")
        ));
    }
    let mut figures = read_stats(target, &out.join("default/fuzzer_stats"))?;
    if figures.seconds == 0 {
        figures.seconds = started.elapsed().as_secs();
    }
    println!(
        "PROOF fuzz target={target} executions={} execs_per_sec={:.0} crashes={} hangs={} corpus={} edges={} seconds={}",
        figures.executions,
        figures.execs_per_sec,
        figures.crashes,
        figures.hangs,
        figures.corpus,
        figures.edges,
        figures.seconds
    );
    Ok(figures)
}

fn path_str(path: &Path) -> Result<&str, String> {
    path.to_str()
        .ok_or_else(|| format!("{}: not UTF-8", path.display()))
}

/// Reads AFL++'s `fuzzer_stats` (`key : value` lines).
fn read_stats(target: &str, path: &Path) -> Result<Figures, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let get = |key: &str| {
        text.lines()
            .filter_map(|l| l.split_once(':'))
            .find(|(k, _)| k.trim() == key)
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default()
    };
    let num = |key: &str| get(key).parse::<u64>().unwrap_or(0);
    Ok(Figures {
        target: target.to_string(),
        executions: num("execs_done"),
        // Averaged over the run (`execs_per_sec` in the file is the last minute's rate).
        execs_per_sec: num("execs_done") as f64 / num("run_time").max(1) as f64,
        crashes: num("saved_crashes"),
        hangs: num("saved_hangs"),
        corpus: num("corpus_count"),
        seconds: num("run_time"),
        edges: format!("{} ({})", get("edges_found"), get("bitmap_cvg")),
    })
}

/// The figures as a Markdown table (for docs/RELIABILITY.md).
fn print_table(all: &[Figures]) {
    println!(
        "| target | executions | executions/s | crashes | hangs | corpus (start -> end) | edges (map coverage) | seconds |"
    );
    println!("| --- | ---: | ---: | ---: | ---: | --- | --- | ---: |");
    for f in all {
        let seeds = std::fs::read_dir(root().join(format!("fuzz/corpus/{}", f.target)))
            .map(|d| d.count())
            .unwrap_or(0);
        println!(
            "| {} | {} | {:.0} | {} | {} | {} -> {} | {} | {} |",
            f.target,
            f.executions,
            f.execs_per_sec,
            f.crashes,
            f.hangs,
            seeds,
            f.corpus,
            f.edges,
            f.seconds
        );
    }
}
