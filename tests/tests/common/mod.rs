//! Shared by the store's fault tests: the child process, a service key pair, a small RNG.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use weprotect_core::config::ServiceConfig;
use weprotect_core::crypto::ServicePrivateKey;

pub const KEY_HEX: &str = "3c1f9a2e7b5d4c8a0f6e1d2c3b4a59687766554433221100ffeeddccbbaa9988";

/// The service's key pair and the device configuration for it, written to `dir/service.json`.
pub fn service(files: &Path) -> (ServicePrivateKey, ServiceConfig, PathBuf) {
    let (sk, pk) = ServicePrivateKey::generate("test-service-key".into()).unwrap();
    let config = ServiceConfig {
        endpoint: "https://intake.example.org".into(),
        key_id: "test-service-key".into(),
        public_key: pk.to_hex(),
        spki_pins: Vec::new(),
        jurisdictions: Vec::new(),
    };
    let path = files.join("service.json");
    std::fs::write(&path, serde_json::to_string(&config).unwrap()).unwrap();
    (sk, config, path)
}

/// Starts the submitting child on `dir`.
pub fn spawn_child(dir: &Path, service: &Path, template: &Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_store_child"))
        .arg(dir)
        .arg(KEY_HEX)
        .arg(service)
        .arg(template)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the child starts")
}

/// Waits for the child's `ready` line (the store is open and it is about to write).
pub fn wait_ready(child: &mut Child) {
    let stdout = child.stdout.take().unwrap();
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).unwrap();
    if line.trim() != "ready" {
        let _ = child.kill();
        let out = child.wait_with_output_lossy();
        panic!("child did not start: {out}");
    }
}

/// Kills the child with SIGKILL after `delay` and reaps it. Fails if it died on its own.
pub fn kill_after(mut child: Child, delay: Duration) {
    std::thread::sleep(delay);
    if let Some(status) = child.try_wait().unwrap() {
        let out = child.wait_with_output_lossy();
        panic!("child exited by itself ({status}): {out}");
    }
    child.kill().unwrap(); // SIGKILL on Unix
    child.wait().unwrap();
}

trait Lossy {
    fn wait_with_output_lossy(&mut self) -> String;
}

impl Lossy for Child {
    fn wait_with_output_lossy(&mut self) -> String {
        use std::io::Read;
        let mut err = String::new();
        if let Some(mut e) = self.stderr.take() {
            let _ = e.read_to_string(&mut err);
        }
        err
    }
}

/// A small xorshift generator, seeded from the clock (the seed is printed for replay).
pub struct Rng(u64);

impl Rng {
    pub fn from_env_or_clock() -> Rng {
        let seed = std::env::var("WEPROTECT_TEST_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_nanos() as u64
            })
            | 1;
        eprintln!("seed: WEPROTECT_TEST_SEED={seed}");
        Rng(seed)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}
