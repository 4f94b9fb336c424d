//! The store's rich internal error.
//!
//! It keeps the underlying SQLite, crypto and I/O errors for diagnostics, and distinguishes the
//! cases a caller must handle differently (a wrong key is not a corrupt file; an invalid
//! referral is not a storage failure). The FFI never sees it: `crate::error::WeprotectError` is
//! the small public error, and `From<StoreError>` is the one place that maps between them.
//!
//! No variant carries personal data. Validation problems carry paths and codes only; SQLite
//! messages name tables and constraints, never bound values, because every value that can
//! hold personal data is encrypted before it reaches SQLite.

use crate::crypto::CryptoError;
use crate::validation::{DocumentError, Problem};

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The data key is not the one this store was written with. Nothing was changed.
    #[error("the data key is not the one this store was written with")]
    WrongKey,
    /// The database file is not a WEPROTECT store (another SQLite database, or not SQLite).
    /// Nothing was changed or deleted.
    #[error("the file is not a WEPROTECT store")]
    NotAWeprotectStore,
    /// A file of the store (the database, its WAL or shared-memory file) is not a regular file:
    /// a pipe or a device would make opening it hang or read garbage. Nothing was changed.
    #[error(
        "the {0} in the data directory is not a regular file (a pipe, a device or a directory)"
    )]
    NotARegularFile(&'static str),
    /// The store, or one value in it, cannot be read. Nothing was deleted.
    #[error("the store is corrupt ({0})")]
    CorruptStore(&'static str),
    /// The store was written by a newer build with a schema this build does not know.
    #[error("the store has schema version {found}; this build knows up to {supported}")]
    TooNew {
        /// The store's schema version.
        found: i64,
        /// The newest version this build knows.
        supported: usize,
    },
    /// No draft or outbox entry with that id.
    #[error("no such {0}")]
    NotFound(&'static str),
    /// The referral is not ready to send; every problem is listed. Nothing was changed.
    #[error("the referral is not ready to send ({} problem(s))", .0.len())]
    Invalid(Vec<Problem>),
    /// A referral document (JSON) could not be read.
    #[error("the referral document cannot be read: {0}")]
    Document(DocumentError),
    /// The operation does not apply to the entry in its current state.
    #[error("not allowed in the current state: {0}")]
    InvalidState(&'static str),
    /// An argument has the wrong shape (for example a status code that is not a code).
    #[error("invalid argument: {0}")]
    InvalidArgument(&'static str),
    /// The service configuration (key id or public key) is unusable.
    #[error("the service configuration is unusable: {0}")]
    ServiceConfig(CryptoError),
    /// The store was wiped; open it again to use it.
    #[error("the store has been wiped")]
    Closed,
    /// SQLite failed (disk full, I/O error, busy...).
    #[error("database error: {0}")]
    Sqlite(rusqlite::Error),
    /// A schema migration failed; the store is unchanged (migrations run in one transaction).
    #[error("schema migration failed: {0}")]
    Migration(rusqlite_migration::Error),
    /// The file system refused (permissions, missing directory...).
    #[error("file system error: {0}")]
    Io(#[from] std::io::Error),
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> StoreError {
        use rusqlite::ErrorCode::{DatabaseCorrupt, NotADatabase};
        match e.sqlite_error_code() {
            Some(NotADatabase) => StoreError::NotAWeprotectStore,
            Some(DatabaseCorrupt) => StoreError::CorruptStore("database file"),
            _ => StoreError::Sqlite(e),
        }
    }
}

impl From<rusqlite_migration::Error> for StoreError {
    fn from(e: rusqlite_migration::Error) -> StoreError {
        match e {
            rusqlite_migration::Error::RusqliteError { err, .. } => StoreError::from(err),
            other => StoreError::Migration(other),
        }
    }
}

/// Shorthand for results of store operations.
pub type Result<T> = std::result::Result<T, StoreError>;
