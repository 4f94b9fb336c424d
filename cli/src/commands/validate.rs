//! `weprotect validate FILE [--json] [--instrument FILE]...`: the check before sending.
//!
//! Every finding is printed with its kind: errors (the referral cannot be sent: exit 1),
//! items to follow (sent on the referral's to-follow list) and warnings (the app asks the
//! referrer to confirm). Only errors make the exit code 1.

use std::path::PathBuf;

use chrono::Utc;
use weprotect_core::instrument::{self, Instrument};
use weprotect_core::{DocumentError, Problem, ProblemKind, parse_referral, validate_draft};

use super::read_input;
use crate::Outcome;

/// Validates the referral in `file` and prints every problem, after loading `instruments`.
pub fn run(file: &str, json: bool, instruments: &[PathBuf]) -> Outcome {
    for path in instruments {
        if let Err(message) = load_instrument(path) {
            return Outcome::Unusable(message);
        }
    }
    let text = match read_input(file) {
        Ok(text) => text,
        Err(message) => return Outcome::Unusable(message),
    };
    let findings = match parse_referral(&text) {
        Ok(referral) => {
            let report = validate_draft(&referral, Utc::now());
            // Errors first, then what will follow, then what to confirm.
            let mut all: Vec<Problem> = report.errors().cloned().collect();
            all.extend(report.to_follow().cloned());
            all.extend(report.warnings().cloned());
            all
        }
        Err(DocumentError::Shape(problem)) => vec![problem],
        Err(e @ (DocumentError::NotJson { .. } | DocumentError::UnknownSchemaVersion { .. })) => {
            return Outcome::Unusable(format!("{}: {e}", display_name(file)));
        }
    };
    print_findings(&findings, json);
    if findings.iter().any(Problem::is_error) {
        Outcome::Refused
    } else {
        Outcome::Ok
    }
}

/// Prints findings as `validate` does: a summary line and one line per finding under its
/// kind, or a JSON array whose items have `path`, `code`, `message` and `kind`.
pub fn print_findings(findings: &[Problem], json: bool) {
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(findings).expect("problems always serialise")
        );
        return;
    }
    let count = |kind| findings.iter().filter(|p| p.kind == kind).count();
    let (errors, follow, warnings) = (
        count(ProblemKind::Error),
        count(ProblemKind::ToFollow),
        count(ProblemKind::Warning),
    );
    if errors > 0 {
        println!("invalid: {errors} error(s)");
    } else if follow + warnings == 0 {
        println!("valid: ready to send");
    } else {
        println!("valid: can be sent ({follow} to follow, {warnings} to confirm)");
    }
    for (kind, heading) in [
        (ProblemKind::Error, "errors (cannot send until put right):"),
        (
            ProblemKind::ToFollow,
            "to follow (sent now, completed later):",
        ),
        (ProblemKind::Warning, "to confirm before sending:"),
    ] {
        let of_kind: Vec<&Problem> = findings.iter().filter(|p| p.kind == kind).collect();
        if of_kind.is_empty() || (errors == 0 && kind == ProblemKind::Error) {
            continue;
        }
        println!("{heading}");
        for p in of_kind {
            println!("  {}: {} [{}]", p.path, p.message, p.code);
        }
    }
}

/// Loads, checks and installs one instrument file; the error names the file and position.
fn load_instrument(path: &std::path::Path) -> Result<(), String> {
    let name = path.display();
    let file = std::fs::File::open(path)
        .map_err(|e| format!("cannot read instrument {name}: {}", e.kind()))?;
    let text = super::read_bounded(file, &format!("instrument {name}"))?;
    let loaded = Instrument::from_json(&text).map_err(|e| format!("instrument {name}: {e}"))?;
    instrument::install(loaded).map_err(|e| format!("instrument {name}: {e}"))
}

fn display_name(file: &str) -> &str {
    if file == "-" { "standard input" } else { file }
}

/// Prints problems as `validate` does: a summary line and one line per problem, or a JSON
/// array. Shared with `submit` so refusals look the same everywhere.
pub fn print_problems(problems: &[Problem], json: bool) {
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(problems).expect("problems always serialise")
        );
    } else if problems.is_empty() {
        println!("valid: ready to send");
    } else {
        println!("invalid: {} problem(s)", problems.len());
        for p in problems {
            println!("  {}: {} [{}]", p.path, p.message, p.code);
        }
    }
}
