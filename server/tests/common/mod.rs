//! Shared set-up for the end-to-end tests: a real server on loopback, a token, a real client.
#![allow(dead_code)]

use reqwest::StatusCode;
use tempfile::TempDir;
use weprotect_core::config::ServiceConfig;
use weprotect_core::crypto::{ServicePublicKey, seal};
use weprotect_core::example::EXAMPLE_REFERRAL_JSON;
use weprotect_server::{RunningServer, ServerConfig, issue_token, start};

/// Strings from the example referral that must never appear outside an envelope or ciphertext.
pub const CANARIES: &[&str] = &[
    "Testperson",
    "Jamie",
    "Example Street",
    "Chris Sample",
    "Sam Friendly",
    "447700900123",
    "07700 900123",
    "alex.example@police.example",
    "CAD-2026-000123",
    "BWV-000042",
    "Exampleton",
];

pub struct Harness {
    pub dir: TempDir,
    pub server: RunningServer,
    pub token: String,
    pub client: reqwest::Client,
}

/// A server in a fresh directory, changed by `configure`, with one device token.
pub async fn harness(configure: impl FnOnce(&mut ServerConfig)) -> Harness {
    let dir = tempfile::tempdir().unwrap();
    let mut config = ServerConfig::new(dir.path());
    configure(&mut config);
    let server = start(config).await.unwrap();
    let token = issue_token(dir.path(), "test device").unwrap().token;
    Harness {
        dir,
        server,
        token,
        client: client(),
    }
}

pub fn client() -> reqwest::Client {
    // Plain HTTP on loopback needs no TLS, but reqwest insists on a provider when built
    // with core's `rustls-no-provider`; installing twice is harmless.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(20))
        .build()
        .unwrap()
}

pub fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Seals `json` as referral `id` for the service, as a device would.
pub fn seal_json(service: &ServiceConfig, id: &str, json: &str) -> Vec<u8> {
    let pk = ServicePublicKey::new(service.key_id.clone(), &service.public_key).unwrap();
    seal(&pk, id, weprotect_core::SCHEMA_VERSION, json.as_bytes()).unwrap()
}

/// The example referral, sealed as referral `id`.
pub fn sealed_example(service: &ServiceConfig, id: &str) -> Vec<u8> {
    seal_json(service, id, EXAMPLE_REFERRAL_JSON)
}

impl Harness {
    /// `POST /v1/referrals` with this harness's token.
    pub async fn submit(&self, id: &str, body: Vec<u8>) -> reqwest::Response {
        submit(
            &self.client,
            &self.server.url(),
            Some(&self.token),
            Some(id),
            body,
        )
        .await
    }

    /// `GET /v1/referrals/{id}/status` with `token`.
    pub async fn status(&self, id: &str, token: &str) -> reqwest::Response {
        self.client
            .get(format!("{}/v1/referrals/{id}/status", self.server.url()))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
    }
}

pub async fn submit(
    client: &reqwest::Client,
    url: &str,
    token: Option<&str>,
    id: Option<&str>,
    body: Vec<u8>,
) -> reqwest::Response {
    let mut request = client
        .post(format!("{url}/v1/referrals"))
        .header("content-type", "application/octet-stream")
        .body(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(id) = id {
        request = request.header("idempotency-key", id);
    }
    request.send().await.unwrap()
}

/// Reads a JSON error body and checks its shape: `{code, message}` (+ `problems`).
pub async fn error_code(response: reqwest::Response, status: StatusCode) -> serde_json::Value {
    assert_eq!(response.status(), status);
    let body: serde_json::Value = response.json().await.unwrap();
    assert!(body["code"].is_string(), "{body}");
    assert!(body["message"].is_string(), "{body}");
    body
}

/// Every byte of every file in `dir` (database, WAL, keys, service.json).
pub fn all_files(dir: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_file())
        .map(|e| {
            (
                e.file_name().to_string_lossy().to_string(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

pub fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}
