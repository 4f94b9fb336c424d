//! The small public error the FFI exposes, and the one place store errors are mapped to it.
//!
//! Apps branch on what they can do something about: ask for the right key, offer a wipe, show
//! validation problems, retry later. So the public error is a handful of variants, each with a
//! stable [`WeprotectError::code`]; the rich causes (SQLite codes, I/O kinds) stay inside the
//! core. Neither carries personal data: problems have paths and codes, never typed values.

use crate::form::FormError;
use crate::store::StoreError;
use crate::sync::SyncError;
use crate::validation::{DocumentError, Problem};

/// An error as apps see it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WeprotectError {
    /// The data key is not the one the store was written with. Nothing was changed.
    #[error("wrong data key")]
    WrongKey,
    /// The store's file is not a WEPROTECT store. Nothing was changed.
    #[error("not a WEPROTECT store")]
    NotAWeprotectStore,
    /// The store is damaged. Nothing was deleted; the host may offer a wipe.
    #[error("the store is corrupt")]
    CorruptStore,
    /// The store was written by a newer app version.
    #[error("the store was written by a newer version")]
    TooNew,
    /// No draft or outbox entry with that id.
    #[error("not found")]
    NotFound,
    /// The referral is not ready to send, or cannot be read as a referral; every problem is
    /// listed.
    #[error("invalid referral ({} problem(s))", problems.len())]
    Invalid {
        /// The problems (paths and codes, no values).
        problems: Vec<Problem>,
    },
    /// The referral document is not JSON or has an unknown schema version.
    #[error("unreadable referral document: {reason}")]
    InvalidDocument {
        /// Why, without quoting the document.
        reason: String,
    },
    /// Not allowed in the entry's current state (for example reopening a delivered referral).
    #[error("not allowed in the current state")]
    InvalidState,
    /// An argument has the wrong shape.
    #[error("invalid argument")]
    InvalidArgument,
    /// The service configuration (key id or public key) is unusable.
    #[error("unusable service configuration")]
    ServiceConfig,
    /// The store was wiped.
    #[error("the store has been wiped")]
    Closed,
    /// The service refused the token and the host has no fresh one: the officer must sign in.
    /// Nothing was lost.
    #[error("sign-in needed")]
    NeedsSignIn,
    /// Storage failed (disk full, I/O error, busy); retrying may help.
    #[error("storage error")]
    Storage,
    /// The form has no field at this path (or no item at this position).
    #[error("no field {path} in the form")]
    UnknownField {
        /// The path (field names and indexes only).
        path: String,
    },
    /// A value of the wrong kind for the field (text for a yes/no...). Nothing was changed.
    #[error("{path} takes a {expected} value")]
    WrongKind {
        /// The field.
        path: String,
        /// The field's kind, e.g. `yes_no`.
        expected: String,
    },
    /// A choice that is not one of the field's options. Nothing was changed.
    #[error("{path}: not one of the options")]
    UnknownOption {
        /// The field.
        path: String,
    },
    /// A number or text the field cannot hold. Nothing was changed.
    #[error("{path}: out of range")]
    OutOfRange {
        /// The field.
        path: String,
    },
    /// The field is not shown now, so it takes no value. Nothing was changed.
    #[error("{path} is not shown now")]
    FieldHidden {
        /// The field.
        path: String,
    },
    /// The repeatable group is full. Nothing was changed.
    #[error("{path} already has {max} items")]
    GroupFull {
        /// The group.
        path: String,
        /// Its maximum.
        max: u32,
    },
    /// The app's own callback (its `TokenProvider`) threw, so the call could not go on.
    /// Nothing was sent and nothing was lost; the call may be retried.
    #[error("the app's token provider failed")]
    CallbackFailed,
    /// A bug inside the core (the FFI layer turns a caught panic into this). Nothing saved
    /// was lost; the call may be retried, and the app should report it.
    #[error("internal error")]
    Internal,
}

