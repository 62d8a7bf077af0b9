//! Cases (casussen): the attention officer's work on one or more signals. Notes, a weighing,
//! route steps as a timeline, the status machine ([`CaseStatus::can_become`]), forwarding to
//! the regional table with a legal basis, and the table's decision coming back.
//!
//! Every change is audited and durable on return. A signal belongs to at most one case.

use crate::error::{CoreError, Result};
use crate::exposure::{check_basis, is_external, strip};
use crate::ids::{new_id, parse_id, Now};
use crate::outbox::PAYLOAD_VERSION;
use crate::retention::case_deadline;
use crate::route;
use crate::schema::CASES;
use crate::session::Zicht;
use crate::validate::{check_text, check_title};
use zicht_model::*;

fn summary(c: &Case, r: &Retention) -> CaseSummary {
    CaseSummary {
        id: c.id.clone(),
        title: c.title.clone(),
        status: c.status,
        acute: c.acute,
        signals: c.signal_ids.len(),
        created_at: c.created_at,
        last_activity: c
            .steps
            .last()
            .map_or(c.created_at, |s| s.at)
            .max(c.notes.last().map_or(c.created_at, |n| n.at)),
        weging: c.weging.as_ref().map(|w| w.level),
        track: c.decision.as_ref().map(|d| d.track),
        retention_until: case_deadline(c.closed_at, r),
    }
}

fn status_step(c: &mut Case, to: CaseStatus, by: &str, reason: &str, now: Now) {
    c.steps.push(RouteStep {
        kind: StepKind::Status,
        at: now.naive_local(),
        by: by.into(),
        contact_id: None,
        to: to.label().into(),
        reason: reason.into(),
        outcome: None,
        legal_basis: None,
    });
    c.status = to;
}

/// Acute first, then open work before closed, then most recent activity.
fn sort_key(c: &CaseSummary) -> (bool, bool, std::cmp::Reverse<chrono::NaiveDateTime>) {
    (
        !c.acute,
        c.status == CaseStatus::Afgesloten,
        std::cmp::Reverse(c.last_activity),
    )
}

impl Zicht {
    fn require_officer(&self) -> Result<Profile> {
        let p = self.profile()?;
        if p.role != Role::Aandachtsfunctionaris {
            return Err(CoreError::NotOfficer);
        }
        Ok(p)
    }

    /// Every case, acute first, then open before closed, then most recent activity.
    pub fn cases(&self) -> Result<Vec<CaseSummary>> {
        let r = self.settings()?.retention;
        let mut out = Vec::new();
        self.vault()?.for_each(&CASES, |_, c: Case| {
            out.push(summary(&c, &r));
            Ok(())
        })?;
        out.sort_by_key(sort_key);
        Ok(out)
    }

    pub fn case(&self, id: &str) -> Result<Case> {
        self.vault()?
            .get_in(&CASES, &parse_id(id)?)?
            .ok_or(CoreError::NotFound)
    }

    /// A case with its signals, the meldroute advice over them (with the steps already taken),
    /// the statuses reachable from here and its retention deadline. Audited as a view.
    pub fn case_detail(&self, id: &str, now: Now) -> Result<CaseDetail> {
        let case = self.case(id)?;
        let signals = case
            .signal_ids
            .iter()
            .filter_map(|id| self.signal(id).ok())
            .collect::<Vec<_>>();
        let s = self.session()?;
        let advice = route::advise_case(&s.route, &signals, case.acute, Some(&s.cards))
            .into_iter()
            .map(|step| CaseAdvice {
                taken_at: case
                    .steps
                    .iter()
                    .rev()
                    .find(|st| st.contact_id.as_deref() == Some(step.contact.id.as_str()))
                    .map(|st| st.at),
                external: step.contact.kind != ContactKind::Aandachtsfunctionaris,
                step,
            })
            .collect();
        let next_statuses = CaseStatus::ALL
            .iter()
            .copied()
            .filter(|to| case.status.can_become(*to) == Transition::Direct)
            .collect();
        let retention_until = case_deadline(case.closed_at, &s.settings.retention);
        self.audit_view(now, AuditSubject::Case, &case.id)?;
        Ok(CaseDetail {
            case,
            signals,
            advice,
            next_statuses,
            retention_until,
        })
    }

