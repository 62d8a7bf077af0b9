//! The region as this device knows it: its own identity and the signed participant directory
//! (who is who, their keys and roles), pinned to the region's root key at the first import.

use crate::directory;
use crate::error::{CoreError, Result};
use crate::ids::Now;
use crate::schema::{DIRECTORY, REGION_ROOT};
use crate::session::Zicht;
use zicht_model::*;

impl Zicht {
    /// This device's public keys and fingerprint.
    pub fn device_identity(&self) -> Result<DeviceIdentity> {
        self.session()?.keys.public()
    }

    pub(crate) fn directory(&self) -> Result<Option<(Directory, [u8; 32])>> {
        let v = self.vault()?;
        let Some(signed) = v.get::<SignedDirectory>(&DIRECTORY)? else {
            return Ok(None);
        };
        let root: Option<[u8; 32]> = v.get(&REGION_ROOT)?;
        directory::verify(&signed, root.as_ref()).map(Some)
    }

    /// The directory and pinned root, if one was imported.
    pub fn directory_status(&self) -> Result<Option<DirectoryStatus>> {
        let me = self.device_identity()?;
        Ok(self.directory()?.map(|(d, root)| DirectoryStatus {
            region: d.region.clone(),
            version: d.version,
            root_fingerprint: directory::root_fingerprint(&root),
            me: d
                .participants
                .iter()
                .find(|p| p.encryption_key.eq_ignore_ascii_case(&me.encryption_key))
                .cloned(),
            participants: d.participants,
        }))
    }

    /// Checks a signed directory without importing it: against the pinned root when there is
    /// one, else against the root key it names, whose fingerprint the user must then confirm.
    pub fn preview_directory(&self, json: &str) -> Result<DirectoryPreview> {
        let signed: SignedDirectory = serde_json::from_str(json)
            .map_err(|_| CoreError::DirectoryInvalid("not a signed directory".into()))?;
        let pinned: Option<[u8; 32]> = self.vault()?.get(&REGION_ROOT)?;
        let (dir, root) = directory::verify(&signed, pinned.as_ref())?;
        let me = self.device_identity()?;
        Ok(DirectoryPreview {
            region: dir.region,
            version: dir.version,
            // Not before the root is pinned: the user types it as the coordinator reads it out,
            // and a value the UI could copy back would make that check click-through.
            root_fingerprint: if pinned.is_some() {
                directory::root_fingerprint(&root)
            } else {
                String::new()
            },
            pinned: pinned.is_some(),
            root_preconfigured: false,
            participants: dir.participants.len(),
            me: dir
                .participants
                .into_iter()
                .find(|p| p.encryption_key.eq_ignore_ascii_case(&me.encryption_key)),
        })
    }

    /// Imports a signed directory (the JSON of a [`SignedDirectory`]). The first import pins
    /// the region root key, and only when `confirmed_root` is the fingerprint of that key (the
    /// user compared it with the coordinator's); later ones must be signed by the pinned root
    /// and not be older.
    pub fn import_directory(
        &mut self,
        json: &str,
        confirmed_root: Option<&str>,
        now: Now,
    ) -> Result<DirectoryStatus> {
        let signed: SignedDirectory = serde_json::from_str(json)
            .map_err(|_| CoreError::DirectoryInvalid("not a signed directory".into()))?;
        let v = self.vault()?;
        let pinned: Option<[u8; 32]> = v.get(&REGION_ROOT)?;
        let (dir, root) = directory::verify(&signed, pinned.as_ref())?;
        let digits = |s: &str| s.chars().filter(char::is_ascii_digit).collect::<String>();
        if pinned.is_none() {
            // The digits the user typed as the coordinator read them out (or the app's
            // configured fingerprint), never a value the UI copied from the file.
            match confirmed_root.map(digits) {
                None => return Err(CoreError::DirectoryUnconfirmed),
                Some(d) if d != digits(&directory::root_fingerprint(&root)) => {
                    return Err(CoreError::DirectoryFingerprintMismatch)
                }
                Some(_) => {}
            }
        }
        if let Some((held, _)) = self.directory()? {
            // Older is refused; the same version must be the very same document.
            if dir.version < held.version || (dir.version == held.version && dir != held) {
                return Err(CoreError::DirectoryOlder);
            }
        }
        if pinned.is_none() {
            v.put(&REGION_ROOT, &root)?;
        }
        v.put(&DIRECTORY, &signed)?;
        let detail = match pinned {
            None => format!(
                "versie {} ingelezen; regiosleutel vastgelegd na controle van de vingerafdruk",
                dir.version
            ),
            Some(_) => format!("versie {} ingelezen", dir.version),
        };
        self.audit(
            now,
            AuditAction::Receive,
            AuditSubject::Directory,
            None,
            &detail,
        )?;
        self.vault()?.sync()?;
        let held = self.hold_for_revoked(&dir, now)?;
        tracing::info!(
            held,
            version = dir.version,
            participants = dir.participants.len(),
            "directory imported"
        );
        self.directory_status()?.ok_or(CoreError::NoDirectory)
    }

    /// The directory and this device's own entry in it.
    pub(crate) fn directory_and_me(&self) -> Result<(Directory, Option<Participant>)> {
        let (dir, _) = self.directory()?.ok_or(CoreError::NoDirectory)?;
        let me = self.device_identity()?;
        let mine = dir
            .participants
            .iter()
            .find(|p| p.encryption_key.eq_ignore_ascii_case(&me.encryption_key))
            .cloned();
        Ok((dir, mine))
    }
}
