//! `cargo xtask proof [short|long] [loops|api]`: the figures of docs/RELIABILITY.md.
//!
//! Runs the proof loops of `tests/` (network faults through the fault proxy, kill -9 of device
//! and server processes, device clock jumps, idle connections, status polling under the rate
//! limits) in the chosen mode (long by default), one at a
//! time so their timings do not disturb each other, and prints every `PROOF` line they emit;
//! then schemathesis against the intake API (`schemathesis.rs`). `loops` or `api` runs one part.
//! The same loops run in short mode inside `cargo xtask test` (plain `cargo test`), so CI
//! checks the targets (0 duplicated, 0 lost) on every change. `WEPROTECT_SEED=N` replays a run.

use std::process::Command;

use crate::schemathesis::schemathesis;
use crate::{cargo, root};

/// The proof loops: (test target in `tests/`, what it proves).
const LOOPS: &[(&str, &str)] = &[
    (
        "proof_faults",
        "network faults (fault proxy) + server faults",
    ),
    ("proof_kills", "kill -9 of device and server processes"),
    ("proof_clock", "device clock jumps of days"),
    (
        "proof_idle",
        "idle connections (zero-byte and idle HTTP/2) from one address while a device syncs",
    ),
    (
        "status_polling",
        "statuses of 200 delivered referrals under the default rate limits",
    ),
    ("fuzz_corpus", "fuzz corpus replay with seeded mutations"),
];

/// `cargo xtask proof` with its arguments.
pub fn proof(args: &[&str]) -> Result<(), String> {
    let mode = args.first().copied().unwrap_or("long");
    if mode != "short" && mode != "long" {
        return Err(format!("unknown proof mode {mode:?} (short or long)"));
    }
    let part = args.get(1).copied().unwrap_or("all");
    if part == "all" || part == "loops" {
        loops(mode)?;
    }
    if part == "all" || part == "api" {
        schemathesis(if mode == "long" { 300 } else { 25 })?;
    }
    Ok(())
}

/// Runs the loops in `mode` (`short` or `long`) and prints their figures.
fn loops(mode: &str) -> Result<(), String> {
    let mut figures = Vec::new();
    for (target, what) in LOOPS {
        eprintln!("==> proof ({mode}): {what}");
        let output = Command::new(cargo())
            .args([
                "test",
                "--workspace",
                "--test",
                target,
                "--",
                "--nocapture",
                "--test-threads=1",
            ])
            .env("WEPROTECT_PROOF", mode)
            .current_dir(root())
            .output()
            .map_err(|e| format!("cannot start cargo: {e}"))?;
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        for line in stderr.lines().filter(|l| l.contains("WEPROTECT_SEED=")) {
            eprintln!("    {line}");
        }
        // libtest may print `test NAME ... ` on the same line before the test's own output.
        figures.extend(
            stdout
                .lines()
                .filter_map(|l| l.find("PROOF ").map(|at| l[at..].to_string())),
        );
        if !output.status.success() {
            eprintln!("{stdout}\n{stderr}");
            return Err(format!("proof loop {target} failed"));
        }
    }
    println!("\nProof figures ({mode} mode):");
    for line in &figures {
        println!("{line}");
    }
    Ok(())
}
