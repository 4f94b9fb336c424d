//! `weprotect`: the command line face of the core, for people and for other tools.
//!
//! Exit codes are a contract: 0 success; 1 the input is understood but refused (for example an
//! invalid referral, with every problem listed); 2 the input could not be used at all (unreadable
//! file, not JSON, unknown schema version, bad arguments). No command prints personal data to
//! standard error, and none ends in a stack trace: an internal error (a bug) exits 70 with one
//! line, and a closed output pipe exits 141 quietly.

mod commands;

use std::io::Write;
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
    /// Print the form definition the apps render (sections, fields, words, conditions) as
    /// JSON, the same as the bindings' formDefinition().
    Form,
    /// Check a referral strictly, as before sending. FILE may be `-` for standard input.
    Validate {
        /// The referral JSON file, or `-`.
        file: String,
        /// Print the problems as a JSON array.
        #[arg(long)]
        json: bool,
        /// Load a risk instrument data file first (checked strictly; its errors name the line
        /// and column). Repeatable. The built-in DASH (2009) is always known.
        #[arg(long, value_name = "FILE")]
        instrument: Vec<std::path::PathBuf>,
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
    /// The referrer's own details, typed once, kept encrypted in the device store and filled
    /// into every new draft.
    Profile {
        #[command(subcommand)]
        action: ProfileAction,
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
    /// Send items that were to follow (a crime number issued later, a date of birth) for a
    /// referral already sent: FILE is a JSON object of paths and values, e.g.
    /// {"incident.crime_reference": "CR/123456/26"} (paths as `weprotect outbox` lists them),
    /// or `-`. Checked by each field's rules, sealed to the service and queued for the next sync.
    FollowUp {
        /// The referral id (as `weprotect outbox` lists it).
        referral_id: String,
        /// The JSON object of paths and values, or `-`.
        file: String,
        /// Print the result (or the problems) as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Record that the victim withdrew consent to a referral already sent: sealed to the
    /// service and queued for the next sync; the service stops and deletes the referral's
    /// content. Queued information about it is dropped, and nothing more can be added.
    Withdraw {
        /// The referral id (as `weprotect outbox` lists it).
        referral_id: String,
        /// Who withdrew consent.
        #[arg(long, value_enum, default_value = "victim")]
        by: commands::follow_up::By,
        /// How the withdrawal was recorded.
        #[arg(long, value_enum)]
        how: commands::follow_up::How,
        /// When consent was withdrawn (RFC 3339, e.g. 2026-12-06T14:05:00Z); now if left out.
        #[arg(long)]
        at: Option<chrono::DateTime<chrono::Utc>>,
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
    },
    /// List the outbox: queued, delivered (with receipts) and rejected referrals, the items
    /// each still has to follow, and the information and withdrawals sent after it.
    Outbox {
        /// Print as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Re-encrypt the device store under a new data key: the old key from WEPROTECT_DATA_KEY,
    /// the new one from WEPROTECT_NEW_DATA_KEY. Crash-safe: afterwards the store opens with
    /// exactly one of the two; run it again if it was interrupted.
    Rekey,
    /// Destroy the device store (drafts and undelivered referrals). Needs no key.
    Wipe {
        /// Confirm.
        #[arg(long)]
        yes: bool,
    },
    /// One bounded delivery pass to the configured service, then fetch status updates. The
    /// bearer token comes from WEPROTECT_TOKEN. Exit 1 when the token was refused or the
    /// certificate matched no pin (nothing was lost).
    Sync {
        /// Stop starting new deliveries after this many seconds.
        #[arg(long, default_value_t = 30)]
        deadline: u64,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Run the reference intake server until Ctrl-C. It writes service.json (for
    /// `weprotect configure`) into its directory.
    Serve {
        /// The server's data directory.
        #[arg(long, value_name = "DIR", default_value = "weprotect-service-data")]
        server_dir: PathBuf,
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8787")]
        bind: std::net::SocketAddr,
        /// Fault injection for testing, e.g. `503=0.2,drop=0.1,delay_ms=50` (off by default).
        #[arg(long)]
        faults: Option<String>,
        /// Where the records are kept: `sqlite` (a file in the data directory, the default) or
        /// a PostgreSQL URL `postgres://user:password@host:port/database` that several
        /// instances share (see docs/intake-server.md).
        #[arg(long, value_name = "URL", default_value = "sqlite")]
        database: String,
        /// A file holding the PostgreSQL password (leave it out of the URL, which `ps` shows);
        /// or set `WEPROTECT_DATABASE_PASSWORD`.
        #[arg(long, value_name = "FILE")]
        database_password_file: Option<PathBuf>,
        /// The zone the advisors' console shows times in and reads the victims' safe
        /// windows in (an IANA name).
        #[arg(long, value_name = "ZONE", default_value = "Europe/London")]
        time_zone: String,
    },
    /// Operator tasks of the reference server: device tokens and advisors' status updates.
    Admin {
        /// The server's data directory.
        #[arg(
            long,
            value_name = "DIR",
            default_value = "weprotect-service-data",
            global = true
        )]
        server_dir: PathBuf,
        /// The server's database: `sqlite` (in the data directory) or a PostgreSQL URL.
        #[arg(long, value_name = "URL", default_value = "sqlite", global = true)]
        database: String,
        /// A file holding the PostgreSQL password (leave it out of the URL, which `ps` shows);
        /// or set `WEPROTECT_DATABASE_PASSWORD`.
        #[arg(long, value_name = "FILE", global = true)]
        database_password_file: Option<PathBuf>,
        #[command(subcommand)]
        action: AdminAction,
    },
    /// The whole story on this machine: a service on loopback, a device, a referral queued
    /// without signal, delivered when signal returns, its receipt and a status update.
    Demo {
        /// Keep the device and service data under DIR for inspection.
        #[arg(long, value_name = "DIR")]
        keep: Option<PathBuf>,
        /// Keep the service running at the end and print the advisors' console address and a
        /// one-time sign-in (enrolment) link for a demo advisor.
        #[arg(long)]
        console: bool,
    },
    /// Install the receiving service's description (endpoint, key id, public key) on this device.
    Configure {
        /// The service description JSON (as the intake server writes it), or `-`.
        #[arg(long, value_name = "FILE")]
        service: String,
    },
}

#[derive(Subcommand)]
enum ProfileAction {
    /// Save the referrer's own details from FILE (JSON: officer_name, collar_number, rank,
    /// role, station, contact_phone, email; any may be left out). FILE may be `-`.
    Set {
        /// The profile JSON file, or `-`.
        file: String,
    },
    /// Print the saved details as JSON.
    Show,
    /// Forget the saved details.
    Clear,
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

#[derive(Subcommand)]
enum AdminAction {
    /// Issue a device token (printed once) with a label.
    TokenIssue {
        /// A label naming the device (not shared with other devices). Give a device's new token
        /// the same label when it signs in again: tokens with the same label read the same
        /// referrals' statuses.
        label: String,
    },
    /// Revoke a token, by id (tok_...) or by value.
    TokenRevoke {
        /// Token id or token.
        token: String,
    },
    /// List tokens (never their values).
    TokenList,
    /// Add an advisor (or supervisor) to the console and print their one-time enrolment link.
    AdvisorAdd {
        /// The advisor's email (used to sign in; only a hash of it is stored).
        email: String,
        /// `advisor` or `supervisor` (supervisors also see the audit log and workload).
        #[arg(long, default_value = "advisor")]
        role: String,
    },
    /// Revoke an advisor: their sessions end at once and they cannot sign in again.
    AdvisorRevoke {
        /// The advisor's email.
        email: String,
    },
    /// Print the console's audit log, newest first (ids, actions, times; no personal data).
    ConsoleAudit {
        /// How many entries.
        #[arg(long, default_value_t = 100)]
        limit: u32,
    },
    /// Record an advisor's action on a referral: advisor_assigned, victim_contacted,
    /// could_not_contact, legal_aid_applied, order_applied, order_granted, closed.
    Status {
        /// The referral id.
        referral_id: String,
        /// The status.
        status: String,
    },
    /// Print a received referral and its addenda (information that followed, withdrawals of
    /// consent), opened with the data key file of the data directory. Personal data: for the
    /// operator's screen only.
    Referral {
        /// The referral id.
        referral_id: String,
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

/// No stack traces and no panic text (which could quote data) reach the user. A closed output
/// pipe (`weprotect outbox | head -1`) ends the program quietly, as it would a Unix tool.
fn quiet_panics() {
    std::panic::set_hook(Box::new(|info| {
        let payload = info.payload();
        let message = payload
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| payload.downcast_ref::<&str>().copied())
            .unwrap_or("");
        if message.starts_with("failed printing to std") && message.contains("Broken pipe") {
            std::process::exit(141);
        }
        // `eprintln!` would abort if standard error is closed too.
        let _ = writeln!(
            std::io::stderr(),
            "weprotect: internal error (a bug; please report it). Nothing else was printed."
        );
        std::process::exit(70);
    }));
}

fn main() -> ExitCode {
    quiet_panics();
    let cli = Cli::parse();
    let dir = cli.data_dir;
    let outcome = match cli.command {
        Command::Example => commands::example::run(),
        Command::Form => commands::form::run(),
        Command::Validate {
            file,
            json,
            instrument,
        } => commands::validate::run(&file, json, &instrument),
        Command::Schema { write } => commands::schema::run(write.as_deref()),
        Command::Profile { action } => match action {
            ProfileAction::Set { file } => commands::profile::set(&dir, &file),
            ProfileAction::Show => commands::profile::show(&dir),
            ProfileAction::Clear => commands::profile::clear(&dir),
        },
        Command::Draft { action } => match action {
            DraftAction::Save { file, id } => commands::draft::save(&dir, &file, id),
            DraftAction::List { json } => commands::draft::list(&dir, json),
            DraftAction::Show { id } => commands::draft::show(&dir, id),
            DraftAction::Delete { id } => commands::draft::delete(&dir, id),
        },
        Command::Submit { draft_id, json } => commands::submit::run(&dir, draft_id, json),
        Command::Outbox { json } => commands::outbox::run(&dir, json),
        Command::FollowUp {
            referral_id,
            file,
            json,
        } => commands::follow_up::follow_up(&dir, referral_id, &file, json),
        Command::Withdraw {
            referral_id,
            by,
            how,
            at,
            json,
        } => commands::follow_up::withdraw(&dir, referral_id, by, how, at, json),
        Command::Wipe { yes } => commands::wipe::run(&dir, yes),
        Command::Rekey => commands::rekey::run(&dir),
        Command::Configure { service } => commands::configure::run(&dir, &service),
        Command::Sync { deadline, json } => commands::sync::run(&dir, deadline, json),
        Command::Serve {
            server_dir,
            bind,
            faults,
            database,
            database_password_file,
            time_zone,
        } => match commands::serve::database_url(&database, database_password_file.as_deref()) {
            Ok(database) => {
                commands::serve::serve(&server_dir, bind, faults.as_deref(), &database, &time_zone)
            }
            Err(outcome) => outcome,
        },
        Command::Admin {
            server_dir,
            database,
            database_password_file,
            action,
        } => match commands::serve::database_url(&database, database_password_file.as_deref()) {
            Err(outcome) => outcome,
            Ok(database) => {
                let at = commands::serve::ServerAt {
                    dir: &server_dir,
                    database: &database,
                };
                match action {
                    AdminAction::TokenIssue { label } => commands::serve::token_issue(&at, &label),
                    AdminAction::TokenRevoke { token } => {
                        commands::serve::token_revoke(&at, &token)
                    }
                    AdminAction::TokenList => commands::serve::token_list(&at),
                    AdminAction::AdvisorAdd { email, role } => {
                        commands::serve::advisor_add(&at, &email, &role)
                    }
                    AdminAction::AdvisorRevoke { email } => {
                        commands::serve::advisor_revoke(&at, &email)
                    }
                    AdminAction::ConsoleAudit { limit } => {
                        commands::serve::console_audit(&at, limit)
                    }
                    AdminAction::Status {
                        referral_id,
                        status,
                    } => commands::serve::status_add(&at, &referral_id, &status),
                    AdminAction::Referral { referral_id } => {
                        commands::serve::referral_show(&at, &referral_id)
                    }
                }
            }
        },
        Command::Demo { keep, console } => commands::demo::run(keep.as_deref(), console),
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
