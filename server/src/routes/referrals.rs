//! `POST /v1/referrals`: receive a sealed referral exactly once.
//!
//! The order of checks is deliberate:
//!
//! 1. the token and the rate (401, 429: `device_gate`, before the body is read), the
//!    `Idempotency-Key` (400), then the body within its limits (408, 413, 503: `body.rs`);
//! 2. the permanent record: a known id with the same body SHA-256 gets its original receipt
//!    (200) *before* the envelope is opened (to the same sender only: a token of another label
//!    gets 409 `referral.other_sender` and no receipt), so a replay succeeds even after the service key
//!    was rotated or the validation rules changed; a known id with other bytes gets 422;
//! 3. only a new id is opened and validated with core's rules (400/422), once, then sealed
//!    with the data key and committed with its sender and first status in one transaction
//!    (201). The commit re-checks the id (SQLite's write lock, PostgreSQL's primary key), so
//!    racing first submissions, on one instance or several, yield one row and identical
//!    receipts.
//!
//! Nothing from the body reaches a log or an error: errors carry fixed codes, and validation
//! problems carry paths and codes only.

use axum::Json;
use axum::body::Body;
use axum::extract::{Extension, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{TimeDelta, Utc};
use sha2::{Digest, Sha256};
use weprotect_core::crypto::{self, CryptoError};
use weprotect_core::validation::{Rules, read_referral, validate_for_submission_with};
use weprotect_core::{DocumentError, Problem};
use zeroize::Zeroizing;

use super::{App, AppState, Device, LoggedReferralId};
use crate::body;
use crate::error::{ApiError, WireProblem};
use crate::limits::BudgetHold;
use crate::records::{self, Checked, Recorded};
use crate::serve::ConnectionKill;
use crate::storage::Pending;

/// Header a replayed answer carries (`true`), as Stripe does.
pub(crate) const IDEMPOTENT_REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");
const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");

/// How far into the server's future a received referral's times may be.
///
/// The device already validated the referral with its own clock before it was queued, using
/// core's tight skew ([`weprotect_core::validation::CLOCK_SKEW`], 5 minutes). Checking again here
/// catches gross errors and tampering, not drift: a phone whose clock is a few minutes fast
/// fills "now" into `incident.occurred_at` or `consent.obtained_at`, and a `422` for that is
/// permanent, so the victim's referral would be stranded on the device. The server therefore
/// validates as if it were this much later. The same shift applies to core's date rules
/// (ages, "date in the future"), which are at most one day more lenient around midnight.
pub(crate) const DEVICE_CLOCK_TOLERANCE: TimeDelta = TimeDelta::hours(1);

pub(crate) const fn bad_request(code: &'static str, message: &'static str) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, code, message)
}

const KEY_MISSING: ApiError = bad_request(
    "idempotency_key.missing",
    "Send the referral id as the Idempotency-Key header.",
);
const KEY_INVALID: ApiError = bad_request(
    "idempotency_key.invalid",
    "The Idempotency-Key must be the referral id: a UUID in lower-case hyphenated form.",
);
const KEY_MISMATCH: ApiError = bad_request(
    "idempotency_key.mismatch",
    "The Idempotency-Key differs from the referral id in the envelope.",
);
const KEY_REUSED: ApiError = ApiError::new(
    StatusCode::UNPROCESSABLE_ENTITY,
    "idempotency_key.reused",
    "A different referral was already received with this Idempotency-Key.",
);
const OTHER_SENDER: ApiError = ApiError::new(
    StatusCode::CONFLICT,
    "referral.other_sender",
    "This referral was received from another device (token label); no receipt is given to others.",
);
const MALFORMED: ApiError = bad_request(
    "envelope.malformed",
    "The body is not a sealed referral envelope.",
);
pub(crate) const UNKNOWN_KEY: ApiError = bad_request(
    "envelope.unknown_key",
    "The envelope is sealed to a key this service does not hold; fetch the current service configuration.",
);
const UNDECRYPTABLE: ApiError = bad_request(
    "envelope.undecryptable",
    "The envelope cannot be opened: it is corrupt or was sealed to another key.",
);
const UNKNOWN_SCHEMA: ApiError = bad_request(
    "referral.unknown_schema_version",
    "The referral uses a schema version this service does not read (it reads versions 1 and 2), or the envelope and the document disagree on it.",
);
const NOT_JSON: ApiError = bad_request("referral.not_json", "The sealed referral is not JSON.");

pub(crate) async fn submit(
    State(app): State<AppState>,
    Extension(device): Extension<Device>,
    kill: Option<Extension<ConnectionKill>>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let token_id = device.token_id;
    let referral_id = idempotency_key(&headers)?;
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

    let found = app
        .db(app.storage.find(&referral_id, &body_sha256, &token_id))
        .await?;
    let recorded = match found {
        // A known id with other bytes: checked as a new referral would be first, so bytes that
        // an unknown id would get refused (400, 422) get the same refusal here, and the answer
        // does not tell another sender that the id exists. Only an envelope that passes every
        // check gets `idempotency_key.reused`.
        Some(Recorded::Conflict) => {
            check_as_new(&app, &referral_id, body).await?;
            Recorded::Conflict
        }
        Some(recorded) => recorded,
        None => {
            // A key id this instance does not hold may have been kept in the database by
            // another instance (or retired after this one started).
            if let Ok(header) = crypto::peek(&body)
                && app.keys.service_key(&header.key_id).is_none()
            {
                app.db(app.keys.fetch(&app.storage, &header.key_id)).await?;
            }
            let pending = Pending {
                referral_id: referral_id.clone(),
                body_sha256,
                token_id,
            };
            let checker = {
                let (app, id) = (app.clone(), referral_id.clone());
                move || open_and_check(&app, &id, &body)
            };
            app.db(app.storage.record(pending, checker)).await??
        }
    };

    let (status, receipt, replayed) = match recorded {
        Recorded::New(receipt) => (StatusCode::CREATED, receipt, false),
        Recorded::Replay(receipt) => (StatusCode::OK, receipt, true),
        Recorded::Conflict => return Err(KEY_REUSED),
        Recorded::OtherSender => return Err(OTHER_SENDER),
    };

    if let Some(Extension(kill)) = kill
        && app.faults.roll_drop()
    {
        app.log.request(format!(
            "FAULT drop: committed referral={referral_id}, closing the connection without a response"
        ));
        kill.fire();
        // The connection task drops this future together with the connection.
        std::future::pending::<()>().await;
    }

    Ok(receipt_response(status, receipt, referral_id, replayed))
}