impl WeprotectError {
    /// A stable machine-readable code, e.g. `wrong_key`.
    pub fn code(&self) -> &'static str {
        match self {
            WeprotectError::WrongKey => "wrong_key",
            WeprotectError::NotAWeprotectStore => "not_a_weprotect_store",
            WeprotectError::CorruptStore => "corrupt_store",
            WeprotectError::TooNew => "too_new",
            WeprotectError::NotFound => "not_found",
            WeprotectError::Invalid { .. } => "invalid",
            WeprotectError::InvalidDocument { .. } => "invalid_document",
            WeprotectError::InvalidState => "invalid_state",
            WeprotectError::InvalidArgument => "invalid_argument",
            WeprotectError::ServiceConfig => "service_config",
            WeprotectError::Closed => "closed",
            WeprotectError::NeedsSignIn => "needs_sign_in",
            WeprotectError::Storage => "storage",
            WeprotectError::UnknownField { .. } => "unknown_field",
            WeprotectError::WrongKind { .. } => "wrong_kind",
            WeprotectError::UnknownOption { .. } => "unknown_option",
            WeprotectError::OutOfRange { .. } => "out_of_range",
            WeprotectError::FieldHidden { .. } => "field_hidden",
            WeprotectError::GroupFull { .. } => "group_full",
            WeprotectError::CallbackFailed => "callback_failed",
            WeprotectError::Internal => "internal",
        }
    }
}

impl From<StoreError> for WeprotectError {
    fn from(e: StoreError) -> WeprotectError {
        match e {
            StoreError::WrongKey => WeprotectError::WrongKey,
            StoreError::NotAWeprotectStore | StoreError::NotARegularFile(_) => {
                WeprotectError::NotAWeprotectStore
            }
            StoreError::CorruptStore(_) => WeprotectError::CorruptStore,
            StoreError::TooNew { .. } => WeprotectError::TooNew,
            StoreError::NotFound(_) => WeprotectError::NotFound,
            StoreError::Invalid(problems) => WeprotectError::Invalid { problems },
            StoreError::Document(DocumentError::Shape(problem)) => WeprotectError::Invalid {
                problems: vec![problem],
            },
            StoreError::Document(e) => WeprotectError::InvalidDocument {
                reason: e.to_string(),
            },
            StoreError::InvalidState(_) => WeprotectError::InvalidState,
            StoreError::InvalidArgument(_) => WeprotectError::InvalidArgument,
            StoreError::ServiceConfig(_) => WeprotectError::ServiceConfig,
            StoreError::Closed => WeprotectError::Closed,
            StoreError::Sqlite(_) | StoreError::Migration(_) | StoreError::Io(_) => {
                WeprotectError::Storage
            }
        }
    }
}

impl From<FormError> for WeprotectError {
    fn from(e: FormError) -> WeprotectError {
        match e {
            FormError::UnknownField { path } | FormError::NoSuchItem { path } => {
                WeprotectError::UnknownField { path }
            }
            FormError::WrongKind { path, expected, .. } => WeprotectError::WrongKind {
                path,
                expected: expected.to_string(),
            },
            FormError::UnknownOption { path } => WeprotectError::UnknownOption { path },
            FormError::OutOfRange { path } | FormError::TooLong { path } => {
                WeprotectError::OutOfRange { path }
            }
            FormError::Hidden { path } => WeprotectError::FieldHidden { path },
            FormError::GroupFull { path, max } => WeprotectError::GroupFull { path, max },
            FormError::Document(e) => StoreError::Document(e).into(),
            FormError::Store(e) => e.into(),
            FormError::Submitted | FormError::NoStore => WeprotectError::InvalidState,
        }
    }
}

impl From<SyncError> for WeprotectError {
    fn from(e: SyncError) -> WeprotectError {
        match e {
            SyncError::InvalidEndpoint
            | SyncError::InsecureEndpoint
            | SyncError::InvalidPin
            | SyncError::InvalidRootCertificate => WeprotectError::ServiceConfig,
            SyncError::NeedsSignIn => WeprotectError::NeedsSignIn,
            SyncError::Store(e) => e.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_errors_map_to_stable_codes() {
        assert_eq!(
            WeprotectError::from(StoreError::WrongKey).code(),
            "wrong_key"
        );
        assert_eq!(
            WeprotectError::from(StoreError::CorruptStore("x")).code(),
            "corrupt_store"
        );
        assert_eq!(
            WeprotectError::from(StoreError::NotFound("draft")).code(),
            "not_found"
        );
        let io = std::io::Error::other("disk");
        assert_eq!(WeprotectError::from(StoreError::Io(io)).code(), "storage");
        assert_eq!(
            WeprotectError::from(SyncError::InsecureEndpoint).code(),
            "service_config"
        );
        assert_eq!(
            WeprotectError::from(SyncError::Store(StoreError::WrongKey)).code(),
            "wrong_key"
        );
        let invalid = WeprotectError::from(StoreError::Invalid(vec![]));
        assert!(matches!(invalid, WeprotectError::Invalid { .. }));
    }
}
