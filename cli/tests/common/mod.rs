//! Running the real `weprotect` binary from the CLI tests.
#![allow(dead_code)]

use std::io::Write;
use std::process::{Command, Output, Stdio};

/// A command for the `weprotect` binary under test, with no key or token inherited.
pub fn weprotect() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_weprotect"));
    command
        .env_remove("WEPROTECT_DATA_KEY")
        .env_remove("WEPROTECT_TOKEN");
    command
}

/// Runs `command` with `stdin` as its standard input and collects its output.
pub fn feed(mut command: Command, stdin: &str) -> Output {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("weprotect starts");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}
