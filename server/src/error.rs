//! Errors: one for operators calling the library, one for clients of the HTTP API.
//!
//! [`ServerError`] is what `start`, the token functions and the inspection helpers return.
//! [`ApiError`] is what an HTTP client sees: a status, a stable `code` that client code may
//! match on, and a fixed English `message`. Neither ever carries personal data: no request
//! body, no referral value, no token. Validation problems travel as `{path, code}` only,
//! because core's messages are written for the officer's screen, not for a wire.

use std::path::PathBuf;

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use weprotect_core::crypto::CryptoError;

/// Why a library operation of the server failed.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// A file or socket operation failed; `what` says which, without personal data.
    #[error("{what}: {source}")]
    Io {
        /// What was being done, e.g. "binding the listener" or a file path.
        what: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The SQLite database failed.
    #[error("database: {0}")]
    Db(#[from] rusqlite::Error),
    /// The PostgreSQL database failed (or its URL cannot be read).
    #[error("postgres: {0}")]
    Postgres(#[from] tokio_postgres::Error),
    /// No connection to PostgreSQL could be had from the pool.
    #[error("postgres connection: {0}")]
    PostgresPool(#[from] deadpool_postgres::PoolError),
    /// The PostgreSQL connection pool could not be set up.
    #[error("postgres set-up: {0}")]
    PostgresSetup(String),
    /// The database was migrated by a newer server than this one: refusing to run on it.
    #[error("the database schema is newer than this server; run the newer server")]
    SchemaTooNew,
    /// A key could not be read or used.
    #[error("key material: {0}")]
    Crypto(#[from] CryptoError),
    /// The data key offered does not match the one this database was written with.
    #[error("the data key does not match the database in {0}")]
    WrongDataKey(PathBuf),
    /// The database was used by a server before, but its service key file is missing: start
    /// with the key restored (a new key would refuse every envelope sealed to the old one).
    #[error(
        "the service key {0} is missing, but this database was used before; restore the key file (a new key would refuse every referral sealed to the old one), or retire it into old_service_keys/ to rotate"
    )]
    MissingServiceKey(PathBuf),
    /// A token label is not 1 to 64 printable characters.
    #[error("a token label is 1 to 64 printable characters (letters, digits, spaces, punctuation)")]
    BadLabel,
    /// A key file exists but cannot be understood.
    #[error("key file {0} is not in the expected format")]
    BadKeyFile(PathBuf),
    /// No referral with this id.
    #[error("no such referral")]
    ReferralNotFound,
    /// The referral's content was deleted (consent withdrawn, or the retention period ended);
    /// its ids, times and statuses remain.
    #[error("the referral's content was deleted (consent withdrawn or retention)")]
    ContentDeleted,
    /// A status only the service itself records (`consent_withdrawn`, from the device's
    /// withdrawal addendum) cannot be added by hand.
    #[error("this status is recorded by the service itself, not added by hand")]
    StatusNotSettable,
    /// No token with this value or id.
    #[error("no such token")]
    TokenNotFound,
    /// A token label is blank: labels decide which tokens read which referrals' statuses.
    #[error("a token needs a label naming its device")]
    BlankLabel,
    /// A stored value could not be read back (database edited by hand, or corrupt).
    #[error("corrupt record: {0}")]
    Corrupt(&'static str),
    /// A blocking task did not finish (the runtime is shutting down).
    #[error("background task failed")]
    Task,
    /// The advisors' console refused an operator's request; the text says which rule.
    #[error("console: {0}")]
    Console(&'static str),
}

impl ServerError {
    /// Whether the database is busy or unreachable rather than refusing this request: no free
    /// connection in time, no connection to be had (the server is down or refuses
    /// connections), a connection lost mid-request, a connection-class or shutdown SQLSTATE, a
    /// statement cancelled by its timeout, SQLite's busy or locked. Worth a retry soon, so
    /// answered `503` with `Retry-After`, never `500`.
    pub(crate) fn is_unavailable(&self) -> bool {
        use deadpool_postgres::PoolError;
        match self {
            ServerError::PostgresPool(
                PoolError::Timeout(_) | PoolError::Backend(_) | PoolError::Closed,
            ) => true,
            ServerError::PostgresPool(_) => false,
            ServerError::Postgres(e) => {
                e.is_closed()
                    || e.code().is_none_or(|code| {
                        let code = code.code();
                        // 08: connection exception; 57P0x: shutting down, cannot connect now;
                        // 53: insufficient resources (too many connections); 57014: cancelled.
                        code.starts_with("08")
                            || code.starts_with("57P0")
                            || code.starts_with("53")
                            || code == "57014"
                    })
            }
            ServerError::Db(rusqlite::Error::SqliteFailure(e, _)) => matches!(
                e.code,
                rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
            ),
            _ => false,
        }
    }

    pub(crate) fn io(what: impl Into<String>, source: std::io::Error) -> ServerError {
        ServerError::Io {
            what: what.into(),
            source,
        }
    }
}

/// A result of a library operation of the server.
pub type Result<T, E = ServerError> = std::result::Result<T, E>;

/// A validation problem as it goes over the wire: where and which rule, never the value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WireProblem {
    /// Field path, e.g. `safe_contact.phone`.
    pub path: String,
    /// Rule code, e.g. `phone.invalid`.
    pub code: String,
    /// `error` (the service refuses only on errors; items to follow and warnings are sent).
    pub kind: &'static str,
}

/// An error answered to an HTTP client.
#[derive(Debug, Clone)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Stable machine-readable code, e.g. `idempotency_key.reused`.
    pub code: &'static str,
    /// Fixed human-readable explanation.
    pub message: &'static str,
    /// Seconds to put in `Retry-After` (429 and 503).
    pub retry_after: Option<u64>,
    /// Validation problems (only for `referral.invalid`).
    pub problems: Option<Vec<WireProblem>>,
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    code: &'a str,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    problems: Option<&'a [WireProblem]>,
}

impl ApiError {
    /// An error with a status, code and message.
    pub const fn new(status: StatusCode, code: &'static str, message: &'static str) -> ApiError {
        ApiError {
            status,
            code,
            message,
            retry_after: None,
            problems: None,
        }
    }

    /// 500, for failures that are ours; the cause is logged by the caller, not sent.
    pub(crate) const fn internal() -> ApiError {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "server.internal",
            "The service could not process the request; try again later.",
        )
    }

    /// 503 with `Retry-After`.
    pub(crate) const fn unavailable(retry_after: u64) -> ApiError {
        let mut e = ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "server.unavailable",
            "The service is temporarily unavailable; retry after the time given.",
        );
        e.retry_after = Some(retry_after);
        e
    }

    /// 429 with `Retry-After`.
    pub(crate) const fn rate_limited(retry_after: u64) -> ApiError {
        let mut e = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "server.rate_limited",
            "Too many requests; retry after the time given.",
        );
        e.retry_after = Some(retry_after);
        e
    }

    /// 404 for an unknown route.
    pub(crate) const fn route_not_found() -> ApiError {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "route.not_found",
            "There is no such resource.",
        )
    }

    /// 400 `request.invalid_path`: a path parameter that cannot be read (e.g. not UTF-8).
    pub(crate) const fn invalid_path() -> ApiError {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "request.invalid_path",
            "The path of the request cannot be read; check the referral id.",
        )
    }

    /// 400 `referral_id.invalid`: a referral id in a path that is not a UUID in canonical form.
    pub(crate) const fn invalid_referral_id() -> ApiError {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "referral_id.invalid",
            "A referral id is a UUID in lower-case hyphenated form.",
        )
    }

    /// The JSON error for a response some layer produced without one (an extractor's
    /// plain-text rejection): same status, a code chosen by status only.
    pub(crate) fn for_status(status: StatusCode) -> ApiError {
        match status {
            StatusCode::NOT_FOUND => ApiError::route_not_found(),
            StatusCode::PAYLOAD_TOO_LARGE => ApiError::new(
                status,
                "body.too_large",
                "The body is larger than this service accepts.",
            ),
            s if s.is_server_error() => ApiError {
                status: s,
                ..ApiError::internal()
            },
            s => ApiError::new(
                s,
                "request.invalid",
                "The request cannot be processed as sent.",
            ),
        }
    }

    /// 422 `addendum.invalid` with the problems, paths and codes only.
    pub(crate) fn invalid_addendum(problems: Vec<WireProblem>) -> ApiError {
        let mut e = ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "addendum.invalid",
            "The addendum does not pass its checks; see problems.",
        );
        e.problems = Some(problems);
        e
    }

    /// 422 `referral.invalid` with the problems, paths and codes only.
    pub(crate) fn invalid_referral(problems: Vec<WireProblem>) -> ApiError {
        let mut e = ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "referral.invalid",
            "The referral does not pass validation; see problems.",
        );
        e.problems = Some(problems);
        e
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            code: self.code,
            message: self.message,
            problems: self.problems.as_deref(),
        };
        let mut response = (self.status, Json(body)).into_response();
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"weprotect\""),
            );
        }
        response
    }
}
