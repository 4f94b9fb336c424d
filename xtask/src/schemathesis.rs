//! The intake API tested against its own OpenAPI document by a third-party property-based
//! tester, schemathesis (PyPI), part of `cargo xtask proof`.
//!
//! Schemathesis is installed, when missing, into a virtual environment in a cache folder
//! outside the repository (`$XDG_CACHE_HOME/weprotect`, else `~/.cache/weprotect`), so later
//! runs reuse it. The server is `tests/src/bin/api_server.rs`: the real reference server on a
//! free loopback port, faults off, admin endpoint on, one delivered referral. Every operation
//! of docs/intake-api.openapi.yaml is exercised with every check schemathesis has (no 5xx,
//! status codes, content types, headers and bodies as documented, bad input refused), but one.
//!
//! `positive_data_acceptance` is left out: the body of submitReferral is an HPKE envelope sealed
//! to the service's key, which the document can only describe as bytes, and no generator can
//! seal a valid one without the key, so random "schema-valid" bytes are rightly refused with
//! `400 envelope.malformed`. (On the two status operations every generated id is unknown, and
//! their documented `404` is what that check accepts anyway.) The valid path is covered by the
//! end-to-end tests, which send real envelopes.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};

use crate::{cargo, root, run};

/// The schemathesis release this project was checked with.
const VERSION: &str = "4.32.5";

fn cache_dir() -> PathBuf {
    std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(std::env::temp_dir)
        .join("weprotect")
}

/// The `st` executable, installed first if missing.
fn install() -> Result<PathBuf, String> {
    let venv = cache_dir().join("schemathesis-venv");
    let st = venv.join("bin").join("st");
    if st.exists() {
        return Ok(st);
    }
    std::fs::create_dir_all(cache_dir()).map_err(|e| format!("cache folder: {e}"))?;
    let venv_arg = venv.to_string_lossy().to_string();
    run("schemathesis venv", "python3", &["-m", "venv", &venv_arg])?;
    let pip = venv.join("bin").join("pip").to_string_lossy().to_string();
    run(
        "schemathesis install",
        &pip,
        &["install", "--quiet", &format!("schemathesis=={VERSION}")],
    )?;
    Ok(st)
}

/// Pulls `"key":"value"` out of the api_server's one-line JSON (xtask has no dependencies).
fn field(json: &str, key: &str) -> Option<String> {
    let start = json.find(&format!("\"{key}\":\""))? + key.len() + 4;
    let end = json[start..].find('"')? + start;
    Some(json[start..end].to_string())
}

/// Runs schemathesis with `max_examples` per operation; `Ok` when every check passed.
pub fn schemathesis(max_examples: u32) -> Result<(), String> {
    let st = install()?;
    // Built as the workspace's tests build it (same features): after `cargo test --workspace
    // --all-targets` this is a no-op, where `cargo build --bin` or a `-p` selection would rebuild
    // half the tree with other features.
    run(
        "api server build",
        &cargo(),
        &["test", "-q", "--workspace", "--all-targets", "--no-run"],
    )?;
    let binary = root().join("target/debug/api_server");
    let mut server = Command::new(&binary)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", binary.display()))?;
    let mut line = String::new();
    BufReader::new(server.stdout.take().expect("piped"))
        .read_line(&mut line)
        .map_err(|e| format!("api server: {e}"))?;
    let (Some(url), Some(token)) = (field(&line, "url"), field(&line, "token")) else {
        let _ = server.kill();
        return Err(format!("api server did not start: {line:?}"));
    };
    eprintln!("==> schemathesis {VERSION} against {url} ({max_examples} examples per operation)");
    let status = Command::new(&st)
        .args([
            "run",
            "docs/intake-api.openapi.yaml",
            "--url",
            &url,
            "--header",
            &format!("Authorization: Bearer {token}"),
            "--checks",
            "all",
            "--exclude-checks",
            "positive_data_acceptance",
            "--max-examples",
            &max_examples.to_string(),
            "--seed",
            "13",
            "--no-color",
        ])
        .current_dir(root())
        .status();
    drop(server.stdin.take()); // closing stdin stops the server
    let _ = server.wait();
    let status = status.map_err(|e| format!("cannot start schemathesis: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("schemathesis found problems ({status})"))
    }
}
