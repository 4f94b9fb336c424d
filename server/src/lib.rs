//! The reference intake server: receives sealed referrals from devices exactly once, gives a
//! receipt, and tells the sending device what happened next.
//!
//! It exists so that the device side (core's outbox and sync engine, `weprotect demo`) can be
//! built and tested end to end against something that behaves like a real receiving service,
//! including its failures: faults can be injected on purpose (see [`Faults`]). A deploying
//! service may run it as it is or implement the same API (`docs/intake-api.openapi.yaml`).
//!
//! What it promises, and where each promise is kept:
//!
//! * **Exactly once** (`records`, `storage`): the referral id is the primary key of a
//!   permanent table in SQLite (the default) or in a PostgreSQL database that several instances
//!   share ([`Database`]); the row is committed durably before `201` is sent, and a replay of
//!   the same bytes returns the same [`Receipt`] for ever, from any instance.
//! * **Encrypted at rest** (`keys`): the referral JSON is stored sealed with a data key; the
//!   envelope is opened with the service key; the service keys are kept in the database only
//!   sealed with the data key, which never is.
//! * **No personal data in logs or errors** (`error`, `routes`): logs name a route template,
//!   a status and a referral id; errors carry fixed codes; validation problems carry paths and
//!   codes only.
//!
//! Use from tests and the demo:
//!
//! ```no_run
//! # async fn demo() -> weprotect_server::Result<()> {
//! let dir = std::path::Path::new("/tmp/intake");
//! let server = weprotect_server::start(weprotect_server::ServerConfig::new(dir)).await?;
//! let token = weprotect_server::issue_token(dir, "demo device")?;
//! let service = server.service_config(); // endpoint, key id, public key for the device
//! # let _ = (token, service);
//! server.shutdown().await;
//! # Ok(()) }
//! ```
#![deny(missing_docs)]

mod addenda;
mod auth;
mod body;
mod config;
pub mod console;
mod db;
mod error;
mod faults;
mod files;
mod idle;
mod json_io;
mod keys;
mod limits;
mod log;
mod records;
mod routes;
mod serve;
mod status;
mod storage;
mod tokens;

pub use addenda::{Addendum, AddendumReceipt, read_addenda};
pub use config::{DEFAULT_MAX_BODY_BYTES, ServerConfig};
pub use console::ConsoleSettings;
pub use db::DB_FILE;
pub use error::{ApiError, Result, ServerError, WireProblem};
pub use faults::{Faults, FaultsParseError, MAX_FAULT_DELAY_MS, MAX_RETRY_AFTER_SECS};
pub use keys::{DATA_KEY_FILE, OLD_SERVICE_KEYS_DIR, SERVICE_KEY_FILE};
pub use limits::{Limits, Rate};
pub use log::{LogLines, LogTarget};
pub use records::{Receipt, read_referral, receipts, referral_count};
pub use serve::{RunningServer, run, start};
pub use status::{ReferralStatus, StatusEntry, UnknownStatus, add_status, status_history};
pub use storage::{Database, Storage, UnknownDatabase};
pub use tokens::{IssuedToken, MAX_LABEL_CHARS, TokenInfo, issue_token, list_tokens, revoke_token};
