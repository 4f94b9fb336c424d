//! The server's two secrets, and where this reference server keeps them.
//!
//! * The **service key** (X25519, HPKE) opens the envelopes devices seal to it. Its public
//!   half goes into `service.json` for devices.
//! * **Retired service keys** (`old_service_keys/*.json`, same format as `service_key.json`,
//!   optional) still open envelopes sealed to them. A device seals a referral when it is
//!   queued, possibly days before it is sent; after a key rotation those envelopes carry the
//!   old key id, and without the old private key they could only be refused (`400
//!   envelope.unknown_key`, final for the device). Rotate by moving `service_key.json` into
//!   `old_service_keys/` and restarting; keep it there while devices may still hold
//!   envelopes sealed to it.
//! * Every service key a server starts with is also kept in the database (`service_keys`),
//!   sealed with the data key, so every instance on a shared database, and this one after a
//!   key file is lost, opens envelopes sealed to any of them.
//! * The **data key** encrypts each stored referral at rest, bound to its row
//!   (`aad("referrals", referral_id, "referral_json", schema_version)`), so a copied database
//!   file, backup or WAL shows no personal data.
//!
//! Trade-off, stated plainly: this reference server keeps both keys in files next to the
//! database (`service_key.json`, `data_key.hex`, mode 0600, written atomically). That protects
//! against a database file leaking on its own (a backup, a support bundle), but not against
//! someone who can read the whole data directory as the server's user. A production service
//! should pass the data key in from a KMS or HSM ([`crate::ServerConfig::data_key`]; then no
//! key file is written) and keep the service key in an HSM. The database records a check value
//! of the data key, so starting with the wrong key (or after the key file was lost) fails
//! loudly instead of writing records no one can read later.

use std::fs;
use std::path::Path;
use std::sync::{Arc, RwLock};

use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use weprotect_core::crypto::{DataKey, ServicePrivateKey};
use zeroize::Zeroizing;

use crate::error::{Result, ServerError};
use crate::storage::Storage;
use crate::{db, files};

/// File holding the service's private key (JSON: key id and hex key).
pub const SERVICE_KEY_FILE: &str = "service_key.json";
/// Directory of retired service keys (`*.json`, as [`SERVICE_KEY_FILE`]), still used to open
/// envelopes sealed to them before a key rotation.
pub const OLD_SERVICE_KEYS_DIR: &str = "old_service_keys";
/// File holding the data key (hex), unless the key is passed in.
pub const DATA_KEY_FILE: &str = "data_key.hex";
const DATA_KEY_CHECK: &str = "data_key_check";

/// The secrets a running server needs.
pub(crate) struct ServerKeys {
    pub service: Arc<ServicePrivateKey>,
    /// Retired service keys (and those of other instances), by key id; never the current one.
    old_service: RwLock<Vec<Arc<ServicePrivateKey>>>,
    pub data: Arc<DataKey>,
}

impl ServerKeys {
    /// The service key with this key id: the current one or a retired one.
    pub(crate) fn service_key(&self, key_id: &str) -> Option<Arc<ServicePrivateKey>> {
        if self.service.key_id() == key_id {
            return Some(Arc::clone(&self.service));
        }
        self.old_service
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .find(|k| k.key_id() == key_id)
            .cloned()
    }

    /// Adds a retired key (unless a key with its id is known).
    fn add_retired(&self, key: ServicePrivateKey) {
        if self.service_key(key.key_id()).is_none() {
            self.old_service
                .write()
                .unwrap_or_else(|e| e.into_inner())
                .push(Arc::new(key));
        }
    }

    /// Looks for a key id this instance does not hold in the database (kept there by another
    /// instance, or after this one started); true when it is now held.
    pub(crate) async fn fetch(&self, storage: &Storage, key_id: &str) -> Result<bool> {
        if self.service_key(key_id).is_some() {
            return Ok(true);
        }
        for (id, sealed) in storage.service_keys().await? {
            if id == key_id {
                self.add_retired(open_stored_key(&self.data, &id, &sealed)?);
                return Ok(true);
            }
        }
        Ok(false)
    }
}

