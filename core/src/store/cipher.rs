//! Encrypted columns and clear timestamps: the two ways a value is written to the store.
//!
//! Every value that can hold personal data passes through [`seal`] on the way in and [`open`]
//! on the way out, with associated data naming its table, row id, column and the row's
//! referral schema version, so a ciphertext moved to another row or column does not decrypt.
//! The key was proven right when the store was opened, so a value that fails to open here is
//! damaged, not encrypted with another key.

use chrono::{DateTime, Utc};

use super::error::{Result, StoreError};
use crate::crypto::{DataKey, data_key};

/// Where an encrypted value lives.
#[derive(Clone, Copy)]
pub(crate) struct Column {
    pub table: &'static str,
    pub column: &'static str,
}

pub(crate) const DRAFT_BODY: Column = Column {
    table: "drafts",
    column: "body",
};
pub(crate) const DRAFT_SUMMARY: Column = Column {
    table: "drafts",
    column: "summary",
};
pub(crate) const DRAFT_TYPED: Column = Column {
    table: "drafts",
    column: "typed",
};
pub(crate) const OUTBOX_LOCAL_COPY: Column = Column {
    table: "outbox",
    column: "local_copy",
};
pub(crate) const OUTBOX_SUMMARY: Column = Column {
    table: "outbox",
    column: "summary",
};

/// Encrypts `plaintext` for `column` of row `row_id`.
pub(crate) fn seal(
    key: &DataKey,
    column: Column,
    row_id: &str,
    schema_version: u32,
    plaintext: &[u8],
) -> Vec<u8> {
    let aad = data_key::aad(column.table, row_id, column.column, schema_version);
    key.seal(&aad, plaintext)
}

/// Decrypts a value written by [`seal`] for the same place.
pub(crate) fn open(
    key: &DataKey,
    column: Column,
    row_id: &str,
    schema_version: u32,
    ciphertext: &[u8],
) -> Result<Vec<u8>> {
    let aad = data_key::aad(column.table, row_id, column.column, schema_version);
    key.open(&aad, ciphertext)
        .map_err(|_| StoreError::CorruptStore("an encrypted value does not open"))
}

/// A time as stored: unix milliseconds, UTC.
pub(crate) fn to_millis(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

/// A stored time back as a `DateTime`.
pub(crate) fn from_millis(ms: i64) -> Result<DateTime<Utc>> {
    DateTime::from_timestamp_millis(ms).ok_or(StoreError::CorruptStore("timestamp out of range"))
}

/// A schema version as stored (an SQLite integer).
pub(crate) fn version_from_sql(v: i64) -> Result<u32> {
    u32::try_from(v).map_err(|_| StoreError::CorruptStore("schema version out of range"))
}

/// True when `code` is a short code (1 to 64 of `A-Z a-z 0-9 _ . - :`), not free text.
pub(crate) fn is_code(code: &str) -> bool {
    !code.is_empty()
        && code.len() <= 64
        && code
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-' | b':'))
}

/// Checks that a code from the service or the sync engine (error, rejection or status code) is
/// a short code and not free text: these are stored in clear, so they must not be able to
/// carry personal data.
pub(crate) fn check_code(code: &str) -> Result<()> {
    if is_code(code) {
        Ok(())
    } else {
        Err(StoreError::InvalidArgument(
            "codes are 1 to 64 characters of a-z, A-Z, 0-9, '_', '.', '-', ':'",
        ))
    }
}
