//! `cargo xtask bench`: every performance benchmark, and docs/PERFORMANCE.md from their figures.
//!
//! Each suite is a command whose standard output carries table rows as tab-separated lines:
//! `FIGURE <figure> <value> <baseline> <ratio> <target>`. Every ratio is measured in the same
//! run as its baseline, with the pairs interleaved; the suites say how in their module docs.
//!
//! * `cargo xtask bench` runs the suites in full (release builds) and rewrites
//!   docs/PERFORMANCE.md: date, machine, how loaded it was, method, and one table.
//! * `cargo xtask bench quick` (run by `cargo xtask test`) runs each suite in its quick mode on
//!   the debug build the tests already made, and fails if a suite fails or prints no figure:
//!   it proves the benchmarks still run, not how fast anything is. About half a minute.
//!
//! Every command selects its target with `--workspace` (never `-p PACKAGE`): cargo resolves
//! features for the selected packages only, so a `-p` build is a second build of most of the
//! dependency tree (more minutes and gigabytes in a clean CI run), where `--workspace --bench X`
//! reuses what `cargo test --workspace --all-targets` built.
//!
//! To add a figure (for example the PostgreSQL server's, issue 14), add a [`Suite`] to
//! [`SUITES`] whose command prints `FIGURE` lines.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use crate::{cargo, root};

/// A benchmark command, in full and in quick form (arguments to cargo).
pub struct Suite {
    /// Shown in the table's "suite" column and in errors.
    pub name: &'static str,
    /// Full run (release).
    pub full: &'static [&'static str],
    /// Quick run (debug, few samples).
    pub quick: &'static [&'static str],
}

/// Every suite `cargo xtask bench` runs, in order.
pub const SUITES: &[Suite] = &[
    Suite {
        name: "validation",
        full: &["bench", "--workspace", "--bench", "validation"],
        quick: &["test", "--workspace", "--bench", "validation"],
    },
    Suite {
        name: "form inputs",
        full: &["bench", "--workspace", "--bench", "form_inputs"],
        quick: &["test", "--workspace", "--bench", "form_inputs"],
    },
    Suite {
        name: "cold start",
        full: &["bench", "--workspace", "--bench", "coldstart"],
        quick: &["test", "--workspace", "--bench", "coldstart"],
    },
    Suite {
        name: "store",
        full: &["bench", "--workspace", "--bench", "store"],
        quick: &["test", "--workspace", "--bench", "store"],
    },
    Suite {
        name: "drain",
        full: &["bench", "--workspace", "--bench", "drain"],
        quick: &["test", "--workspace", "--bench", "drain"],
    },
    Suite {
        name: "slow link",
        full: &[
            "test",
            "--release",
            "--workspace",
            "--test",
            "slow_link",
            "--",
            "--nocapture",
        ],
        quick: &[
            "test",
            "--workspace",
            "--test",
            "slow_link",
            "--",
            "--nocapture",
        ],
    },
    Suite {
        name: "console queue",
        full: &["bench", "--workspace", "--bench", "console_queue"],
        quick: &["test", "--workspace", "--bench", "console_queue"],
    },
    Suite {
        name: "postgres",
        full: &["bench", "--workspace", "--bench", "postgres"],
        quick: &["test", "--workspace", "--bench", "postgres"],
    },
];

/// One row of the table.
struct Row {
    suite: &'static str,
    cells: Vec<String>,
}

