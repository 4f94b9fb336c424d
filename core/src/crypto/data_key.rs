//! Encryption at rest for values that hold personal data.
//!
//! The local SQLite store never contains a personal-data value in the clear: each value
//! is sealed with the device's [`DataKey`] before it is written and opened after it is
//! read. The key itself lives in the platform keystore, not in the database.
//!
//! # Format
//!
//! ```text
//! version (1 byte, = 1) || nonce (24 bytes, random) || XChaCha20-Poly1305 ciphertext+tag
//! ```
//!
//! The AEAD associated data is `version || aad`, so the version byte is authenticated
//! too. A sealed value is always [`OVERHEAD`] bytes longer than its plaintext.
//!
//! # Why XChaCha20-Poly1305 with random nonces
//!
//! A store encrypts many values with one long-lived key, from several code paths, across
//! app restarts, reinstalls restored from backup and possibly several devices sharing a
//! key. Keeping a nonce counter consistent across all of that is fragile, and reusing a
//! nonce with the same key is catastrophic for any stream-cipher AEAD (it reveals the XOR
//! of two plaintexts and allows forgeries). XChaCha20's 192-bit nonce is large enough
//! that drawing it at random from the OS for every value is safe: the chance of a
//! collision stays negligible even after billions of encryptions (about 2⁻⁹⁶ after
//! 2⁴⁸ values). So no state needs to be kept, and re-encrypting a value always gives a
//! fresh ciphertext. It is also fast in software on phones without AES hardware.
//!
//! # Why associated data
//!
//! Encryption alone does not stop someone with write access to the database file from
//! moving a ciphertext: swapping the "victim name" of two referrals, or copying a value
//! into a column that is displayed elsewhere. [`aad`] binds each value to its table,
//! row id, column and schema version; opening it anywhere else fails with
//! [`CryptoError::WrongKeyOrCorrupt`]. Including the schema version means a migration
//! that changes a column's meaning must explicitly re-encrypt the column rather than
//! reinterpret old ciphertexts.
//!
//! # Wrong key versus corrupt row
//!
//! An AEAD cannot say *why* opening failed. To let a store tell "this database was
//! written with another key" (e.g. keystore reset) from "this row is damaged", it keeps
//! one [`DataKey::check_value`] in a metadata table and calls
//! [`DataKey::verify_check_value`] when it opens the database.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use super::CryptoError;

/// Length of a [`DataKey`] in bytes.
pub const KEY_LEN: usize = 32;

/// Format version written as the first byte of every sealed value.
pub const FORMAT_VERSION: u8 = 1;

/// Length of the random XChaCha20 nonce stored after the version byte.
pub const NONCE_LEN: usize = 24;

/// Length of the Poly1305 authentication tag at the end of a sealed value.
pub const TAG_LEN: usize = 16;

/// How many bytes [`DataKey::seal`] adds to a plaintext (version, nonce and tag).
pub const OVERHEAD: usize = 1 + NONCE_LEN + TAG_LEN;

/// Associated data used for key check values; it cannot collide with the output of
/// [`aad`], which always starts with a zero byte.
const CHECK_AAD: &[u8] = b"weprotect key check";

/// The fixed plaintext sealed in a key check value. Not secret.
const CHECK_PLAINTEXT: &[u8] = b"WEPROTECT data key check v1";

/// Domain label at the start of every [`aad`] output.
const AAD_LABEL: &[u8] = b"weprotect-at-rest-v1";

/// A 256-bit symmetric key for encrypting personal data at rest.
///
/// The bytes are wiped from memory when the key is dropped. `Debug` prints
/// `DataKey(..)`; there is no `Display` and no `Clone` (share it by reference, or wrap it
/// in an `Arc`).
pub struct DataKey {
    bytes: [u8; KEY_LEN],
}

impl Drop for DataKey {
    fn drop(&mut self) {
        self.bytes.zeroize();
    }
}

// Wiping happens in `Drop`; `Zeroize` is deliberately not implemented, so no caller can
// turn a live key into the all-zero key.
impl ZeroizeOnDrop for DataKey {}

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DataKey(..)")
    }
}

/// A key of one repeated byte (all zeros from an unset keystore slot, `ff..ff` from erased
/// flash, `aaaa...` typed by hand) is not a key: refused as [`CryptoError::InvalidKey`].
fn refuse_uniform(key: DataKey) -> Result<DataKey, CryptoError> {
    if key.bytes.iter().all(|b| *b == key.bytes[0]) {
        Err(CryptoError::InvalidKey)
    } else {
        Ok(key)
    }
}

