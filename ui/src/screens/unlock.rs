//! The lock screen: nothing but the passphrase field.

use crate::api;
use crate::ctx::use_ctx;
use crate::dom::focus_id;
use crate::logic::errors::message;
use crate::widgets::Banner;
use leptos::prelude::*;
use leptos::task::spawn_local;

#[component]
pub fn Unlock() -> impl IntoView {
    let ctx = use_ctx();
    let passphrase = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    focus_id("unlock-passphrase");

    let submit = move || {
        if busy.get_untracked() {
            return;
        }
        let pass = passphrase.get_untracked();
        busy.set(true);
        spawn_local(async move {
            let result = api::unlock(&pass).await;
            busy.set(false);
            match result {
                Ok(profile) => ctx.unlocked(profile),
                Err(e) => {
                    passphrase.set(String::new());
                    error.set(Some(message(e)));
                    focus_id("unlock-passphrase");
                }
            }
        });
    };

    view! {
        <main id="main" class="zicht-single">
            <h1 class="utrecht-heading-1" tabindex="-1">"Zicht is vergrendeld"</h1>
            <Banner/>
            <p class="utrecht-paragraph">"Voer uw wachtwoordzin in om verder te werken."</p>
            {move || error.get().map(|m| view! {
                <div id="unlock-error" class="utrecht-alert utrecht-alert--error zicht-alert" role="alert">
                    <div class="utrecht-alert__content"><div class="utrecht-alert__message">
                        <p class="utrecht-paragraph">{m}</p>
                    </div></div>
                </div>
            })}
            <form class="utrecht-form" novalidate=true on:submit=move |ev| { ev.prevent_default(); submit(); }>
                <div class=move || if error.with(|e| e.is_some()) {
                    "utrecht-form-field utrecht-form-field--text utrecht-form-field--invalid"
                } else { "utrecht-form-field utrecht-form-field--text" }>
                    <div class="utrecht-form-field__label">
                        <label class="utrecht-form-label" for="unlock-passphrase">"Wachtwoordzin"</label>
                    </div>
                    <div class="utrecht-form-field__input">
                        <input id="unlock-passphrase" name="unlock-passphrase" type="password"
                            class="utrecht-textbox utrecht-textbox--html-input utrecht-textbox--password"
                            autocomplete="current-password"
                            aria-describedby=move || error.with(|e| e.is_some()).then_some("unlock-error")
                            aria-invalid=move || error.with(|e| e.is_some()).then_some("true")
                            bind:value=passphrase/>
                    </div>
                </div>
                <p class="utrecht-paragraph">
                    <button id="unlock-submit" type="submit" class="utrecht-button utrecht-button--primary-action">
                        {move || if busy.get() { "Bezig met ontgrendelen…" } else { "Ontgrendelen" }}
                    </button>
                </p>
            </form>
        </main>
    }
}
