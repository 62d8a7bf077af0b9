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

/// The first half of [`write_atomic`]: `bytes` are written and fsynced to a new temporary
/// file in `dir`; nothing is at `dir/name` yet. [`Staged::commit`] puts the file in place;
/// dropping a `Staged` removes the temporary file. Used when something must be recorded
/// between the two (an export is audited before its file appears).
///
/// The temporary name (`.zicht-<pid>-<n>.part`) is made here and created new, so it never
/// replaces or removes a file that is not this call's, and its length does not depend on the
/// chosen name (a name the file system just allows is not refused because of it).
pub(crate) fn stage(dir: &Path, name: &str, bytes: &[u8]) -> Result<Staged> {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    std::fs::create_dir_all(dir).map_err(failed)?;
    let (tmp, mut f) = loop {
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let tmp = dir.join(format!(".zicht-{}-{n}.part", std::process::id()));
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
        {
            Ok(f) => break (tmp, f),
            // Left by an earlier process with the same id: take the next number.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(failed(e)),
        }
    };
    let staged = Staged {
        tmp,
        path: dir.join(name),
        dir: dir.to_path_buf(),
        renamed: false,
    };
    let written = f.write_all(bytes).and_then(|()| f.sync_all());
    drop(f);
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
    /// Renames the temporary file to its name and fsyncs the directory. Once the rename has
    /// succeeded the file is there under its name, so a failing directory fsync (a stick pulled
    /// just then, a file system that cannot) is logged, not reported as "not saved".
    pub(crate) fn commit(mut self) -> Result<PathBuf> {
        std::fs::rename(&self.tmp, &self.path).map_err(failed)?;
        self.renamed = true;
        if let Err(e) = std::fs::File::open(&self.dir).and_then(|d| d.sync_all()) {
            tracing::warn!(kind = %e.kind(), "folder not synced after a file export");
        }
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
        NotFound => "de map bestaat niet (meer), bijvoorbeeld omdat de USB-stick is verwijderd",
        IsADirectory | DirectoryNotEmpty => "er staat op die plek al een map met die naam",
        // `create_dir_all` says AlreadyExists when part of the path is a file.
        NotADirectory | AlreadyExists => "een deel van het pad is geen map",
        InvalidFilename => "die bestandsnaam is op die schijf niet toegestaan",
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
            "de map bestaat niet (meer), bijvoorbeeld omdat de USB-stick is verwijderd",
        );
        check(ErrorKind::AlreadyExists, "een deel van het pad is geen map");
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
        assert_eq!(e.code(), zicht_model::ErrorCode::FileNotSaved);
        assert_eq!(
            e.message(),
            "Het bestand is niet opgeslagen: er staat op die plek al een map met die naam. \
             Probeer het opnieuw, zo nodig op een andere plek."
        );
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["x.zicht"]);
        // A file under the place a folder should be.
        std::fs::write(dir.path().join("file"), b"").unwrap();
        let e = write_atomic(&dir.path().join("file"), "y.zicht", b"bytes").unwrap_err();
        assert_eq!(e.code(), zicht_model::ErrorCode::FileNotSaved);
        assert!(
            e.message().contains("een deel van het pad is geen map"),
            "{}",
            e.message()
        );
        // A name the file system just allows (255 bytes) is not refused for the temporary
        // file's sake, and nothing else stays behind.
        let long = format!("{}.zicht", "a".repeat(249));
        assert_eq!(
            write_atomic(dir.path(), &long, b"bytes").unwrap(),
            dir.path().join(&long)
        );
        let mut names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        assert_eq!(names, [long, "file".to_string(), "x.zicht".to_string()]);
    }

    #[test]
    fn staging_never_touches_a_file_it_did_not_make() {
        let dir = tempfile::tempdir().unwrap();
        // Someone's file with the name an older version used for its temporary file.
        std::fs::write(dir.path().join(".x.zicht.part"), b"theirs").unwrap();
        let staged = stage(dir.path(), "x.zicht", b"mine").unwrap();
        drop(staged);
        assert!(!dir.path().join("x.zicht").exists());
        assert_eq!(
            std::fs::read(dir.path().join(".x.zicht.part")).unwrap(),
            b"theirs"
        );
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
