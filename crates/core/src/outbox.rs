//! Sending: sealing signals, a case or a decision into a bundle for recipients from the
//! directory, the outbox that holds them until they are delivered, and exporting a bundle to a
//! file for devices without a connection.
//!
//! Bundles are sealed entirely in memory: no plaintext ever goes to a temp file.

use crate::error::{CoreError, Result};
use crate::exposure::{check_basis, is_external, strip};
use crate::identity::encryption_public;
use crate::ids::Now;
use crate::schema::{OUTBOX, OUTBOX_DATA};
use crate::session::Zicht;
use std::path::{Path, PathBuf};
use zicht_bundle::BundleId;
use zicht_model::*;

/// Version of [`BundlePayload`].
pub const PAYLOAD_VERSION: u32 = 1;

/// The store key of a bundle id (64 hex); an id that is not one is simply not found.
pub(crate) fn bundle_key(id: &str) -> Result<[u8; 32]> {
    BundleId::from_hex(id)
        .map(|b| *b.as_bytes())
        .ok_or(CoreError::NotFound)
}

impl Zicht {
    /// Seals the given signals into one bundle for the given participants (directory ids),
    /// signed by this device, and puts it in the outbox (state "wacht"). Durable on return.
    /// Recipients outside this municipality (and the regional table) need a legal basis: see
    /// [`Zicht::send_signals_shared`].
    pub fn send_signals(
        &mut self,
        signal_ids: &[String],
        recipient_ids: &[String],
        now: Now,
    ) -> Result<OutboxItem> {
        self.send_signals_shared(signal_ids, recipient_ids, None, &[], now)
    }

