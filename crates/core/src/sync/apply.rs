//! What a round needs from the store (a snapshot, under the caller's lock) and the recording
//! of its outcome: receipts, outbox states, imported envelopes, the cursor.

use super::*;

use super::round::*;

impl Zicht {
    pub(super) fn endpoint(&self) -> Result<Option<EndpointConfig>> {
        self.vault()?.get(&ENDPOINT)
    }

    pub(super) fn put_endpoint(&self, c: &EndpointConfig) -> Result<()> {
        let v = self.vault()?;
        v.put(&ENDPOINT, c)?;
        v.sync()
    }

    /// This device's id: the key id of its signing key.
    pub(super) fn device_id(&self) -> Result<String> {
        let key = Ed25519KeyPair::from_pkcs8(self.session()?.keys.signing_pkcs8())
            .map_err(|_| CoreError::Corrupt)?;
        Ok(proto::device_id(key.public_key().as_ref()))
    }

    /// What the next sync round should do; `None` when no endpoint is configured or enrolled.
    pub fn sync_job(&self) -> Result<Option<SyncJob>> {
        let Some(cfg) = self.endpoint()? else {
            return Ok(None);
        };
        if !cfg.enrolled {
            return Ok(None);
        }
        let mut waiting: Vec<_> = self
            .outbox()?
            .into_iter()
            .filter(|i| i.state == OutboxState::Wacht)
            .collect();
        waiting.reverse(); // oldest first
        waiting.truncate(MAX_UPLOADS_PER_ROUND);
        let uploads = waiting
            .into_iter()
            .map(|i| Ok((i.id.clone(), self.outbox_bundle(&i.id)?)))
            .collect::<Result<Vec<_>>>()?;
        let version = self.directory_version()?;
        let retry = cfg
            .deferred
            .iter()
            .filter(|d| d.directory_version < version)
            .take(MAX_RETRIES_PER_ROUND)
            .map(|d| d.id.clone())
            .collect();
        Ok(Some(SyncJob {
            url: cfg.url,
            endpoint_key: unhex32(&cfg.endpoint_key).ok_or(CoreError::Corrupt)?,
            signing_pkcs8: zeroize::Zeroizing::new(self.session()?.keys.signing_pkcs8().to_vec()),
            device: self.device_id()?,
            uploads,
            acks: cfg.to_ack,
            cursor: cfg.cursor,
            retry,
            deferred: cfg.deferred.into_iter().map(|d| d.id).collect(),
            budget: MAX_DOWNLOAD_PER_ROUND,
            anchor: crate::audit::anchor_request(&self.vault()?)?,
        }))
    }

    /// The version of the directory held (0: none).
    pub(super) fn directory_version(&self) -> Result<u32> {
        Ok(self.directory()?.map_or(0, |(d, _)| d.version))
    }

