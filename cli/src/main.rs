//! `weprotect`: the command line face of the core, for people and for other tools.
//!
//! Exit codes are a contract: 0 success; 1 the input is understood but refused (for example an
//! invalid referral, with every problem listed); 2 the input could not be used at all (unreadable
//! file, not JSON, unknown schema version, bad arguments). No command prints personal data to
//! standard error, and none ends in a stack trace.

mod commands;

use std::process::ExitCode;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "weprotect",
    version,
    about = "Instant victim referral: core tools"
)]
struct Cli {
    /// The device data directory (the encrypted store and service.json). The data key comes
    /// from the environment variable WEPROTECT_DATA_KEY (64 hex characters).
    #[arg(
        long,
        global = true,
        value_name = "DIR",
        default_value = "weprotect-data"
    )]
    data_dir: PathBuf,
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
    /// Drafts in the encrypted device store.
    Draft {
        #[command(subcommand)]
        action: DraftAction,
    },
    /// Validate a draft strictly, seal it to the service and queue it for sending. Invalid
    /// drafts are refused (exit 1) with the problems, as `validate` prints them.
    Submit {
        /// The draft id.
        draft_id: String,
        /// Print the result (or the problems) as JSON.
        #[arg(long)]
        json: bool,
    },
    /// List the outbox: queued, delivered (with receipts) and rejected referrals.
    Outbox {
        /// Print as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Destroy the device store (drafts and undelivered referrals). Needs no key.
    Wipe {
        /// Confirm.
        #[arg(long)]
        yes: bool,
    },
    /// Install the receiving service's description (endpoint, key id, public key) on this device.
    Configure {
        /// The service description JSON (as the intake server writes it), or `-`.
        #[arg(long, value_name = "FILE")]
        service: String,
    },
}

#[derive(Subcommand)]
enum DraftAction {
    /// Save referral JSON as a draft and print its id. FILE may be `-` for standard input.
    Save {
        /// The referral JSON file, or `-`.
        file: String,
        /// Overwrite this existing draft (autosave) instead of creating a new one.
        #[arg(long)]
        id: Option<String>,
    },
    /// List drafts, most recently saved first.
    List {
        /// Print as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Print a draft's referral JSON.
    Show {
        /// The draft id.
        id: String,
    },
    /// Delete a draft.
    Delete {
        /// The draft id.
        id: String,
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
    let dir = cli.data_dir;
    let outcome = match cli.command {
        Command::Example => commands::example::run(),
        Command::Validate { file, json } => commands::validate::run(&file, json),
        Command::Schema { write } => commands::schema::run(write.as_deref()),
        Command::Draft { action } => match action {
            DraftAction::Save { file, id } => commands::draft::save(&dir, &file, id),
            DraftAction::List { json } => commands::draft::list(&dir, json),
            DraftAction::Show { id } => commands::draft::show(&dir, id),
            DraftAction::Delete { id } => commands::draft::delete(&dir, id),
        },
        Command::Submit { draft_id, json } => commands::submit::run(&dir, draft_id, json),
        Command::Outbox { json } => commands::outbox::run(&dir, json),
        Command::Wipe { yes } => commands::wipe::run(&dir, yes),
        Command::Configure { service } => commands::configure::run(&dir, &service),
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
