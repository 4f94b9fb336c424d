//! The HTTP surface: which route goes to which handler, and what wraps them.
//!
//! `/v1/...` is the device API (documented in `docs/intake-api.openapi.yaml`); fault injection
//! wraps only those routes. `/admin/v1/...` is the operator's, enabled by an admin token.
//! Handlers reach SQLite through [`App::with_db`], which runs the closure on the blocking pool
//! with the single connection; a reference server needs no pool, and one writer is what SQLite
//! serialises to anyway.

mod admin;
mod referrals;
mod status;

use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::StatusCode;
use axum::middleware::{Next, from_fn_with_state};
use axum::response::Response;
use axum::routing::{get, post};
use rusqlite::Connection;

use crate::error::ApiError;
use crate::faults::{self, FaultState};
use crate::keys::ServerKeys;
use crate::log::LogTarget;

/// Largest admin request body (a status update is a few dozen bytes).
const MAX_ADMIN_BODY: usize = 16 * 1024;

/// State shared by every request.
pub(crate) struct App {
    pub db: Mutex<Connection>,
    pub keys: ServerKeys,
    pub faults: FaultState,
    pub admin_token_sha256: Option<Vec<u8>>,
    pub log: LogTarget,
}

/// What handlers receive.
pub(crate) type AppState = Arc<App>;

/// Put in a response's extensions by a handler so the access log can name the referral.
#[derive(Clone)]
pub(crate) struct LoggedReferralId(pub String);

impl App {
    /// Runs `f` with the database on the blocking pool. Failures are logged (they carry no
    /// personal data) and answered 500.
    pub(crate) async fn with_db<T, F>(self: &Arc<Self>, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> crate::error::Result<T> + Send + 'static,
    {
        let app = Arc::clone(self);
        let result = tokio::task::spawn_blocking(move || {
            let mut conn = app.db.lock().unwrap_or_else(|e| e.into_inner());
            f(&mut conn)
        })
        .await;
        match result {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(e)) => {
                self.log.warn(format!("database error: {e}"));
                Err(ApiError::internal())
            }
            Err(_) => Err(ApiError::internal()),
        }
    }
}

/// The whole router.
pub(crate) fn router(app: AppState, max_body_bytes: usize) -> Router {
    let v1 = Router::new()
        .route("/v1/referrals", post(referrals::submit))
        .route("/v1/referrals/{id}/status", get(status::history))
        .layer(DefaultBodyLimit::max(max_body_bytes))
        .route_layer(from_fn_with_state(app.clone(), faults::inject));
    let admin = Router::new()
        .route("/admin/v1/referrals/{id}/status", post(admin::add_status))
        .layer(DefaultBodyLimit::max(MAX_ADMIN_BODY));
    v1.merge(admin)
        .fallback(|| async { ApiError::route_not_found() })
        .method_not_allowed_fallback(|| async {
            ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "route.method_not_allowed",
                "This resource does not support that method.",
            )
        })
        .layer(from_fn_with_state(app.clone(), access_log))
        .with_state(app)
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
