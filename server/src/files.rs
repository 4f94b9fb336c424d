//! Small file-system helpers: private directories and atomic writes.
//!
//! Key files and `service.json` are replaced by writing a temporary file, syncing it and
//! renaming it over the old one, so a crash never leaves half a key behind.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Result, ServerError};

/// Creates `dir` (and parents) if needed and makes it private to the owner (0700), also when
/// it existed with wider permissions: it holds the keys and the referrals.
pub(crate) fn create_private_dir(dir: &Path) -> Result<()> {
    create_dir(dir)?;
    restrict(dir, 0o700)
}

/// Creates `path` empty if it does not exist, and makes it readable by the owner only (0600).
/// SQLite gives its `-wal` and `-shm` files the database file's permissions, so creating the
/// database this way keeps the whole database private whatever the umask.
pub(crate) fn create_private_file(path: &Path) -> Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options
        .open(path)
        .map_err(|e| ServerError::io(path.display().to_string(), e))?;
    restrict(path, 0o600)
}

/// Sets the Unix mode of `path` when its group or other bits are wider than `mode`.
pub(crate) fn restrict(path: &Path, mode: u32) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let meta =
            fs::metadata(path).map_err(|e| ServerError::io(path.display().to_string(), e))?;
        if meta.permissions().mode() & 0o077 != 0 {
            fs::set_permissions(path, fs::Permissions::from_mode(mode))
                .map_err(|e| ServerError::io(path.display().to_string(), e))?;
        }
    }
    #[cfg(not(unix))]
    let _ = (path, mode);
    Ok(())
}

/// Creates `dir` (and parents) if needed; new directories are private to the owner (0700).
pub(crate) fn create_dir(dir: &Path) -> Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder
        .create(dir)
        .map_err(|e| ServerError::io(dir.display().to_string(), e))
}

/// Writes a file atomically with the given Unix mode (ignored elsewhere).
pub(crate) fn write_atomically(path: &Path, contents: &[u8], mode: u32) -> Result<()> {
    let tmp: PathBuf = path.with_extension("tmp");
    let err = |e| ServerError::io(tmp.display().to_string(), e);
    let _ = fs::remove_file(&tmp);
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(mode);
    }
    #[cfg(not(unix))]
    let _ = mode;
    let mut file = options.open(&tmp).map_err(err)?;
    file.write_all(contents).map_err(err)?;
    file.sync_all().map_err(err)?;
    drop(file);
    fs::rename(&tmp, path).map_err(|e| ServerError::io(path.display().to_string(), e))?;
    if let Some(parent) = path.parent()
        && let Ok(d) = fs::File::open(parent)
    {
        let _ = d.sync_all();
    }
    Ok(())
}
