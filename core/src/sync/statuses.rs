//! Status polling: what happened to delivered referrals, fetched without crowding out
//! deliveries.
//!
//! A service limits each token's requests (the reference server: 10 a second after a burst of
//! 60), and deliveries share that budget. Asking for every open referral one request at a time,
//! newest first, on every pass, and skipping a `429`, meant that beyond the newest sixty no
//! referral ever got a status, and the refused requests used up what deliveries needed
//! (issue 21). So:
//!
//! * **Many at once.** One request asks for up to [`BATCH`] referrals
//!   (`POST /v1/referrals/statuses`). A service without that endpoint (`404`, `405`, `501`) is
//!   asked one referral at a time (`GET /v1/referrals/{id}/status`), at most [`SINGLES_PER_PASS`]
//!   per pass; what it supports is remembered for the engine's lifetime.
//! * **In turn.** Referrals are asked oldest first, and each pass starts after the last one the
//!   previous pass asked about, so every referral gets its turn however many there are.
//! * **Backing off.** A `429` or `503` ends the pass, and no status request is sent before its
//!   `Retry-After` (capped by the policy's `max_retry_after`; [`DEFAULT_WAIT`] without one).
//!
//! The state is in memory: after a restart the first pass starts again with the oldest, which
//! costs at most one more round.

use std::collections::HashSet;
use std::sync::Mutex;
use std::time::Duration;

use chrono::Utc;
use serde::Deserialize;
use tokio::time::Instant;

use super::SyncError;
use super::backoff::parse_retry_after;
use super::engine::{Ctx, blocking, parse_statuses, read_limited};
use crate::store::{OutboxState, StatusUpdate, StoreError, is_code};

/// Referral ids per batch request (the reference server's limit).
pub const BATCH: usize = 100;
/// Batch requests per pass at most (1,000 referrals).
const BATCHES_PER_PASS: usize = 10;
/// Single-referral requests per pass at most, against a service without the batch endpoint:
/// well inside a burst, so deliveries keep most of the budget.
pub const SINGLES_PER_PASS: usize = 20;
/// The wait after a `429` or `503` without a usable `Retry-After`.
pub const DEFAULT_WAIT: Duration = Duration::from_secs(5);

/// What the engine remembers between polling passes.
#[derive(Default)]
pub(super) struct PollState {
    /// No status request before then (the service said to wait).
    not_before: Option<Instant>,
    /// Whether the service answers the batch endpoint (`None`: not yet known).
    batch: Option<bool>,
    /// The last referral asked about: the next pass starts after it.
    cursor: Option<String>,
}

/// How one request went.
enum Answer {
    /// Statuses for these referrals (any may be missing).
    Got(Vec<(String, Vec<StatusUpdate>)>),
    /// The service does not have the batch endpoint.
    NoBatch,
    /// Asked to wait; the pass ends.
    Wait(Duration),
    /// Anything else (offline, a server error): the pass ends, next time again.
    Stop,
}

/// The batch answer: `{"statuses": [{"referral_id", "history": [{status, at}]}]}`.
pub(super) fn parse_batch(body: &[u8]) -> Option<Vec<(String, Vec<StatusUpdate>)>> {
    #[derive(Deserialize)]
    struct Entry {
        referral_id: String,
        history: Vec<StatusUpdate>,
    }
    #[derive(Deserialize)]
    struct Batch {
        statuses: Vec<Entry>,
    }
    let batch: Batch = serde_json::from_slice(body).ok()?;
    Some(
        batch
            .statuses
            .into_iter()
            .map(|e| (e.referral_id, e.history))
            .collect(),
    )
}

