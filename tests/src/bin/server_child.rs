//! A child process for the proof kill loop: the reference intake server as its own process, so
//! the parent test can kill it with SIGKILL while it commits and restart it on the same data
//! directory and port.
//!
//! Usage: `server_child DIR ADDR FAULTS` (`FAULTS` in the server's fault syntax, or `none`).

use std::path::PathBuf;

use weprotect_server::{Faults, LogTarget, ServerConfig};

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, dir, addr, faults] = args.as_slice() else {
        eprintln!("usage: server_child DIR ADDR FAULTS");
        std::process::exit(2);
    };
    let mut config = ServerConfig::new(PathBuf::from(dir));
    config.log = LogTarget::Stderr;
    config.bind = addr.parse().expect("address");
    config.faults = if faults == "none" {
        Faults::none()
    } else {
        faults.parse().expect("faults")
    };
    if let Err(e) = weprotect_server::run(config).await {
        eprintln!("server_child: {e}");
        std::process::exit(3);
    }
}
