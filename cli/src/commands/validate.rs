//! `weprotect validate FILE [--json]`: the strict check before sending.

use chrono::Utc;
use weprotect_core::{DocumentError, Problem, parse_referral, validate_for_submission};

use super::read_input;
use crate::Outcome;

/// Validates the referral in `file` and prints every problem.
pub fn run(file: &str, json: bool) -> Outcome {
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
