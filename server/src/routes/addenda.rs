//! `POST /v1/referrals/{id}/addenda`: receive an addendum (information that was to follow, or
//! a withdrawal of consent) exactly once.
//!
//! The order of checks is that of `referrals.rs`:
//!
//! 1. the token and the rate (401, 429, before the body is read), the referral id in the path
//!    (400), the `Idempotency-Key` (400: the addendum id, a canonical UUID), then the body
//!    within its limits;
//! 2. the referral must be one the token's label sent: an unknown referral and another
//!    label's get the same `404 referral.not_found`, so no sender learns whether an id exists;
//! 3. a known addendum id with the same body SHA-256 gets its original receipt (200,
//!    `Idempotent-Replayed: true`) *before* the envelope is opened; other bytes under a known
//!    id are checked as new first, then refused `422 idempotency_key.reused`;
//! 4. a new id is opened with the service key its header names (retired keys too), read by
//!    core's `parse_addendum`, matched against the key and the path, and checked: information
//!    by the rules of the referral it completes, merged into it (`apply_information`, 422
//!    `addendum.invalid` with paths and codes; 409 `referral.withdrawn` once consent was
//!    withdrawn, by the device or an advisor; 409 `referral.content_deleted` once retention
//!    deleted the content of the closed referral); then sealed with the data key and committed
//!    in one transaction (201). Both 409s are final for the device: it stops retrying.
//!
//! A withdrawal deletes the referral's content in that transaction and adds the status
//! `consent_withdrawn` (see `addenda.rs`). A second withdrawal (a new id) is received and
//! changes nothing more.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::rejection::PathRejection;
use axum::extract::{Extension, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::Utc;
use sha2::{Digest, Sha256};
use weprotect_core::DocumentError;
use weprotect_core::addendum::{
    ADDENDUM_SCHEMA_VERSION, AddendumKind, apply_information, parse_addendum,
};
use weprotect_core::crypto::{self, CryptoError};
use weprotect_core::validation::{Rules, read_referral};
use zeroize::Zeroizing;

use super::referrals::{DEVICE_CLOCK_TOLERANCE, UNKNOWN_KEY, bad_request, receipt_response, wire};
use super::{App, AppState, Device};
use crate::addenda::{
    CheckedAddendum, Known, PendingAddendum, RecordedAddendum, Target, content_aad,
};
use crate::body;
use crate::error::{ApiError, WireProblem};
use crate::limits::BudgetHold;
use crate::records;
use crate::serve::ConnectionKill;
use crate::storage::Scrub;

const KEY_MISSING: ApiError = bad_request(
    "idempotency_key.missing",
    "Send the addendum id as the Idempotency-Key header.",
);
const KEY_INVALID: ApiError = bad_request(
    "idempotency_key.invalid",
    "The Idempotency-Key must be the addendum id: a UUID in lower-case hyphenated form.",
);
const KEY_MISMATCH: ApiError = bad_request(
    "idempotency_key.mismatch",
    "The Idempotency-Key differs from the addendum id in the envelope or the document.",
);
const KEY_REUSED: ApiError = ApiError::new(
    StatusCode::UNPROCESSABLE_ENTITY,
    "idempotency_key.reused",
    "A different addendum was already received with this Idempotency-Key.",
);
const NOT_FOUND: ApiError = ApiError::new(
    StatusCode::NOT_FOUND,
    "referral.not_found",
    "No referral with this id was sent by this device (token label).",
);
const WITHDRAWN: ApiError = ApiError::new(
    StatusCode::CONFLICT,
    "referral.withdrawn",
    "Consent to this referral was withdrawn and its content deleted: no information can be added.",
);
const CONTENT_DELETED: ApiError = ApiError::new(
    StatusCode::CONFLICT,
    "referral.content_deleted",
    "This referral's content was deleted after it was closed: no information can be added.",
);
const MALFORMED: ApiError = bad_request(
    "envelope.malformed",
    "The body is not a sealed addendum envelope.",
);
const UNDECRYPTABLE: ApiError = bad_request(
    "envelope.undecryptable",
    "The envelope cannot be opened: it is corrupt, was sealed to another key, or is not an addendum.",
);
const UNKNOWN_SCHEMA: ApiError = bad_request(
    "addendum.unknown_schema_version",
    "The addendum uses a document version this service does not read (it reads version 1).",
);
const NOT_JSON: ApiError = bad_request("addendum.not_json", "The sealed addendum is not JSON.");

pub(crate) async fn submit(
    State(app): State<AppState>,
    Extension(device): Extension<Device>,
    kill: Option<Extension<ConnectionKill>>,
    referral_id: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let token_id = device.token_id;
    let Path(referral_id) = referral_id.map_err(|_| ApiError::invalid_path())?;
    if !crypto::envelope::is_referral_id(&referral_id) {
        return Err(ApiError::invalid_referral_id());
    }
    let addendum_id = idempotency_key(&headers)?;
    let read = body::read(
        body,
        &headers,
        &app.limiters.limits,
        app.max_body_bytes,
        BudgetHold::new(app.limiters.budget.clone()),
    )
    .await?;
    let body = read.bytes.clone();
    let body_sha256 = Sha256::digest(&body).to_vec();

    let lookup = app
        .db(app
            .storage
            .lookup_addendum(&referral_id, &addendum_id, &body_sha256, &token_id))
        .await?
        .ok_or(NOT_FOUND)?;
    let target = Arc::new(lookup.target);
    let (recorded, scrub) = match lookup.known {
        Some(Known::Replay(receipt)) => (RecordedAddendum::Replay(receipt), Scrub::NotNeeded),
        Some(Known::Conflict) => {
            // Checked as new first, so the answer does not depend on whether the id is known.
            check_off_thread(&app, &referral_id, &addendum_id, body, target).await?;
            (RecordedAddendum::Conflict, Scrub::NotNeeded)
        }
        None => {
            let checked = check_off_thread(&app, &referral_id, &addendum_id, body, target).await?;
            let pending = PendingAddendum {
                addendum_id: addendum_id.clone(),
                referral_id: referral_id.clone(),
                body_sha256,
                token_id,
            };
            app.db(app.storage.record_addendum(pending, checked))
                .await?
        }
    };
    if let Scrub::Deferred(why) = scrub {
        app.log.warn(format!(
            "referral={referral_id}: content deleted (consent withdrawn); scrubbing its old bytes deferred: {why}"
        ));
    }

    let (status, receipt, replayed) = match recorded {
        RecordedAddendum::New { receipt, .. } => (StatusCode::CREATED, receipt, false),
        RecordedAddendum::Replay(receipt) => (StatusCode::OK, receipt, true),
        RecordedAddendum::Conflict => return Err(KEY_REUSED),
        RecordedAddendum::Withdrawn => return Err(WITHDRAWN),
        RecordedAddendum::ContentDeleted => return Err(CONTENT_DELETED),
        RecordedAddendum::NotFound => return Err(NOT_FOUND),
    };
    // The fault proxy's "lost response": committed, then the connection closes unanswered, so
    // the device's retry must get the original receipt (as for referrals).
    if let Some(Extension(kill)) = kill
        && app.faults.roll_drop()
    {
        app.log.request(format!(
            "FAULT drop: committed addendum for referral={referral_id}, closing the connection without a response"
        ));
        kill.fire();
        std::future::pending::<()>().await;
    }
    Ok(receipt_response(status, receipt, referral_id, replayed))
}

/// Fetches an unknown key id from the database if needed, then opens and checks the
/// addendum on the blocking pool (HPKE, validation).
async fn check_off_thread(
    app: &AppState,
    referral_id: &str,
    addendum_id: &str,
    body: bytes::Bytes,
    target: Arc<Target>,
) -> Result<CheckedAddendum, ApiError> {
    if let Ok(header) = crypto::peek(&body)
        && app.keys.service_key(&header.key_id).is_none()
    {
        app.db(app.keys.fetch(&app.storage, &header.key_id)).await?;
    }
    let (app, referral_id, addendum_id) = (
        app.clone(),
        referral_id.to_string(),
        addendum_id.to_string(),
    );
    tokio::task::spawn_blocking(move || {
        open_and_check(&app, &referral_id, &addendum_id, &body, &target)
    })
    .await
    .map_err(|_| ApiError::internal())?
}

/// The `Idempotency-Key`: the addendum id, a UUID in canonical form.
fn idempotency_key(headers: &HeaderMap) -> Result<String, ApiError> {
    super::referrals::idempotency_key_or(headers, KEY_MISSING, KEY_INVALID)
}

fn open_and_check(
    app: &App,
    referral_id: &str,
    addendum_id: &str,
    body: &[u8],
    target: &Target,
) -> Result<CheckedAddendum, ApiError> {
    let header = crypto::peek(body).map_err(|_| MALFORMED)?;
    if header.referral_id != addendum_id {
        return Err(KEY_MISMATCH);
    }
    let service_key = app.keys.service_key(&header.key_id).ok_or(UNKNOWN_KEY)?;
    if header.schema_version != ADDENDUM_SCHEMA_VERSION {
        return Err(UNKNOWN_SCHEMA);
    }
    let opened = crypto::envelope::open_addendum(&service_key, body).map_err(|e| match e {
        CryptoError::MalformedEnvelope => MALFORMED,
        CryptoError::KeyIdMismatch => UNKNOWN_KEY,
        _ => UNDECRYPTABLE,
    })?;
    let plaintext = Zeroizing::new(opened.plaintext);
    let text = std::str::from_utf8(&plaintext).map_err(|_| NOT_JSON)?;
    let doc = parse_addendum(text).map_err(|e| match e {
        DocumentError::NotJson { .. } => NOT_JSON,
        DocumentError::UnknownSchemaVersion { .. } => UNKNOWN_SCHEMA,
        DocumentError::Shape(problem) => ApiError::invalid_addendum(vec![wire(problem)]),
    })?;
    if doc.addendum_id != addendum_id {
        return Err(KEY_MISMATCH);
    }
    if doc.referral_id != referral_id {
        return Err(ApiError::invalid_addendum(vec![WireProblem {
            path: "referral_id".into(),
            code: "addendum.referral_mismatch".into(),
            kind: "error",
        }]));
    }
    let sealed_content = match doc.kind {
        AddendumKind::ConsentWithdrawn => None,
        AddendumKind::Information => {
            if target.withdrawn {
                return Err(WITHDRAWN);
            }
            if target.content_deleted() {
                return Err(CONTENT_DELETED);
            }
            let stored = Zeroizing::new(
                records::open_sealed(
                    &app.keys.data,
                    referral_id,
                    &target.sealed_json,
                    target.schema_version,
                )
                .map_err(|e| match e {
                    crate::ServerError::ContentDeleted => CONTENT_DELETED,
                    _ => ApiError::internal(),
                })?,
            );
            let referral = read_referral(&stored)
                .map_err(|_| ApiError::internal())?
                .referral;
            let rules = Rules::for_version(target.schema_version).ok_or(ApiError::internal())?;
            apply_information(
                &referral,
                &doc.information,
                rules,
                Utc::now() + DEVICE_CLOCK_TOLERANCE,
            )
            .map_err(|problems| {
                ApiError::invalid_addendum(problems.into_iter().map(wire).collect())
            })?;
            let json = Zeroizing::new(
                serde_json::to_vec(&doc.information).map_err(|_| ApiError::internal())?,
            );
            Some(
                app.keys
                    .data
                    .seal(&content_aad(addendum_id, opened.schema_version), &json),
            )
        }
    };
    Ok(CheckedAddendum {
        kind: doc.kind,
        key_id: opened.key_id,
        schema_version: opened.schema_version,
        sealed_content,
        withdrawal: doc.withdrawal,
    })
}
