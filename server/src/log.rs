//! Where the server's log lines go, and what they may contain.
//!
//! A line names a route template, a status, a duration and at most a referral id (a random
//! UUID). It never holds a request body, a header value, a raw path or a validation message:
//! those can carry personal data. Lines can be collected in memory ([`LogTarget::Memory`]) so
//! a test can prove that after a whole run.
//!
//! Warnings (fault injection on, database errors, accept failures) always reach stderr as well,
//! because an operator must not miss them.

use std::sync::{Arc, Mutex};

/// Where log lines go.
#[derive(Debug, Clone, Default)]
pub enum LogTarget {
    /// Nowhere, except warnings, which go to stderr (the default: quiet tests and demo).
    #[default]
    Off,
    /// One line per request to stderr (`weprotect serve`).
    Stderr,
    /// Kept in memory, for tests; warnings also go to stderr.
    Memory(LogLines),
}

/// Log lines collected in memory; cheap to clone (a shared handle).
#[derive(Debug, Clone, Default)]
pub struct LogLines(Arc<Mutex<Vec<String>>>);

impl LogLines {
    /// An empty collection.
    pub fn new() -> LogLines {
        LogLines::default()
    }

    /// Every line so far.
    pub fn lines(&self) -> Vec<String> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn push(&self, line: String) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).push(line);
    }
}

impl LogTarget {
    /// Whether request lines are written at all.
    pub(crate) fn requests_on(&self) -> bool {
        !matches!(self, LogTarget::Off)
    }

    /// A request line (dropped when off).
    pub(crate) fn request(&self, line: String) {
        match self {
            LogTarget::Off => {}
            LogTarget::Stderr => eprintln!("weprotect-server: {line}"),
            LogTarget::Memory(lines) => lines.push(line),
        }
    }

    /// A warning: always on stderr, and collected too in memory mode.
    pub(crate) fn warn(&self, line: String) {
        eprintln!("weprotect-server: {line}");
        if let LogTarget::Memory(lines) = self {
            lines.push(line);
        }
    }
}