impl DataKey {
    /// Takes ownership of exactly 32 key bytes. The vector is wiped before returning,
    /// whether or not its length is valid.
    ///
    /// # Errors
    ///
    /// [`CryptoError::InvalidKey`] if `bytes` is not exactly 32 bytes long, or is one byte
    /// repeated.
    pub fn from_bytes(mut bytes: Vec<u8>) -> Result<DataKey, CryptoError> {
        let result = <[u8; KEY_LEN]>::try_from(bytes.as_slice())
            .map(|b| DataKey { bytes: b })
            .map_err(|_| CryptoError::InvalidKey)
            .and_then(refuse_uniform);
        bytes.zeroize();
        result
    }

    /// Parses a key from 64 hex digits (upper or lower case).
    ///
    /// # Errors
    ///
    /// [`CryptoError::InvalidKey`] if `hex` is not exactly 64 hex digits, or is one byte
    /// repeated.
    pub fn from_hex(hex: &str) -> Result<DataKey, CryptoError> {
        let mut key = DataKey {
            bytes: [0; KEY_LEN],
        };
        hex::decode_to_slice(hex, &mut key.bytes).map_err(|_| CryptoError::InvalidKey)?;
        refuse_uniform(key)
    }

    /// Generates a new random key from the operating system's CSPRNG.
    ///
    /// # Panics
    ///
    /// If the operating system cannot provide random bytes (as `hpke` does too); there
    /// is no safe way to continue without them.
    pub fn generate() -> DataKey {
        let mut key = DataKey {
            bytes: [0; KEY_LEN],
        };
        fill_random(&mut key.bytes);
        key
    }

    /// The key as 64 lower-case hex digits, for handing to the platform keystore. The
    /// returned string is wiped when dropped; do not copy it elsewhere.
    pub fn to_hex(&self) -> Zeroizing<String> {
        Zeroizing::new(hex::encode(self.bytes))
    }

    /// Encrypts `plaintext` bound to `aad` (normally built with [`aad`]), with a fresh
    /// random nonce. Returns `version || nonce || ciphertext || tag`.
    ///
    /// # Panics
    ///
    /// If the operating system cannot provide random bytes, or the plaintext exceeds
    /// XChaCha20-Poly1305's limit of about 256 GiB.
    pub fn seal(&self, aad: &[u8], plaintext: &[u8]) -> Vec<u8> {
        let mut nonce = [0u8; NONCE_LEN];
        fill_random(&mut nonce);
        let full_aad = versioned_aad(aad);
        let ciphertext = self
            .cipher()
            .encrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: plaintext,
                    aad: &full_aad,
                },
            )
            .expect("XChaCha20-Poly1305 encryption only fails for plaintexts over 256 GiB");
        let mut out = Vec::with_capacity(OVERHEAD + plaintext.len());
        out.push(FORMAT_VERSION);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ciphertext);
        out
    }

    /// Decrypts a value produced by [`DataKey::seal`] with the same key and `aad`.
    ///
    /// # Errors
    ///
    /// * [`CryptoError::UnsupportedVersion`] if the first byte is not a known format
    ///   version.
    /// * [`CryptoError::WrongKeyOrCorrupt`] if the key or `aad` differ from the ones used
    ///   to seal, or the value is truncated or was modified.
    pub fn open(&self, aad: &[u8], ciphertext: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let (&version, rest) = ciphertext
            .split_first()
            .ok_or(CryptoError::WrongKeyOrCorrupt)?;
        if version != FORMAT_VERSION {
            return Err(CryptoError::UnsupportedVersion(version));
        }
        if rest.len() < NONCE_LEN + TAG_LEN {
            return Err(CryptoError::WrongKeyOrCorrupt);
        }
        let (nonce, body) = rest.split_at(NONCE_LEN);
        let nonce = XNonce::try_from(nonce).map_err(|_| CryptoError::WrongKeyOrCorrupt)?;
        let full_aad = versioned_aad(aad);
        self.cipher()
            .decrypt(
                &nonce,
                Payload {
                    msg: body,
                    aad: &full_aad,
                },
            )
            .map_err(|_| CryptoError::WrongKeyOrCorrupt)
    }

    /// A value that proves knowledge of this key without revealing it: a sealed fixed
    /// constant. Store it once next to the encrypted data; later,
    /// [`DataKey::verify_check_value`] tells whether a key is the one the data was
    /// written with. Each call returns different bytes (random nonce); all verify.
    pub fn check_value(&self) -> Vec<u8> {
        self.seal(CHECK_AAD, CHECK_PLAINTEXT)
    }

    /// Whether `value` is a [`DataKey::check_value`] made with this key.
    pub fn verify_check_value(&self, value: &[u8]) -> bool {
        self.open(CHECK_AAD, value)
            .is_ok_and(|plaintext| plaintext == CHECK_PLAINTEXT)
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        // The cipher keeps its own copy of the key and zeroizes it on drop.
        XChaCha20Poly1305::new(&self.bytes.into())
    }
}