    /// Creates a case (status open) from one or more of this device's signals.
    pub fn create_case(&mut self, input: CaseInput, now: Now) -> Result<Case> {
        let me = self.require_officer()?;
        check_title(&input.title)?;
        if input.signal_ids.is_empty() {
            return Err(CoreError::field(
                "signals",
                "Kies minstens één signaal voor de casus.",
            ));
        }
        let signals = self.free_signals(&input.signal_ids, None)?;
        let id = new_id(&now).to_string();
        let mut case = Case {
            id: id.clone(),
            title: input.title.trim().into(),
            municipality: me.municipality.clone(),
            created_at: now.naive_local(),
            created_by: me.name.clone(),
            status: CaseStatus::Open,
            acute: input.acute,
            signal_ids: signals.iter().map(|s| s.id.clone()).collect(),
            notes: Vec::new(),
            weging: None,
            steps: Vec::new(),
            decision: None,
            closed_at: None,
        };
        status_step(
            &mut case,
            CaseStatus::Open,
            &me.name,
            "Casus aangemaakt",
            now,
        );
        for mut s in signals {
            s.case_id = Some(id.clone());
            s.status = SignalStatus::InBehandeling;
            self.put_signal(&s)?;
        }
        self.vault()?.put_in(&CASES, &parse_id(&id)?, &case)?;
        let detail = format!(
            "{} signaal/signalen{}",
            case.signal_ids.len(),
            if case.acute { "; acuut" } else { "" }
        );
        self.audit(
            now,
            AuditAction::Create,
            AuditSubject::Case,
            Some(&id),
            &detail,
        )?;
        self.kv.sync()?;
        tracing::info!(
            signals = case.signal_ids.len(),
            acute = case.acute,
            "case created"
        );
        Ok(case)
    }

    /// The signals with these ids, each existing and in no case other than `case_id`.
    fn free_signals(&self, ids: &[String], case_id: Option<&str>) -> Result<Vec<Signal>> {
        let mut out: Vec<Signal> = Vec::new();
        for (i, id) in ids.iter().enumerate() {
            let s = self.signal(id).map_err(|_| {
                CoreError::field(&format!("signals.{i}"), "Dit signaal bestaat niet (meer).")
            })?;
            if s.case_id.as_deref().is_some_and(|c| Some(c) != case_id) {
                return Err(CoreError::field(
                    &format!("signals.{i}"),
                    "Dit signaal hoort al bij een andere casus.",
                ));
            }
            if !out.iter().any(|o| o.id == s.id) {
                out.push(s);
            }
        }
        Ok(out)
    }

    /// Loads a case, lets `f` change it (returning the audit detail), saves, audits and syncs.
    /// Work on an open case (`work`) moves it to "in behandeling".
    fn change_case(
        &mut self,
        id: &str,
        now: Now,
        work: bool,
        f: impl FnOnce(&mut Case, &Profile) -> Result<String>,
    ) -> Result<Case> {
        let me = self.require_officer()?;
        let mut case = self.case(id)?;
        let detail = f(&mut case, &me)?;
        if work && case.status == CaseStatus::Open {
            status_step(
                &mut case,
                CaseStatus::InBehandeling,
                &me.name,
                "Werk aan de casus begonnen",
                now,
            );
        }
        self.vault()?.put_in(&CASES, &parse_id(&case.id)?, &case)?;
        self.audit(
            now,
            AuditAction::Change,
            AuditSubject::Case,
            Some(&case.id),
            &detail,
        )?;
        self.kv.sync()?;
        Ok(case)
    }