/// One polling pass until `end`; `updated` counts the referrals whose history was stored.
pub(super) async fn refresh(
    ctx: &Ctx,
    state: &Mutex<PollState>,
    end: Instant,
    updated: &mut u32,
) -> Result<(), SyncError> {
    let (not_before, batch, cursor) = {
        let s = state.lock().unwrap_or_else(|e| e.into_inner());
        (s.not_before, s.batch, s.cursor.clone())
    };
    if not_before.is_some_and(|t| Instant::now() < t) {
        return Ok(());
    }
    let store = ctx.store.clone();
    // Oldest first (the outbox lists newest first), then in turn after the cursor.
    let mut open: Vec<String> = blocking(move || Ok(store.outbox()?))
        .await?
        .into_iter()
        .rev()
        .filter(|e| e.state == OutboxState::Delivered)
        .filter(|e| {
            e.statuses
                .last()
                .is_none_or(|s| s.status != "closed" && s.status != "consent_withdrawn")
        })
        .map(|e| e.referral_id)
        .collect();
    if open.is_empty() {
        return Ok(());
    }
    if let Some(at) = cursor.and_then(|c| open.iter().position(|id| *id == c)) {
        open.rotate_left(at + 1);
    }
    let tokens = ctx.tokens.clone();
    let mut token = tokio::task::spawn_blocking(move || tokens.token())
        .await
        .ok()
        .flatten()
        .ok_or(SyncError::NeedsSignIn)?;
    let mut refreshed = false;

    let mut rest = open.as_slice();
    let mut requests = 0;
    let mut use_batch = batch != Some(false);
    while !rest.is_empty() {
        let (ids, limit) = if use_batch {
            (&rest[..rest.len().min(BATCH)], BATCHES_PER_PASS)
        } else {
            (&rest[..1], SINGLES_PER_PASS)
        };
        if requests >= limit {
            break;
        }
        requests += 1;
        let answer = loop {
            let remaining = end.saturating_duration_since(Instant::now());
            if remaining.is_zero() {
                return Ok(());
            }
            let request = if use_batch {
                ctx.client
                    .post(ctx.base.url("v1/referrals/statuses"))
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body(serde_json::json!({ "referral_ids": ids }).to_string())
            } else {
                ctx.client
                    .get(ctx.base.url(&format!("v1/referrals/{}/status", ids[0])))
            };
            let sent = request
                .bearer_auth(&token)
                .timeout(remaining.min(ctx.policy.request_timeout))
                .send()
                .await;
            let Ok(response) = sent else {
                break Answer::Stop; // offline or the service is down: try next time
            };
            let status = response.status().as_u16();
            if status == 401 {
                if refreshed {
                    return Err(SyncError::NeedsSignIn);
                }
                refreshed = true;
                let tokens = ctx.tokens.clone();
                match tokio::task::spawn_blocking(move || tokens.refresh_token()).await {
                    Ok(Some(fresh)) => token = fresh,
                    _ => return Err(SyncError::NeedsSignIn),
                }
                continue;
            }
            break read_answer(response, use_batch, &ids[0]).await;
        };
        match answer {
            Answer::Got(found) => {
                let asked: HashSet<&String> = ids.iter().collect();
                for (id, statuses) in found {
                    if !asked.contains(&id) {
                        continue; // not asked for: not taken
                    }
                    if store_statuses(ctx, id, statuses).await? {
                        *updated += 1;
                    }
                }
                let last = ids[ids.len() - 1].clone();
                let mut s = state.lock().unwrap_or_else(|e| e.into_inner());
                s.cursor = Some(last);
                if use_batch {
                    s.batch = Some(true);
                }
                rest = &rest[ids.len()..];
            }
            Answer::NoBatch => {
                state.lock().unwrap_or_else(|e| e.into_inner()).batch = Some(false);
                use_batch = false;
                requests = 0;
            }
            Answer::Wait(wait) => {
                let wait = wait.min(ctx.policy.max_retry_after);
                state.lock().unwrap_or_else(|e| e.into_inner()).not_before =
                    Some(Instant::now() + wait);
                return Ok(());
            }
            Answer::Stop => return Ok(()),
        }
    }
    Ok(())
}

/// Reads a response that is not a `401`.
async fn read_answer(response: reqwest::Response, batch: bool, single_id: &str) -> Answer {
    let status = response.status().as_u16();
    match status {
        429 | 503 => {
            let now = Utc::now();
            let wait = response
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| parse_retry_after(v, now))
                .and_then(|at| (at - now).to_std().ok())
                .unwrap_or(DEFAULT_WAIT);
            Answer::Wait(wait)
        }
        404 | 405 | 501 if batch => Answer::NoBatch,
        // This referral is unknown to the service or not this device's: nothing to store.
        404 => Answer::Got(Vec::new()),
        200..=299 => {
            let Ok(body) = read_limited(response).await else {
                return Answer::Stop;
            };
            let found = if batch {
                parse_batch(&body)
            } else {
                parse_statuses(&body).map(|s| vec![(single_id.to_string(), s)])
            };
            // An answer that cannot be read is skipped, as before; the cursor moves on.
            Answer::Got(found.unwrap_or_default())
        }
        _ => Answer::Stop,
    }
}

/// Stores one referral's history (codes only); `false` when the store did not take it because
/// of the entry (not delivered any more, unknown, an entry the service garbled).
async fn store_statuses(
    ctx: &Ctx,
    referral_id: String,
    statuses: Vec<StatusUpdate>,
) -> Result<bool, SyncError> {
    // Only codes are kept in clear; an entry the service garbled is left out.
    let statuses: Vec<StatusUpdate> = statuses
        .into_iter()
        .filter(|s| is_code(&s.status))
        .collect();
    let store = ctx.store.clone();
    match blocking(move || Ok(store.record_statuses(referral_id, statuses)?)).await {
        Ok(()) => Ok(true),
        Err(SyncError::Store(
            StoreError::InvalidArgument(_) | StoreError::InvalidState(_) | StoreError::NotFound(_),
        )) => Ok(false),
        Err(e) => Err(e),
    }
}
