//! `weprotect validate FILE [--json] [--instrument FILE]...`: the strict check before sending.

use std::path::PathBuf;

use chrono::Utc;
use weprotect_core::instrument::{self, Instrument};
use weprotect_core::{DocumentError, Problem, parse_referral, validate_for_submission};

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
    let problems = match parse_referral(&text) {
        Ok(referral) => match validate_for_submission(&referral, Utc::now()) {
            Ok(()) => Vec::new(),
            Err(problems) => problems,
        },
        Err(DocumentError::Shape(problem)) => vec![problem],
        Err(e @ (DocumentError::NotJson { .. } | DocumentError::UnknownSchemaVersion { .. })) => {
            return Outcome::Unusable(format!("{}: {e}", display_name(file)));
        }
    };
    print_problems(&problems, json);
    if problems.is_empty() {
        Outcome::Ok
    } else {
        Outcome::Refused
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