    /// Adds signals to a case.
    pub fn add_case_signals(&mut self, id: &str, signal_ids: &[String], now: Now) -> Result<Case> {
        let signals = self.free_signals(signal_ids, Some(id))?;
        let case = self.change_case(id, now, true, |c, _| {
            let before = c.signal_ids.len();
            for s in &signals {
                if !c.signal_ids.contains(&s.id) {
                    c.signal_ids.push(s.id.clone());
                }
            }
            Ok(format!(
                "{} signaal/signalen toegevoegd",
                c.signal_ids.len() - before
            ))
        })?;
        for mut s in signals {
            if s.case_id.is_none() {
                s.case_id = Some(case.id.clone());
                s.status = SignalStatus::InBehandeling;
                self.put_signal(&s)?;
            }
        }
        self.kv.sync()?;
        Ok(case)
    }

    /// Adds an enrichment note (verrijking).
    pub fn add_case_note(&mut self, id: &str, text: &str, now: Now) -> Result<Case> {
        check_text("note", text, "de notitie")?;
        self.change_case(id, now, true, |c, me| {
            c.notes.push(CaseNote {
                at: now.naive_local(),
                author: me.name.clone(),
                text: text.trim().into(),
            });
            Ok("verrijkingsnotitie toegevoegd".into())
        })
    }

    /// Records the weighing of the suspicion, with its motivation.
    pub fn set_case_weging(
        &mut self,
        id: &str,
        level: Option<Suspicion>,
        motivation: &str,
        now: Now,
    ) -> Result<Case> {
        let Some(level) = level else {
            return Err(CoreError::field(
                "weging",
                "Kies een weging van het vermoeden.",
            ));
        };
        check_text("motivation", motivation, "de motivering van de weging")?;
        self.change_case(id, now, true, |c, me| {
            c.weging = Some(Weging {
                level,
                motivation: motivation.trim().into(),
                at: now.naive_local(),
                author: me.name.clone(),
            });
            Ok(format!("weging {}", level.label()))
        })
    }

    /// Marks a case as acute (shown first; monodisciplinary intervention first) or not.
    pub fn set_case_acute(&mut self, id: &str, acute: bool, now: Now) -> Result<Case> {
        self.change_case(id, now, false, |c, _| {
            c.acute = acute;
            Ok(if acute {
                "gemarkeerd als acuut"
            } else {
                "niet meer acuut"
            }
            .into())
        })
    }

    /// Sets a status the user may choose directly; see [`CaseStatus::can_become`].
    pub fn set_case_status(&mut self, id: &str, to: CaseStatus, now: Now) -> Result<Case> {
        let case = self.change_case(id, now, false, |c, me| {
            let from = c.status;
            match from.can_become(to) {
                Transition::Direct => {}
                how => return Err(CoreError::CaseTransition { from, to, how }),
            }
            let reason = match (from, to) {
                (CaseStatus::Afgesloten, _) => "Casus heropend",
                (_, CaseStatus::Afgesloten) => "Casus afgesloten",
                _ => "Status gewijzigd",
            };
            status_step(c, to, &me.name, reason, now);
            c.closed_at = (to == CaseStatus::Afgesloten).then(|| now.naive_local());
            Ok(format!("status {} → {}", from.label(), to.label()))
        })?;
        let signal_status = match to {
            CaseStatus::Afgesloten => SignalStatus::Afgesloten,
            _ => SignalStatus::InBehandeling,
        };
        for sid in &case.signal_ids {
            if let Ok(mut s) = self.signal(sid) {
                if s.status != signal_status {
                    s.status = signal_status;
                    self.put_signal(&s)?;
                }
            }
        }
        self.kv.sync()?;
        Ok(case)
    }

