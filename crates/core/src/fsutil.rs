//! Writing a file the user asked for (an exported bundle, the audit log) so that it is either
//! complete or absent.

use crate::error::Result;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Writes `bytes` to `dir/name` through a temporary `.name.part` in the same directory:
/// write, fsync, rename, fsync the directory. On failure the temporary file is removed.
/// `name` is a plain file name: one the core made, or the one the user chose in a dialog.
pub(crate) fn write_atomic(dir: &Path, name: &str, bytes: &[u8]) -> Result<PathBuf> {
    stage(dir, name, bytes)?.commit()
}

/// The first half of [`write_atomic`]: `bytes` are written and fsynced to the temporary
/// `dir/.name.part`; nothing is at `dir/name` yet. [`Staged::commit`] puts the file in place;
/// dropping a `Staged` removes the temporary file. Used when something must be recorded
/// between the two (an export is audited before its file appears).
pub(crate) fn stage(dir: &Path, name: &str, bytes: &[u8]) -> Result<Staged> {
    std::fs::create_dir_all(dir)?;
    let staged = Staged {
        tmp: dir.join(format!(".{name}.part")),
        path: dir.join(name),
        dir: dir.to_path_buf(),
        renamed: false,
    };
    let written = (|| {
        let mut f = std::fs::File::create(&staged.tmp)?;
        f.write_all(bytes)?;
        f.sync_all()
    })();
    // On failure `staged` is dropped here, which removes the temporary file.
    written.map_err(failed)?;
    Ok(staged)
}

/// A file written under its temporary name, not yet in place ([`stage`]).
pub(crate) struct Staged {
    tmp: PathBuf,
    path: PathBuf,
    dir: PathBuf,
    /// The temporary name is gone: nothing for `drop` to remove.
    renamed: bool,
}

impl Staged {
    /// Renames the temporary file to its name and fsyncs the directory.
    pub(crate) fn commit(mut self) -> Result<PathBuf> {
        std::fs::rename(&self.tmp, &self.path).map_err(failed)?;
        self.renamed = true;
        std::fs::File::open(&self.dir)
            .and_then(|d| d.sync_all())
            .map_err(failed)?;
        Ok(self.path.clone())
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        if !self.renamed {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

fn failed(e: std::io::Error) -> crate::CoreError {
    tracing::warn!(kind = %e.kind(), "file export failed");
    e.into()
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
