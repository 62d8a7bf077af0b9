//! Writing a file the user asked for (an exported bundle, the audit log) so that it is either
//! complete or absent.

use crate::error::Result;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Writes `bytes` to `dir/name` through a temporary `.name.part` in the same directory:
/// write, fsync, rename, fsync the directory. On failure the temporary file is removed.
/// `name` is a plain file name: one the core made, or the one the user chose in a dialog.
pub(crate) fn write_atomic(dir: &Path, name: &str, bytes: &[u8]) -> Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let path = dir.join(name);
    let tmp = dir.join(format!(".{name}.part"));
    let written = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        drop(f);
        std::fs::rename(&tmp, &path)?;
        std::fs::File::open(dir)?.sync_all()
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        tracing::warn!(kind = %e.kind(), "file export failed");
        return Err(e.into());
    }
    Ok(path)
}

/// Splits a chosen path into its directory and file name; a path without a file name (or
/// with one that is not UTF-8) is refused.
pub(crate) fn split(path: &Path) -> Result<(&Path, &str)> {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .filter(|n| !n.is_empty())
        .ok_or_else(|| crate::CoreError::field("path", "Kies een bestandsnaam."))?;
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    Ok((dir, name))
}