    /// Records a route step: contact with someone from the meldroute, why, and (optionally)
    /// the outcome. A contact outside the municipality needs a legal basis and the fields
    /// shared.
    pub fn record_case_step(&mut self, id: &str, input: StepInput, now: Now) -> Result<Case> {
        let contact = self
            .route()?
            .contact(&input.contact_id)
            .cloned()
            .ok_or_else(|| CoreError::field("contact", "Kies een contact uit de meldroute."))?;
        check_text("reason", &input.reason, "waarom u deze stap zet")?;
        if let Some(o) = input.outcome.as_deref().filter(|o| !o.trim().is_empty()) {
            check_text("outcome", o, "de uitkomst")?;
        }
        let me = self.require_officer()?;
        let external = contact.kind != ContactKind::Aandachtsfunctionaris;
        let legal_basis = match (external, &input.legal_basis) {
            (false, None) => None,
            (_, b) => Some(check_basis(b.as_ref(), &input.fields, &me.name, now)?),
        };
        self.change_case(id, now, true, |c, me| {
            if c.status == CaseStatus::Afgesloten {
                return Err(CoreError::CaseTransition {
                    from: c.status,
                    to: c.status,
                    how: Transition::Refused,
                });
            }
            c.steps.push(RouteStep {
                kind: StepKind::Contact,
                at: now.naive_local(),
                by: me.name.clone(),
                contact_id: Some(contact.id.clone()),
                to: contact.name.clone(),
                reason: input.reason.trim().into(),
                outcome: input
                    .outcome
                    .as_deref()
                    .map(str::trim)
                    .filter(|o| !o.is_empty())
                    .map(str::to_owned),
                legal_basis,
            });
            Ok(format!("stap naar contact {}", contact.id))
        })
    }

    /// Fills in (or corrects) the outcome of a timeline step.
    pub fn set_step_outcome(
        &mut self,
        id: &str,
        step: usize,
        outcome: &str,
        now: Now,
    ) -> Result<Case> {
        check_text("outcome", outcome, "de uitkomst")?;
        self.change_case(id, now, false, |c, _| {
            let s = c.steps.get_mut(step).ok_or(CoreError::NotFound)?;
            s.outcome = Some(outcome.trim().into());
            Ok(format!("uitkomst van stap {}", step + 1))
        })
    }