/// Runs `cargo ARGS`, echoing its output, and returns its `FIGURE` rows.
fn run_suite(suite: &'static Suite, args: &[&str]) -> Result<Vec<Row>, String> {
    eprintln!("==> bench {}: cargo {}", suite.name, args.join(" "));
    let mut child = Command::new(cargo())
        .args(args)
        .current_dir(root())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("bench {}: cannot start cargo: {e}", suite.name))?;
    let mut rows = Vec::new();
    let stdout = child.stdout.take().expect("piped");
    for line in BufReader::new(stdout).lines() {
        let line = line.map_err(|e| format!("bench {}: {e}", suite.name))?;
        println!("{line}");
        if let Some(rest) = line.strip_prefix("FIGURE\t") {
            let mut cells: Vec<String> = rest.split('\t').map(str::to_string).collect();
            cells.resize(5, String::new());
            rows.push(Row {
                suite: suite.name,
                cells,
            });
        }
    }
    let status = child
        .wait()
        .map_err(|e| format!("bench {}: {e}", suite.name))?;
    if !status.success() {
        return Err(format!("bench {} failed ({status})", suite.name));
    }
    if rows.is_empty() {
        return Err(format!("bench {} printed no FIGURE line", suite.name));
    }
    Ok(rows)
}

/// `cargo xtask bench quick`: every suite runs and prints its figures.
pub fn quick() -> Result<(), String> {
    for suite in SUITES {
        let rows = run_suite(suite, suite.quick)?;
        eprintln!("bench {}: {} figure(s), quick mode", suite.name, rows.len());
    }
    Ok(())
}

/// `cargo xtask bench`: every suite in full, then docs/PERFORMANCE.md.
pub fn full() -> Result<(), String> {
    let load_before = load_average();
    let mut rows = Vec::new();
    for suite in SUITES {
        rows.extend(run_suite(suite, suite.full)?);
    }
    let load_after = load_average();
    let path = root().join("docs").join("PERFORMANCE.md");
    let mut doc = render(&rows, &load_before, &load_after);
    // The sections `cargo xtask bench kotlin` / `swift` wrote stay until those run again.
    let old = std::fs::read_to_string(&path).unwrap_or_default();
    for name in LANGUAGE_SECTIONS {
        if let Some(section) = find_section(&old, name) {
            doc = with_section(&doc, name, section);
        }
    }
    std::fs::write(&path, doc).map_err(|e| format!("writing {}: {e}", path.display()))?;
    eprintln!("wrote {}", path.display());
    Ok(())
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|| "unknown".into())
}

fn output_of(program: &str, args: &[&str]) -> String {
    Command::new(program)
        .args(args)
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default()
}

fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map(|m| m.trim_start_matches([' ', '\t', ':']).to_string())
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let memory = std::fs::read_to_string("/proc/meminfo")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or_else(String::new, |kib| {
            format!(", {:.1} GB RAM", kib as f64 / 1048576.0)
        });
    format!(
        "{model}, {cores} cores available{memory}; Linux {}; {}",
        output_of("uname", &["-r"]),
        output_of("rustc", &["--version"])
    )
}

fn render(rows: &[Row], load_before: &str, load_after: &str) -> String {
    let mut out = String::new();
    out.push_str("# Performance\n\n");
    out.push_str("Written by `cargo xtask bench` (do not edit by hand; run it again).\n\n");
    out.push_str(&format!(
        "- Date: {}\n",
        output_of("date", &["-u", "+%Y-%m-%d %H:%M UTC"])
    ));
    out.push_str(&format!("- Machine: {}\n", machine()));
    out.push_str(&format!(
        "- Load average (1, 5, 15 min) before: {load_before}; after: {load_after}. The machine \
         is shared (other builds run at the same time), which is why every ratio pairs its two \
         sides in the same run, interleaved.\n"
    ));
    out.push_str(
        "\n## Method\n\n\
         - Release builds. Every ratio compares like with like: the same data (the same sealed \
         bytes, the same document), the same number of requests in flight, the same durability \
         (WAL, `synchronous = FULL`, one fsync'd commit per receipt for the plain client).\n\
         - The two sides of a ratio alternate (A, B, A, B or A, B, B, A), over at least five runs; \
         the table gives the median and, in brackets, the range over the runs.\n\
         - The fsync floor (one fsync'd SQLite commit) and a plain reqwest client at 1 and 4 in \
         flight are measured in the same run as the engine. Servers run in child processes, so \
         device CPU and server CPU are measured apart (the scheduler's per-thread counters); the \
         server's CPU per referral is measured through its public HTTP API only.\n\
         - The suites and what each measures: `core/benches/{validation,coldstart,store}.rs`, \
         `tests/benches/drain.rs`, `tests/tests/slow_link.rs`.\n\n",
    );
    out.push_str("## Figures\n\n");
    out.push_str("| suite | figure | value | baseline (same run) | ratio | target |\n");
    out.push_str("|---|---|---|---|---|---|\n");
    for row in rows {
        out.push_str(&format!(
            "| {} | {} |\n",
            row.suite,
            row.cells
                .iter()
                .map(|c| c.replace('|', "\\|"))
                .collect::<Vec<_>>()
                .join(" | ")
        ));
    }
    out
}

