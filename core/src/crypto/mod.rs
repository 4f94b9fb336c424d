//! Cryptography for personal data: encryption at rest and sealed referrals.
//!
//! A referral describes a victim of domestic abuse, the person suspected of it, and
//! often children. None of it may leak: not from a lost or seized phone, not from a
//! backup, not from a log line, not from a server that merely relays it. This module
//! has two independent parts:
//!
//! * [`data_key`]: a symmetric [`DataKey`] that encrypts individual values before they
//!   are written to the local SQLite store (drafts, outbox). Each ciphertext is bound to
//!   the table, row, column and schema version it was written for (see
//!   [`data_key::aad`]), so a value copied into another row or column fails to decrypt
//!   instead of silently appearing in the wrong place.
//! * [`envelope`]: seals a submitted referral to the receiving service's public key with
//!   HPKE (RFC 9180). Only the holder of the matching [`ServicePrivateKey`] can read it;
//!   every hop in between, including our own API and its logs, sees an opaque envelope
//!   whose only cleartext is a small header (key id, referral id, schema version).
//!
//! Design rules that hold throughout:
//!
//! * Secret key material is zeroized when dropped and is never printed: `Debug` shows
//!   `DataKey(..)` / `ServicePrivateKey { key_id, .. }`, and no [`CryptoError`] carries
//!   key bytes, plaintext or anything derived from them.
//! * Failures are deliberately coarse. A wrong key, a wrong row binding, a flipped bit
//!   and a truncated value all give [`CryptoError::WrongKeyOrCorrupt`]; an AEAD cannot
//!   tell these apart, and an attacker learns nothing from the error.
//! * Parsing untrusted bytes never panics.

pub mod data_key;
pub mod envelope;

pub use data_key::DataKey;
pub use envelope::{
    EnvelopeHeader, OpenedEnvelope, ServicePrivateKey, ServicePublicKey, open, peek, seal,
};

/// Why a cryptographic operation failed.
///
/// Messages are fixed strings: they never include key bytes, plaintext, ciphertext or
/// identifiers, so they are safe to log and to show to a user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    /// Key material has the wrong length, is not valid hex, or is not a usable key
    /// (for example an X25519 public key of small order).
    #[error("invalid key material")]
    InvalidKey,
    /// A key id or referral id is empty, longer than 128 bytes, or contains characters
    /// other than printable ASCII (`!`..=`~`).
    #[error("identifier must be 1 to 128 printable ASCII characters")]
    InvalidId,
    /// Decryption failed: the key is wrong, the associated data (row binding, envelope
    /// header) does not match, or the ciphertext is truncated, corrupt or tampered with.
    /// These cases are indistinguishable by design.
    #[error("wrong key, or the data is corrupt or has been tampered with")]
    WrongKeyOrCorrupt,
    /// An encrypted value starts with a format version this build does not know.
    #[error("unsupported encrypted value format version {0}")]
    UnsupportedVersion(u8),
    /// The bytes are not a well-formed sealed envelope (bad magic, bad lengths,
    /// invalid identifiers, or too short to hold a key and a tag).
    #[error("malformed envelope")]
    MalformedEnvelope,
    /// The envelope was sealed to a different key id than the private key offered.
    #[error("envelope was sealed to a different service key")]
    KeyIdMismatch,
    /// HPKE encryption failed for a reason other than an unusable public key.
    #[error("encryption failed")]
    SealFailed,
}