    /// [`Zicht::send_signals`] with a legal basis and a need-to-know selection of fields,
    /// required as soon as one recipient is outside this municipality or is the regional
    /// table. The basis travels inside the bundle; fields not chosen are left out.
    pub fn send_signals_shared(
        &mut self,
        signal_ids: &[String],
        recipient_ids: &[String],
        basis: Option<&LegalBasisInput>,
        fields: &[ShareField],
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
        let me = self.device_identity()?;
        let profile = self.profile()?;
        let mut to = Vec::new();
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
                ParticipantRole::Toezichthouder => profile.role == Role::Aandachtsfunctionaris,
            };
            if !eligible || p.encryption_key.eq_ignore_ascii_case(&me.encryption_key) {
                return Err(CoreError::field(
                    "recipients",
                    "Signalen gaan alleen naar een aandachtsfunctionaris of de regionale tafel (niet naar dit apparaat zelf); alleen een aandachtsfunctionaris kan een toezichthouder terugkoppeling sturen.",
                ));
            }
            to.push(p.clone());
        }
        let external = to.iter().any(|p| is_external(p, &profile));
        let legal_basis = match (external, basis) {
            (false, None) => None,
            (_, b) => Some(check_basis(b, fields, &profile.name, now)?),
        };
        let signals = signal_ids
            .iter()
            .map(|id| {
                let s = self.signal(id)?;
                Ok(match &legal_basis {
                    Some(b) => strip(&s, &b.fields),
                    None => s,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let payload = BundlePayload {
            version: PAYLOAD_VERSION,
            sent_at: now.naive_local(),
            sender: profile,
            signals,
            legal_basis,
            case: None,
            decision: None,
            monitor: None,
        };
        self.seal_into_outbox(&payload, &to, signal_ids, now)
    }

    /// Seals a payload for the given participants into the outbox, audited. Durable on return.
    pub(crate) fn seal_into_outbox(
        &mut self,
        payload: &BundlePayload,
        to: &[Participant],
        signal_ids: &[String],
        now: Now,
    ) -> Result<OutboxItem> {
        if to.iter().any(|p| p.revoked) {
            return Err(CoreError::field(
                "recipients",
                "Een ontvanger is door de regio ingetrokken en krijgt niets meer.",
            ));
        }
        let recipients = to
            .iter()
            .map(|p| encryption_public(&p.encryption_key).ok_or(CoreError::UnknownRecipient))
            .collect::<Result<Vec<_>>>()?;
        let json = crate::vault::to_json(payload)?;
        let sender = self.session()?.keys.signing()?;
        let mut bytes = Vec::with_capacity(json.len() + 1024);
        let sealed = zicht_bundle::seal(&json[..], &mut bytes, &sender, &recipients)?;
        let id = sealed.id.to_hex();
        let item = OutboxItem {
            id: id.clone(),
            created_at: now.naive_local(),
            recipients: to
                .iter()
                .map(|p| format!("{} ({})", p.display_name, p.municipality))
                .collect(),
            signal_ids: signal_ids.to_vec(),
            size: sealed.len,
            state: OutboxState::Wacht,
            attempts: 0,
            exported_at: None,
        };
        let key = bundle_key(&id)?;
        let what = if payload.decision.is_some() {
            "besluit"
        } else if payload.case.is_some() {
            "casus"
        } else {
            "signalen"
        };
        let detail = format!(
            "{what}; {} signaal/signalen aan {}",
            payload.signals.len(),
            to.iter()
                .map(|p| p.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
        let v = self.vault()?;
        v.put_raw(&OUTBOX_DATA, &key, &bytes)?;
        v.put_in(&OUTBOX, &key, &item)?;
        self.audit(
            now,
            AuditAction::Send,
            AuditSubject::Bundle,
            Some(&id),
            &detail,
        )?;
        v.sync()?;
        tracing::info!(
            signals = signal_ids.len(),
            recipients = to.len(),
            size = sealed.len,
            "bundle sealed into outbox"
        );
        Ok(item)
    }

    /// Every outgoing bundle, newest first.
    pub fn outbox(&self) -> Result<Vec<OutboxItem>> {
        let mut out = Vec::new();
        self.vault()?.for_each(&OUTBOX, |_, i: OutboxItem| {
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
            .get_raw(&OUTBOX_DATA, &bundle_key(id)?)?
            .ok_or(CoreError::NotFound)
    }

    /// The file name a bundle is saved under: `zicht-<first 12 hex of its id>.zicht`. It
    /// carries no personal data.
    pub fn bundle_file_name(&self, id: &str) -> Result<String> {
        bundle_key(id)?;
        // `bundle_key` accepted `id`, so it is hex: safe in a file name.
        Ok(format!("zicht-{}.zicht", &id[..12.min(id.len())]))
    }

    /// Saves an outgoing bundle as `<dir>/`[`Zicht::bundle_file_name`], for carrying it to
    /// another device without a network. The bundle is encrypted. The file is either complete
    /// or absent (see `fsutil::write_atomic`); an existing file of the same bundle is replaced
    /// (same id, same bytes).
    pub fn export_bundle(&self, id: &str, dir: &Path, now: Now) -> Result<PathBuf> {
        self.export_bundle_to(id, &dir.join(self.bundle_file_name(id)?), now)
    }

    /// Saves an outgoing bundle at the path the user chose (in a "save as" dialog), and records
    /// when on its outbox item (the outbox shows it, so the user knows what went out by hand).
    ///
    /// The export is recorded (audit log, outbox item, synced) *before* the file appears under
    /// its name: the bytes are first written to a temporary file next to it. If recording or
    /// putting the file in place fails, the temporary file is removed, the outbox item is put
    /// back as it was (best effort), and the error is returned; an audit entry already written
    /// stays (the audit log is append-only: it then records an attempt, as the audit log's own
    /// export does when its file cannot be written).
    pub fn export_bundle_to(&self, id: &str, path: &Path, now: Now) -> Result<PathBuf> {
        let bytes = self.outbox_bundle(id)?;
        let (dir, name) = crate::fsutil::split(path)?;
        let staged = crate::fsutil::stage(dir, name, &bytes)?;
        let key = bundle_key(id)?;
        let v = self.vault()?;
        let item = v.get_in::<OutboxItem>(&OUTBOX, &key)?;
        let recorded = (|| {
            self.audit(
                now,
                AuditAction::Export,
                AuditSubject::Bundle,
                Some(id),
                "als bestand",
            )?;
            if let Some(item) = &item {
                let mut exported = item.clone();
                exported.exported_at = Some(now.naive_local());
                v.put_in(&OUTBOX, &key, &exported)?;
            }
            self.kv.sync()?;
            staged.commit()
        })();
        match recorded {
            Ok(path) => {
                tracing::info!(size = bytes.len(), "bundle exported to a file");
                Ok(path)
            }
            Err(e) => {
                if let Some(item) = &item {
                    // Best effort: the error to report is `e`.
                    let _ = v.put_in(&OUTBOX, &key, item).and_then(|()| self.kv.sync());
                }
                Err(e)
            }
        }
    }

    /// Records the outcome of a delivery attempt. `Verzonden` is only ever set by the sync
    /// client after it verified the endpoint's signed receipt.
    /// Stops waiting bundles addressed to a participant the directory now marks revoked: a
    /// lost laptop must not receive what was sealed for it before the region revoked it. Each
    /// becomes `Fout` with the reason, audited; returns how many.
    pub(crate) fn hold_for_revoked(&mut self, dir: &Directory, now: Now) -> Result<usize> {
        let revoked: Vec<[u8; 16]> = dir
            .participants
            .iter()
            .filter(|p| p.revoked)
            .filter_map(|p| crate::identity::unhex32(&p.encryption_key))
            .map(|k| zicht_protocol::x25519_key_id(&k))
            .collect();
        if revoked.is_empty() {
            return Ok(0);
        }
        let mut held = 0;
        for item in self.outbox()? {
            if item.state != OutboxState::Wacht {
                continue;
            }
            let bytes = self.outbox_bundle(&item.id)?;
            let Ok(header) = zicht_protocol::envelope::parse(&bytes) else {
                continue;
            };
            if header.recipients.iter().any(|r| revoked.contains(r)) {
                self.set_outbox_state(
                    &item.id,
                    OutboxState::Fout {
                        reason: "Niet verzonden: een ontvanger is door de regio ingetrokken. Verstuur het opnieuw aan de andere ontvangers.".into(),
                    },
                )?;
                self.audit(
                    now,
                    AuditAction::Refuse,
                    AuditSubject::Bundle,
                    Some(&item.id),
                    "niet verzonden: ontvanger ingetrokken",
                )?;
                held += 1;
            }
        }
        if held > 0 {
            self.vault()?.sync()?;
        }
        Ok(held)
    }

    pub fn set_outbox_state(&mut self, id: &str, state: OutboxState) -> Result<OutboxItem> {
        let key = bundle_key(id)?;
        let v = self.vault()?;
        let mut item: OutboxItem = v.get_in(&OUTBOX, &key)?.ok_or(CoreError::NotFound)?;
        if matches!(item.state, OutboxState::Verzonden { .. }) {
            return Ok(item);
        }
        item.attempts = item.attempts.saturating_add(1);
        item.state = state;
        v.put_in(&OUTBOX, &key, &item)?;
        v.sync()?;
        Ok(item)
    }
}
