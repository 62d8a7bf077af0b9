//! Receiving: opening a bundle addressed to this device (from a file or the endpoint),
//! verifying its sender against the directory, and keeping it in the inbox. A decision of the
//! regional table is applied to its case on arrival.
//!
//! Bundles are opened entirely in memory (staging): a bundle that fails to verify leaves
//! nothing behind, and no plaintext ever goes to a temp file.

use crate::error::{CoreError, Result};
use crate::identity::{signing_public, unhex32};
use crate::ids::Now;
use crate::outbox::{bundle_key, PAYLOAD_VERSION};
use crate::schema::{INBOX, TOMBSTONES};
use crate::session::Zicht;
use std::collections::BTreeMap;
use zicht_bundle::{BundleId, KeyId, SenderPublicKey};
use zicht_model::*;

impl Zicht {
    /// Opens a bundle addressed to this device, verifies the sender against the directory and
    /// stores it in the inbox. Importing the same bundle again changes nothing. A verified
    /// bundle that is refused (a revoked sender, a payload its sender's role may not send
    /// ([`PayloadKind::senders`]), content over the limits, past its term) and a bundle purged
    /// before are audited as refusals; nothing of them is stored.
    pub fn import_bundle(&mut self, bytes: &[u8], now: Now) -> Result<ImportResult> {
        let (dir, _) = self.directory()?.ok_or(CoreError::NoDirectory)?;
        let id = BundleId::of(bytes).to_hex();
        let key = bundle_key(&id)?;
        if self.vault()?.get_in(&TOMBSTONES, &key)?.is_some() {
            return self.refuse(
                now,
                &id,
                "eerder ontvangen en verwijderd",
                CoreError::BundlePurged,
            );
        }
        if let Some(old) = self.vault()?.get_in::<InboxItem>(&INBOX, &key)? {
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
        // Staging in memory: only a fully verified bundle is parsed and stored. The plaintext
        // is shorter than the envelope, so the buffer never grows (no unwiped copies).
        let mut staged = zeroize::Zeroizing::new(Vec::with_capacity(bytes.len()));
        let opened = zicht_bundle::open(bytes, &mut *staged, &me, &senders)?;
        let sender = dir
            .participants
            .iter()
            .find(|p| unhex32(&p.signing_key) == Some(*opened.sender.as_bytes()))
            .cloned()
            .ok_or(CoreError::Bundle(zicht_bundle::Error::UnknownSender {
                sender: opened.sender_id,
            }))?;
        let payload = match self.check_received(&staged, &sender, now) {
            Ok(p) => p,
            Err(e) => {
                let why = format!("van {}: {}", sender.id, refusal_phrase(&e));
                return self.refuse(now, &id, &why, e);
            }
        };
        // Figures for the regional monitor are kept as counts, not as an inbox item.
        if let Some(share) = &payload.monitor {
            // Only the regional table keeps figures, and only a municipality's own, sent by its
            // officer as the directory lists them.
            let table = self.session()?.profile.role == Role::RegionaleTafel;
            if !table
                || !share
                    .municipality
                    .eq_ignore_ascii_case(&sender.municipality)
            {
                let e =
                    CoreError::BundlePayloadInvalid("figures not for this device or municipality");
                let why = format!("van {}: {}", sender.id, refusal_phrase(&e));
                return self.refuse(now, &id, &why, e);
            }
            self.keep_monitor_share(share, payload.sent_at, now)?;
            self.audit(
                now,
                AuditAction::Receive,
                AuditSubject::Monitor,
                Some(&id),
                &format!("cijfers van {}, {} t/m {}", sender.id, share.from, share.to),
            )?;
            self.kv.sync()?;
            return Ok(ImportResult {
                id,
                new: true,
                sender: sender.display_name,
                signals: 0,
            });
        }
        let item = InboxItem {
            id: id.clone(),
            received_at: now.naive_local(),
            sender: sender.clone(),
            payload,
            disposition: Disposition::Nieuw,
            answered: None,
        };
        let v = self.vault()?;
        v.put_in(&INBOX, &key, &item)?;
        let detail = format!(
            "van {}; {} signaal/signalen{}",
            sender.id,
            item.payload.signals.len(),
            if item.payload.decision.is_some() {
                "; besluit"
            } else if item.payload.case.is_some() {
                "; casus"
            } else {
                ""
            }
        );
        self.audit(
            now,
            AuditAction::Receive,
            AuditSubject::Bundle,
            Some(&id),
            &detail,
        )?;
        if let Some(decision) = &item.payload.decision {
            self.apply_decision(decision, &sender, now)?;
        }
        self.kv.sync()?;
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

    /// What a verified bundle from `sender` carries, if this device takes it: the sender is not
    /// revoked, the payload parses, its kind fits the sender's role (a decision only from the
    /// regional table, a case only from an officer), it is within the model's limits (it is
    /// still input) and within its retention term.
    fn check_received(
        &self,
        staged: &[u8],
        sender: &Participant,
        now: Now,
    ) -> Result<BundlePayload> {
        if sender.revoked {
            return Err(CoreError::SenderRevoked);
        }
        let payload: BundlePayload = serde_json::from_slice(staged)
            .map_err(|_| CoreError::BundlePayloadInvalid("not a payload"))?;
        if payload.version != PAYLOAD_VERSION {
            return Err(CoreError::BundlePayloadInvalid("payload version"));
        }
        let kind = payload.kind();
        if !kind.senders().contains(&sender.role) {
            return Err(CoreError::SenderNotAllowed {
                kind,
                role: sender.role,
            });
        }
        crate::validate::check_payload(&payload, now.naive_local())?;
        let retention = &self.session()?.settings.retention;
        if crate::retention::received_too_late(&payload, retention, now.date_naive()) {
            return Err(CoreError::BundleExpired);
        }
        Ok(payload)
    }

    /// Audits the refusal of bundle `id` (durably) and returns `e`.
    fn refuse<T>(&self, now: Now, id: &str, why: &str, e: CoreError) -> Result<T> {
        self.audit(
            now,
            AuditAction::Refuse,
            AuditSubject::Bundle,
            Some(id),
            why,
        )?;
        self.kv.sync()?;
        tracing::warn!(code = e.code().wire(), "bundle refused");
        Err(e)
    }

    /// Every received bundle, newest first.
    pub fn inbox(&self) -> Result<Vec<InboxItem>> {
        let mut out = Vec::new();
        self.vault()?.for_each(&INBOX, |_, i: InboxItem| {
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

/// The audit trail's fixed phrase for a refusal (no content of the bundle in it).
fn refusal_phrase(e: &CoreError) -> String {
    match e {
        CoreError::SenderRevoked => "ingetrokken".into(),
        CoreError::SenderNotAllowed { kind, role } => {
            format!("{} mag geen {} sturen", role.label(), kind.label())
        }
        CoreError::BundleExpired => "ouder dan de bewaartermijn".into(),
        _ => "ongeldige inhoud".into(),
    }
}
