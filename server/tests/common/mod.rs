//! Shared set-up for the end-to-end tests: a real server on loopback, a token, a real client.
#![allow(dead_code)]

use reqwest::StatusCode;
use serde_json::{Value, json};
use tempfile::TempDir;
use weprotect_core::addendum::ADDENDUM_SCHEMA_VERSION;
use weprotect_core::config::ServiceConfig;
use weprotect_core::crypto::envelope::seal_addendum;
use weprotect_core::crypto::{ServicePublicKey, seal};
use weprotect_core::example::EXAMPLE_REFERRAL_JSON;
use weprotect_server::{Database, RunningServer, ServerConfig, Storage};

#[path = "../../../tests/src/postgres.rs"]
pub mod postgres;

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

    /// Submits on a task of its own, over a new connection (for races): the status and receipt.
    pub fn spawn_submit(
        &self,
        id: &str,
        body: Vec<u8>,
    ) -> tokio::task::JoinHandle<(StatusCode, weprotect_server::Receipt)> {
        let (client, url, token, id) = (
            client(),
            self.server.url(),
            self.token.clone(),
            id.to_string(),
        );
        tokio::spawn(async move {
            let response = submit(&client, &url, Some(&token), Some(&id), body).await;
            (response.status(), response.json().await.unwrap())
        })
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
    // ASCII needles survive a lossy decoding; std's substring search is fast even in a debug
    // build, which matters for PostgreSQL's 16 MiB WAL segments.
    String::from_utf8_lossy(haystack)
        .to_ascii_lowercase()
        .contains(&needle.to_ascii_lowercase())
}

// The backend: a test binary whose name ends in `_postgres` runs on PostgreSQL (a database per
// data directory, in the process's cluster), any other on SQLite. The helpers below have the
// names and signatures of the library's directory-based helpers, so the same test text runs
// on both backends.

/// Whether this test binary runs its servers on PostgreSQL.
pub fn on_postgres() -> bool {
    let binary = module_path!().split("::").next().unwrap_or_default();
    binary.ends_with("_postgres") && postgres_cluster().is_some()
}

fn postgres_cluster() -> Option<&'static postgres::Cluster> {
    static ANNOUNCED: std::sync::Once = std::sync::Once::new();
    let cluster = postgres::cluster();
    if cluster.is_none() {
        ANNOUNCED.call_once(|| eprintln!("SKIP: this suite runs on SQLite again"));
    }
    cluster
}

/// The database of the server whose data directory is `dir` (created on first use).
pub fn database_for(dir: &std::path::Path) -> Database {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    static DATABASES: OnceLock<Mutex<HashMap<std::path::PathBuf, String>>> = OnceLock::new();
    if !on_postgres() {
        return Database::DataDir;
    }
    let mut map = DATABASES.get_or_init(Default::default).lock().unwrap();
    let url = map
        .entry(dir.to_path_buf())
        .or_insert_with(|| postgres_cluster().unwrap().create_database());
    Database::Postgres(url.clone())
}

/// Runs `future` on a runtime of its own (the helpers are sync, the tests async).
fn block<T: Send + 'static>(future: impl std::future::Future<Output = T> + Send + 'static) -> T {
    std::thread::spawn(move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(future)
    })
    .join()
    .unwrap()
}

/// Runs `f` on the storage of the server in `dir`, whichever backend this binary uses.
fn with_storage<T, F, Fut>(dir: &std::path::Path, f: F) -> weprotect_server::Result<T>
where
    T: Send + 'static,
    F: FnOnce(Storage) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = weprotect_server::Result<T>> + Send,
{
    let database = database_for(dir);
    let dir = dir.to_path_buf();
    block(async move { f(Storage::open(&database, &dir).await?).await })
}

/// Starts a server; on PostgreSQL its database is the one of its data directory.
pub async fn start(mut config: ServerConfig) -> weprotect_server::Result<RunningServer> {
    if config.database == Database::DataDir {
        config.database = database_for(&config.data_dir);
    }
    weprotect_server::start(config).await
}

pub fn issue_token(
    dir: &std::path::Path,
    label: &str,
) -> weprotect_server::Result<weprotect_server::IssuedToken> {
    if !on_postgres() {
        return weprotect_server::issue_token(dir, label);
    }
    let label = label.to_string();
    with_storage(dir, move |s| async move { s.issue_token(&label).await })
}

pub fn revoke_token(
    dir: &std::path::Path,
    token_or_id: &str,
) -> weprotect_server::Result<weprotect_server::TokenInfo> {
    let token_or_id = token_or_id.to_string();
    with_storage(
        dir,
        move |s| async move { s.revoke_token(&token_or_id).await },
    )
}

pub fn list_tokens(
    dir: &std::path::Path,
) -> weprotect_server::Result<Vec<weprotect_server::TokenInfo>> {
    with_storage(dir, |s| async move { s.list_tokens().await })
}

pub fn add_status(
    dir: &std::path::Path,
    referral_id: &str,
    status: weprotect_server::ReferralStatus,
    at: chrono::DateTime<chrono::Utc>,
) -> weprotect_server::Result<weprotect_server::StatusEntry> {
    let id = referral_id.to_string();
    with_storage(
        dir,
        move |s| async move { s.add_status(&id, status, at).await },
    )
}

pub fn referral_count(dir: &std::path::Path) -> weprotect_server::Result<u64> {
    with_storage(dir, |s| async move { s.referral_count().await })
}

pub fn receipts(dir: &std::path::Path) -> weprotect_server::Result<Vec<weprotect_server::Receipt>> {
    with_storage(dir, |s| async move { s.receipts().await })
}

