//! Exchange with other devices: the regional directory, sealing signals into bundles for
//! recipients (the outbox), and opening bundles addressed to this device (the inbox).
//!
//! Bundles are sealed and opened entirely in memory (staging): a bundle that fails to verify
//! leaves nothing behind, and no plaintext ever goes to a temp file.

use crate::directory;
use crate::error::{CoreError, Result};
use crate::identity::{encryption_public, signing_public, unhex32};
use crate::zicht::{Now, Zicht};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use zicht_bundle::{BundleId, KeyId, SenderPublicKey};
use zicht_model::*;

const STATE: &str = "state";
const OUTBOX: &str = "outbox";
const OUTBOX_DATA: &str = "outbox_data";
const INBOX: &str = "inbox";
/// Version of [`BundlePayload`].
pub const PAYLOAD_VERSION: u32 = 1;

fn bundle_key(id: &str) -> Result<[u8; 32]> {
    BundleId::from_hex(id)
        .map(|b| *b.as_bytes())
        .ok_or(CoreError::NotFound)
}

impl Zicht {
    /// This device's public keys and fingerprint.
    pub fn device_identity(&self) -> Result<DeviceIdentity> {
        self.session()?.keys.public()
    }

    fn directory(&self) -> Result<Option<(Directory, [u8; 32])>> {
        let v = self.vault()?;
        let Some(signed) = v.get::<SignedDirectory>(STATE, b"directory")? else {
            return Ok(None);
        };
        let root: Option<[u8; 32]> = v.get(STATE, b"region_root")?;
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

    /// Imports a signed directory (the JSON of a [`SignedDirectory`]). The first import pins
    /// the region root key; later ones must be signed by it and not be older.
    pub fn import_directory(&mut self, json: &str) -> Result<DirectoryStatus> {
        let signed: SignedDirectory = serde_json::from_str(json)
            .map_err(|_| CoreError::DirectoryInvalid("not a signed directory".into()))?;
        let v = self.vault()?;
        let pinned: Option<[u8; 32]> = v.get(STATE, b"region_root")?;
        let (dir, root) = directory::verify(&signed, pinned.as_ref())?;
        if let Some((held, _)) = self.directory()? {
            // Older is refused; the same version must be the very same document.
            if dir.version < held.version || (dir.version == held.version && dir != held) {
                return Err(CoreError::DirectoryOlder);
            }
        }
        if pinned.is_none() {
            v.put(STATE, b"region_root", &root)?;
        }
        v.put(STATE, b"directory", &signed)?;
        v.sync()?;
        tracing::info!(
            version = dir.version,
            participants = dir.participants.len(),
            "directory imported"
        );
        self.directory_status()?.ok_or(CoreError::NoDirectory)
    }

    /// Seals the given signals into one bundle for the given participants (directory ids),
    /// signed by this device, and puts it in the outbox (state "wacht"). Durable on return.
    pub fn send_signals(
        &mut self,
        signal_ids: &[String],
        recipient_ids: &[String],
        now: Now,
    ) -> Result<OutboxItem> {
        let (dir, _) = self.directory()?.ok_or(CoreError::NoDirectory)?;
        if recipient_ids.is_empty() {
            return Err(CoreError::field(
                "recipients",
                "Kies minstens één ontvanger.",
            ));
        }
        if signal_ids.is_empty() {
            return Err(CoreError::field("signals", "Kies minstens één signaal."));
        }
        let mut recipients = Vec::new();
        let mut names = Vec::new();
        let me = self.device_identity()?;
        let sender_role = self.profile()?.role;
        for id in recipient_ids {
            let p = dir
                .participants
                .iter()
                .find(|p| &p.id == id)
                .ok_or(CoreError::UnknownRecipient)?;
            // Need to know: signals go to attention officers and the regional table; only an
            // attention officer may also send back to an inspector (feedback to the reporter).
            let eligible = match p.role {
                ParticipantRole::Aandachtsfunctionaris | ParticipantRole::RegionaleTafel => true,
                ParticipantRole::Toezichthouder => sender_role == Role::Aandachtsfunctionaris,
            };
            if !eligible || p.encryption_key.eq_ignore_ascii_case(&me.encryption_key) {
                return Err(CoreError::field(
                    "recipients",
                    "Signalen gaan alleen naar een aandachtsfunctionaris of de regionale tafel (niet naar dit apparaat zelf); alleen een aandachtsfunctionaris kan een toezichthouder terugkoppeling sturen.",
                ));
            }
            recipients
                .push(encryption_public(&p.encryption_key).ok_or(CoreError::UnknownRecipient)?);
            names.push(format!("{} ({})", p.display_name, p.municipality));
        }
        let signals = signal_ids
            .iter()
            .map(|id| self.signal(id))
            .collect::<Result<Vec<_>>>()?;
        let payload = BundlePayload {
            version: PAYLOAD_VERSION,
            sent_at: now.naive_local(),
            sender: self.profile()?,
            signals,
        };
        let mut plain =
            zeroize::Zeroizing::new(serde_json::to_vec(&payload).map_err(|_| CoreError::Crypto)?);
        let sender = self.session()?.keys.signing()?;
        let mut bytes = Vec::with_capacity(plain.len() + 1024);
        let sealed = zicht_bundle::seal(&plain[..], &mut bytes, &sender, &recipients)?;
        zeroize::Zeroize::zeroize(&mut *plain);
        let id = sealed.id.to_hex();
        let item = OutboxItem {
            id: id.clone(),
            created_at: now.naive_local(),
            recipients: names,
            signal_ids: signal_ids.to_vec(),
            size: sealed.len,
            state: OutboxState::Wacht,
            attempts: 0,
        };
        let key = bundle_key(&id)?;
        let v = self.vault()?;
        v.put_bytes(OUTBOX_DATA, &key, &bytes)?;
        v.put(OUTBOX, &key, &item)?;
        v.sync()?;
        tracing::info!(
            signals = signal_ids.len(),
            recipients = recipient_ids.len(),
            size = sealed.len,
            "bundle sealed into outbox"
        );
        Ok(item)
    }

    /// Every outgoing bundle, newest first.
    pub fn outbox(&self) -> Result<Vec<OutboxItem>> {
        let mut out = Vec::new();
        self.vault()?.for_each(OUTBOX, |_, i: OutboxItem| {
            out.push(i);
            Ok(())
        })?;
        out.sort_by(|a, b| {
            b.created_at
                .cmp(&a.created_at)
                .then_with(|| a.id.cmp(&b.id))
        });
        Ok(out)
    }

    /// The bytes of an outgoing bundle (to upload, or to save as a `.zicht` file).
    pub fn outbox_bundle(&self, id: &str) -> Result<Vec<u8>> {
        self.vault()?
            .get_bytes(OUTBOX_DATA, &bundle_key(id)?)?
            .ok_or(CoreError::NotFound)
    }

    /// Saves an outgoing bundle as `<dir>/zicht-<first 12 hex of its id>.zicht`, for carrying
    /// it to another device without a network. The name carries no personal data, and the
    /// bundle is encrypted. It is written to a temporary name in `dir`, synced, renamed, and
    /// the directory synced, so the file is either complete or absent. An existing file of the
    /// same bundle is replaced (same id, same bytes).
    pub fn export_bundle(&self, id: &str, dir: &Path) -> Result<PathBuf> {
        let bytes = self.outbox_bundle(id)?;
        // `outbox_bundle` accepted `id`, so it is hex: safe in a file name.
        let short = &id[..12.min(id.len())];
        std::fs::create_dir_all(dir)?;
        let path = dir.join(format!("zicht-{short}.zicht"));
        let tmp = dir.join(format!(".zicht-{short}.zicht.part"));
        let written = (|| {
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(&bytes)?;
            f.sync_all()?;
            drop(f);
            std::fs::rename(&tmp, &path)?;
            std::fs::File::open(dir)?.sync_all()
        })();
        if let Err(e) = written {
            let _ = std::fs::remove_file(&tmp);
            tracing::warn!(kind = %e.kind(), "bundle export failed");
            return Err(e.into());
        }
        tracing::info!(size = bytes.len(), "bundle exported to a file");
        Ok(path)
    }

    /// Records the outcome of a delivery attempt. `Verzonden` is only ever set by the sync
    /// client after it verified the endpoint's signed receipt.
    pub fn set_outbox_state(&mut self, id: &str, state: OutboxState) -> Result<OutboxItem> {
        let key = bundle_key(id)?;
        let v = self.vault()?;
        let mut item: OutboxItem = v.get(OUTBOX, &key)?.ok_or(CoreError::NotFound)?;
        if matches!(item.state, OutboxState::Verzonden { .. }) {
            return Ok(item);
        }
        item.attempts = item.attempts.saturating_add(1);
        item.state = state;
        v.put(OUTBOX, &key, &item)?;
        v.sync()?;
        Ok(item)
    }

    /// Opens a bundle addressed to this device, verifies the sender against the directory and
    /// stores it in the inbox. Importing the same bundle again changes nothing.
    pub fn import_bundle(&mut self, bytes: &[u8], now: Now) -> Result<ImportResult> {
        let (dir, _) = self.directory()?.ok_or(CoreError::NoDirectory)?;
        let id = BundleId::of(bytes).to_hex();
        let key = bundle_key(&id)?;
        if let Some(old) = self.vault()?.get::<InboxItem>(INBOX, &key)? {
            return Ok(ImportResult {
                id,
                new: false,
                sender: old.sender.display_name,
                signals: old.payload.signals.len(),
            });
        }
        let senders: BTreeMap<KeyId, SenderPublicKey> = dir
            .participants
            .iter()
            .filter_map(|p| signing_public(&p.signing_key))
            .map(|k| (k.key_id(), k))
            .collect();
        let me = self.session()?.keys.encryption();
        // Staging in memory: only a fully verified bundle is parsed and stored.
        let mut staged = zeroize::Zeroizing::new(Vec::new());
        let opened = zicht_bundle::open(bytes, &mut *staged, &me, &senders)?;
        let payload: BundlePayload = serde_json::from_slice(&staged)
            .map_err(|_| CoreError::InvalidContent("bundle payload".into()))?;
        if payload.version != PAYLOAD_VERSION {
            return Err(CoreError::InvalidContent("bundle payload version".into()));
        }
        let sender = dir
            .participants
            .iter()
            .find(|p| unhex32(&p.signing_key) == Some(*opened.sender.as_bytes()))
            .cloned()
            .ok_or(CoreError::Bundle(zicht_bundle::Error::UnknownSender {
                sender: opened.sender_id,
            }))?;
        let item = InboxItem {
            id: id.clone(),
            received_at: now.naive_local(),
            sender: sender.clone(),
            payload,
        };
        let v = self.vault()?;
        v.put(INBOX, &key, &item)?;
        v.sync()?;
        tracing::info!(
            signals = item.payload.signals.len(),
            "bundle imported into inbox"
        );
        Ok(ImportResult {
            id,
            new: true,
            sender: sender.display_name,
            signals: item.payload.signals.len(),
        })
    }

    /// Every received bundle, newest first.
    pub fn inbox(&self) -> Result<Vec<InboxItem>> {
        let mut out = Vec::new();
        self.vault()?.for_each(INBOX, |_, i: InboxItem| {
            out.push(i);
            Ok(())
        })?;
        out.sort_by(|a, b| {
            b.received_at
                .cmp(&a.received_at)
                .then_with(|| a.id.cmp(&b.id))
        });
        Ok(out)
    }
}