/// Builds associated data that binds a sealed value to where it is stored.
///
/// The encoding is unambiguous: a domain label and each string are prefixed with their
/// length as a 64-bit big-endian integer, followed by `schema_version` as 32-bit big
/// endian, so no two different `(table, row_id, column, schema_version)` tuples give the
/// same bytes (for instance `("ab", "c")` and `("a", "bc")` differ).
///
/// `row_id` must be the row's stable identifier (for example the referral UUID), not a
/// SQLite `rowid` that `VACUUM` may renumber.
pub fn aad(table: &str, row_id: &str, column: &str, schema_version: u32) -> Vec<u8> {
    let mut out =
        Vec::with_capacity(4 * 8 + AAD_LABEL.len() + table.len() + row_id.len() + column.len() + 4);
    for field in [
        AAD_LABEL,
        table.as_bytes(),
        row_id.as_bytes(),
        column.as_bytes(),
    ] {
        out.extend_from_slice(&(field.len() as u64).to_be_bytes());
        out.extend_from_slice(field);
    }
    out.extend_from_slice(&schema_version.to_be_bytes());
    out
}

/// `FORMAT_VERSION || aad`: authenticates the version byte along with the caller's AAD.
fn versioned_aad(aad: &[u8]) -> Vec<u8> {
    let mut full = Vec::with_capacity(1 + aad.len());
    full.push(FORMAT_VERSION);
    full.extend_from_slice(aad);
    full
}

