//! `weprotect serve` (the reference intake server) and `weprotect admin` (its operator tasks:
//! device tokens and advisors' status updates), on SQLite in the data directory or on a
//! PostgreSQL database (`--database postgres://...`).

use std::future::Future;
use std::net::SocketAddr;
use std::path::Path;

use chrono::Utc;
use weprotect_server::{Database, Faults, ReferralStatus, ServerConfig, Storage};

use crate::Outcome;

/// The environment variable that may hold the PostgreSQL password.
pub const PASSWORD_ENV: &str = "WEPROTECT_DATABASE_PASSWORD";

/// The `--database` value with the PostgreSQL password put in, from `password_file` or else
/// from [`PASSWORD_ENV`], so that the password need not be on the command line (where `ps`
/// shows it to every user of the machine). Neither given: the value as it is.
pub fn database_url(database: &str, password_file: Option<&Path>) -> Result<String, Outcome> {
    let password = match password_file {
        Some(file) => {
            let opened = std::fs::File::open(file).map_err(|e| {
                Outcome::Unusable(format!("cannot read {}: {}", file.display(), e.kind()))
            })?;
            let text = super::read_bounded(opened, &file.display().to_string())
                .map_err(Outcome::Unusable)?;
            Some(text.trim_end_matches(['\n', '\r']).to_string())
        }
        None => std::env::var(PASSWORD_ENV).ok(),
    };
    let Some(password) = password.filter(|p| !p.is_empty()) else {
        return Ok(database.to_string());
    };
    with_password(database, &password).map_err(Outcome::Unusable)
}

/// `postgres://user@host/db` with `password` (percent-encoded) after the user.
fn with_password(url: &str, password: &str) -> Result<String, String> {
    let Some((scheme, rest)) = url
        .split_once("://")
        .filter(|(scheme, _)| matches!(*scheme, "postgres" | "postgresql"))
    else {
        return Err("a database password is given, but --database is not a postgres:// URL".into());
    };
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let Some((user, host)) = authority.rsplit_once('@') else {
        return Err("--database must name the user (postgres://USER@HOST/DATABASE) when the password is given apart".into());
    };
    if user.contains(':') {
        return Err(
            "the password is given twice: in --database and apart; leave it out of the URL".into(),
        );
    }
    let encoded: String = password
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    Ok(format!("{scheme}://{user}:{encoded}@{host}{tail}"))
}

/// Runs the server until Ctrl-C.
pub fn serve(
    dir: &Path,
    bind: SocketAddr,
    faults: Option<&str>,
    database: &str,
    time_zone: &str,
) -> Outcome {
    let faults: Faults = match faults.map(str::parse).transpose() {
        Ok(f) => f.unwrap_or_default(),
        Err(e) => return Outcome::Unusable(format!("{e}")),
    };
    let database: Database = match database.parse() {
        Ok(database) => database,
        Err(e) => return Outcome::Unusable(format!("{e}")),
    };
    let time_zone = match weprotect_server::console::time_zone(time_zone) {
        Ok(zone) => zone,
        Err(e) => return Outcome::Unusable(format!("--time-zone: {e}")),
    };
    let mut config = ServerConfig::new(dir);
    config.console.time_zone = time_zone;
    config.bind = bind;
    config.faults = faults;
    config.log = weprotect_server::LogTarget::Stderr;
    config.database = database;
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => return Outcome::Unusable(format!("cannot start the runtime: {}", e.kind())),
    };
    match runtime.block_on(weprotect_server::run(config)) {
        Ok(()) => Outcome::Ok,
        Err(e) => Outcome::Unusable(format!("server failed: {e}")),
    }
}

/// Which server an admin command acts on: its data directory and its database.
pub struct ServerAt<'a> {
    /// The data directory (holds the SQLite file by default).
    pub dir: &'a Path,
    /// `sqlite` or a PostgreSQL URL.
    pub database: &'a str,
}

impl ServerAt<'_> {
    /// Runs `sqlite` for the data directory's database, or `postgres` with the PostgreSQL
    /// storage on a runtime of its own.
    fn run<T, F, Fut>(
        &self,
        sqlite: impl FnOnce(&Path) -> weprotect_server::Result<T>,
        postgres: F,
    ) -> Result<weprotect_server::Result<T>, String>
    where
        F: FnOnce(Storage) -> Fut,
        Fut: Future<Output = weprotect_server::Result<T>>,
    {
        match self
            .database
            .parse::<Database>()
            .map_err(|e| e.to_string())?
        {
            Database::DataDir => Ok(sqlite(self.dir)),
            database => {
                let runtime = tokio::runtime::Runtime::new()
                    .map_err(|e| format!("cannot start the runtime: {}", e.kind()))?;
                Ok(runtime
                    .block_on(async { postgres(Storage::open(&database, self.dir).await?).await }))
            }
        }
    }
}

