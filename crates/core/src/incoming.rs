//! Binnengekomen: bundles other devices sent here, as the attention officer and the regional
//! table work with them. The officer accepts signals into their own store (idempotent) or marks
//! a bundle as not relevant, with a reason. The regional table records a decision on a case
//! bundle and sends it back, encrypted and signed, to the municipality that sent it.

use crate::error::{CoreError, Result};
use crate::ids::Now;
use crate::outbox::{bundle_key, PAYLOAD_VERSION};
use crate::retention::signal_deadline;
use crate::schema::INBOX;
use crate::session::Zicht;
use crate::validate::check_text;
use zicht_model::*;

fn incoming_summary(i: &InboxItem) -> IncomingSummary {
    IncomingSummary {
        id: i.id.clone(),
        received_at: i.received_at,
        sender: i.sender.clone(),
        sent_at: i.payload.sent_at,
        signals: i.payload.signals.len(),
        disposition: i.disposition.clone(),
        case_title: i.payload.case.as_ref().map(|c| c.title.clone()),
        acute: i.payload.case.as_ref().is_some_and(|c| c.acute)
            || i.payload
                .signals
                .iter()
                .any(|s| s.urgency == Urgency::AcuutGevaar),
        decision: i.payload.decision.as_ref().map(|d| d.track),
        answered: i.answered.as_ref().map(|d| d.track),
    }
}

impl Zicht {
    /// Every received bundle for the "binnengekomen" list: acute first, then the ones still to
    /// handle, then newest.
    pub fn incoming(&self) -> Result<Vec<IncomingSummary>> {
        let mut out: Vec<IncomingSummary> = self.inbox()?.iter().map(incoming_summary).collect();
        out.sort_by_key(|i| {
            let open = matches!(i.disposition, Disposition::Nieuw) && i.answered.is_none();
            (!i.acute, !open, std::cmp::Reverse(i.received_at))
        });
        Ok(out)
    }

    fn inbox_item(&self, id: &str) -> Result<InboxItem> {
        self.vault()?
            .get_in(&INBOX, &bundle_key(id)?)?
            .ok_or(CoreError::NotFound)
    }

    fn put_inbox_item(&self, item: &InboxItem) -> Result<()> {
        self.vault()?.put_in(&INBOX, &bundle_key(&item.id)?, item)
    }

    /// Every received bundle without its content (the Ontvangen list), newest first. The
    /// content is only had through [`Zicht::view_incoming`], which audits the view first.
    pub fn inbox_summaries(&self) -> Result<Vec<IncomingSummary>> {
        Ok(self.inbox()?.iter().map(incoming_summary).collect())
    }

    /// One received bundle with its content (audited as a view of personal data).
    pub fn view_incoming(&self, id: &str, now: Now) -> Result<InboxItem> {
        let item = self.inbox_item(id)?;
        self.audit_view(now, AuditSubject::Bundle, &item.id)?;
        Ok(item)
    }

    /// Accepts the signals of a received bundle into this device's own store (status "nieuw",
    /// marked with the sender). Accepting again changes nothing. Returns the signal ids.
    pub fn accept_incoming(&mut self, id: &str, now: Now) -> Result<Vec<String>> {
        let me = self.profile()?;
        if me.role != Role::Aandachtsfunctionaris {
            return Err(CoreError::NotOfficer);
        }
        let mut item = self.inbox_item(id)?;
        let ids: Vec<String> = item.payload.signals.iter().map(|s| s.id.clone()).collect();
        match &item.disposition {
            Disposition::Geaccepteerd { .. } => return Ok(ids),
            Disposition::NietRelevant { .. } => return Err(CoreError::AlreadyHandled),
            Disposition::Nieuw => {}
        }
        // A case copy (e.g. to a back-up officer) brings its signals along; a decision brings
        // none and is applied to its case on arrival.
        if item.payload.signals.is_empty() {
            return Err(CoreError::field(
                "signals",
                "Deze bundel bevat geen signalen om op te nemen.",
            ));
        }
        let retention = self.settings()?.retention;
        let from = format!(
            "{} ({})",
            item.sender.display_name, item.sender.municipality
        );
        let mut added = 0;
        for s in &item.payload.signals {
            if self.signal(&s.id).is_ok() {
                continue; // already here (accepted before, or this device's own)
            }
            let signal = Signal {
                status: SignalStatus::Nieuw,
                case_id: None,
                control_id: None,
                received_from: Some(from.clone()),
                retention_until: signal_deadline(s.kind, s.observed_at.date(), &retention),
                ..s.clone()
            };
            self.put_signal(&signal)?;
            self.audit(
                now,
                AuditAction::Create,
                AuditSubject::Signal,
                Some(&signal.id),
                &format!("ontvangen van {}", item.sender.id),
            )?;
            added += 1;
        }
        item.disposition = Disposition::Geaccepteerd {
            at: now.naive_local(),
            by: me.name,
        };
        self.put_inbox_item(&item)?;
        self.audit(
            now,
            AuditAction::Change,
            AuditSubject::Bundle,
            Some(&item.id),
            &format!("geaccepteerd; {added} signaal/signalen opgenomen"),
        )?;
        self.kv.sync()?;
        tracing::info!(signals = added, "incoming signals accepted");
        Ok(ids)
    }

