//! Who may sign in to the console, and how: an enrolment link, a password and a TOTP code.
//!
//! * **Passwords** follow NCSC guidance: a minimum length, no composition rules, no expiry, and
//!   a deny list of the most common passwords. They are hashed with argon2id (the `argon2`
//!   crate's defaults: 19 MiB, 2 passes, the OWASP recommendation), on the blocking pool.
//! * **Second factor**: RFC 6238 TOTP (SHA-1, 6 digits, 30 s, one step of clock skew), the
//!   kind every authenticator app reads. The secret is sealed with the data key; each code is
//!   accepted once (the last used step is kept), so a code seen over a shoulder is spent.
//! * **Enrolment**: `weprotect admin advisor-add` stores a SHA-256 of a random one-time token
//!   and prints the link; the advisor sets a password and proves the authenticator with a code.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use sha2::{Digest, Sha256};
use totp_rs::{Algorithm, TOTP};
use weprotect_core::crypto::DataKey;

use super::store::ConsoleStore;
use crate::error::{Result, ServerError};

/// Shortest password accepted (NCSC: length, not composition).
pub(crate) const MIN_PASSWORD_CHARS: usize = 12;
/// Longest password accepted (bounds the hashing work an attacker can ask for).
pub(crate) const MAX_PASSWORD_CHARS: usize = 256;
/// TOTP step in seconds.
const TOTP_STEP: u64 = 30;

/// The most common passwords (and patterns of them) that meet the length rule anyway.
const DENY_LIST: &str = include_str!("common_passwords.txt");

/// What an account may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Works referrals.
    Advisor,
    /// Works referrals, sees the audit log and everyone's workload.
    Supervisor,
}

impl Role {
    /// `advisor` or `supervisor`.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Advisor => "advisor",
            Role::Supervisor => "supervisor",
        }
    }
}

impl std::str::FromStr for Role {
    type Err = ServerError;
    fn from_str(s: &str) -> Result<Role> {
        match s {
            "advisor" => Ok(Role::Advisor),
            "supervisor" => Ok(Role::Supervisor),
            _ => Err(ServerError::Console("a role is `advisor` or `supervisor`")),
        }
    }
}

/// A new advisor's one-time enrolment.
#[derive(Debug, Clone)]
pub struct Enrolment {
    /// The advisor's id (`adv_<hex>`), as the audit log names them.
    pub advisor_id: String,
    /// The one-time token; the link is `<server>/console/enrol/<token>`.
    pub token: String,
}

impl Enrolment {
    /// The link's path, e.g. `/console/enrol/3f9a...`.
    pub fn path(&self) -> String {
        format!("/console/enrol/{}", self.token)
    }
}

/// The key an advisor is found by: a SHA-256 of the trimmed, lower-cased email. The email
/// itself is not stored.
pub(crate) fn email_lookup_key(email: &str) -> Vec<u8> {
    let mut hash = Sha256::new();
    hash.update(b"weprotect-console-email\0");
    hash.update(email.trim().to_lowercase().as_bytes());
    hash.finalize().to_vec()
}

/// Whether `email` looks like one: something@something.tld, no spaces, at most 254 bytes.
fn valid_email(email: &str) -> bool {
    let email = email.trim();
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    email.len() <= 254
        && !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
}

pub(crate) async fn add_advisor(
    store: &ConsoleStore,
    email: &str,
    role: Role,
    valid_for: chrono::Duration,
) -> Result<Enrolment> {
    if !valid_email(email) {
        return Err(ServerError::Console(
            "the email is not valid (expected name@example.org)",
        ));
    }
    let advisor_id = format!("adv_{}", crate::keys::random_hex(6)?);
    let token = crate::keys::random_hex(24)?;
    store
        .add_advisor(
            advisor_id.clone(),
            email_lookup_key(email),
            role.as_str(),
            sha256(token.as_bytes()),
            chrono::Utc::now() + valid_for,
        )
        .await?;
    Ok(Enrolment { advisor_id, token })
}

pub(crate) fn sha256(bytes: &[u8]) -> Vec<u8> {
    Sha256::digest(bytes).to_vec()
}

/// Why a password is refused, in words the advisor can act on.
pub(crate) fn password_problem(password: &str) -> Option<String> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Some(format!(
            "Use at least {MIN_PASSWORD_CHARS} characters. Three random words make a good password."
        ));
    }
    if chars > MAX_PASSWORD_CHARS {
        return Some(format!("Use at most {MAX_PASSWORD_CHARS} characters."));
    }
    let lowered = password.to_lowercase();
    let common = DENY_LIST
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .any(|l| lowered == l);
    let one_char = lowered.chars().all(|c| lowered.starts_with(c));
    if common || one_char {
        return Some(
            "This password is one of the most commonly used; choose another (three random words work well)."
                .to_string(),
        );
    }
    None
}

/// Hashes a password with argon2id on the blocking pool.
pub(crate) async fn hash_password(password: String) -> Result<String> {
    tokio::task::spawn_blocking(move || {
        let mut salt = [0u8; 16];
        getrandom::fill(&mut salt).map_err(|_| ServerError::Console("no randomness"))?;
        let salt = SaltString::encode_b64(&salt).map_err(|_| ServerError::Console("salt"))?;
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|_| ServerError::Console("password hashing failed"))
    })
    .await
    .map_err(|_| ServerError::Task)?
}