/// Issues a device token and prints it (it cannot be shown again).
pub fn token_issue(at: &ServerAt<'_>, label: &str) -> Outcome {
    let issued = at.run(
        |dir| weprotect_server::issue_token(dir, label),
        |storage| async move { storage.issue_token(label).await },
    );
    match issued {
        Err(e) => Outcome::Unusable(e),
        Ok(Ok(t)) => {
            println!("{}", t.token);
            eprintln!(
                "issued {} ({label}); give the token to the device, it is not shown again",
                t.id
            );
            Outcome::Ok
        }
        Ok(Err(e)) => Outcome::Unusable(format!("cannot issue a token: {e}")),
    }
}

/// Revokes a token by id or value.
pub fn token_revoke(at: &ServerAt<'_>, token_or_id: &str) -> Outcome {
    let revoked = at.run(
        |dir| weprotect_server::revoke_token(dir, token_or_id),
        |storage| async move { storage.revoke_token(token_or_id).await },
    );
    match revoked {
        Err(e) => Outcome::Unusable(e),
        Ok(Ok(info)) => {
            println!("revoked {} ({})", info.id, info.label);
            Outcome::Ok
        }
        Ok(Err(e)) => Outcome::Unusable(format!("cannot revoke: {e}")),
    }
}

/// Lists tokens (ids and labels, never the secrets).
pub fn token_list(at: &ServerAt<'_>) -> Outcome {
    let listed = at.run(weprotect_server::list_tokens, |storage| async move {
        storage.list_tokens().await
    });
    match listed {
        Err(e) => Outcome::Unusable(e),
        Ok(Ok(tokens)) => {
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
        Ok(Err(e)) => Outcome::Unusable(format!("cannot list tokens: {e}")),
    }
}

/// Records an advisor's action on a referral.
pub fn status_add(at: &ServerAt<'_>, referral_id: &str, status: &str) -> Outcome {
    let Ok(status) = status.parse::<ReferralStatus>() else {
        let known: Vec<&str> = ReferralStatus::ALL
            .iter()
            .filter(|s| s.settable())
            .map(|s| s.as_str())
            .collect();
        return Outcome::Unusable(format!("unknown status; one of: {}", known.join(", ")));
    };
    let now = Utc::now();
    let added = at.run(
        |dir| weprotect_server::add_status(dir, referral_id, status, now),
        |storage| async move { storage.add_status(referral_id, status, now).await },
    );
    match added {
        Err(e) => Outcome::Unusable(e),
        Ok(Ok(entry)) => {
            println!(
                "{} {} at {}",
                referral_id,
                entry.status.as_str(),
                entry.at.to_rfc3339()
            );
            Outcome::Ok
        }
        Ok(Err(e)) => Outcome::Unusable(format!("cannot add the status: {e}")),
    }
}

/// What the service holds about a referral, for the operator: the referral JSON (or that its
/// content was deleted) and its addenda, opened with the data key file of the data directory.
/// Personal data: printed to the operator's terminal only, never logged.
pub fn referral_show(at: &ServerAt<'_>, referral_id: &str) -> Outcome {
    let read = at.run(
        |dir| {
            let referral = weprotect_server::read_referral(dir, referral_id);
            let addenda = weprotect_server::read_addenda(dir, referral_id)?;
            Ok((referral, addenda))
        },
        |storage| async move {
            let hex = std::fs::read_to_string(at.dir.join(weprotect_server::DATA_KEY_FILE))
                .map_err(|e| weprotect_server::ServerError::Io {
                    what: "reading the data key file".into(),
                    source: e,
                })?;
            let key = weprotect_core::crypto::DataKey::from_hex(hex.trim())?;
            let referral = storage.read_referral(&key, referral_id).await;
            let addenda = storage.read_addenda(&key, referral_id).await?;
            Ok((referral, addenda))
        },
    );
    let (referral, addenda) = match read {
        Err(e) => return Outcome::Unusable(e),
        Ok(Err(e)) => return Outcome::Unusable(format!("cannot read the referral: {e}")),
        Ok(Ok(found)) => found,
    };
    match referral {
        Ok(json) => {
            let pretty = serde_json::from_str::<serde_json::Value>(&json)
                .and_then(|v| serde_json::to_string_pretty(&v))
                .unwrap_or(json);
            println!("{pretty}");
        }
        Err(weprotect_server::ServerError::ContentDeleted) => {
            println!("(content deleted: consent withdrawn, or the retention period ended)");
        }
        Err(e) => return Outcome::Unusable(format!("cannot read the referral: {e}")),
    }
    println!("addenda: {}", addenda.len());
    for a in addenda {
        println!(
            "- {} {} received {}{}",
            a.addendum_id,
            a.kind.as_str(),
            a.received_at.to_rfc3339(),
            if a.content_deleted {
                " (content deleted)"
            } else {
                ""
            }
        );
        if let Some(information) = &a.information {
            for (path, value) in information {
                println!("    {path}: {value}");
            }
        }
        if let Some(w) = &a.withdrawal {
            let codes = serde_json::to_value(w).unwrap_or_default();
            println!(
                "    withdrawn_by: {}, withdrawn_at: {}, recorded_how: {}",
                codes["withdrawn_by"].as_str().unwrap_or("?"),
                codes["withdrawn_at"].as_str().unwrap_or("?"),
                codes["recorded_how"].as_str().unwrap_or("?")
            );
        }
    }
    Outcome::Ok
}

impl ServerAt<'_> {
    /// Runs a console operation (which opens the database itself) on a runtime of its own.
    fn console<T, Fut>(
        &self,
        operation: impl FnOnce(std::path::PathBuf, Database) -> Fut,
    ) -> Result<weprotect_server::Result<T>, String>
    where
        Fut: Future<Output = weprotect_server::Result<T>>,
    {
        let database = self
            .database
            .parse::<Database>()
            .map_err(|e| e.to_string())?;
        let runtime = tokio::runtime::Runtime::new()
            .map_err(|e| format!("cannot start the runtime: {}", e.kind()))?;
        Ok(runtime.block_on(operation(self.dir.to_path_buf(), database)))
    }
}