    /// Marks a received bundle as not relevant, with a reason (kept; nothing is imported).
    pub fn dismiss_incoming(&mut self, id: &str, reason: &str, now: Now) -> Result<InboxItem> {
        check_text("reason", reason, "waarom dit niet relevant is")?;
        let me = self.profile()?;
        let mut item = self.inbox_item(id)?;
        if !matches!(item.disposition, Disposition::Nieuw) {
            return Err(CoreError::AlreadyHandled);
        }
        item.disposition = Disposition::NietRelevant {
            at: now.naive_local(),
            by: me.name,
            reason: reason.trim().into(),
        };
        self.put_inbox_item(&item)?;
        self.audit(
            now,
            AuditAction::Change,
            AuditSubject::Bundle,
            Some(&item.id),
            "niet relevant",
        )?;
        self.kv.sync()?;
        Ok(item)
    }

    /// The regional table's decision on a received case: sealed for the device that sent the
    /// case and put in the outbox; the bundle is marked as answered. One decision per case
    /// bundle.
    pub fn decide_case(&mut self, id: &str, input: DecisionInput, now: Now) -> Result<OutboxItem> {
        let me = self.profile()?;
        if me.role != Role::RegionaleTafel {
            return Err(CoreError::NotTable);
        }
        let Some(track) = input.track else {
            return Err(CoreError::field(
                "track",
                "Kies het traject dat de tafel besluit.",
            ));
        };
        check_text(
            "explanation",
            &input.explanation,
            "een toelichting op het besluit",
        )?;
        let mut item = self.inbox_item(id)?;
        let Some(share) = item.payload.case.clone() else {
            return Err(CoreError::NotFound);
        };
        if item.answered.is_some() {
            return Err(CoreError::AlreadyHandled);
        }
        let (dir, _) = self.directory_and_me()?;
        let to = dir
            .participants
            .iter()
            .find(|p| p.signing_key.eq_ignore_ascii_case(&item.sender.signing_key))
            .cloned()
            .ok_or(CoreError::UnknownRecipient)?;
        let decision = Decision {
            case_id: share.case_id.clone(),
            track,
            explanation: input.explanation.trim().into(),
            decided_at: now.naive_local(),
            decided_by: me.name.clone(),
        };
        let payload = BundlePayload {
            version: PAYLOAD_VERSION,
            sent_at: now.naive_local(),
            sender: me.clone(),
            signals: Vec::new(),
            legal_basis: Some(LegalBasis {
                kind: LegalBasisKind::Convenant,
                explanation: "Terugkoppeling van het besluit van de regionale tafel aan de gemeente die de casus inbracht.".into(),
                fields: Vec::new(),
                recorded_by: me.name.clone(),
                recorded_at: now.naive_local(),
            }),
            case: None,
            decision: Some(decision.clone()),
            monitor: None,
        };
        let out = self.seal_into_outbox(&payload, &[to], &[], now)?;
        item.answered = Some(decision);
        self.put_inbox_item(&item)?;
        self.audit(
            now,
            AuditAction::Create,
            AuditSubject::Case,
            Some(&share.case_id),
            &format!("besluit {}", track.label()),
        )?;
        self.kv.sync()?;
        tracing::info!(track = track.wire(), "table decision sealed");
        Ok(out)
    }
}
