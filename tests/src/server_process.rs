//! A reference server in a child process, so a benchmark can count the device's CPU and the
//! server's CPU apart (the scheduler's per-thread counters of each process).
//!
//! The benchmark's own executable is started again as the child with `child_env` set to a
//! copy of a template server directory; its `main` calls [`serve_until_stdin_closes`] when it
//! sees that variable. The child prints its URL on its first line of output and serves until
//! its stdin closes (when the [`ServerProcess`] is dropped).

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use weprotect_server::ServerConfig;

/// A server configuration without rate limits or logging: the benchmarks measure delivery.
pub fn unthrottled(dir: &Path) -> ServerConfig {
    let mut config = ServerConfig::new(dir);
    config.limits.per_token = None;
    config.limits.per_address = None;
    config.log = weprotect_server::LogTarget::Off;
    config
}

/// CPU time of every live thread of process `pid` (a number or `self`), from the scheduler's
/// own counters, in nanoseconds.
pub fn cpu_ns(pid: &str) -> u64 {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return 0;
    };
    tasks
        .filter_map(|t| std::fs::read_to_string(t.ok()?.path().join("schedstat")).ok())
        .filter_map(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        .sum()
}

/// A copy of the files of `from` in a new temporary directory.
pub fn copy_dir(from: &Path) -> tempfile::TempDir {
    let to = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_file() {
            std::fs::copy(entry.path(), to.path().join(entry.file_name())).unwrap();
        }
    }
    to
}

/// A reference server in its own process, on a copy of a template directory.
pub struct ServerProcess {
    child: Child,
    /// Where it listens.
    pub url: String,
    _dir: tempfile::TempDir,
}

impl ServerProcess {
    /// Starts this executable again with `child_env` naming a copy of `template`, and waits
    /// for the URL it prints.
    pub fn start(template: &Path, child_env: &str) -> ServerProcess {
        let dir = copy_dir(template);
        let mut child = Command::new(std::env::current_exe().unwrap())
            .env(child_env, dir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        ServerProcess {
            child,
            url: line.trim().to_string(),
            _dir: dir,
        }
    }

    /// The child's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The child's CPU time so far, in nanoseconds.
    pub fn cpu_ns(&self) -> u64 {
        cpu_ns(&self.pid().to_string())
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        drop(self.child.stdin.take()); // the child serves until its stdin closes
        let _ = self.child.wait();
    }
}

/// `POST {url}/v1/referrals` of sealed `body` as referral `id`, as a device sends it.
pub async fn post_referral(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    id: &str,
    body: Vec<u8>,
) -> reqwest::Response {
    client
        .post(format!("{url}/v1/referrals"))
        .bearer_auth(token)
        .header("Idempotency-Key", id)
        .header("Content-Type", "application/octet-stream")
        .body(body)
        .send()
        .await
        .unwrap()
}

/// The child's side: serves `dir` ([`unthrottled`]), prints its URL, and stops when stdin closes.
pub async fn serve_until_stdin_closes(dir: PathBuf) {
    let server = weprotect_server::start(unthrottled(&dir)).await.unwrap();
    println!("{}", server.url());
    std::io::stdout().flush().unwrap();
    tokio::task::spawn_blocking(|| {
        let mut sink = String::new();
        while std::io::stdin()
            .read_line(&mut sink)
            .map(|n| n > 0)
            .unwrap_or(false)
        {}
    })
    .await
    .unwrap();
    server.shutdown().await;
}