    /// Sends the case to the regional table (and optionally a back-up officer) as an
    /// encrypted, signed bundle with the legal basis and only the chosen signals and fields.
    /// Refused without a legal basis. The case becomes "doorgeleid naar regionale tafel".
    pub fn forward_case(&mut self, id: &str, input: ForwardInput, now: Now) -> Result<OutboxItem> {
        let me = self.require_officer()?;
        let mut case = self.case(id)?;
        let how = case.status.can_become(CaseStatus::DoorgeleidTafel);
        if how != Transition::ViaForward {
            return Err(CoreError::CaseTransition {
                from: case.status,
                to: CaseStatus::DoorgeleidTafel,
                how,
            });
        }
        let basis = check_basis(Some(&input.legal_basis), &input.fields, &me.name, now)?;
        check_text(
            "reason",
            &input.reason,
            "waarom de casus naar de tafel gaat",
        )?;
        let (dir, _) = self.directory_and_me()?;
        let mut to = Vec::new();
        for rid in &input.recipient_ids {
            let p = dir
                .participants
                .iter()
                .find(|p| &p.id == rid)
                .ok_or(CoreError::UnknownRecipient)?;
            if p.role == ParticipantRole::Toezichthouder {
                return Err(CoreError::field(
                    "recipients",
                    "Een casus gaat naar de regionale tafel en eventueel een aandachtsfunctionaris, niet naar een toezichthouder.",
                ));
            }
            to.push(p.clone());
        }
        if !to.iter().any(|p| p.role == ParticipantRole::RegionaleTafel) {
            return Err(CoreError::field(
                "recipients",
                "Kies de regionale tafel als ontvanger.",
            ));
        }
        if input.signal_ids.is_empty()
            || input
                .signal_ids
                .iter()
                .any(|s| !case.signal_ids.contains(s))
        {
            return Err(CoreError::field(
                "signals",
                "Kies minstens één signaal van deze casus om mee te sturen.",
            ));
        }
        let signals = input
            .signal_ids
            .iter()
            .map(|s| self.signal(s).map(|s| strip(&s, &basis.fields)))
            .collect::<Result<Vec<_>>>()?;
        let share = CaseShare {
            case_id: case.id.clone(),
            title: case.title.clone(),
            municipality: case.municipality.clone(),
            acute: case.acute,
            weging: case.weging.clone(),
            notes: if basis.fields.contains(&ShareField::Verrijking) {
                case.notes.clone()
            } else {
                Vec::new()
            },
        };
        let payload = BundlePayload {
            version: PAYLOAD_VERSION,
            sent_at: now.naive_local(),
            sender: me.clone(),
            signals,
            legal_basis: Some(basis.clone()),
            case: Some(share),
            decision: None,
            monitor: None,
        };
        debug_assert!(to.iter().any(|p| is_external(p, &me)));
        let item = self.seal_into_outbox(&payload, &to, &input.signal_ids, now)?;
        if case.status == CaseStatus::Open {
            status_step(
                &mut case,
                CaseStatus::InBehandeling,
                &me.name,
                "Werk aan de casus begonnen",
                now,
            );
        }
        case.steps.push(RouteStep {
            kind: StepKind::Tafel,
            at: now.naive_local(),
            by: me.name.clone(),
            contact_id: None,
            to: item.recipients.join(", "),
            reason: input.reason.trim().into(),
            outcome: None,
            legal_basis: Some(basis),
        });
        case.status = CaseStatus::DoorgeleidTafel;
        self.vault()?.put_in(&CASES, &parse_id(&case.id)?, &case)?;
        for sid in &input.signal_ids {
            let mut s = self.signal(sid)?;
            s.status = SignalStatus::Doorgeleid;
            self.put_signal(&s)?;
        }
        self.audit(
            now,
            AuditAction::Change,
            AuditSubject::Case,
            Some(&case.id),
            &format!(
                "doorgeleid naar regionale tafel (bundel {})",
                &item.id[..12]
            ),
        )?;
        self.kv.sync()?;
        Ok(item)
    }

    /// Applies a decision received from the regional table (called while importing its
    /// bundle; the caller syncs). A decision for an unknown case stays in the inbox only.
    pub(crate) fn apply_decision(
        &mut self,
        d: &Decision,
        sender: &Participant,
        now: Now,
    ) -> Result<()> {
        if sender.role != ParticipantRole::RegionaleTafel {
            tracing::warn!("decision from a participant that is not the table ignored");
            return Ok(());
        }
        let Ok(key) = parse_id(&d.case_id) else {
            return Ok(());
        };
        let Some(mut case) = self.vault()?.get_in::<Case>(&CASES, &key)? else {
            return Ok(());
        };
        case.decision = Some(d.clone());
        case.steps.push(RouteStep {
            kind: StepKind::Besluit,
            at: now.naive_local(),
            by: d.decided_by.clone(),
            contact_id: None,
            to: format!("{} ({})", sender.display_name, sender.municipality),
            reason: d.track.label().into(),
            outcome: Some(d.explanation.clone()),
            legal_basis: None,
        });
        if case.status.can_become(CaseStatus::BesluitOntvangen) == Transition::ViaDecision {
            case.status = CaseStatus::BesluitOntvangen;
        }
        self.vault()?.put_in(&CASES, &key, &case)?;
        self.audit(
            now,
            AuditAction::Change,
            AuditSubject::Case,
            Some(&case.id),
            &format!("besluit regionale tafel: {}", d.track.label()),
        )?;
        tracing::info!(track = d.track.wire(), "decision applied to case");
        Ok(())
    }
}
