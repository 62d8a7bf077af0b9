//! Form fields in NL Design System (Utrecht) classes, with their labels, descriptions and
//! error messages.

use crate::logic::fields::error_id;
use leptos::prelude::*;

pub use crate::state::field_error;

/// `aria-describedby` for an input with an optional description and an optional error.
fn described_by(
    id: String,
    has_description: bool,
    error: Signal<Option<String>>,
) -> impl Fn() -> Option<String> {
    move || {
        let mut ids = Vec::new();
        if has_description {
            ids.push(format!("{id}-description"));
        }
        if error.with(|e| e.is_some()) {
            ids.push(error_id(&id));
        }
        (!ids.is_empty()).then(|| ids.join(" "))
    }
}

fn invalid(error: Signal<Option<String>>) -> impl Fn() -> Option<&'static str> {
    move || error.with(|e| e.is_some()).then_some("true")
}

/// The error message next to a field (rendered only when there is one).
#[component]
pub fn FieldErrorMessage(
    #[prop(into)] input_id: String,
    error: Signal<Option<String>>,
) -> impl IntoView {
    let id = error_id(&input_id);
    move || {
        error.get().map(|msg| {
            view! {
                <p class="utrecht-form-field__error-message utrecht-form-field-error-message" id=id.clone()>
                    <span class="zicht-visually-hidden">"Fout: "</span>{msg}
                </p>
            }
        })
    }
}

fn field_class(base: &'static str, error: Signal<Option<String>>) -> impl Fn() -> String {
    move || {
        if error.with(|e| e.is_some()) {
            format!("utrecht-form-field {base} utrecht-form-field--invalid")
        } else {
            format!("utrecht-form-field {base}")
        }
    }
}

/// A labelled single-line text input (or `kind` = password, date, datetime-local, search).
#[component]
pub fn TextField(
    #[prop(into)] id: String,
    label: &'static str,
    value: RwSignal<String>,
    error: Signal<Option<String>>,
    #[prop(optional)] kind: Option<&'static str>,
    #[prop(optional)] description: Option<&'static str>,
    #[prop(optional)] autocomplete: Option<&'static str>,
    /// The id of a `<datalist>` with suggestions.
    #[prop(optional)]
    list: Option<&'static str>,
) -> impl IntoView {
    view! {
        <div class=field_class("utrecht-form-field--text", error)>
            <div class="utrecht-form-field__label">
                <label class="utrecht-form-label" for=id.clone()>{label}</label>
            </div>
            {description.map(|d| view! {
                <div class="utrecht-form-field__description utrecht-form-field-description" id=format!("{}-description", id.clone())>{d}</div>
            })}
            <FieldErrorMessage input_id=id.clone() error=error/>
            <div class="utrecht-form-field__input">
                <input
                    id=id.clone()
                    name=id.clone()
                    type=kind.unwrap_or("text")
                    class=move || if error.with(|e| e.is_some()) {
                        "utrecht-textbox utrecht-textbox--html-input utrecht-textbox--invalid"
                    } else {
                        "utrecht-textbox utrecht-textbox--html-input"
                    }
                    autocomplete=autocomplete.unwrap_or("off")
                    list=list
                    aria-describedby=described_by(id.clone(), description.is_some(), error)
                    aria-invalid=invalid(error)
                    bind:value=value
                />
            </div>
        </div>
    }
}

/// A labelled multi-line text input.
#[component]
pub fn TextAreaField(
    #[prop(into)] id: String,
    label: &'static str,
    value: RwSignal<String>,
    error: Signal<Option<String>>,
    #[prop(optional)] description: Option<&'static str>,
) -> impl IntoView {
    view! {
        <div class=field_class("utrecht-form-field--textarea", error)>
            <div class="utrecht-form-field__label">
                <label class="utrecht-form-label" for=id.clone()>{label}</label>
            </div>
            {description.map(|d| view! {
                <div class="utrecht-form-field__description utrecht-form-field-description" id=format!("{}-description", id.clone())>{d}</div>
            })}
            <FieldErrorMessage input_id=id.clone() error=error/>
            <div class="utrecht-form-field__input">
                <textarea
                    id=id.clone()
                    name=id.clone()
                    rows="5"
                    class=move || if error.with(|e| e.is_some()) {
                        "utrecht-textarea utrecht-textarea--html-textarea utrecht-textarea--invalid"
                    } else {
                        "utrecht-textarea utrecht-textarea--html-textarea"
                    }
                    aria-describedby=described_by(id.clone(), description.is_some(), error)
                    aria-invalid=invalid(error)
                    bind:value=value
                ></textarea>
            </div>
        </div>
    }
}

/// A labelled select. `options` are (value, label); `placeholder` adds an empty first option.
#[component]
pub fn SelectField(
    #[prop(into)] id: String,
    label: &'static str,
    value: RwSignal<String>,
    options: Vec<(String, String)>,
    error: Signal<Option<String>>,
    #[prop(optional)] placeholder: Option<&'static str>,
    #[prop(optional)] description: Option<&'static str>,
) -> impl IntoView {
    view! {
        <div class=field_class("utrecht-form-field--select", error)>
            <div class="utrecht-form-field__label">
                <label class="utrecht-form-label" for=id.clone()>{label}</label>
            </div>
            {description.map(|d| view! {
                <div class="utrecht-form-field__description utrecht-form-field-description" id=format!("{}-description", id.clone())>{d}</div>
            })}
            <FieldErrorMessage input_id=id.clone() error=error/>
            <div class="utrecht-form-field__input">
                <select
                    id=id.clone()
                    name=id.clone()
                    class=move || if error.with(|e| e.is_some()) {
                        "utrecht-select utrecht-select--html-select utrecht-select--invalid"
                    } else {
                        "utrecht-select utrecht-select--html-select"
                    }
                    aria-describedby=described_by(id.clone(), description.is_some(), error)
                    aria-invalid=invalid(error)
                    on:change=move |ev| value.set(event_target_value(&ev))
                >
                    {placeholder.map(|p| view! {
                        <option value="" prop:selected=move || value.with(|v| v.is_empty())>{p}</option>
                    })}
                    {options.into_iter().map(|(v, l)| {
                        let v2 = v.clone();
                        view! { <option value=v prop:selected=move || value.with(|cur| *cur == v2)>{l}</option> }
                    }).collect_view()}
                </select>
            </div>
        </div>
    }
}

