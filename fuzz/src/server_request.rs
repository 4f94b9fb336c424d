//! The intake server's fuzzed entry: one HTTP request, built from the input, sent over loopback
//! TCP to a real `weprotect-server` running in the same process (so the fuzzer's coverage map
//! sees the server's own code: hyper's parser, the routes, auth, body limits, envelope opening,
//! validation, the database). Shared by the AFL++ target `afl/src/bin/server_request.rs` and the
//! corpus replay test `tests/tests/fuzz_corpus.rs`.
//!
//! The first input byte picks the request, the second the credentials, the rest is the payload:
//!
//! | byte 0 % 4 | request |
//! | --- | --- |
//! | 0 | the payload sent as it is (raw HTTP: request line, headers, body, anything) |
//! | 1 | `POST /v1/referrals`, payload as the envelope, `Idempotency-Key` from its header |
//! | 2 | `GET /v1/referrals/{payload}/status` (payload percent-encoded) |
//! | 3 | `POST /admin/v1/referrals/{line 1}/status`, the rest as the JSON body |
//!
//! Byte 1 % 4: a valid device token, none, a made-up one, the admin token. Bit 2 of byte 1
//! sends a fixed idempotency key instead of the envelope's own referral id.
//!
//! The server must answer every request with a well-formed HTTP response that is not a 5xx
//! (no faults are injected here), or close the connection on bytes that are not HTTP at all;
//! anything else panics, which the fuzzer counts as a crash.
//!
//! The server starts on first use, not before: AFL forks its children after start-up, and a
//! tokio runtime's threads do not survive a fork.

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

use weprotect_core::crypto::envelope;
use weprotect_server::{Limits, RunningServer, ServerConfig};

/// The admin token of the fuzzed server (a test value, never a real one).
pub const ADMIN_TOKEN: &str = "fuzz-admin-0123456789abcdef0123456789abcdef";
/// The referral id used when the input does not take it from the envelope.
const FIXED_ID: &str = "0f8fad5b-d9cb-469f-a165-70867728950e";
/// How long one request may take before the entry gives up on it (the fuzzer's own timeout,
/// shorter, reports a hang first).
const ANSWER_TIMEOUT: Duration = Duration::from_secs(10);

struct Target {
    addr: SocketAddr,
    token: String,
    _server: RunningServer,
    _runtime: tokio::runtime::Runtime,
}

static TARGET: OnceLock<Target> = OnceLock::new();

/// Starts the server on first call, with its data in `dir` (kept between runs: the service key
/// is the fuzz key the envelope corpus is sealed to, so seeds reach the open path).
fn target(dir: &Path) -> &'static Target {
    TARGET.get_or_init(|| start(dir))
}

