//! Device tokens: the bearer credential a device presents with every request.
//!
//! An operator issues a token for a device with `weprotect admin [--server-dir DIR]
//! token-issue LABEL` (or [`issue_token`]). It is shown once and then only its SHA-256 is
//! kept, so a copy of the database does not let anyone submit or read statuses. A token is 256
//! random bits, so a plain hash is enough (no salt or slow hash: there is nothing to guess).
//! `weprotect admin token-revoke ID_OR_TOKEN` ([`revoke_token`]) keeps the row (referrals point
//! at it) and takes effect on the next request, because every request looks the token up in
//! the database. `weprotect admin token-list` ([`list_tokens`]) shows ids, labels and state.
//!
//! The label names the device (or officer) the token is for, e.g. "force-x device 17", and it
//! matters: every active token with the same label may read the statuses of referrals sent
//! under any token of that label. Give each device its own label and reuse it when the device
//! signs in again; never give two devices the same label. Do not put officers' names in
//! labels.

use std::path::Path;

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::error::{Result, ServerError};
use crate::keys::random_hex;
use crate::{db, files};

const TOKEN_PREFIX: &str = "wpt_";
const ID_PREFIX: &str = "tok_";

/// A token just issued. `token` is the secret for the device; it cannot be shown again.
#[derive(Clone, PartialEq, Eq)]
pub struct IssuedToken {
    /// Public handle, e.g. `tok_3f9a0c1d2e4b`, for listing and revoking.
    pub id: String,
    /// The bearer token, e.g. `wpt_` and 64 hex digits.
    pub token: String,
}

impl std::fmt::Debug for IssuedToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedToken")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

/// What an operator may see about a token (never the token itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TokenInfo {
    /// Public handle.
    pub id: String,
    /// The operator's label.
    pub label: String,
    /// When it was issued.
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// When it was revoked, if it was.
    pub revoked_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// Issues a new device token for the server whose data directory is `dir`.
pub fn issue_token(dir: &Path, label: &str) -> Result<IssuedToken> {
    files::create_private_dir(dir)?;
    issue(&db::open(dir)?, label)
}

/// Revokes a token, given either the token itself or its id. Revoking twice is not an error;
/// the first revocation time is kept.
pub fn revoke_token(dir: &Path, token_or_id: &str) -> Result<TokenInfo> {
    revoke(&db::open(dir)?, token_or_id)
}

pub(crate) fn revoke(conn: &Connection, token_or_id: &str) -> Result<TokenInfo> {
    let id: Option<String> = conn
        .query_row(
            "SELECT id FROM tokens WHERE id = ?1 OR token_sha256 = ?2",
            params![token_or_id, hash_token(token_or_id)],
            |r| r.get(0),
        )
        .optional()?;
    let id = id.ok_or(ServerError::TokenNotFound)?;
    conn.execute(
        "UPDATE tokens SET revoked_at = COALESCE(revoked_at, ?1) WHERE id = ?2",
        params![db::format_time(chrono::Utc::now()), id],
    )?;
    list(conn)?
        .into_iter()
        .find(|t| t.id == id)
        .ok_or(ServerError::TokenNotFound)
}

/// All tokens ever issued, oldest first.
pub fn list_tokens(dir: &Path) -> Result<Vec<TokenInfo>> {
    list(&db::open(dir)?)
}

pub(crate) fn issue(conn: &Connection, label: &str) -> Result<IssuedToken> {
    let new = NewToken::generate(label)?;
    conn.execute(
        "INSERT INTO tokens (id, token_sha256, label, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![
            new.issued.id,
            new.token_sha256,
            new.label,
            db::format_time(new.created_at)
        ],
    )?;
    Ok(new.issued)
}

