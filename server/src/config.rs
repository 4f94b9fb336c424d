//! How to run a server: one struct of named values with defaults that tests override.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;

use weprotect_core::crypto::DataKey;

use crate::faults::Faults;
use crate::limits::Limits;
use crate::log::LogTarget;
use crate::storage::Database;

/// Default limit on a request body: 256 KiB, far above a referral with many children.
pub const DEFAULT_MAX_BODY_BYTES: usize = 256 * 1024;

/// Settings of a server. Start from [`ServerConfig::new`] and change what you need.
#[derive(Clone)]
pub struct ServerConfig {
    /// Directory holding the database, the key files and `service.json`; created if missing.
    pub data_dir: PathBuf,
    /// Address to listen on; port 0 picks a free port (see `RunningServer::url`).
    /// Default `127.0.0.1:0`.
    pub bind: SocketAddr,
    /// The endpoint to write into `service.json` when it differs from `http://<bound address>`
    /// (behind a TLS-terminating proxy, for example).
    pub public_url: Option<String>,
    /// Faults to inject (none by default).
    pub faults: Faults,
    /// Largest accepted request body; larger gets 413.
    pub max_body_bytes: usize,
    /// The data key, when it comes from outside (a KMS). `None`: kept in `data_dir/data_key.hex`.
    pub data_key: Option<Arc<DataKey>>,
    /// Bearer token for the admin endpoint. `None` (the default) disables the endpoint.
    pub admin_token: Option<String>,
    /// Connection, body and rate limits (see [`Limits`]); on by default.
    pub limits: Limits,
    /// Where to log one line per request (method, route template, status, duration, referral
    /// id). Off by default so tests and the demo stay quiet; `weprotect serve` uses `Stderr`.
    pub log: LogTarget,
    /// Where the records are kept: SQLite in `data_dir` (the default) or a PostgreSQL
    /// database that several instances may share (see `docs/intake-server.md`).
    pub database: Database,
    /// The advisors' console at `/console/` (issue 24): its time limits and targets.
    pub console: crate::console::ConsoleSettings,
}

impl ServerConfig {
    /// Defaults: loopback on a free port, no faults, 256 KiB bodies, key files in `data_dir`,
    /// no admin endpoint, the default [`Limits`], no request log.
    pub fn new(data_dir: impl Into<PathBuf>) -> ServerConfig {
        ServerConfig {
            data_dir: data_dir.into(),
            bind: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            public_url: None,
            faults: Faults::default(),
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            data_key: None,
            admin_token: None,
            limits: Limits::default(),
            log: LogTarget::Off,
            database: Database::DataDir,
            console: crate::console::ConsoleSettings::default(),
        }
    }
}

impl std::fmt::Debug for ServerConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerConfig")
            .field("data_dir", &self.data_dir)
            .field("bind", &self.bind)
            .field("public_url", &self.public_url)
            .field("faults", &self.faults)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("data_key", &self.data_key.as_ref().map(|_| "(passed in)"))
            .field("admin_token", &self.admin_token.as_ref().map(|_| "(set)"))
            .field("limits", &self.limits)
            .field("log", &self.log)
            .field("database", &self.database)
            .field("console", &self.console)
            .finish()
    }
}
