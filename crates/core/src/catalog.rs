//! The catalog: what the device works with besides records. The user's settings, the signal
//! cards (signaalkaarten, versioned; signals keep the version they were recorded with) and the
//! municipality's meldroute (versioned; the advice for a signal comes from it).

use crate::cards;
use crate::error::{CoreError, Result};
use crate::ids::Now;
use crate::route;
use crate::schema::{
    version_key, ACTIVE_CARDSET, ACTIVE_ROUTE, CARDSETS, ROUTES, ROUTE_VERSIONS, SETTINGS,
};
use crate::session::Zicht;
use crate::validate;
use zicht_model::*;

impl Zicht {
    pub fn settings(&self) -> Result<Settings> {
        Ok(self.session()?.settings.clone())
    }

    pub fn set_settings(&mut self, settings: Settings, now: Now) -> Result<Settings> {
        validate::check_settings(&settings)?;
        self.vault()?.put(&SETTINGS, &settings)?;
        let r = settings.retention;
        let detail = format!(
            "vergrendelen na {} min; bewaartermijnen adviesvraag {}, signaal {}, afgesloten casus {} maanden",
            settings.idle_lock_minutes, r.adviesvraag_months, r.signaal_months, r.closed_case_months
        );
        self.audit(
            now,
            AuditAction::Change,
            AuditSubject::Settings,
            None,
            &detail,
        )?;
        self.kv.sync()?;
        if let Some(s) = &mut self.session {
            s.settings = settings.clone();
        }
        Ok(settings)
    }

    /// The active card set.
    pub fn card_set(&self) -> Result<&CardSet> {
        Ok(&self.session()?.cards)
    }

    /// A stored card set by version (signals keep the version they were recorded with).
    pub fn card_set_version(&self, version: u32) -> Result<CardSet> {
        let s = self.session()?;
        if s.cards.version == version {
            return Ok(s.cards.clone());
        }
        self.vault()?
            .get_in(&CARDSETS, &version_key(version))?
            .ok_or(CoreError::NotFound)
    }

    /// Imports a newer card set and makes it active; older versions stay stored.
    pub fn import_card_set(&mut self, json: &str) -> Result<u32> {
        let set = cards::parse_card_set(json)?;
        if set.version <= self.session()?.cards.version {
            return Err(CoreError::InvalidContent(format!(
                "version {} is not newer than the active set",
                set.version
            )));
        }
        let v = self.vault()?;
        v.put_in(&CARDSETS, &version_key(set.version), &set)?;
        v.put(&ACTIVE_CARDSET, &set.version)?;
        self.kv.sync()?;
        let version = set.version;
        if let Some(s) = &mut self.session {
            s.cards = set;
        }
        Ok(version)
    }

    pub fn search_cards(&self, query: &str) -> Result<Vec<CardHit>> {
        Ok(cards::search(&self.session()?.cards, query))
    }

    /// The municipality's meldroute.
    pub fn route(&self) -> Result<&Route> {
        Ok(&self.session()?.route)
    }

    /// Saves an edited meldroute as a new version after validating it (no unreachable step,
    /// every contact reachable, 112 / Veilig Thuis / attention officer where the law and the
    /// plans require them). Earlier versions stay stored. Durable on return.
    pub fn save_route(&mut self, mut route: Route, now: Now) -> Result<Route> {
        let s = self.session()?;
        if s.profile.role != Role::Aandachtsfunctionaris {
            return Err(CoreError::NotOfficer);
        }
        route.municipality = s.profile.municipality.clone();
        for c in &mut route.contacts {
            c.id = c.id.trim().into();
            c.name = c.name.trim().into();
            for o in [&mut c.phone, &mut c.email, &mut c.hours] {
                if o.as_deref().is_some_and(|x| x.trim().is_empty()) {
                    *o = None;
                }
            }
        }
        route::validate_route(&route)?;
        if route.contacts == s.route.contacts && route.rules == s.route.rules {
            return Ok(s.route.clone());
        }
        route.version = s.route.version + 1;
        let meta = RouteVersion {
            version: route.version,
            saved_at: Some(now.naive_local()),
            saved_by: Some(s.profile.name.clone()),
        };
        let v = self.vault()?;
        v.put_in(&ROUTES, &version_key(route.version), &route)?;
        v.put_in(&ROUTE_VERSIONS, &version_key(route.version), &meta)?;
        v.put(&ACTIVE_ROUTE, &route.version)?;
        self.audit(
            now,
            AuditAction::Change,
            AuditSubject::Route,
            None,
            &format!("versie {}", route.version),
        )?;
        self.kv.sync()?;
        if let Some(s) = &mut self.session {
            s.route = route.clone();
        }
        tracing::info!(version = route.version, "meldroute saved");
        Ok(route)
    }

    /// Every stored version of the meldroute, newest first.
    pub fn route_versions(&self) -> Result<Vec<RouteVersion>> {
        let v = self.vault()?;
        let mut out = Vec::new();
        v.for_each(&ROUTES, |k, r: Route| {
            let meta: Option<RouteVersion> = v.get_in(&ROUTE_VERSIONS, k)?;
            out.push(meta.unwrap_or(RouteVersion {
                version: r.version,
                saved_at: None,
                saved_by: None,
            }));
            Ok(())
        })?;
        out.reverse();
        Ok(out)
    }

    /// The meldroute advice for a signal (indicator categories from the card set version the
    /// signal was recorded with).
    pub(crate) fn advice(&self, signal: &Signal) -> Result<Vec<AdviceStep>> {
        let s = self.session()?;
        if s.cards.version == signal.card_set_version {
            return Ok(route::advise(&s.route, signal, Some(&s.cards)));
        }
        let cards = self.card_set_version(signal.card_set_version).ok();
        Ok(route::advise(&s.route, signal, cards.as_ref()))
    }
}
