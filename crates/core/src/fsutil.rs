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
    std::fs::create_dir_all(dir).map_err(failed)?;
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
    crate::CoreError::FileNotSaved(why_not_saved(e.kind()))
}

/// Why a file could not be written at the place the user chose, in Dutch, as the user can act
/// on it (often a USB stick: full, write-protected, or pulled out).
fn why_not_saved(kind: std::io::ErrorKind) -> &'static str {
    use std::io::ErrorKind::*;
    match kind {
        PermissionDenied => "u mag op die plek geen bestanden opslaan",
        ReadOnlyFilesystem => "die schijf is alleen te lezen (een beveiligde USB-stick?)",
        StorageFull | QuotaExceeded => "de schijf is vol",
        NotFound => "de gekozen map bestaat niet (meer); is de USB-stick verwijderd?",
        IsADirectory | DirectoryNotEmpty => "er staat op die plek al een map met die naam",
        NotADirectory => "een deel van het pad is geen map",
        InvalidFilename => "die bestandsnaam kan op die schijf niet",
        FileTooLarge => "het bestand is te groot voor die schijf",
        _ => "de schijf gaf een fout",
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::ErrorKind;

    #[test]
    fn every_reason_is_dutch_and_says_what_to_look_at() {
        fn check(kind: ErrorKind, expected: &str) {
            assert_eq!(why_not_saved(kind), expected, "{kind:?}");
        }
        check(ErrorKind::StorageFull, "de schijf is vol");
        check(ErrorKind::QuotaExceeded, "de schijf is vol");
        check(
            ErrorKind::ReadOnlyFilesystem,
            "die schijf is alleen te lezen (een beveiligde USB-stick?)",
        );
        check(
            ErrorKind::PermissionDenied,
            "u mag op die plek geen bestanden opslaan",
        );
        check(
            ErrorKind::NotFound,
            "de gekozen map bestaat niet (meer); is de USB-stick verwijderd?",
        );
        check(
            ErrorKind::IsADirectory,
            "er staat op die plek al een map met die naam",
        );
        check(ErrorKind::Other, "de schijf gaf een fout");
    }

    #[test]
    fn a_file_that_cannot_be_put_in_place_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        // A folder already has the chosen name (rename gives EISDIR on Linux).
        std::fs::create_dir(dir.path().join("x.zicht")).unwrap();
        let e = write_atomic(dir.path(), "x.zicht", b"bytes").unwrap_err();
        assert_eq!(e.code(), "file_not_saved");
        assert_eq!(
            e.message(),
            "Het bestand is niet opgeslagen: er staat op die plek al een map met die naam. \
             Kies een andere plek en probeer het opnieuw."
        );
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["x.zicht"]);
        // A file under the place a folder should be.
        std::fs::write(dir.path().join("file"), b"").unwrap();
        let e = write_atomic(&dir.path().join("file"), "y.zicht", b"bytes").unwrap_err();
        assert_eq!(e.code(), "file_not_saved");
    }
}
