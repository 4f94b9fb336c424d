//! `weprotect serve` (the reference intake server) and `weprotect admin` (its operator tasks:
//! device tokens and advisors' status updates).

use std::net::SocketAddr;
use std::path::Path;

use chrono::Utc;
use weprotect_server::{Faults, ReferralStatus, ServerConfig};

use crate::Outcome;

/// Runs the server until Ctrl-C.
pub fn serve(dir: &Path, bind: SocketAddr, faults: Option<&str>) -> Outcome {
    let faults: Faults = match faults.map(str::parse).transpose() {
        Ok(f) => f.unwrap_or_default(),
        Err(e) => return Outcome::Unusable(format!("{e}")),
    };
    let mut config = ServerConfig::new(dir);
    config.bind = bind;
    config.faults = faults;
    config.log = weprotect_server::LogTarget::Stderr;
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => return Outcome::Unusable(format!("cannot start the runtime: {}", e.kind())),
    };
    match runtime.block_on(weprotect_server::run(config)) {
        Ok(()) => Outcome::Ok,
        Err(e) => Outcome::Unusable(format!("server failed: {e}")),
    }
}

/// Issues a device token and prints it (it cannot be shown again).
pub fn token_issue(dir: &Path, label: &str) -> Outcome {
    match weprotect_server::issue_token(dir, label) {
        Ok(t) => {
            println!("{}", t.token);
            eprintln!(
                "issued {} ({label}); give the token to the device, it is not shown again",
                t.id
            );
            Outcome::Ok
        }
        Err(e) => Outcome::Unusable(format!("cannot issue a token: {e}")),
    }
}

/// Revokes a token by id or value.
pub fn token_revoke(dir: &Path, token_or_id: &str) -> Outcome {
    match weprotect_server::revoke_token(dir, token_or_id) {
        Ok(info) => {
            println!("revoked {} ({})", info.id, info.label);
            Outcome::Ok
        }
        Err(e) => Outcome::Unusable(format!("cannot revoke: {e}")),
    }
}

/// Lists tokens (ids and labels, never the secrets).
pub fn token_list(dir: &Path) -> Outcome {
    match weprotect_server::list_tokens(dir) {
        Ok(tokens) => {
            for t in tokens {
                let state = t.revoked_at.map_or("active".to_string(), |at| {
                    format!("revoked {}", at.to_rfc3339())
                });
                println!(
                    "{}\t{}\t{}\t{}",
                    t.id,
                    t.created_at.to_rfc3339(),
                    state,
                    t.label
                );
            }
            Outcome::Ok
        }
        Err(e) => Outcome::Unusable(format!("cannot list tokens: {e}")),
    }
}

/// Records an advisor's action on a referral.
pub fn status_add(dir: &Path, referral_id: &str, status: &str) -> Outcome {
    let Ok(status) = status.parse::<ReferralStatus>() else {
        let known: Vec<&str> = ReferralStatus::ALL.iter().map(|s| s.as_str()).collect();
        return Outcome::Unusable(format!("unknown status; one of: {}", known.join(", ")));
    };
    match weprotect_server::add_status(dir, referral_id, status, Utc::now()) {
        Ok(entry) => {
            println!(
                "{} {} at {}",
                referral_id,
                entry.status.as_str(),
                entry.at.to_rfc3339()
            );
            Outcome::Ok
        }
        Err(e) => Outcome::Unusable(format!("cannot add the status: {e}")),
    }
}
