//! `GET /v1/referrals/{id}/status`: the status history, for the device that sent it.
//!
//! "The device" is the token's label: any active token with the same label as a token that
//! sent (or replayed) the referral may read it, so signing in again (a new token) does not
//! lose the statuses of earlier referrals (see `records::may_read_status`). An unknown referral
//! and another label's referral get the same 404, so the endpoint does not confirm that a
//! referral id exists.
//!
//! `POST /v1/referrals/statuses` answers the same for up to 100 referrals at once.

use axum::Json;
use axum::body::Body;
use axum::extract::rejection::PathRejection;
use axum::extract::{Extension, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use super::{AppState, Device, LoggedReferralId};
use crate::error::ApiError;
use crate::limits::BudgetHold;
use crate::status::StatusEntry;

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

/// Most referral ids in one statuses request.
pub(crate) const MAX_STATUS_QUERY_IDS: usize = 100;
/// Largest statuses request body (100 ids of 36 characters fit several times over).
const MAX_STATUS_QUERY_BODY: usize = 16 * 1024;

const QUERY_INVALID: ApiError = ApiError::new(
    StatusCode::BAD_REQUEST,
    "status_query.invalid",
    "Send {\"referral_ids\": [...]}: at least 1 and at most 100 referral ids (lower-case UUIDs).",
);

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StatusQuery {
    referral_ids: Vec<String>,
}

#[derive(Serialize)]
struct StatusAnswer {
    statuses: Vec<ReferralHistory>,
}

#[derive(Serialize)]
struct ReferralHistory {
    referral_id: String,
    history: Vec<StatusEntry>,
}

/// `POST /v1/referrals/statuses`: the status histories of up to 100 referrals in one request,
/// so that a device with many delivered referrals does not spend its rate on one request per
/// referral. Only referrals the token may read are in the answer; an unknown id and another
/// label's referral are both simply absent (the same rule as the 404 of [`history`]).
pub(crate) async fn histories(
    State(app): State<AppState>,
    Extension(device): Extension<Device>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let read = crate::body::read(
        body,
        &headers,
        &app.limiters.limits,
        MAX_STATUS_QUERY_BODY,
        BudgetHold::new(app.limiters.budget.clone()),
    )
    .await?;
    let query: StatusQuery = serde_json::from_slice(&read.bytes).map_err(|_| QUERY_INVALID)?;
    if query.referral_ids.is_empty() || query.referral_ids.len() > MAX_STATUS_QUERY_IDS {
        return Err(QUERY_INVALID);
    }
    if !query
        .referral_ids
        .iter()
        .all(|id| weprotect_core::crypto::envelope::is_referral_id(id))
    {
        return Err(ApiError::invalid_referral_id());
    }
    let mut ids = query.referral_ids;
    ids.sort();
    ids.dedup();
    let found = app
        .db(app.storage.histories_for(&ids, &device.token_id))
        .await?;
    let statuses = found
        .into_iter()
        .map(|(referral_id, history)| ReferralHistory {
            referral_id,
            history,
        })
        .collect();
    Ok(Json(StatusAnswer { statuses }).into_response())
}