/// The sections of docs/PERFORMANCE.md that the bindings' benchmarks write (`cargo xtask bench
/// kotlin`, `cargo xtask bench swift`): they need the JVM or the Swift chroot, so `cargo xtask
/// bench` does not run them, and keeps what they last wrote.
const LANGUAGE_SECTIONS: [&str; 2] = ["kotlin", "swift"];

fn markers(name: &str) -> (String, String) {
    (
        format!("<!-- written by `cargo xtask bench {name}` -->\n"),
        format!("<!-- end of `cargo xtask bench {name}` -->\n"),
    )
}

/// The body of section `name` in `doc`, markers included.
fn find_section<'a>(doc: &'a str, name: &str) -> Option<&'a str> {
    let (start, end) = markers(name);
    let from = doc.find(&start)?;
    let to = doc[from..].find(&end)? + from + end.len();
    Some(&doc[from..to])
}

/// `doc` with section `name` replaced by `section` (markers included), or appended.
fn with_section(doc: &str, name: &str, section: &str) -> String {
    match find_section(doc, name) {
        Some(old) => doc.replacen(old, section, 1),
        None => format!("{}\n\n{section}", doc.trim_end()),
    }
}

/// Writes what a bindings benchmark printed into its section of docs/PERFORMANCE.md, with the
/// date, the machine and the load, so the figure and its Rust baseline (same run) stay beside
/// the rest.
pub fn write_language_section(
    name: &str,
    title: &str,
    how: &str,
    printed: &str,
) -> Result<(), String> {
    let path = root().join("docs").join("PERFORMANCE.md");
    let doc = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let (start, end) = markers(name);
    let section = format!(
        "{start}## {title}\n\n{how}\n\n- Date: {}; machine: {}; load average after: {}.\n\n```text\n{}\n```\n{end}",
        output_of("date", &["-u", "+%Y-%m-%d %H:%M UTC"]),
        machine(),
        load_average(),
        printed.trim_end()
    );
    std::fs::write(&path, with_section(&doc, name, &section))
        .map_err(|e| format!("writing {}: {e}", path.display()))?;
    eprintln!("wrote the {name} section of {}", path.display());
    Ok(())
}

#[cfg(test)]
mod section_tests {
    use super::*;

    #[test]
    fn a_language_section_is_appended_then_replaced_and_found_again() {
        let doc = "# Performance\n\n| a | b |\n";
        let (start, end) = markers("swift");
        let one = format!("{start}first\n{end}");
        let two = format!("{start}second\n{end}");
        let with_one = with_section(doc, "swift", &one);
        assert!(with_one.starts_with(doc.trim_end()) && with_one.ends_with(&one));
        let with_two = with_section(&with_one, "swift", &two);
        assert_eq!(
            with_two.matches(start.as_str()).count(),
            1,
            "replaced, not added"
        );
        assert_eq!(find_section(&with_two, "swift"), Some(two.as_str()));
        assert_eq!(find_section(&with_two, "kotlin"), None);
    }
}