/// The stored referral's JSON, opened with the data key file in `dir`.
pub fn read_referral(dir: &std::path::Path, referral_id: &str) -> weprotect_server::Result<String> {
    if !on_postgres() {
        return weprotect_server::read_referral(dir, referral_id);
    }
    let hex = std::fs::read_to_string(dir.join(weprotect_server::DATA_KEY_FILE)).unwrap();
    let key = weprotect_core::crypto::DataKey::from_hex(hex.trim()).unwrap();
    let id = referral_id.to_string();
    with_storage(
        dir,
        move |s| async move { s.read_referral(&key, &id).await },
    )
}

/// The stored referral's addenda, opened with the data key file in `dir`.
pub fn read_addenda(
    dir: &std::path::Path,
    referral_id: &str,
) -> weprotect_server::Result<Vec<weprotect_server::Addendum>> {
    if !on_postgres() {
        return weprotect_server::read_addenda(dir, referral_id);
    }
    let hex = std::fs::read_to_string(dir.join(weprotect_server::DATA_KEY_FILE)).unwrap();
    let key = weprotect_core::crypto::DataKey::from_hex(hex.trim()).unwrap();
    let id = referral_id.to_string();
    with_storage(dir, move |s| async move { s.read_addenda(&key, &id).await })
}

// Addenda (issue 23): documents and envelopes as a device makes them.

/// The example referral sent with its crime reference and the victim's date of birth to follow.
pub fn referral_with_to_follow() -> String {
    let mut r: Value = serde_json::from_str(EXAMPLE_REFERRAL_JSON).unwrap();
    r["incident"]["crime_reference"] = Value::Null;
    r["victim"]["date_of_birth"] = Value::Null;
    r["victim"]["aged_16_or_over"] = json!(true);
    r["to_follow"] = json!([
        {"path": "incident.crime_reference", "code": "crime_reference.to_follow"},
        {"path": "victim.date_of_birth", "code": "victim.date_of_birth_to_follow"},
    ]);
    r.to_string()
}

pub fn information(referral_id: &str, addendum_id: &str, information: Value) -> Value {
    json!({
        "addendum_id": addendum_id,
        "referral_id": referral_id,
        "kind": "information",
        "written_at": chrono::Utc::now(),
        "information": information,
    })
}

pub fn withdrawal(referral_id: &str, addendum_id: &str) -> Value {
    json!({
        "addendum_id": addendum_id,
        "referral_id": referral_id,
        "kind": "consent_withdrawn",
        "written_at": chrono::Utc::now(),
        "withdrawal": {"withdrawn_by": "victim", "withdrawn_at": chrono::Utc::now(),
                       "recorded_how": "by_phone"},
    })
}

/// Seals an addendum document as a device does.
pub fn seal_addendum_doc(service: &ServiceConfig, addendum_id: &str, doc: &Value) -> Vec<u8> {
    let pk = ServicePublicKey::new(service.key_id.clone(), &service.public_key).unwrap();
    seal_addendum(
        &pk,
        addendum_id,
        ADDENDUM_SCHEMA_VERSION,
        doc.to_string().as_bytes(),
    )
    .unwrap()
}

pub async fn add(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    referral_id: &str,
    addendum_id: &str,
    body: Vec<u8>,
) -> reqwest::Response {
    client
        .post(format!("{url}/v1/referrals/{referral_id}/addenda"))
        .bearer_auth(token)
        .header("idempotency-key", addendum_id)
        .header("content-type", "application/octet-stream")
        .body(body)
        .send()
        .await
        .unwrap()
}

impl Harness {
    pub async fn add(
        &self,
        referral_id: &str,
        addendum_id: &str,
        doc: &Value,
    ) -> reqwest::Response {
        let body = seal_addendum_doc(&self.server.service_config(), addendum_id, doc);
        add(
            &self.client,
            &self.server.url(),
            &self.token,
            referral_id,
            addendum_id,
            body,
        )
        .await
    }

    /// Sends the referral with items to follow; its receipt.
    pub async fn sent_referral(&self) -> (String, Value) {
        let id = new_id();
        let body = seal_json(
            &self.server.service_config(),
            &id,
            &referral_with_to_follow(),
        );
        let response = self.submit(&id, body).await;
        assert_eq!(response.status(), StatusCode::CREATED);
        (id, response.json().await.unwrap())
    }
}

/// A server holding the service key a fixture store (`core/fixtures/v1-store`, `v2-store`) was
/// written with, a device token, the id of the referral that phone queued and its envelope as
/// queued (`sealed-v{version}.bin`), not yet sent.
pub async fn fixture_harness(store: &str, version: u32) -> (Harness, String, Vec<u8>) {
    let fixture = |name: &str| {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../core/fixtures")
            .join(store)
            .join(name)
    };
    let dir = tempfile::tempdir().unwrap();
    let ids: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("ids.json")).unwrap()).unwrap();
    let private_key = std::fs::read_to_string(fixture("service_private_key.hex")).unwrap();
    let key_file = json!({"key_id": ids["service_key_id"], "private_key": private_key.trim()});
    std::fs::write(
        dir.path().join(weprotect_server::SERVICE_KEY_FILE),
        key_file.to_string(),
    )
    .unwrap();
    let server = start(ServerConfig::new(dir.path())).await.unwrap();
    let token = issue_token(dir.path(), "older phone").unwrap().token;
    let id = ids["referral_id"].as_str().unwrap().to_string();
    let sealed = std::fs::read(fixture(&format!("sealed-v{version}.bin"))).unwrap();
    let h = Harness {
        dir,
        server,
        token,
        client: client(),
    };
    (h, id, sealed)
}
