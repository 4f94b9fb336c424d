//! The editor's rich error. Each variant has a stable code (`form.wrong_kind`...), names the
//! path when it is one of the form's (paths name fields, never values), and never quotes what
//! was typed. `crate::error::WeprotectError` is what apps see; `From<FormError>` maps to it.

use crate::store::StoreError;
use crate::validation::DocumentError;

/// Why an editor call was refused. A refused `set`, `add_item` or `remove_item` changed nothing.
#[derive(Debug, thiserror::Error)]
pub enum FormError {
    /// The path names no field of the form (or no item that exists).
    #[error("no field {path} in the form")]
    UnknownField {
        /// The path, or `<unprintable>` when it is not made of path characters.
        path: String,
    },
    /// A value of the wrong kind for the field (text for a yes/no, a choice for a date...).
    #[error("{path} takes a {expected} value, not {given}")]
    WrongKind {
        /// The field.
        path: String,
        /// The field's kind, e.g. `yes_no`.
        expected: &'static str,
        /// The value's kind, e.g. `text`.
        given: &'static str,
    },
    /// A choice that is not one of the field's options.
    #[error("{path}: not one of the field's options")]
    UnknownOption {
        /// The field.
        path: String,
    },
    /// A number the field cannot hold.
    #[error("{path}: the number is out of range")]
    OutOfRange {
        /// The field.
        path: String,
    },
    /// Text longer than any field could take (far above its length limit).
    #[error("{path}: the text is too long to take")]
    TooLong {
        /// The field.
        path: String,
    },
    /// The field is not shown now (its condition does not hold), so it takes no value.
    #[error("{path} is not shown now")]
    Hidden {
        /// The field.
        path: String,
    },
    /// The repeatable group already has its maximum number of items.
    #[error("{path} already has the most items allowed ({max})")]
    GroupFull {
        /// The group.
        path: String,
        /// Its maximum.
        max: u32,
    },
    /// No item at that position of the group.
    #[error("{path}: no such item")]
    NoSuchItem {
        /// The group or item path.
        path: String,
    },
    /// The referral document could not be read.
    #[error("the referral document cannot be read: {0}")]
    Document(DocumentError),
    /// The store refused (wrong key, not found, invalid on submit, storage...).
    #[error("store: {0}")]
    Store(#[from] StoreError),
    /// The draft was submitted from this editor; it takes no more changes.
    #[error("the draft has been submitted")]
    Submitted,
    /// The editor has no store (it was opened from JSON), so it cannot save or submit.
    #[error("this editor has no store")]
    NoStore,
}

impl FormError {
    /// A stable machine-readable code, e.g. `form.wrong_kind`.
    pub fn code(&self) -> &'static str {
        match self {
            FormError::UnknownField { .. } => "form.unknown_field",
            FormError::WrongKind { .. } => "form.wrong_kind",
            FormError::UnknownOption { .. } => "form.unknown_option",
            FormError::OutOfRange { .. } => "form.out_of_range",
            FormError::TooLong { .. } => "form.too_long",
            FormError::Hidden { .. } => "form.hidden",
            FormError::GroupFull { .. } => "form.group_full",
            FormError::NoSuchItem { .. } => "form.no_such_item",
            FormError::Document(_) => "form.document",
            FormError::Store(_) => "form.store",
            FormError::Submitted => "form.submitted",
            FormError::NoStore => "form.no_store",
        }
    }

    /// The field path the error is about, if any.
    pub fn path(&self) -> Option<&str> {
        match self {
            FormError::UnknownField { path }
            | FormError::WrongKind { path, .. }
            | FormError::UnknownOption { path }
            | FormError::OutOfRange { path }
            | FormError::TooLong { path }
            | FormError::Hidden { path }
            | FormError::GroupFull { path, .. }
            | FormError::NoSuchItem { path } => Some(path),
            _ => None,
        }
    }
}

/// A path safe to put in an error: the path itself when it is made of path characters.
pub(crate) fn shown(path: &str) -> String {
    if super::path::is_printable(path) {
        path.to_string()
    } else {
        "<unprintable>".to_string()
    }
}