    /// Records what a round did: receipts (then `Verzonden`), refusals (`Fout`), imports of
    /// downloaded bundles (queued for ack; a bundle that does not open is acked too, so it
    /// does not come back, and counted as rejected; one that may open with a newer directory
    /// is deferred), the cursor and the status line.
    pub fn apply_sync(&mut self, out: SyncOutcome, now: Now) -> Result<SyncStatus> {
        let mut cfg = self.endpoint()?.ok_or(CoreError::NotFound)?;
        // The endpoint was changed while the round ran: its outcome says nothing about this one.
        if (out.url.as_str(), out.endpoint_key.as_str())
            != (cfg.url.as_str(), cfg.endpoint_key.as_str())
        {
            return self.sync_status();
        }
        for (id, receipt) in &out.sent {
            let v = self.vault()?;
            v.put_in(&RECEIPTS, id.as_bytes(), receipt)?;
            let at = chrono::DateTime::from_timestamp_millis(receipt.received_at_ms)
                .map(|t| t.with_timezone(now.offset()).naive_local())
                .unwrap_or(now.naive_local());
            self.set_outbox_state(id, OutboxState::Verzonden { receipt_at: at })?;
        }
        let mut received = 0;
        let mut rejected = 0;
        // The first listed envelope to list again next round (a problem that may pass).
        let mut hold: Option<u64> = None;
        let version = self.directory_version()?;
        for d in &out.downloaded {
            let id = &d.id;
            // Whether this envelope is done with here (then it is no longer deferred).
            let settled = match self.import_bundle(&d.bytes, now) {
                Ok(r) => {
                    received += usize::from(r.new);
                    cfg.to_ack.push(id.clone());
                    true
                }
                // Sealed by someone this device's directory does not list (yet): keep it at the
                // endpoint and try again once a newer directory is in. It does not hold up
                // the envelopes after it.
                Err(
                    CoreError::NoDirectory
                    | CoreError::Bundle(zicht_bundle::Error::UnknownSender { .. }),
                ) => {
                    tracing::warn!(code = "unknown_sender", "downloaded bundle deferred");
                    match cfg.deferred.iter_mut().find(|x| x.id == *id) {
                        Some(x) => x.directory_version = version,
                        None => cfg.deferred.push(Deferred {
                            id: id.clone(),
                            directory_version: version,
                            since: now.timestamp(),
                            sender: zicht_protocol::envelope::parse(&d.bytes)
                                .map(|h| crate::identity::hex(&h.sender_key_id))
                                .unwrap_or_default(),
                        }),
                    }
                    false
                }
                // It can never open here (not for us, forged, damaged) or, verified, breaks
                // the model's limits: ack, so the endpoint lets go of it.
                Err(
                    e @ (CoreError::Bundle(_)
                    | CoreError::BundlePayloadInvalid(_)
                    | CoreError::SenderNotAllowed { .. }
                    | CoreError::SenderRevoked
                    | CoreError::BundlePurged
                    | CoreError::BundleExpired),
                ) => {
                    rejected += 1;
                    tracing::warn!(
                        code = e.code().wire(),
                        "downloaded bundle rejected for good"
                    );
                    cfg.to_ack.push(id.clone());
                    true
                }
                // Anything else may work later (disk full, ...): list it again next round.
                Err(e) => {
                    tracing::warn!(
                        code = e.code().wire(),
                        "downloaded bundle kept for a later round"
                    );
                    if let Some(seq) = d.seq {
                        hold = Some(hold.map_or(seq, |h| h.min(seq)));
                    }
                    false
                }
            };
            if settled {
                cfg.deferred.retain(|x| x.id != *id);
            }
        }
        // Forgotten only by age (the endpoint has long deleted them by then), never because of an
        // unsigned answer.
        let t = now.timestamp();
        for d in &mut cfg.deferred {
            if d.since == 0 {
                d.since = t;
            }
        }
        cfg.deferred
            .retain(|d| t.saturating_sub(d.since) <= DEFERRED_KEEP_DAYS * 24 * 3600);
        if cfg.deferred.len() > MAX_DEFERRED {
            let excess = cfg.deferred.len() - MAX_DEFERRED;
            tracing::warn!(
                count = excess,
                "deferred envelopes forgotten (limit reached)"
            );
            forget_floods(&mut cfg.deferred, MAX_DEFERRED);
        }
        cfg.to_ack.retain(|id| !out.acked.contains(id));
        let reached = match hold {
            Some(seq) => out.cursor.min(seq.saturating_sub(1)),
            None => out.cursor,
        };
        cfg.cursor = cfg.cursor.max(reached);
        let had_problem = out.problem.is_some();
        let (state, mut message) = match out.problem {
            Some((s, m)) => (s, m),
            None => (
                SyncState::Online,
                format!(
                    "Laatste ronde: {} verzonden, {received} ontvangen.",
                    out.sent.len()
                ),
            ),
        };
        match cfg.deferred.len() {
            0 => {}
            1 => message.push_str(" 1 bericht wacht op het knooppunt: de afzender staat niet in het deelnemersoverzicht van dit apparaat. Lees een nieuwer overzicht in."),
            n => message.push_str(&format!(" {n} berichten wachten op het knooppunt: de afzender staat niet in het deelnemersoverzicht van dit apparaat. Lees een nieuwer overzicht in.")),
        }
        if let Some(a) = &out.anchor {
            match crate::audit::keep_anchor(&self.vault()?, a)? {
                Some(true) => {}
                Some(false) => {
                    tracing::warn!(
                        seq = a.seq,
                        "audit chain does not contain the endpoint's anchor"
                    );
                    message.push_str(" Let op: de auditlog van dit apparaat bevat niet meer wat het regionale knooppunt eerder bevestigde; controleer de auditlog (Instellingen).");
                }
                None => {
                    tracing::warn!(seq = a.seq, "endpoint answered with an older audit anchor");
                    message.push_str(" Let op: het regionale knooppunt bevestigde een oudere stand van de auditlog dan dit apparaat al had; meld dit aan de regiocoördinator.");
                }
            }
        } else if out.anchor_missing && !had_problem {
            message.push_str(
                " De auditlog is deze ronde niet door het regionale knooppunt bevestigd.",
            );
        }
        let status = SyncStatus {
            state,
            message,
            at: Some(now.naive_local()),
            sent: out.sent.len(),
            received,
            rejected,
        };
        cfg.last = Some(status.clone());
        self.put_endpoint(&cfg)?;
        Ok(status)
    }

    /// The sync state for the UI.
    pub fn sync_status(&self) -> Result<SyncStatus> {
        Ok(match self.endpoint()? {
            None => SyncStatus::not_configured(),
            Some(c) if !c.enrolled => SyncStatus {
                state: SyncState::NietAangemeld,
                message: format!("Knooppunt {} ingesteld, nog niet aangemeld.", c.url),
                ..SyncStatus::not_configured()
            },
            Some(c) => c.last.unwrap_or(SyncStatus {
                state: SyncState::Wacht,
                message: "Nog niet gesynchroniseerd.".into(),
                ..SyncStatus::not_configured()
            }),
        })
    }

    /// The endpoint's receipt for a sent bundle, if any.
    pub fn receipt(&self, id: &str) -> Result<Option<proto::Receipt>> {
        self.vault()?.get_in(&RECEIPTS, id.as_bytes())
    }
}

/// Shrinks `deferred` to `limit` entries by forgetting the newest entries of whichever sender
/// has the most: a sender that floods this device (the endpoint takes envelopes only under the
/// uploader's own key) pushes out its own envelopes, never those of a sender with a few.
fn forget_floods(deferred: &mut Vec<Deferred>, limit: usize) {
    let mut per_sender: std::collections::HashMap<String, usize> = Default::default();
    for d in deferred.iter() {
        *per_sender.entry(d.sender.clone()).or_default() += 1;
    }
    while deferred.len() > limit {
        let Some(top) = per_sender
            .iter()
            .max_by_key(|(s, n)| (**n, (*s).clone()))
            .map(|(s, _)| s.clone())
        else {
            return;
        };
        if let Some(i) = deferred.iter().rposition(|d| d.sender == top) {
            deferred.remove(i);
        }
        if let Some(n) = per_sender.get_mut(&top) {
            *n -= 1;
        }
    }
}
