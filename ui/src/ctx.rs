//! The shared state every screen reads through `use_ctx()`: which screen is shown (`View`),
//! the backend status and the profile, the app-wide banner, the card set. Screens import this
//! module, never `app` or each other.

use crate::api;
use crate::logic::errors::{failure_text, message};
use crate::logic::keys::{shortcut, Shortcut};
use leptos::prelude::*;
use leptos::task::spawn_local;
use zicht_model::{AppStatus, CardSet, Control, Profile, Role};

/// The screens of the unlocked app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum View {
    Controle,
    Nieuw,
    Signalen,
    Detail(String),
    Kaarten,
    Meldroute,
    Uitwisseling,
    Instellingen,
    /// Binnengekomen: bundles received (officer: accept / not relevant; table: decide).
    Binnengekomen,
    Casussen,
    Casus(String),
    /// Aard en omvang: the monitor figures (officer and regional table).
    Monitor,
    Audit,
}

/// Which top-level screen to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Loading,
    Failed,
    NeedsSetup,
    Locked,
    Unlocked,
}

/// Shared state, provided as context. All fields are `Copy` signal handles.
#[derive(Clone, Copy)]
pub struct Ctx {
    /// Last known backend status; `None` until the first answer.
    pub status: RwSignal<Option<AppStatus>>,
    /// Why the first status request failed.
    pub status_error: RwSignal<Option<String>>,
    /// Set when the user locked: a poll must not unlock the screen again, even if the
    /// backend's lock call failed. Cleared by a successful unlock.
    pub locked_here: RwSignal<bool>,
    pub view: RwSignal<View>,
    /// App-wide error banner (role="alert").
    pub banner: RwSignal<Option<String>>,
    /// The signal card set, loaded once after unlocking.
    pub cards: RwSignal<Option<CardSet>>,
    /// Bumped when "new signal" is asked for while the form is already open (the form then
    /// starts afresh if its last signal was saved).
    pub new_signal: RwSignal<u32>,
    /// A draft whose save is still on its way to the backend (the form flushes on leaving);
    /// a form opened meanwhile starts from it instead of loading an older one.
    pub draft_in_flight: RwSignal<Option<zicht_model::SignalInput>>,
    pub phase: Memo<Phase>,
    pub profile: Memo<Option<Profile>>,
    pub active_control: Memo<Option<Control>>,
}

impl Ctx {
    pub(crate) fn new() -> Self {
        let status = RwSignal::new(None::<AppStatus>);
        let status_error = RwSignal::new(None::<String>);
        let locked_here = RwSignal::new(false);
        let phase = Memo::new(move |_| match status.get() {
            None if status_error.get().is_some() => Phase::Failed,
            None => Phase::Loading,
            Some(AppStatus::NeedsSetup) => Phase::NeedsSetup,
            Some(AppStatus::Locked) => Phase::Locked,
            Some(AppStatus::Unlocked { .. }) if locked_here.get() => Phase::Locked,
            Some(AppStatus::Unlocked { .. }) => Phase::Unlocked,
        });
        let profile = Memo::new(move |_| match status.get() {
            Some(AppStatus::Unlocked { profile, .. }) => Some(profile),
            _ => None,
        });
        let active_control = Memo::new(move |_| match status.get() {
            Some(AppStatus::Unlocked { active_control, .. }) => active_control,
            _ => None,
        });
        Ctx {
            status,
            status_error,
            locked_here,
            view: RwSignal::new(View::Controle),
            banner: RwSignal::new(None),
            cards: RwSignal::new(None),
            new_signal: RwSignal::new(0),
            draft_in_flight: RwSignal::new(None),
            phase,
            profile,
            active_control,
        }
    }

    /// Switches screen (and clears the banner, which belonged to the old screen).
    pub fn go(&self, view: View) {
        self.banner.set(None);
        if view == View::Nieuw && self.view.get_untracked() == View::Nieuw {
            self.new_signal.update(|n| *n += 1);
        }
        self.view.set(view);
    }

    /// Shows an error in the app-wide banner.
    pub fn error(&self, context: &str, e: &zicht_model::ApiError) {
        self.banner.set(Some(failure_text(context, e)));
    }

    /// Asks the backend for its status and updates the screen.
    pub fn refresh_status(&self) {
        let ctx = *self;
        spawn_local(async move {
            match api::app_status().await {
                Ok(s) => {
                    ctx.status_error.set(None);
                    ctx.status.set(Some(s));
                }
                Err(e) => {
                    if ctx.status.get_untracked().is_none() {
                        ctx.status_error.set(Some(message(e)));
                    } else {
                        ctx.banner.set(Some(failure_text(
                            "De status van de app kon niet worden opgehaald",
                            &e,
                        )));
                    }
                }
            }
        });
    }

    /// Called after a successful setup or unlock.
    pub fn unlocked(&self, profile: Profile) {
        self.locked_here.set(false);
        self.banner.set(None);
        self.view.set(default_view(profile.role));
        // Show the profile at once; the status call fills in the active control.
        self.status.set(Some(AppStatus::Unlocked {
            profile,
            active_control: None,
        }));
        self.refresh_status();
    }

    /// Locks at once: hides all content in this tick, then tells the backend.
    pub fn lock_now(&self) {
        self.locked_here.set(true);
        self.banner.set(None);
        self.status.set(Some(AppStatus::Locked));
        let ctx = *self;
        spawn_local(async move {
            if let Err(e) = api::lock().await {
                ctx.banner
                    .set(Some(failure_text("Vergrendelen in de app mislukte", &e)));
            }
        });
    }

    pub(crate) fn on_key(&self, e: &web_sys::KeyboardEvent) {
        let Some(sc) = shortcut(&e.code(), &e.key(), e.alt_key(), e.ctrl_key(), e.meta_key())
        else {
            return;
        };
        if self.phase.get_untracked() != Phase::Unlocked {
            return;
        }
        e.prevent_default();
        match sc {
            Shortcut::NewSignal => self.go(View::Nieuw),
            Shortcut::Cards => self.go(View::Kaarten),
            Shortcut::Lock => self.lock_now(),
            // The signal form listens for this itself.
            Shortcut::Save => {}
        }
    }
}

/// Where an unlocked user starts.
pub fn default_view(role: Role) -> View {
    match role {
        Role::Toezichthouder => View::Controle,
        Role::Aandachtsfunctionaris => View::Signalen,
        Role::RegionaleTafel => View::Binnengekomen,
    }
}

pub fn use_ctx() -> Ctx {
    expect_context::<Ctx>()
}
