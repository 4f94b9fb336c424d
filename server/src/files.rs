//! Small file-system helpers: private directories and atomic writes.
//!
//! Key files and `service.json` are replaced by writing a temporary file, syncing it and
//! renaming it over the old one, so a crash never leaves half a key behind.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Result, ServerError};

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