#[derive(Serialize, Deserialize)]
struct ServiceKeyFile {
    key_id: String,
    private_key: String,
}

/// Loads the keys of the server in `dir`, creating them on first start, and keeps every
/// service key in the database (sealed with the data key) so that every instance on it, and
/// this one after a key file is gone, opens envelopes sealed to any of them.
pub(crate) async fn load_or_create(
    dir: &Path,
    storage: &Storage,
    data_key: Option<Arc<DataKey>>,
) -> Result<ServerKeys> {
    let check = storage.meta_get(DATA_KEY_CHECK).await?;
    // A server has run on this database (the data key check is written at its first start):
    // devices hold envelopes sealed to its service key, so a missing key is an error, never a
    // new key made in silence that would refuse every one of them.
    // Retiring the key into `old_service_keys/` first is a deliberate rotation: then every key
    // the database has used is in that directory. A key the database knows and the directory
    // does not hold may be the lost current key, so that is a loss, not a rotation, even when
    // the directory holds keys of earlier rotations.
    let lost = check.is_some()
        && !dir.join(SERVICE_KEY_FILE).exists()
        && !every_used_key_is_retired(dir, storage).await?;
    let service = load_or_create_service_key(dir, lost)?;
    let old_service = load_old_service_keys(dir, service.key_id())?;
    let data = match data_key {
        Some(key) => key,
        None => Arc::new(load_or_create_data_key(dir, check.is_some())?),
    };
    // Another instance may write the check value first: compare with what the database holds.
    let check = match check {
        Some(value) => value,
        None => {
            storage
                .meta_set_once(DATA_KEY_CHECK, data.check_value())
                .await?
        }
    };
    if !data.verify_check_value(&check) {
        return Err(ServerError::WrongDataKey(dir.to_path_buf()));
    }
    for key in std::iter::once(&service).chain(&old_service) {
        storage
            .put_service_key(key.key_id(), seal_stored_key(&data, key))
            .await?;
    }
    let keys = ServerKeys {
        service: Arc::new(service),
        old_service: RwLock::new(old_service.into_iter().map(Arc::new).collect()),
        data,
    };
    for (key_id, sealed) in storage.service_keys().await? {
        if keys.service_key(&key_id).is_none() {
            keys.add_retired(open_stored_key(&keys.data, &key_id, &sealed)?);
        }
    }
    Ok(keys)
}

/// The associated data binding a stored service key to its row.
fn stored_key_aad(key_id: &str) -> Vec<u8> {
    weprotect_core::crypto::data_key::aad("service_keys", key_id, "private_key", 1)
}

fn seal_stored_key(data: &DataKey, key: &ServicePrivateKey) -> Vec<u8> {
    data.seal(&stored_key_aad(key.key_id()), key.to_hex().as_bytes())
}

fn open_stored_key(data: &DataKey, key_id: &str, sealed: &[u8]) -> Result<ServicePrivateKey> {
    let hex = Zeroizing::new(data.open(&stored_key_aad(key_id), sealed)?);
    let hex = std::str::from_utf8(&hex).map_err(|_| ServerError::Corrupt("service key"))?;
    Ok(ServicePrivateKey::from_hex(key_id.to_string(), hex)?)
}

/// Loads the data key from its file in `dir` (for inspection helpers).
pub(crate) fn load_data_key(dir: &Path, conn: &Connection) -> Result<DataKey> {
    let path = dir.join(DATA_KEY_FILE);
    let text = read_secret(&path)?;
    let key = DataKey::from_hex(text.trim()).map_err(|_| ServerError::BadKeyFile(path))?;
    if let Some(check) = db::meta_get(conn, DATA_KEY_CHECK)?
        && !key.verify_check_value(&check)
    {
        return Err(ServerError::WrongDataKey(dir.to_path_buf()));
    }
    Ok(key)
}

fn read_service_key(path: &Path) -> Result<ServicePrivateKey> {
    let text = read_secret(path)?;
    let ServiceKeyFile {
        key_id,
        private_key,
    } = serde_json::from_str(&text).map_err(|_| ServerError::BadKeyFile(path.to_path_buf()))?;
    let private_key = Zeroizing::new(private_key);
    ServicePrivateKey::from_hex(key_id, &private_key)
        .map_err(|_| ServerError::BadKeyFile(path.to_path_buf()))
}