/// A receipt's answer (a referral's or an addendum's): `201`, or `200` with
/// `Idempotent-Replayed` for a replay, `Location` of the referral's status, and the referral
/// id for the request log.
pub(crate) fn receipt_response(
    status: StatusCode,
    receipt: impl serde::Serialize,
    referral_id: String,
    replayed: bool,
) -> Response {
    let location = format!("/v1/referrals/{referral_id}/status");
    let mut response = (status, Json(receipt)).into_response();
    let headers = response.headers_mut();
    if let Ok(location) = HeaderValue::from_str(&location) {
        headers.insert(header::LOCATION, location);
    }
    if replayed {
        headers.insert(IDEMPOTENT_REPLAYED, HeaderValue::from_static("true"));
    }
    response
        .extensions_mut()
        .insert(LoggedReferralId(referral_id));
    response
}

/// Runs the checks of a new referral (key, open, validation) on the blocking pool, for an
/// answer that must not depend on whether the id is known.
async fn check_as_new(
    app: &AppState,
    referral_id: &str,
    body: bytes::Bytes,
) -> Result<(), ApiError> {
    if let Ok(header) = crypto::peek(&body)
        && app.keys.service_key(&header.key_id).is_none()
    {
        app.db(app.keys.fetch(&app.storage, &header.key_id)).await?;
    }
    let (app, id) = (app.clone(), referral_id.to_string());
    tokio::task::spawn_blocking(move || open_and_check(&app, &id, &body).map(|_| ()))
        .await
        .map_err(|_| ApiError::internal())?
}

/// The `Idempotency-Key`: the referral id, a UUID in canonical form (the envelope's rule), or
/// 400 before anything is stored, logged or echoed in `Location`.
fn idempotency_key(headers: &HeaderMap) -> Result<String, ApiError> {
    idempotency_key_or(headers, KEY_MISSING, KEY_INVALID)
}

/// The `Idempotency-Key` in the canonical UUID form, or `missing` / `invalid` (each endpoint
/// words them for what its key names: a referral, an addendum).
pub(super) fn idempotency_key_or(
    headers: &HeaderMap,
    missing: ApiError,
    invalid: ApiError,
) -> Result<String, ApiError> {
    let value = headers.get(IDEMPOTENCY_KEY).ok_or(missing)?;
    match value.to_str() {
        Ok(key) if crypto::envelope::is_referral_id(key) => Ok(key.to_string()),
        _ => Err(invalid),
    }
}

fn open_and_check(app: &App, referral_id: &str, body: &[u8]) -> Result<Checked, ApiError> {
    let header = crypto::peek(body).map_err(|_| MALFORMED)?;
    if header.referral_id != referral_id {
        return Err(KEY_MISMATCH);
    }
    // The current key, or a retired one kept for envelopes sealed before a rotation.
    let service_key = app.keys.service_key(&header.key_id).ok_or(UNKNOWN_KEY)?;
    let service_key = &*service_key;
    // Every version this build reads (1 and 2), each checked by the rules it was written under:
    // a referral sealed on a phone before its app updated must not be refused for a newer rule.
    let rules = Rules::for_version(header.schema_version).ok_or(UNKNOWN_SCHEMA)?;
    let opened = crypto::open(service_key, body).map_err(|e| match e {
        CryptoError::MalformedEnvelope => MALFORMED,
        CryptoError::KeyIdMismatch => UNKNOWN_KEY,
        _ => UNDECRYPTABLE,
    })?;
    let plaintext = Zeroizing::new(opened.plaintext);
    let text = std::str::from_utf8(&plaintext).map_err(|_| NOT_JSON)?;
    let read = read_referral(text).map_err(|e| match e {
        DocumentError::NotJson { .. } => NOT_JSON,
        DocumentError::UnknownSchemaVersion { .. } => UNKNOWN_SCHEMA,
        DocumentError::Shape(problem) => ApiError::invalid_referral(vec![wire(problem)]),
    })?;
    // The envelope's header and the document must agree on the version.
    if read.source_version != header.schema_version {
        return Err(UNKNOWN_SCHEMA);
    }
    validate_for_submission_with(&read.referral, rules, Utc::now() + DEVICE_CLOCK_TOLERANCE)
        .map_err(|problems| ApiError::invalid_referral(problems.into_iter().map(wire).collect()))?;
    let sealed_json = app.keys.data.seal(
        &records::row_aad(referral_id, opened.schema_version),
        &plaintext,
    );
    Ok(Checked {
        key_id: opened.key_id,
        schema_version: opened.schema_version,
        sealed_json,
    })
}

/// A problem without its message: the message is for the officer's screen.
pub(crate) fn wire(problem: Problem) -> WireProblem {
    WireProblem {
        path: problem.path,
        code: problem.code,
        kind: problem.kind.as_str(),
    }
}
