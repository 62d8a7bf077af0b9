//! Signals and adviesvragen, the field controls they are recorded in, and the draft of the
//! signal being typed. Every save is validated ([`crate::validate`]), audited and durable on
//! return; the in-memory index answers the lists.

use crate::error::{CoreError, Result};
use crate::ids::{new_id, parse_id, Now};
use crate::retention::signal_deadline;
use crate::schema::{ACTIVE_CONTROL, CONTROLS, DRAFT, DRAFT_SAVED_AT, SIGNALS};
use crate::session::Zicht;
use crate::validate::{self, SignalContext};
use crate::vault::Vault;
use zicht_model::*;

impl Zicht {
    pub fn active_control(&self) -> Result<Option<Control>> {
        let Some(s) = &self.session else {
            return Ok(None);
        };
        let v = Vault::new(&self.kv, &s.key);
        match v.get::<String>(&ACTIVE_CONTROL)? {
            None => Ok(None),
            Some(id) => v.get_in(&CONTROLS, &parse_id(&id)?),
        }
    }

    /// Starts a field control. Only one can be active.
    pub fn start_control(&mut self, input: ControlInput, now: Now) -> Result<Control> {
        self.session()?;
        validate::check_control(&input, now.naive_local())?;
        if self.active_control()?.is_some() {
            return Err(CoreError::ControlActive);
        }
        let id = new_id(&now);
        let control = Control {
            id: id.to_string(),
            kind: input.kind,
            started_at: input.started_at.unwrap_or(now.naive_local()),
            ended_at: None,
            location: Location {
                description: input.location.description.trim().into(),
                ..input.location
            },
            partners: input.partners,
            recorded_by: self.session()?.profile.name.clone(),
        };
        let v = self.vault()?;
        v.put_in(&CONTROLS, id.as_bytes(), &control)?;
        v.put(&ACTIVE_CONTROL, &control.id)?;
        v.sync()?;
        Ok(control)
    }

    pub fn end_control(&mut self, id: &str, now: Now) -> Result<Control> {
        let key = parse_id(id)?;
        let v = self.vault()?;
        let mut c: Control = v.get_in(&CONTROLS, &key)?.ok_or(CoreError::NotFound)?;
        if c.ended_at.is_some() {
            return Err(CoreError::ControlEnded);
        }
        c.ended_at = Some(now.naive_local().max(c.started_at));
        v.put_in(&CONTROLS, &key, &c)?;
        if v.get::<String>(&ACTIVE_CONTROL)?.as_deref() == Some(id) {
            v.remove(&ACTIVE_CONTROL)?;
        }
        v.sync()?;
        Ok(c)
    }

    /// Every control, newest first.
    pub fn controls(&self) -> Result<Vec<Control>> {
        let mut out = Vec::new();
        self.vault()?.for_each(&CONTROLS, |_, c: Control| {
            out.push(c);
            Ok(())
        })?;
        out.reverse();
        Ok(out)
    }

    /// Validates and stores a signal. Returns only once the signal is durable (see
    /// [`Kv::sync`]), together with the meldroute advice for it.
    pub fn record_signal(&mut self, input: SignalInput, now: Now) -> Result<SavedSignal> {
        let control = match &input.control_id {
            Some(id) => match parse_id(id) {
                Ok(k) => self.vault()?.get_in::<Control>(&CONTROLS, &k)?,
                Err(_) => None,
            },
            None => None,
        };
        let signal = self.store_new_signal(&input, control.as_ref(), now)?;
        self.vault()?.sync()?;
        let advice = self.advice(&signal)?;
        if let Some(s) = &mut self.session {
            s.index.upsert(&signal);
        }
        tracing::info!(
            kind = signal.kind.wire(),
            indicators = signal.indicators.len(),
            "signal recorded"
        );
        Ok(SavedSignal { signal, advice })
    }

    /// Stores many signals with one durable sync at the end (imports, benchmarks).
    pub fn record_signals_batch(&mut self, inputs: Vec<SignalInput>, now: Now) -> Result<usize> {
        for input in &inputs {
            let signal = self.store_new_signal(input, None, now)?;
            if let Some(s) = &mut self.session {
                s.index.upsert(&signal);
            }
        }
        self.kv.sync()?;
        Ok(inputs.len())
    }

    /// Validates a new signal (in `control`, if one runs), stores and audits it; not yet
    /// durable, nor in the index (the caller syncs, then indexes).
    fn store_new_signal(
        &mut self,
        input: &SignalInput,
        control: Option<&Control>,
        now: Now,
    ) -> Result<Signal> {
        let s = self.session()?;
        let ctx = SignalContext {
            now: now.naive_local(),
            cards: &s.cards,
            control,
            profile: &s.profile,
        };
        let mut signal = validate::build_signal(input, &ctx)?;
        let id = new_id(&now);
        signal.id = id.to_string();
        signal.retention_until = signal_deadline(
            signal.kind,
            signal.observed_at.date(),
            &s.settings.retention,
        );
        self.vault()?.put_in(&SIGNALS, id.as_bytes(), &signal)?;
        self.audit(
            now,
            AuditAction::Create,
            AuditSubject::Signal,
            Some(&signal.id),
            signal.kind.label(),
        )?;
        Ok(signal)
    }

    /// A stored signal; `retention_until` is its own deadline under the current settings
    /// (for a signal in a case, the case's deadline applies).
    pub fn signal(&self, id: &str) -> Result<Signal> {
        let mut s: Signal = self
            .vault()?
            .get_in(&SIGNALS, &parse_id(id)?)?
            .ok_or(CoreError::NotFound)?;
        s.retention_until = signal_deadline(
            s.kind,
            s.observed_at.date(),
            &self.session()?.settings.retention,
        );
        Ok(s)
    }

    /// A signal with its current meldroute advice.
    pub(crate) fn signal_with_advice(&self, id: &str) -> Result<SavedSignal> {
        let signal = self.signal(id)?;
        let advice = self.advice(&signal)?;
        Ok(SavedSignal { signal, advice })
    }

    /// What the detail screen shows: the signal with advice; the view is audited.
    pub fn view_signal(&self, id: &str, now: Now) -> Result<SavedSignal> {
        let saved = self.signal_with_advice(id)?;
        self.audit_view(now, AuditSubject::Signal, &saved.signal.id)?;
        Ok(saved)
    }

    /// Writes a changed signal and updates the index (the caller syncs).
    pub(crate) fn put_signal(&mut self, s: &Signal) -> Result<()> {
        self.vault()?.put_in(&SIGNALS, &parse_id(&s.id)?, s)?;
        if let Some(session) = &mut self.session {
            session.index.upsert(s);
        }
        Ok(())
    }

    /// Signals matching the filter, newest observation first (from the in-memory index).
    pub fn list_signals(&self, filter: &SignalFilter) -> Result<Vec<SignalSummary>> {
        Ok(self.session()?.index.query(filter))
    }

    /// Saves the signal being typed (encrypted, durable): drafts are never lost.
    pub fn save_draft(&self, draft: &SignalInput, now: Now) -> Result<()> {
        let v = self.vault()?;
        v.put(&DRAFT, draft)?;
        v.put(&DRAFT_SAVED_AT, &now.naive_local())?;
        v.sync()
    }

    pub fn load_draft(&self) -> Result<Option<SignalInput>> {
        self.vault()?.get(&DRAFT)
    }

    pub fn clear_draft(&self) -> Result<()> {
        let v = self.vault()?;
        v.remove(&DRAFT)?;
        v.remove(&DRAFT_SAVED_AT)?;
        v.sync()
    }
}