/// A token about to be stored: the secret for the device, and what the database keeps.
pub(crate) struct NewToken {
    pub issued: IssuedToken,
    pub token_sha256: Vec<u8>,
    /// The label, trimmed and checked.
    pub label: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

impl NewToken {
    /// Checks the label and draws a fresh id and token.
    pub(crate) fn generate(label: &str) -> Result<NewToken> {
        let label = label.trim();
        if label.is_empty() {
            return Err(ServerError::BlankLabel);
        }
        if !is_label(label) {
            return Err(ServerError::BadLabel);
        }
        let issued = IssuedToken {
            id: format!("{ID_PREFIX}{}", random_hex(6)?),
            token: format!("{TOKEN_PREFIX}{}", random_hex(32)?),
        };
        let created_at = db::parse_time(&db::format_time(chrono::Utc::now()))?;
        Ok(NewToken {
            token_sha256: hash_token(&issued.token),
            issued,
            label: label.to_string(),
            created_at,
        })
    }
}

/// Whether `token` has the shape of a device token (anything else is refused unlooked-up).
pub(crate) fn looks_like_token(token: &str) -> bool {
    token.starts_with(TOKEN_PREFIX)
}

/// Longest token label, in characters.
pub const MAX_LABEL_CHARS: usize = 64;

/// A label is 1 to 64 printable characters: no control characters (a label is printed in
/// `token-list` and may reach a log), no line or paragraph separators, no bidi controls, and no
/// invisible characters, so that two labels that look the same are the same (labels decide who
/// reads which statuses).
fn is_label(label: &str) -> bool {
    let count = label.chars().count();
    (1..=MAX_LABEL_CHARS).contains(&count)
        && label.chars().all(|c| !c.is_control() && !is_invisible(c))
}

/// Format and filler characters that print as nothing (or change only how a neighbour looks):
/// soft hyphen, combining grapheme joiner, Arabic letter mark, Hangul fillers, Khmer inherent
/// vowels, Mongolian free variation selectors and vowel separator, zero-width characters and
/// directional marks, line and paragraph separators, bidi embeddings, overrides and isolates,
/// word joiner and invisible operators, variation selectors, byte order mark, interlinear
/// annotation controls, shorthand format controls, musical symbol format controls, tag
/// characters and the variation selectors supplement.
fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{00ad}' | '\u{034f}' | '\u{061c}' | '\u{115f}' | '\u{1160}' | '\u{17b4}' | '\u{17b5}'
        | '\u{180b}'..='\u{180f}' | '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}'
        | '\u{2060}'..='\u{206f}' | '\u{3164}' | '\u{fe00}'..='\u{fe0f}' | '\u{feff}'
        | '\u{ffa0}' | '\u{fff9}'..='\u{fffb}' | '\u{1bca0}'..='\u{1bca3}'
        | '\u{1d173}'..='\u{1d17a}' | '\u{e0000}'..='\u{e0fff}')
}

/// The id of a valid (issued, not revoked) token, or `None`.
pub(crate) fn authenticate(conn: &Connection, token: &str) -> Result<Option<String>> {
    if !looks_like_token(token) {
        return Ok(None);
    }
    Ok(conn
        .prepare_cached("SELECT id FROM tokens WHERE token_sha256 = ?1 AND revoked_at IS NULL")?
        .query_row([hash_token(token)], |r| r.get(0))
        .optional()?)
}

pub(crate) fn list(conn: &Connection) -> Result<Vec<TokenInfo>> {
    let mut stmt = conn
        .prepare("SELECT id, label, created_at, revoked_at FROM tokens ORDER BY created_at, id")?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, Option<String>>(3)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, label, created_at, revoked_at) = row?;
        out.push(TokenInfo {
            id,
            label,
            created_at: db::parse_time(&created_at)?,
            revoked_at: revoked_at.as_deref().map(db::parse_time).transpose()?,
        });
    }
    Ok(out)
}

pub(crate) fn hash_token(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_issued_token_authenticates_until_revoked_by_id_or_value() {
        let dir = tempfile::tempdir().unwrap();
        let a = issue_token(dir.path(), "device a").unwrap();
        let b = issue_token(dir.path(), "device b").unwrap();
        let conn = db::open(dir.path()).unwrap();
        assert_eq!(authenticate(&conn, &a.token).unwrap(), Some(a.id.clone()));
        assert_eq!(authenticate(&conn, "wpt_nonsense").unwrap(), None);

        let info = revoke_token(dir.path(), &a.id).unwrap();
        assert_eq!(info.id, a.id);
        assert!(info.revoked_at.is_some());
        assert_eq!(authenticate(&conn, &a.token).unwrap(), None);

        assert_eq!(revoke_token(dir.path(), &b.token).unwrap().id, b.id);
        assert_eq!(authenticate(&conn, &b.token).unwrap(), None);
        assert!(matches!(
            revoke_token(dir.path(), "tok_unknown"),
            Err(ServerError::TokenNotFound)
        ));
    }

    #[test]
    fn only_the_hash_of_a_token_is_stored() {
        let dir = tempfile::tempdir().unwrap();
        let a = issue_token(dir.path(), "device").unwrap();
        let bytes = std::fs::read(db::db_path(dir.path())).unwrap_or_default();
        let wal = std::fs::read(dir.path().join("intake.sqlite3-wal")).unwrap_or_default();
        for file in [bytes, wal] {
            assert!(!file.windows(a.token.len()).any(|w| w == a.token.as_bytes()));
        }
    }
}
