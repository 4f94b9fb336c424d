//! `GET /v1/referrals/{id}/status`: the status history, for the device that sent it.
//!
//! "The device" is the token's label: any active token with the same label as a token that
//! sent (or replayed) the referral may read it, so signing in again (a new token) does not
//! lose the statuses of earlier referrals (see `records::may_read_status`). An unknown referral
//! and another label's referral get the same 404, so the endpoint does not confirm that a
//! referral id exists.

use axum::Json;
use axum::extract::rejection::PathRejection;
use axum::extract::{Extension, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::{AppState, Device, LoggedReferralId};
use crate::error::ApiError;

const NOT_FOUND: ApiError = ApiError::new(
    StatusCode::NOT_FOUND,
    "referral.not_found",
    "No referral with this id was sent by this device (token label).",
);

pub(crate) async fn history(
    State(app): State<AppState>,
    Extension(device): Extension<Device>,
    referral_id: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    let token_id = device.token_id;
    let Path(referral_id) = referral_id.map_err(|_| ApiError::invalid_path())?;
    if !weprotect_core::crypto::envelope::is_referral_id(&referral_id) {
        return Err(ApiError::invalid_referral_id());
    }
    let history = app
        .db(app.storage.history_for(&referral_id, &token_id))
        .await?
        .ok_or(NOT_FOUND)?;
    let mut response = Json(history).into_response();
    response
        .extensions_mut()
        .insert(LoggedReferralId(referral_id));
    Ok(response)
}
