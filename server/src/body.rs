//! Reading a request body within the limits: size, deadline, minimum rate, memory budget.
//!
//! Handlers call [`read`] only after the caller is authenticated and within its rate (see
//! `routes::device_gate`), so a client without a valid token never gets `100 Continue` and
//! never has its body read. The rules, from `Limits`:
//!
//! * a declared `Content-Length` over the limit is answered `413` before any byte is read;
//! * the whole body must arrive within `body_deadline`, and by `body_grace + n / rate` seconds
//!   at least `n` bytes must have arrived, so a client that trickles a byte now and then is
//!   cut as surely as one that stalls (`408 body.too_slow`, and the connection is closed);
//! * the bytes held count against the shared memory budget until the request is done
//!   (`503 server.busy` if it would be overrun).

use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, StatusCode, header};
use futures_util::StreamExt;
use tokio::time::Instant;

use crate::error::ApiError;
use crate::limits::{BudgetHold, Limits};

const TOO_LARGE: ApiError = ApiError::new(
    StatusCode::PAYLOAD_TOO_LARGE,
    "body.too_large",
    "The body is larger than this service accepts.",
);
const TOO_SLOW: ApiError = ApiError::new(
    StatusCode::REQUEST_TIMEOUT,
    "body.too_slow",
    "The body did not arrive in time; send it again.",
);
const UNREADABLE: ApiError = ApiError::new(
    StatusCode::BAD_REQUEST,
    "body.unreadable",
    "The request body could not be read.",
);

/// 503 when the bodies in memory would overrun the budget.
pub(crate) fn busy() -> ApiError {
    let mut e = ApiError::unavailable(1);
    e.code = "server.busy";
    e.message = "The service is busy; retry after the time given.";
    e
}

/// A body read whole, and its share of the memory budget (given back when dropped).
pub(crate) struct ReadBody {
    pub bytes: Bytes,
    pub _hold: BudgetHold,
}

/// Reads `body` within `limits` and `max_bytes`.
pub(crate) async fn read(
    body: Body,
    headers: &HeaderMap,
    limits: &Limits,
    max_bytes: usize,
    mut hold: BudgetHold,
) -> Result<ReadBody, ApiError> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > max_bytes as u64) {
        return Err(TOO_LARGE);
    }
    let started = Instant::now();
    let end = started + limits.body_deadline;
    let rate = f64::from(limits.min_body_bytes_per_sec.max(1));
    let budget = hold.budget();
    let mut stream = body.into_data_stream();
    let mut received: Vec<u8> = Vec::new();
    loop {
        // By then at least one more byte must have come.
        let due = started
            + limits.body_grace
            + Duration::from_secs_f64((received.len() as f64 + 1.0) / rate);
        let next = match tokio::time::timeout_at(due.min(end), stream.next()).await {
            Ok(next) => next,
            Err(_) => return Err(TOO_SLOW),
        };
        match next {
            None => break,
            Some(Err(_)) => return Err(UNREADABLE),
            Some(Ok(chunk)) => {
                if received.len() + chunk.len() > max_bytes {
                    return Err(TOO_LARGE);
                }
                if !budget.take(&mut hold, chunk.len()) {
                    return Err(busy());
                }
                received.extend_from_slice(&chunk);
            }
        }
    }
    Ok(ReadBody {
        bytes: Bytes::from(received),
        _hold: hold,
    })
}
