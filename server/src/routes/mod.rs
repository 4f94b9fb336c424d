//! The HTTP surface: which route goes to which handler, and what wraps them.
//!
//! `/v1/...` is the device API (documented in `docs/intake-api.openapi.yaml`); fault injection
//! wraps only those routes. `/admin/v1/...` is the operator's, enabled by an admin token.
//! Handlers reach the database through [`App::storage`] (SQLite or PostgreSQL, see
//! `storage`), via [`App::db`], which logs a failure and answers 500.

mod addenda;
mod admin;
mod referrals;
mod status;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{Next, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use crate::auth;
use crate::error::ApiError;
use crate::faults::{self, FaultState};
use crate::keys::ServerKeys;
use crate::limits::Limiters;
use crate::log::LogTarget;
use crate::storage::Storage;

/// Largest admin request body (a status update is a few dozen bytes).
const MAX_ADMIN_BODY: usize = 16 * 1024;

/// State shared by every request.
pub(crate) struct App {
    pub storage: Storage,
    pub keys: ServerKeys,
    pub faults: FaultState,
    pub admin_token_sha256: Option<Vec<u8>>,
    pub log: LogTarget,
    pub limiters: Limiters,
    /// Largest accepted device request body.
    pub max_body_bytes: usize,
}

/// What handlers receive.
pub(crate) type AppState = Arc<App>;

/// The peer address of the connection, put in every request's extensions by `serve.rs`.
#[derive(Clone, Copy)]
pub(crate) struct ClientAddr(pub SocketAddr);

/// The authenticated device, put in the request's extensions by [`device_gate`].
#[derive(Clone)]
pub(crate) struct Device {
    /// The id of the token the request came with.
    pub token_id: String,
}

/// Put in a response's extensions by a handler so the access log can name the referral.
#[derive(Clone)]
pub(crate) struct LoggedReferralId(pub String);

impl App {
    /// Awaits a database operation within [`crate::Limits::database_deadline`]. Failures are
    /// logged (they carry no personal data) and answered 500, or 503 with `Retry-After` when
    /// the database is busy, unreachable or did not answer in time (a retry may succeed; a
    /// submission cut off here and committed after is answered as a replay next time).
    pub(crate) async fn db<T>(
        &self,
        operation: impl Future<Output = crate::error::Result<T>>,
    ) -> Result<T, ApiError> {
        let deadline = self.limiters.limits.database_deadline;
        match tokio::time::timeout(deadline, operation).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(e)) => {
                self.log.warn(format!("database error: {e}"));
                if e.is_unavailable() {
                    Err(ApiError::unavailable(1))
                } else {
                    Err(ApiError::internal())
                }
            }
            Err(_) => {
                self.log.warn(format!(
                    "database error: no answer within {} ms",
                    deadline.as_millis()
                ));
                Err(ApiError::unavailable(1))
            }
        }
    }
}

/// The whole router.
///
/// The gates run before any handler, so no body is read (and no `100 Continue` sent) before
/// the caller is authenticated and within its rate; the device handlers read their bodies
/// themselves within the limits (`body.rs`).
pub(crate) fn router(app: AppState) -> Router {
    let v1 = Router::new()
        .route("/v1/referrals", post(referrals::submit))
        .route("/v1/referrals/{id}/status", get(status::history))
        .route("/v1/referrals/{id}/addenda", post(addenda::submit))
        .route("/v1/referrals/statuses", post(status::histories))
        .route_layer(from_fn_with_state(app.clone(), faults::inject))
        .route_layer(from_fn_with_state(app.clone(), device_gate));
    let admin = Router::new()
        .route("/admin/v1/referrals/{id}/status", post(admin::add_status))
        .layer(DefaultBodyLimit::max(MAX_ADMIN_BODY))
        .route_layer(from_fn_with_state(app.clone(), admin_gate));
    v1.merge(admin)
        .fallback(|| async { ApiError::route_not_found() })
        .method_not_allowed_fallback(|| async {
            ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "route.method_not_allowed",
                "This resource does not support that method.",
            )
        })
        .layer(axum::middleware::from_fn(json_errors))
        .layer(from_fn_with_state(app.clone(), access_log))
        .with_state(app)
}

