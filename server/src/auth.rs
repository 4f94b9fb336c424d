//! Who is calling: a device (bearer token from `tokens`) or the operator (admin token).
//!
//! A missing, unknown and revoked token all get the same 401 apart from the code for a missing
//! header, so the answer does not tell a prober which tokens once existed.

use axum::http::{HeaderMap, StatusCode, header};
use sha2::{Digest, Sha256};

use crate::error::ApiError;
use crate::routes::AppState;

const MISSING: ApiError = ApiError::new(
    StatusCode::UNAUTHORIZED,
    "auth.missing_token",
    "Send the device token as `Authorization: Bearer <token>`.",
);
const INVALID: ApiError = ApiError::new(
    StatusCode::UNAUTHORIZED,
    "auth.invalid_token",
    "The token is not valid (unknown or revoked); sign in again.",
);

/// The bearer token in `Authorization`, if there is one.
pub(crate) fn bearer(headers: &HeaderMap) -> Result<String, ApiError> {
    let value = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .ok_or(MISSING)?;
    let (scheme, token) = value.trim().split_once(' ').ok_or(MISSING)?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(MISSING);
    }
    Ok(token.trim().to_string())
}

/// The id of the calling device's token, or 401.
pub(crate) async fn device(app: &AppState, headers: &HeaderMap) -> Result<String, ApiError> {
    let token = bearer(headers)?;
    app.db(app.storage.authenticate(&token))
        .await?
        .ok_or(INVALID)
}

/// Checks the admin token; the admin endpoint does not exist (404) when none is configured.
pub(crate) fn admin(app: &AppState, headers: &HeaderMap) -> Result<(), ApiError> {
    let Some(expected) = &app.admin_token_sha256 else {
        return Err(ApiError::route_not_found());
    };
    let token = bearer(headers)?;
    let given = Sha256::digest(token.as_bytes());
    // Compare digests, not tokens, and without an early exit.
    let same = given
        .iter()
        .zip(expected.iter())
        .fold(0u8, |acc, (a, b)| acc | (a ^ b))
        == 0;
    if same { Ok(()) } else { Err(INVALID) }
}
