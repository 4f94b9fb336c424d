//! `weprotect`: the command line face of the core, for people and for other tools.
//!
//! Exit codes are a contract: 0 success; 1 the input is understood but refused (for example an
//! invalid referral, with every problem listed); 2 the input could not be used at all (unreadable
//! file, not JSON, unknown schema version, bad arguments). No command prints personal data to
//! standard error, and none ends in a stack trace.

mod commands;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "weprotect",
    version,
    about = "Instant victim referral: core tools"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print a complete, valid example referral (fictional people) as JSON.
    Example,
    /// Check a referral strictly, as before sending. FILE may be `-` for standard input.
    Validate {
        /// The referral JSON file, or `-`.
        file: String,
        /// Print the problems as a JSON array.
        #[arg(long)]
        json: bool,
    },
    /// Print the JSON Schema of the referral (or write it to a file).
    Schema {
        /// Write to this file instead of standard output.
        #[arg(long)]
        write: Option<std::path::PathBuf>,
    },
}

/// How a command ended; mapped to the exit code contract above.
pub enum Outcome {
    /// Exit 0.
    Ok,
    /// Exit 1: understood but refused.
    Refused,
    /// Exit 2: unusable input; the message is printed to standard error.
    Unusable(String),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Example => commands::example::run(),
        Command::Validate { file, json } => commands::validate::run(&file, json),
        Command::Schema { write } => commands::schema::run(write.as_deref()),
    };
    match outcome {
        Outcome::Ok => ExitCode::SUCCESS,
        Outcome::Refused => ExitCode::from(1),
        Outcome::Unusable(message) => {
            eprintln!("weprotect: {message}");
            ExitCode::from(2)
        }
    }
}