/// Authenticates a device request from its headers alone, then applies the rate limits: per
/// token when the token is valid, per client address when it is not. An address that is over
/// its rate is refused *before* the lookup for every token this server has not recently seen
/// valid, so guessing is slowed whatever the guess (a valid one is refused like the rest) and
/// bogus tokens cost no database query beyond the rate; devices already seen keep only their
/// own rate. A refused request is answered at once with `Connection: close`; hyper then closes
/// the connection without sending `100 Continue` or reading the body.
async fn device_gate(State(app): State<AppState>, mut req: Request, next: Next) -> Response {
    let token = auth::bearer(req.headers()).ok();
    let client = req.extensions().get::<ClientAddr>().map(|c| c.0.ip());
    let known = token
        .as_deref()
        .is_some_and(|t| app.limiters.known_tokens.contains(t));
    if !known
        && let Some(ip) = client
        && let Some(wait) = app.limiters.address_over(ip)
    {
        return refuse(ApiError::rate_limited(wait));
    }
    match auth::device(&app, req.headers()).await {
        Ok(token_id) => {
            if let Some(token) = &token {
                app.limiters.known_tokens.insert(token);
            }
            if let Err(wait) = app.limiters.check_token(&token_id) {
                return refuse(ApiError::rate_limited(wait));
            }
            req.extensions_mut().insert(Device { token_id });
            next.run(req).await
        }
        Err(error) => {
            if let Some(token) = &token {
                app.limiters.known_tokens.remove(token);
            }
            if let Some(ip) = client
                && let Err(wait) = app.limiters.check_address(ip)
            {
                return refuse(ApiError::rate_limited(wait));
            }
            refuse(error)
        }
    }
}

/// The admin token is checked on the headers too, before the status update is read.
async fn admin_gate(State(app): State<AppState>, req: Request, next: Next) -> Response {
    if let Err(error) = auth::admin(&app, req.headers()) {
        let client = req.extensions().get::<ClientAddr>().map(|c| c.0.ip());
        if error.status == StatusCode::UNAUTHORIZED
            && let Some(ip) = client
            && let Err(wait) = app.limiters.check_address(ip)
        {
            return refuse(ApiError::rate_limited(wait));
        }
        return refuse(error);
    }
    next.run(req).await
}

/// An answer given before the body was read: the connection is closed after it.
fn refuse(error: ApiError) -> Response {
    let mut response = error.into_response();
    response
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}

/// Every error answer is JSON `{code, message}`, as the API promises. Handlers answer
/// [`ApiError`]s; this catches what a layer or an extractor answers on its own in plain text
/// (its text may quote the request, so it is replaced, never passed on).
async fn json_errors(req: Request, next: Next) -> Response {
    let response = next.run(req).await;
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v == HeaderValue::from_static("application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return response;
    }
    let mut answer = ApiError::for_status(status).into_response();
    if let Some(retry_after) = response.headers().get(header::RETRY_AFTER) {
        answer
            .headers_mut()
            .insert(header::RETRY_AFTER, retry_after.clone());
    }
    answer
}

/// One line per request: method, route template, status, duration, referral id. Never a body,
/// a header value or a raw path (a mistyped path could hold anything).
async fn access_log(State(app): State<AppState>, req: Request, next: Next) -> Response {
    if !app.log.requests_on() {
        return next.run(req).await;
    }
    let method = req.method().clone();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or("(no route)".to_string(), |p| p.as_str().to_string());
    let started = Instant::now();
    let response = next.run(req).await;
    let referral = response
        .extensions()
        .get::<LoggedReferralId>()
        .map(|r| format!(" referral={}", r.0))
        .unwrap_or_default();
    app.log.request(format!(
        "{method} {route} {} {}ms{referral}",
        response.status().as_u16(),
        started.elapsed().as_millis()
    ));
    response
}

#[cfg(test)]
mod tests {
    use axum::body::{Body, to_bytes};
    use tower::ServiceExt;

    use super::*;

    #[tokio::test]
    async fn a_plain_text_error_from_a_layer_becomes_a_json_error_without_its_text() {
        let router = Router::new()
            .route(
                "/plain",
                get(|| async { (StatusCode::BAD_REQUEST, "Invalid URL: CANARY") }),
            )
            .route("/ok", get(|| async { "fine" }))
            .layer(axum::middleware::from_fn(json_errors));
        let request = |uri: &str| Request::builder().uri(uri).body(Body::empty()).unwrap();

        let response = router.clone().oneshot(request("/plain")).await.unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        assert_eq!(response.headers()[header::CONTENT_TYPE], "application/json");
        let body = to_bytes(response.into_body(), 4096).await.unwrap();
        let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(body["code"], "request.invalid");
        assert!(!body.to_string().contains("CANARY"));

        let response = router.oneshot(request("/ok")).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let body = to_bytes(response.into_body(), 4096).await.unwrap();
        assert_eq!(&body[..], b"fine");
    }
}