/// The retired service keys in `dir/old_service_keys/*.json`, skipping the current key id and
/// duplicates. A file that cannot be read fails the start: better than refusing envelopes.
fn load_old_service_keys(dir: &Path, current_key_id: &str) -> Result<Vec<ServicePrivateKey>> {
    let old_dir = dir.join(OLD_SERVICE_KEYS_DIR);
    let entries = match fs::read_dir(&old_dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(ServerError::io(old_dir.display().to_string(), e)),
    };
    let mut paths = Vec::new();
    for entry in entries {
        let path = entry
            .map_err(|e| ServerError::io(old_dir.display().to_string(), e))?
            .path();
        if path.extension().is_some_and(|x| x == "json") && path.is_file() {
            paths.push(path);
        }
    }
    paths.sort();
    let mut keys: Vec<ServicePrivateKey> = Vec::new();
    for path in paths {
        let key = read_service_key(&path)?;
        if key.key_id() != current_key_id && keys.iter().all(|k| k.key_id() != key.key_id()) {
            keys.push(key);
        }
    }
    Ok(keys)
}

/// Whether `old_service_keys/` holds a key, and every key the database has used is among
/// them (the current key was retired there on purpose).
async fn every_used_key_is_retired(dir: &Path, storage: &Storage) -> Result<bool> {
    let retired: std::collections::HashSet<String> = load_old_service_keys(dir, "")?
        .iter()
        .map(|k| k.key_id().to_string())
        .collect();
    if retired.is_empty() {
        return Ok(false);
    }
    let used = storage.service_keys().await?;
    Ok(used.iter().all(|(key_id, _)| retired.contains(key_id)))
}

fn load_or_create_service_key(dir: &Path, lost: bool) -> Result<ServicePrivateKey> {
    let path = dir.join(SERVICE_KEY_FILE);
    if path.exists() {
        return read_service_key(&path);
    }
    if lost {
        return Err(ServerError::MissingServiceKey(path));
    }
    let key_id = format!(
        "wp-{}-{}",
        chrono::Utc::now().format("%Y%m%d"),
        random_hex(4)?
    );
    let (private, _public) = ServicePrivateKey::generate(key_id.clone())?;
    let json = Zeroizing::new(
        serde_json::to_string_pretty(&ServiceKeyFile {
            key_id,
            private_key: private.to_hex().to_string(),
        })
        .map_err(|_| ServerError::Corrupt("service key"))?,
    );
    write_secret(&path, json.as_bytes())?;
    Ok(private)
}

fn load_or_create_data_key(dir: &Path, database_has_data: bool) -> Result<DataKey> {
    let path = dir.join(DATA_KEY_FILE);
    if path.exists() {
        let text = read_secret(&path)?;
        return DataKey::from_hex(text.trim()).map_err(|_| ServerError::BadKeyFile(path));
    }
    if database_has_data {
        // The database was written with a key we no longer have: never start a second one.
        return Err(ServerError::WrongDataKey(dir.to_path_buf()));
    }
    let key = DataKey::generate();
    write_secret(&path, key.to_hex().as_bytes())?;
    Ok(key)
}

/// Random bytes as hex, for ids and tokens.
pub(crate) fn random_hex(bytes: usize) -> Result<String> {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf)
        .map_err(|e| ServerError::io("reading random bytes", std::io::Error::other(e)))?;
    Ok(hex::encode(buf))
}

/// Reads a key file, first making it readable by the owner only if it was not (a key copied
/// in by hand with the umask's 0644, say).
fn read_secret(path: &Path) -> Result<Zeroizing<String>> {
    files::restrict(path, 0o600)?;
    fs::read_to_string(path)
        .map(Zeroizing::new)
        .map_err(|e| ServerError::io(path.display().to_string(), e))
}

/// Writes a file readable by the owner only, atomically.
pub(crate) fn write_secret(path: &Path, contents: &[u8]) -> Result<()> {
    files::write_atomically(path, contents, 0o600)
}
