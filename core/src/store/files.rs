//! The store's files on disk: only regular files, readable by the owner only.
//!
//! Someone who holds the phone's files must find nothing to read, and another app or user on a
//! shared desktop must not either: the data directory is 0700, and the database is created
//! 0600 before SQLite opens it, so its `-wal` and `-shm` files get 0600 too (SQLite gives them
//! the database's permissions). Existing files that are wider are tightened.
//!
//! A store file that is not a regular file (a FIFO, a device, a directory) is refused before
//! it is opened: opening a FIFO for reading blocks until a writer comes, which would hang the
//! app, and a device could be read for ever.

use std::path::{Path, PathBuf};

use super::error::{Result, StoreError};

/// The store's files: the database and the files SQLite keeps beside it.
pub(crate) fn store_files(db: &Path) -> [(PathBuf, &'static str); 4] {
    let with = |suffix: &str| {
        let mut name = db.as_os_str().to_owned();
        name.push(suffix);
        PathBuf::from(name)
    };
    [
        (db.to_path_buf(), "database file"),
        (with("-wal"), "write-ahead log"),
        (with("-shm"), "shared-memory file"),
        (with("-journal"), "rollback journal"),
    ]
}

/// Refuses at once a store file that exists and is not a regular file (symbolic links are
/// followed: a link to a regular file is fine).
pub(crate) fn check_regular(db: &Path) -> Result<()> {
    for (path, what) in store_files(db) {
        match std::fs::metadata(&path) {
            Ok(meta) if !meta.is_file() => return Err(StoreError::NotARegularFile(what)),
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

/// Makes `dir` 0700 and the database 0600 (creating it empty if missing), and tightens its
/// other files if they exist.
pub(crate) fn make_private(dir: &Path, db: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        restrict(dir, 0o700)?;
        std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .open(db)?;
        for (path, _) in store_files(db) {
            match std::fs::metadata(&path) {
                Ok(meta) if meta.permissions().mode() & 0o077 != 0 => {
                    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))?;
                }
                _ => {}
            }
        }
    }
    #[cfg(not(unix))]
    let _ = (dir, db);
    Ok(())
}

#[cfg(unix)]
fn restrict(path: &Path, mode: u32) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let meta = std::fs::metadata(path)?;
    if meta.permissions().mode() & 0o077 != 0 {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))?;
    }
    Ok(())
}