/// The console's base address for links: the endpoint in the data directory's `service.json`
/// (written by a running server), or a placeholder to replace.
fn console_base(dir: &Path) -> String {
    std::fs::read(dir.join(weprotect_core::config::ServiceConfig::FILE_NAME))
        .ok()
        .and_then(|bytes| {
            serde_json::from_slice::<weprotect_core::config::ServiceConfig>(&bytes).ok()
        })
        .map_or_else(|| "https://SERVER".to_string(), |c| c.endpoint)
}

/// Adds an advisor and prints the one-time enrolment link (stdout) and what to do (stderr).
pub fn advisor_add(at: &ServerAt<'_>, email: &str, role: &str) -> Outcome {
    let role: weprotect_server::console::Role = match role.parse() {
        Ok(role) => role,
        Err(e) => return Outcome::Unusable(format!("--role: {e}")),
    };
    let added = at.console(|dir, database| async move {
        weprotect_server::console::add_advisor(&dir, &database, email, role).await
    });
    match added {
        Err(e) => Outcome::Unusable(e),
        Ok(Ok(enrolment)) => {
            println!("{}{}", console_base(at.dir), enrolment.path());
            eprintln!(
                "added {} ({}); give the link to that person only: it works once, for 72 hours",
                enrolment.advisor_id,
                role.as_str()
            );
            Outcome::Ok
        }
        Ok(Err(e)) => Outcome::Unusable(format!("cannot add the advisor: {e}")),
    }
}

/// Revokes an advisor by email.
pub fn advisor_revoke(at: &ServerAt<'_>, email: &str) -> Outcome {
    let revoked = at.console(|dir, database| async move {
        weprotect_server::console::revoke_advisor(&dir, &database, email).await
    });
    match revoked {
        Err(e) => Outcome::Unusable(e),
        Ok(Ok(())) => {
            println!("revoked; their sessions have ended");
            Outcome::Ok
        }
        Ok(Err(e)) => Outcome::Unusable(format!("cannot revoke: {e}")),
    }
}

/// Prints the console's audit log, newest first.
pub fn console_audit(at: &ServerAt<'_>, limit: u32) -> Outcome {
    let entries = at.console(|dir, database| async move {
        weprotect_server::console::audit_log(&dir, &database, limit).await
    });
    match entries {
        Err(e) => Outcome::Unusable(e),
        Ok(Ok(entries)) => {
            for e in entries {
                println!(
                    "{}\t{}\t{}\t{}",
                    e.at.to_rfc3339(),
                    e.advisor_id.unwrap_or_else(|| "-".into()),
                    e.action,
                    e.referral_id.unwrap_or_else(|| "-".into())
                );
            }
            Outcome::Ok
        }
        Ok(Err(e)) => Outcome::Unusable(format!("cannot read the audit log: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_given_apart_is_put_into_the_url_percent_encoded() {
        assert_eq!(
            with_password(
                "postgres://intake@db:5432/intake?sslmode=disable",
                "p@ss:w/rd %"
            )
            .unwrap(),
            "postgres://intake:p%40ss%3Aw%2Frd%20%25@db:5432/intake?sslmode=disable"
        );
        assert!(with_password("postgres://intake:old@db/intake", "new").is_err());
        assert!(with_password("postgres://db/intake", "pw").is_err());
        assert!(with_password("sqlite", "pw").is_err());
    }
}
