//! `POST /admin/v1/referrals/{id}/status`: an advisor's action, for the operator.
//!
//! The same as [`crate::add_status`], over HTTP, guarded by the admin token. Exists only when
//! `ServerConfig::admin_token` is set.

use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::AppState;
use crate::error::{ApiError, ServerError};
use crate::status::ReferralStatus;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AddStatus {
    status: ReferralStatus,
    /// Defaults to now.
    at: Option<DateTime<Utc>>,
}

pub(crate) async fn add_status(
    State(app): State<AppState>,
    referral_id: Result<Path<String>, PathRejection>,
    body: Result<Json<AddStatus>, JsonRejection>,
) -> Result<Response, ApiError> {
    // The admin token was checked by `admin_gate` before the body was read.
    let Path(referral_id) = referral_id.map_err(|_| ApiError::invalid_path())?;
    if !weprotect_core::crypto::envelope::is_referral_id(&referral_id) {
        return Err(ApiError::invalid_referral_id());
    }
    let Json(body) = body.map_err(|_| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "status.malformed",
            "Send JSON {\"status\": <status name>, \"at\": <RFC 3339 time, optional>}.",
        )
    })?;
    if !body.status.settable() {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "status.not_settable",
            "consent_withdrawn is recorded by the service when the device sends the withdrawal.",
        ));
    }
    let at = body.at.unwrap_or_else(Utc::now);
    let result = app
        .db(async {
            match app.storage.add_status(&referral_id, body.status, at).await {
                Ok(entry) => Ok(Some(entry)),
                Err(ServerError::ReferralNotFound) => Ok(None),
                Err(e) => Err(e),
            }
        })
        .await?;
    match result {
        Some(entry) => Ok((StatusCode::CREATED, Json(entry)).into_response()),
        None => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "referral.not_found",
            "No referral with this id.",
        )),
    }
}
