//! `weprotect configure --service FILE`: installs the service description on this device.
//!
//! The file is a `ServiceConfig` (endpoint, key id, the service's X25519 public key, optional
//! TLS pins): what the reference server writes when it starts. It is checked (the public key
//! must be usable, and the endpoint and pins must pass the checks sync makes) and written to `service.json` in the data directory, atomically, so a
//! submit never reads half a file. It holds no secrets and no personal data.

use std::path::Path;

use weprotect_core::config::ServiceConfig;
use weprotect_core::crypto::ServicePublicKey;

use super::device::service_path;
use super::read_input;
use crate::Outcome;

/// Validates and installs the service description from `file`.
pub fn run(dir: &Path, file: &str) -> Outcome {
    let text = match read_input(file) {
        Ok(text) => text,
        Err(message) => return Outcome::Unusable(message),
    };
    let config: ServiceConfig = match serde_json::from_str(&text) {
        Ok(config) => config,
        Err(_) => {
            return Outcome::Unusable(format!(
                "{file} is not a service description (endpoint, key_id, public_key, spki_pins)"
            ));
        }
    };
    if let Err(e) = ServicePublicKey::new(config.key_id.clone(), &config.public_key) {
        return Outcome::Unusable(format!("{file}: unusable service key: {e}"));
    }
    // Refuse now what sync would refuse later: plain HTTP to another host, credentials in the
    // URL, other schemes, malformed pins. (The endpoint is not echoed: it may hold a password.)
    if let Err(e) = weprotect_core::sync::check_service(&config) {
        return Outcome::Unusable(format!(
            "{file}: the endpoint cannot be used: {e} (an https:// URL with a host and no user name or password; plain http:// only to this machine)"
        ));
    }
    let json = match serde_json::to_string_pretty(&config) {
        Ok(json) => json,
        Err(_) => return Outcome::Unusable("cannot write the service description".into()),
    };
    let write = || -> std::io::Result<()> {
        std::fs::create_dir_all(dir)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
        }
        let tmp = dir.join(format!("{}.tmp", ServiceConfig::FILE_NAME));
        std::fs::write(&tmp, json.as_bytes())?;
        std::fs::File::open(&tmp)?.sync_all()?;
        std::fs::rename(&tmp, service_path(dir))
    };
    match write() {
        Ok(()) => {
            println!(
                "configured: service key {} at {}",
                config.key_id, config.endpoint
            );
            Outcome::Ok
        }
        Err(e) => Outcome::Unusable(format!("cannot write {}: {}", dir.display(), e.kind())),
    }
}
