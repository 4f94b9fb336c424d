//! Sessions and CSRF tokens.
//!
//! The session cookie `__Host-wp-console` holds 32 random bytes (hex); the database keeps their
//! SHA-256, so a copy of the database signs no one in. The `__Host-` prefix makes the browser
//! refuse the cookie unless it is `Secure`, has `Path=/` and no `Domain`: no other host can set
//! or shadow it. `HttpOnly` keeps it from script, `SameSite=Strict` from other sites' requests.
//!
//! A session ends after 15 minutes without a request or 8 hours after sign-in, whichever comes
//! first, and at once when its advisor is revoked (the rows are deleted, and the lookup joins
//! the advisor's state anyway). Each session has its own CSRF token, put in every form and
//! checked on every POST (compared in constant time). Before sign-in, the sign-in and enrolment
//! forms are protected the same way by a pre-session cookie (double submit).

use axum::http::{HeaderMap, HeaderValue, header};
use chrono::Utc;
use subtle::ConstantTimeEq;

use super::ConsoleState;
use super::auth::sha256;
use crate::error::Result;

/// Name of the session cookie.
pub(crate) const SESSION_COOKIE: &str = "__Host-wp-console";
/// Name of the pre-session cookie (CSRF for the sign-in and enrolment forms).
pub(crate) const PRE_COOKIE: &str = "__Host-wp-console-pre";

/// A signed-in advisor, as a handler sees them.
pub(crate) struct Session {
    pub advisor_id: String,
    pub role: String,
    pub csrf: String,
    id_sha256: Vec<u8>,
}

impl Session {
    pub(crate) fn is_supervisor(&self) -> bool {
        self.role == "supervisor"
    }
}

/// The value of cookie `name` in the request, if any.
pub(crate) fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// A `Set-Cookie` value with the attributes every console cookie has.
pub(crate) fn set_cookie(name: &str, value: &str) -> HeaderValue {
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/; HttpOnly; Secure; SameSite=Strict"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// A `Set-Cookie` value that deletes the cookie.
pub(crate) fn clear_cookie(name: &str) -> HeaderValue {
    HeaderValue::from_str(&format!(
        "{name}=; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=0"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// Whether two tokens are equal, in constant time (and neither is empty).
pub(crate) fn same_token(a: &str, b: &str) -> bool {
    !a.is_empty() && a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// A new random token (hex).
pub(crate) fn new_token() -> Result<String> {
    crate::keys::random_hex(32)
}

/// The request's session, if it has a live one; a live session's last use is moved to now.
/// An expired one is deleted.
pub(crate) async fn current(
    console: &ConsoleState,
    headers: &HeaderMap,
) -> Result<Option<Session>> {
    let Some(value) = cookie(headers, SESSION_COOKIE) else {
        return Ok(None);
    };
    if value.len() != 64 || !value.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(None);
    }
    let id_sha256 = sha256(value.as_bytes());
    let Some(row) = console.store.session(id_sha256.clone()).await? else {
        return Ok(None);
    };
    let now = Utc::now();
    let settings = &console.settings;
    if now - row.last_seen_at >= settings.idle_timeout
        || now - row.created_at >= settings.absolute_timeout
    {
        console.store.end_session(id_sha256).await?;
        console
            .store
            .audit_add(Some(row.advisor_id), "session_expired", None)
            .await?;
        return Ok(None);
    }
    // The last use is written (an fsync'd commit) only when it moved by a tenth of the idle
    // timeout (at most a minute): a session then ends at worst that much early, never late.
    let granularity = (settings.idle_timeout / 10).min(chrono::Duration::minutes(1));
    if now - row.last_seen_at >= granularity {
        console.store.touch_session(id_sha256.clone()).await?;
    }
    Ok(Some(Session {
        advisor_id: row.advisor_id,
        role: row.role,
        csrf: row.csrf,
        id_sha256,
    }))
}

/// Ends a session (sign-out).
pub(crate) async fn end(console: &ConsoleState, session: &Session) -> Result<()> {
    console.store.end_session(session.id_sha256.clone()).await
}