fn start(dir: &Path) -> Target {
    std::fs::create_dir_all(dir).expect("fuzz server directory");
    let key_file = dir.join(weprotect_server::SERVICE_KEY_FILE);
    if !key_file.exists() {
        let json = format!(
            "{{\"key_id\": \"fuzz-key\", \"private_key\": \"{}\"}}",
            crate::entries::SERVICE_KEY_HEX
        );
        std::fs::write(&key_file, json).expect("fuzz service key");
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    let mut config = ServerConfig::new(dir);
    config.admin_token = Some(ADMIN_TOKEN.to_string());
    config.limits = Limits {
        per_token: None,
        per_address: None,
        body_deadline: Duration::from_secs(2),
        body_grace: Duration::from_secs(1),
        ..Limits::default()
    };
    let server = runtime
        .block_on(weprotect_server::start(config))
        .expect("fuzz server starts");
    let token = weprotect_server::issue_token(dir, "fuzz")
        .expect("fuzz device token")
        .token;
    Target {
        addr: server.addr(),
        token,
        _server: server,
        _runtime: runtime,
    }
}

/// The default data directory of the fuzzed server: `WEPROTECT_FUZZ_SERVER_DIR`, or a folder
/// in the system's temporary directory.
#[allow(dead_code)] // used by the AFL target only
pub fn default_dir() -> PathBuf {
    std::env::var_os("WEPROTECT_FUZZ_SERVER_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("weprotect-fuzz-server"))
}

/// Sends the request the input describes to the server in `dir` and checks its answer.
pub fn server_request(dir: &Path, data: &[u8]) {
    let [route, creds, payload @ ..] = data else {
        return;
    };
    let target = target(dir);
    let auth = match creds % 4 {
        0 => format!("Authorization: Bearer {}\r\n", target.token),
        1 => String::new(),
        2 => "Authorization: Bearer wpt_0000000000000000000000000000000000000000000000000000000000000000\r\n".to_string(),
        _ => format!("Authorization: Bearer {ADMIN_TOKEN}\r\n"),
    };
    let request = match route % 4 {
        0 => payload.to_vec(),
        1 => {
            let id = match envelope::peek(payload) {
                Ok(header) if creds & 4 == 0 => header.referral_id,
                _ => FIXED_ID.to_string(),
            };
            http(
                "POST /v1/referrals",
                &auth,
                &format!(
                    "Idempotency-Key: {}\r\nContent-Type: application/octet-stream\r\n",
                    clean(&id)
                ),
                payload,
            )
        }
        2 => http(
            &format!("GET /v1/referrals/{}/status", percent(payload)),
            &auth,
            "",
            &[],
        ),
        _ => {
            let end = payload
                .iter()
                .position(|b| *b == b'\n')
                .unwrap_or(payload.len());
            let body = payload.get(end + 1..).unwrap_or(&[]);
            http(
                &format!(
                    "POST /admin/v1/referrals/{}/status",
                    percent(&payload[..end])
                ),
                &auth,
                "Content-Type: application/json\r\n",
                body,
            )
        }
    };
    let raw = route % 4 == 0;
    let answer = exchange(target.addr, &request, raw);
    check(&answer, !raw);
}

fn http(request_line: &str, auth: &str, headers: &str, body: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "{request_line} HTTP/1.1\r\nHost: 127.0.0.1\r\n{auth}{headers}Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(body);
    out
}

/// A header value keeps only visible ASCII (what the device sends).
fn clean(text: &str) -> String {
    text.chars().filter(|c| c.is_ascii_graphic()).collect()
}

/// Percent-encodes everything but unreserved characters, so the bytes reach the route.
fn percent(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (*b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Sends the request and reads the answer until the server closes. For raw bytes, closes the
/// sending half too, so a request cut short ends now rather than at the server's header or body
/// deadline (hyper then drops the connection at once, so an empty answer is fine there).
fn exchange(addr: SocketAddr, request: &[u8], half_close: bool) -> Vec<u8> {
    let mut stream = TcpStream::connect(addr).expect("fuzz server accepts");
    stream.set_read_timeout(Some(ANSWER_TIMEOUT)).ok();
    stream.set_write_timeout(Some(ANSWER_TIMEOUT)).ok();
    // The server may answer (413, 401) and close before reading all of a large body.
    let _ = stream.write_all(request);
    if half_close {
        let _ = stream.shutdown(Shutdown::Write);
    }
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    answer
}

fn check(answer: &[u8], well_formed: bool) {
    if answer.is_empty() {
        // Closing without a word is right only for bytes that were not a whole request.
        assert!(
            !well_formed,
            "the server closed without answering a request"
        );
        return;
    }
    let head = String::from_utf8_lossy(&answer[..answer.len().min(16)]);
    let status: u16 = head
        .strip_prefix("HTTP/1.1 ")
        // hyper answers an HTTP/1.0 request in HTTP/1.0.
        .or_else(|| head.strip_prefix("HTTP/1.0 "))
        .and_then(|rest| rest.get(..3))
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP/1.x status line: {head:?}"));
    assert!(status < 500, "the server answered {status}");
}