/// A single checkbox with its label.
#[component]
pub fn CheckboxField(
    #[prop(into)] id: String,
    #[prop(into)] label: String,
    checked: Signal<bool>,
    on_toggle: Callback<bool>,
    #[prop(optional, into)] described_by: Option<String>,
) -> impl IntoView {
    view! {
        <div class="utrecht-form-field utrecht-form-field--checkbox">
            <div class="utrecht-form-field__label utrecht-form-field__label--checkbox">
                <label class="utrecht-form-label utrecht-form-label--checkbox" for=id.clone()>{label}</label>
            </div>
            <div class="utrecht-form-field__input">
                <input
                    type="checkbox"
                    id=id.clone()
                    name=id
                    class="utrecht-checkbox utrecht-checkbox--html-input"
                    aria-describedby=described_by
                    prop:checked=move || checked.get()
                    on:change=move |ev| on_toggle.run(event_target_checked(&ev))
                />
            </div>
        </div>
    }
}

/// A checkbox that carries a value (`class` and `value` are what tests and forms look for),
/// with its label and an optional error tied through `aria-describedby`.
#[component]
pub fn ValueCheckbox(
    #[prop(into)] id: String,
    class: &'static str,
    #[prop(into)] value: String,
    #[prop(into)] label: String,
    checked: Signal<bool>,
    on_toggle: Callback<bool>,
    #[prop(optional)] error: Option<Signal<Option<String>>>,
) -> impl IntoView {
    let error = error.unwrap_or_else(|| Signal::derive(|| None));
    let err_id = error_id(&id);
    view! {
        <div class="utrecht-form-field utrecht-form-field--checkbox">
            <div class="utrecht-form-field__label utrecht-form-field__label--checkbox">
                <label class="utrecht-form-label utrecht-form-label--checkbox" for=id.clone()>{label}</label>
            </div>
            <FieldErrorMessage input_id=id.clone() error=error/>
            <div class="utrecht-form-field__input">
                <input
                    type="checkbox"
                    id=id
                    name=class
                    value=value
                    class=format!("utrecht-checkbox utrecht-checkbox--html-input {class}")
                    aria-describedby=move || error.with(|e| e.is_some()).then(|| err_id.clone())
                    aria-invalid=move || error.with(|e| e.is_some()).then_some("true")
                    prop:checked=move || checked.get()
                    on:change=move |ev| on_toggle.run(event_target_checked(&ev))
                />
            </div>
        </div>
    }
}

/// A single radio button with its label.
#[component]
pub fn RadioField(
    #[prop(into)] id: String,
    name: &'static str,
    #[prop(into)] value: String,
    #[prop(into)] label: String,
    checked: Signal<bool>,
    on_select: Callback<()>,
) -> impl IntoView {
    view! {
        <div class="utrecht-form-field utrecht-form-field--radio">
            <div class="utrecht-form-field__label utrecht-form-field__label--radio">
                <label class="utrecht-form-label utrecht-form-label--radio" for=id.clone()>{label}</label>
            </div>
            <div class="utrecht-form-field__input">
                <input
                    type="radio"
                    id=id
                    name=name
                    value=value
                    class="utrecht-radio-button utrecht-radio-button--html-input"
                    prop:checked=move || checked.get()
                    on:change=move |_| on_select.run(())
                />
            </div>
        </div>
    }
}

/// A fieldset with a legend.
#[component]
pub fn Fieldset(
    #[prop(into)] legend: String,
    #[prop(optional, into)] id: Option<String>,
    #[prop(optional)] error: Option<Signal<Option<String>>>,
    #[prop(optional, into)] error_for: Option<String>,
    children: Children,
) -> impl IntoView {
    let invalid = move || error.map(|e| e.with(|m| m.is_some())).unwrap_or(false);
    let describedby = {
        let error_for = error_for.clone();
        move || {
            if invalid() {
                error_for.as_deref().map(error_id)
            } else {
                None
            }
        }
    };
    view! {
        <fieldset
            id=id
            class=move || if invalid() {
                "utrecht-form-fieldset utrecht-form-fieldset--html-fieldset utrecht-form-fieldset--invalid zicht-fieldset"
            } else {
                "utrecht-form-fieldset utrecht-form-fieldset--html-fieldset zicht-fieldset"
            }
            aria-describedby=describedby
        >
            <legend class="utrecht-form-fieldset__legend utrecht-form-fieldset__legend--html-legend">{legend}</legend>
            {match (error, error_for) {
                (Some(e), Some(f)) => Some(view! { <FieldErrorMessage input_id=f error=e/> }),
                _ => None,
            }}
            {children()}
        </fieldset>
    }
}