fn fill_random(buf: &mut [u8]) {
    getrandom::fill(buf).expect("the operating system random number generator failed");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row_aad() -> Vec<u8> {
        aad("referral_drafts", "r-1", "victim_name", 3)
    }

    #[test]
    fn seal_then_open_round_trips() {
        let key = DataKey::generate();
        let sealed = key.seal(&row_aad(), b"Jane Doe");
        assert_eq!(sealed.len(), b"Jane Doe".len() + OVERHEAD);
        assert_eq!(sealed[0], FORMAT_VERSION);
        assert_eq!(key.open(&row_aad(), &sealed).unwrap(), b"Jane Doe");
    }

    #[test]
    fn empty_plaintext_round_trips() {
        let key = DataKey::generate();
        let sealed = key.seal(b"", b"");
        assert_eq!(sealed.len(), OVERHEAD);
        assert_eq!(key.open(b"", &sealed).unwrap(), b"");
    }

    #[test]
    fn sealing_twice_gives_different_ciphertexts() {
        let key = DataKey::generate();
        let a = key.seal(&row_aad(), b"same");
        let b = key.seal(&row_aad(), b"same");
        assert_ne!(a, b, "nonces must be fresh");
        assert_ne!(a[1..1 + NONCE_LEN], b[1..1 + NONCE_LEN]);
    }

    #[test]
    fn ciphertext_does_not_contain_plaintext() {
        let key = DataKey::generate();
        let secret = b"12 Acacia Avenue, refuge address";
        let sealed = key.seal(&row_aad(), secret);
        assert!(!sealed.windows(secret.len()).any(|w| w == secret));
    }

    #[test]
    fn open_with_wrong_key_is_refused() {
        let sealed = DataKey::generate().seal(&row_aad(), b"Jane Doe");
        assert_eq!(
            DataKey::generate().open(&row_aad(), &sealed),
            Err(CryptoError::WrongKeyOrCorrupt)
        );
    }

    #[test]
    fn ciphertext_is_bound_to_its_row() {
        let key = DataKey::generate();
        let sealed = key.seal(&aad("referral_drafts", "r-1", "victim_name", 3), b"Jane");
        for other in [
            aad("referral_drafts", "r-2", "victim_name", 3),
            aad("referral_drafts", "r-1", "suspect_name", 3),
            aad("outbox", "r-1", "victim_name", 3),
            aad("referral_drafts", "r-1", "victim_name", 4),
        ] {
            assert_eq!(
                key.open(&other, &sealed),
                Err(CryptoError::WrongKeyOrCorrupt)
            );
        }
    }

    #[test]
    fn aad_fields_are_unambiguous() {
        assert_ne!(aad("ab", "c", "d", 1), aad("a", "bc", "d", 1));
        assert_ne!(aad("a", "b", "cd", 1), aad("a", "bc", "d", 1));
        assert_ne!(aad("a", "", "b", 1), aad("a", "b", "", 1));
        assert_ne!(aad("a", "b", "c", 1), aad("a", "b", "c", 256));
        assert_eq!(aad("a", "b", "c", 1), aad("a", "b", "c", 1));
        assert_eq!(
            aad("", "", "", 0)[0],
            0,
            "never collides with the check AAD"
        );
    }

    #[test]
    fn any_single_bit_flip_is_detected() {
        let key = DataKey::generate();
        let sealed = key.seal(&row_aad(), b"Jane Doe, DOB 1990-01-01");
        for i in 1..sealed.len() {
            for bit in 0..8 {
                let mut tampered = sealed.clone();
                tampered[i] ^= 1 << bit;
                assert_eq!(
                    key.open(&row_aad(), &tampered),
                    Err(CryptoError::WrongKeyOrCorrupt),
                    "byte {i} bit {bit}"
                );
            }
        }
    }

    #[test]
    fn unknown_format_version_is_reported() {
        let key = DataKey::generate();
        let mut sealed = key.seal(&row_aad(), b"x");
        sealed[0] = 2;
        assert_eq!(
            key.open(&row_aad(), &sealed),
            Err(CryptoError::UnsupportedVersion(2))
        );
    }

    #[test]
    fn truncated_values_are_refused_without_panicking() {
        let key = DataKey::generate();
        let sealed = key.seal(&row_aad(), b"Jane Doe");
        for len in 0..sealed.len() {
            assert_eq!(
                key.open(&row_aad(), &sealed[..len]),
                Err(CryptoError::WrongKeyOrCorrupt),
                "length {len}"
            );
        }
    }

    #[test]
    fn check_value_tells_right_key_from_wrong_key() {
        let key = DataKey::generate();
        let check = key.check_value();
        assert!(key.verify_check_value(&check));
        assert!(key.verify_check_value(&key.check_value()));
        assert!(!DataKey::generate().verify_check_value(&check));
        assert!(!key.verify_check_value(&check[..check.len() - 1]));
        assert!(!key.verify_check_value(b""));
        // A check value is not accepted as a row value, nor a row value as a check value.
        assert!(key.open(&row_aad(), &check).is_err());
        assert!(!key.verify_check_value(&key.seal(&row_aad(), CHECK_PLAINTEXT)));
    }

    #[test]
    fn from_bytes_requires_exactly_32_bytes() {
        assert!(DataKey::from_bytes((0..32).collect()).is_ok());
        for len in [0, 1, 31, 33, 64] {
            assert_eq!(
                DataKey::from_bytes(vec![7; len]).unwrap_err(),
                CryptoError::InvalidKey
            );
        }
    }

    #[test]
    fn from_hex_requires_64_hex_digits() {
        let hex64 = "00112233445566778899aabbccddeeff00112233445566778899AABBCCDDEEFF";
        let key = DataKey::from_hex(hex64).unwrap();
        assert_eq!(*key.to_hex(), hex64.to_ascii_lowercase());
        for bad in [
            "",
            &hex64[..62],
            &format!("{hex64}00"),
            &hex64.replace('f', "g"),
            " 0112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
        ] {
            assert_eq!(DataKey::from_hex(bad).unwrap_err(), CryptoError::InvalidKey);
        }
    }

    #[test]
    fn a_key_of_one_repeated_byte_is_refused() {
        for byte in [0x00u8, 0xff, 0xaa, 0x07] {
            assert_eq!(
                DataKey::from_bytes(vec![byte; 32]).unwrap_err(),
                CryptoError::InvalidKey
            );
            assert_eq!(
                DataKey::from_hex(&hex::encode([byte; 32])).unwrap_err(),
                CryptoError::InvalidKey
            );
        }
        let mut almost = vec![0u8; 32];
        almost[31] = 1;
        assert!(DataKey::from_bytes(almost).is_ok());
    }

    #[test]
    fn keys_from_bytes_and_hex_agree() {
        let a = DataKey::from_bytes([0xab, 0xcd].repeat(16)).unwrap();
        let b = DataKey::from_hex(&"abcd".repeat(16)).unwrap();
        assert_eq!(b.open(b"x", &a.seal(b"x", b"data")).unwrap(), b"data");
    }

    #[test]
    fn debug_and_errors_do_not_reveal_key_bytes() {
        let key = DataKey::from_bytes([0x5a, 0x5b].repeat(16)).unwrap();
        let debug = format!("{key:?}");
        assert_eq!(debug, "DataKey(..)");
        let err = key.open(b"", b"\x01garbage").unwrap_err();
        assert!(!format!("{err} {err:?}").contains("5a5b"));
    }

    #[test]
    fn key_is_zeroized_on_drop() {
        fn assert_zeroize_on_drop<T: ZeroizeOnDrop>() {}
        assert_zeroize_on_drop::<DataKey>();
    }
}