/// A hash to verify against when there is no account, so that an unknown email costs the
/// same time as a wrong password.
pub(crate) const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$2zvUQIy3ZXS7pM9oSV5n5zrl+mqt1V0bm8+Q6PDbXvE";

/// Checks a password against its argon2 hash on the blocking pool.
pub(crate) async fn verify_password(password: String, hash: String) -> bool {
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash).is_ok_and(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
    })
    .await
    .unwrap_or(false)
}

/// A new TOTP secret (160 bits, as RFC 4226 recommends).
pub(crate) fn new_totp_secret() -> Result<Vec<u8>> {
    let mut secret = vec![0u8; 20];
    getrandom::fill(&mut secret).map_err(|_| ServerError::Console("no randomness"))?;
    Ok(secret)
}

fn totp(secret: &[u8]) -> Result<TOTP> {
    TOTP::new(Algorithm::SHA1, 6, 1, TOTP_STEP, secret.to_vec())
        .map_err(|_| ServerError::Console("TOTP secret"))
}

/// The secret in base32, as people type it into an authenticator app.
pub(crate) fn totp_base32(secret: &[u8]) -> String {
    totp_rs::Secret::Raw(secret.to_vec())
        .to_encoded()
        .to_string()
}

/// The `otpauth://` URI an authenticator app reads (issuer only: no email in it).
pub(crate) fn totp_uri(secret: &[u8], advisor_id: &str) -> String {
    format!(
        "otpauth://totp/WEPROTECT:{advisor_id}?secret={}&issuer=WEPROTECT&algorithm=SHA1&digits=6&period={TOTP_STEP}",
        totp_base32(secret)
    )
}

/// The step (30-second window number) of `code` if it is valid now, within one step of skew.
pub(crate) fn totp_step(secret: &[u8], code: &str, now: u64) -> Option<i64> {
    let code = code.trim().replace(' ', "");
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let totp = totp(secret).ok()?;
    let step = now / TOTP_STEP;
    [step.saturating_sub(1), step, step + 1]
        .into_iter()
        .find(|s| totp.generate(s * TOTP_STEP) == code)
        .and_then(|s| i64::try_from(s).ok())
}

/// The code for `secret` at `now` (Unix seconds).
fn totp_code(secret: &[u8], now: u64) -> String {
    totp(secret).map(|t| t.generate(now)).unwrap_or_default()
}

/// The code an authenticator app shows at `now` (Unix seconds) for a key as the enrolment page
/// shows it (base32): what the tests and the demo's one-time sign-in type. `None` for a key
/// that is not base32.
pub fn totp_code_for_key(base32_key: &str, now: u64) -> Option<String> {
    let secret = totp_rs::Secret::Encoded(base32_key.trim().to_string())
        .to_bytes()
        .ok()?;
    Some(totp_code(&secret, now))
}

fn totp_aad(advisor_id: &str) -> Vec<u8> {
    weprotect_core::crypto::data_key::aad("console_advisors", advisor_id, "totp_secret", 1)
}

pub(crate) fn seal_totp(key: &DataKey, advisor_id: &str, secret: &[u8]) -> Vec<u8> {
    key.seal(&totp_aad(advisor_id), secret)
}

pub(crate) fn open_totp(key: &DataKey, advisor_id: &str, sealed: &[u8]) -> Result<Vec<u8>> {
    Ok(key.open(&totp_aad(advisor_id), sealed)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_need_length_not_composition_and_common_ones_are_refused() {
        assert!(password_problem("short").is_some());
        assert!(password_problem("correct horse battery staple").is_none());
        assert!(password_problem("alllowercaseletters").is_none());
        assert!(password_problem("Password1234").is_some());
        assert!(password_problem("aaaaaaaaaaaaaa").is_some());
        assert!(password_problem(&"x".repeat(300)).is_some());
    }

    #[test]
    fn a_totp_code_matches_rfc_6238_and_is_accepted_within_one_step_only() {
        // RFC 6238 appendix B, SHA-1, time 59: 94287082 (8 digits); 6 digits: 287082.
        let secret = b"12345678901234567890";
        assert_eq!(totp_code(secret, 59), "287082");
        assert_eq!(totp_step(secret, "287082", 59), Some(1));
        assert_eq!(totp_step(secret, "287 082", 75), Some(1));
        assert_eq!(totp_step(secret, "287082", 59 + 90), None);
        assert_eq!(totp_step(secret, "28708", 59), None);
    }

    #[test]
    fn emails_are_found_case_insensitively_and_checked_for_shape() {
        assert_eq!(
            email_lookup_key(" Sam@Service.example "),
            email_lookup_key("sam@service.example")
        );
        assert!(valid_email("sam@service.example"));
        assert!(!valid_email("sam@service"));
        assert!(!valid_email("sam service@x.example"));
    }

    #[tokio::test]
    async fn a_password_verifies_against_its_hash_and_no_other() {
        let hash = hash_password("correct horse battery staple".into())
            .await
            .unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery staple".into(), hash.clone()).await);
        assert!(!verify_password("correct horse battery stapler".into(), hash).await);
        assert!(!verify_password("anything".into(), DUMMY_HASH.into()).await);
    }
}
