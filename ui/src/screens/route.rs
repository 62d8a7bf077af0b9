//! Meldroute: who to contact in which situation, for this municipality. An attention officer
//! can edit it (on a copy; the core validates and stores each save as a new version).

use crate::api;
use crate::ctx::use_ctx;
use crate::dom::focus_id;
use crate::logic::errors::{message, with_reason};
use crate::logic::fields::error_id;
use crate::logic::format::{datetime_nl, mailto_href, tel_href};
use crate::logic::route_edit::{
    self, contact_kind_from_value, contact_kind_label, contact_kind_value, html_id_part,
    CONTACT_KINDS,
};
use crate::logic::route_text::describe_condition;
use crate::state::{load_into, loading, Loaded};
use crate::widgets::{
    Column, DataTable, ErrorAlert, FieldErrorMessage, Fieldset, Loadable, LoadingMessage,
    SelectField,
};
use leptos::prelude::*;
use leptos::task::spawn_local;
use zicht_model::{Contact, ContactKind, Role, Route, RouteVersion, Rule};

#[component]
pub fn RouteScreen() -> impl IntoView {
    let ctx = use_ctx();
    let officer = ctx.profile.get_untracked().map(|p| p.role) == Some(Role::Aandachtsfunctionaris);
    let route: Loaded<Route> = loading();
    load_into(route, api::route());
    let versions: Loaded<Vec<RouteVersion>> = loading();
    let load_versions = move || load_into(versions, api::route_versions());
    load_versions();
    // The working copy while editing.
    let draft = RwSignal::new(None::<Route>);
    let status = RwSignal::new(String::new());
    let failure = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let start_edit = move |_| {
        if let Some(Ok(r)) = route.get_untracked() {
            status.set(String::new());
            failure.set(None);
            draft.set(Some(r));
            focus_id("route-editor-heading");
        }
    };
    let cancel = Callback::new(move |_| {
        draft.set(None);
        failure.set(None);
        focus_id("route-edit");
    });
    let save = Callback::new(move |_| {
        let Some(r) = draft.get_untracked() else {
            return;
        };
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        status.set(String::new());
        failure.set(None);
        spawn_local(async move {
            match api::save_route(&r).await {
                Ok(saved) => {
                    status.try_set(format!("Opgeslagen als versie {}", saved.version));
                    route.try_set(Some(Ok(saved)));
                    draft.try_set(None);
                    load_versions();
                }
                Err(e) => {
                    failure.try_set(Some(message(e)));
                    focus_id("route-error");
                }
            }
            busy.try_set(false);
        });
    });
    let editing = move || draft.with(Option::is_some);
    view! {
        <h1 class="utrecht-heading-1" tabindex="-1">"Meldroute"</h1>
        {move || (officer && !editing() && matches!(route.get(), Some(Ok(_)))).then(|| view! {
            <p class="utrecht-paragraph">
                <button type="button" id="route-edit" class="utrecht-button utrecht-button--secondary-action"
                    on:click=start_edit>"Meldroute bewerken"</button>
            </p>
        })}
        <p id="route-status" class="zicht-status" role="status" aria-live="polite">{move || status.get()}</p>
        {move || failure.get().map(|m| view! {
            <div id="route-error" class="utrecht-alert utrecht-alert--error zicht-alert" role="alert" tabindex="-1">
                <div class="utrecht-alert__content"><div class="utrecht-alert__message">
                    <p class="utrecht-paragraph">{m}</p>
                </div></div>
            </div>
        })}
        {move || match (editing(), route.get()) {
            (true, _) => view! { <RouteEditor draft=draft save=save cancel=cancel busy=busy/> }.into_any(),
            (false, None) => view! { <LoadingMessage/> }.into_any(),
            (false, Some(Err(m))) => view! { <ErrorAlert message=with_reason("De meldroute kon niet worden geladen", &m)/> }.into_any(),
            (false, Some(Ok(r))) => view! { <RouteView route=r/> }.into_any(),
        }}
        <section aria-labelledby="route-versions-heading" class="zicht-section">
            <h2 id="route-versions-heading" class="utrecht-heading-2">"Versies"</h2>
            <Loadable data=versions failed="De versies konden niet worden geladen" let:list>
                <DataTable id="route-versions" region="Versies van de meldroute" columns=VERSION_COLUMNS>
                    {list.into_iter().map(|v| view! {
                        <tr class="utrecht-table__row route-version">
                            <td class="utrecht-table__cell utrecht-table__cell--numeric-data">{v.version}</td>
                            <td class="utrecht-table__cell">{v.saved_at.map(|t| datetime_nl(&t)).unwrap_or_else(|| "Bij het inrichten".into())}</td>
                            <td class="utrecht-table__cell">{v.saved_by.unwrap_or_default()}</td>
                        </tr>
                    }).collect_view()}
                </DataTable>
            </Loadable>
        </section>
    }
}

const VERSION_COLUMNS: &[Column] = &[
    Column::numeric("Versie"),
    Column::text("Opgeslagen op"),
    Column::text("Door"),
];

const RULE_COLUMNS: &[Column] = &[
    Column::text("Wanneer"),
    Column::text("Contact"),
    Column::text("Waarom"),
];

/// A labelled text input inside an editor row.
#[component]
fn RowText(
    #[prop(into)] id: String,
    class: &'static str,
    label: &'static str,
    value: Signal<String>,
    on_input: Callback<String>,
    #[prop(optional)] kind: Option<&'static str>,
) -> impl IntoView {
    view! {
        <div class="utrecht-form-field utrecht-form-field--text">
            <div class="utrecht-form-field__label">
                <label class="utrecht-form-label" for=id.clone()>{label}</label>
            </div>
            <div class="utrecht-form-field__input">
                <input id=id.clone() name=id type=kind.unwrap_or("text") autocomplete="off"
                    class=format!("utrecht-textbox utrecht-textbox--html-input {class}")
                    prop:value=move || value.get()
                    on:input=move |e| on_input.run(event_target_value(&e))/>
            </div>
        </div>
    }
}

/// The meldroute editor: contacts and rules of the working copy.
#[component]
fn RouteEditor(
    draft: RwSignal<Option<Route>>,
    save: Callback<()>,
    cancel: Callback<()>,
    busy: RwSignal<bool>,
) -> impl IntoView {
    let contact_ids = move || {
        draft.with(|d| {
            d.as_ref()
                .map(|r| r.contacts.iter().map(|c| c.id.clone()).collect::<Vec<_>>())
                .unwrap_or_default()
        })
    };
    let rule_ids = move || {
        draft.with(|d| {
            d.as_ref()
                .map(|r| r.rules.iter().map(|r| r.id.clone()).collect::<Vec<_>>())
                .unwrap_or_default()
        })
    };
    let contact_options: Signal<Vec<(String, String)>> = Memo::new(move |_| {
        draft.with(|d| {
            d.as_ref()
                .map(|r| {
                    r.contacts
                        .iter()
                        .map(|c| (c.id.clone(), c.name.clone()))
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
    })
    .into();
    // Adding a contact.
    let new_name = RwSignal::new(String::new());
    let new_kind = RwSignal::new(contact_kind_value(ContactKind::Overig).to_string());
    let new_name_error = RwSignal::new(None::<String>);
    let add_contact = move |_| {
        let kind =
            contact_kind_from_value(&new_kind.get_untracked()).unwrap_or(ContactKind::Overig);
        let mut added = None;
        let name = new_name.get_untracked();
        draft.update(|d| {
            if let Some(r) = d.as_mut() {
                added = route_edit::add_contact(r, &name, kind);
            }
        });
        match added {
            Some(id) => {
                new_name.set(String::new());
                new_name_error.set(None);
                focus_id(&format!("route-contact-phone-{}", html_id_part(&id)));
            }
            None => {
                new_name_error.set(Some("Vul de naam van het nieuwe contact in.".into()));
                focus_id("route-contact-add-name");
            }
        }
    };
    // Adding a rule.
    let new_rule_contact = RwSignal::new(String::new());
    let new_rule_error = RwSignal::new(None::<String>);
    let add_rule = move |_| {
        let contact = new_rule_contact.get_untracked();
        let exists =
            draft.with_untracked(|d| d.as_ref().is_some_and(|r| r.contact(&contact).is_some()));
        if !exists {
            new_rule_error.set(Some("Kies het contact voor de nieuwe regel.".into()));
            focus_id("route-rule-add-contact");
            return;
        }
        let mut added = String::new();
        draft.update(|d| {
            if let Some(r) = d.as_mut() {
                added = route_edit::add_rule(r, &contact);
            }
        });
        new_rule_error.set(None);
        focus_id(&format!("route-rule-reason-{}", html_id_part(&added)));
    };
    view! {
        <section id="route-editor" class="zicht-section" aria-labelledby="route-editor-heading">
            <h2 id="route-editor-heading" class="utrecht-heading-2" tabindex="-1">"Meldroute bewerken"</h2>
            <p class="utrecht-paragraph">
                "U bewerkt een kopie. Pas bij Opslaan controleert Zicht de meldroute en bewaart hem als nieuwe versie; "
                "eerdere versies blijven bewaard. Een gewoon signaal gaat altijd eerst naar de aandachtsfunctionaris, en bij acuut gevaar naar 112."
            </p>
            <h3 class="utrecht-heading-3">"Contacten"</h3>
            <For each=contact_ids key=|id| id.clone() let:id>
                <ContactRow draft=draft id=id/>
            </For>
            <Fieldset legend="Contact toevoegen" id="route-contact-add-fieldset">
                <div class=move || if new_name_error.with(Option::is_some) { "utrecht-form-field utrecht-form-field--text utrecht-form-field--invalid" } else { "utrecht-form-field utrecht-form-field--text" }>
                    <div class="utrecht-form-field__label">
                        <label class="utrecht-form-label" for="route-contact-add-name">"Naam van het nieuwe contact"</label>
                    </div>
                    <FieldErrorMessage input_id="route-contact-add-name" error=Signal::derive(move || new_name_error.get())/>
                    <div class="utrecht-form-field__input">
                        <input id="route-contact-add-name" type="text" autocomplete="off" class="utrecht-textbox utrecht-textbox--html-input"
                            aria-describedby=move || new_name_error.with(Option::is_some).then(|| error_id("route-contact-add-name"))
                            aria-invalid=move || new_name_error.with(Option::is_some).then_some("true")
                            prop:value=move || new_name.get() on:input=move |e| new_name.set(event_target_value(&e))/>
                    </div>
                </div>
                <SelectField id="route-contact-add-kind" label="Soort contact" value=new_kind
                    options=CONTACT_KINDS.iter().map(|k| (contact_kind_value(*k).to_string(), contact_kind_label(*k).to_string())).collect()
                    error=Signal::derive(|| None)/>
                <p class="utrecht-paragraph">
                    <button type="button" id="route-contact-add" class="utrecht-button utrecht-button--secondary-action"
                        on:click=add_contact>"Contact toevoegen"</button>
                </p>
            </Fieldset>
            <h3 class="utrecht-heading-3">"Regels, in volgorde"</h3>
            <ol class="utrecht-ordered-list zicht-route-rules" id="route-rules-edit">
                <For each=rule_ids key=|id| id.clone() let:id>
                    <RuleRow draft=draft id=id contacts=contact_options/>
                </For>
            </ol>
            <Fieldset legend="Regel toevoegen" id="route-rule-add-fieldset">
                <p class="utrecht-paragraph">"Een nieuwe regel geldt altijd (voor elk signaal). Vul daarna de reden in."</p>
                {move || {
                    let options = contact_options.get();
                    view! {
                        <SelectField id="route-rule-add-contact" label="Contact voor de nieuwe regel" value=new_rule_contact
                            options=options placeholder="Kies een contact"
                            error=Signal::derive(move || new_rule_error.get())/>
                    }
                }}
                <p class="utrecht-paragraph">
                    <button type="button" id="route-rule-add" class="utrecht-button utrecht-button--secondary-action"
                        on:click=add_rule>"Regel toevoegen"</button>
                </p>
            </Fieldset>
            <p class="utrecht-paragraph zicht-actions">
                <button type="button" id="route-save" class="utrecht-button utrecht-button--primary-action"
                    aria-disabled=move || busy.get().then_some("true")
                    on:click=move |_| save.run(())>"Opslaan"</button>
                <button type="button" id="route-cancel" class="utrecht-button utrecht-button--secondary-action"
                    on:click=move |_| cancel.run(())>"Annuleren"</button>
            </p>
        </section>
    }
}

/// One contact of the working copy, with its fields.
#[component]
fn ContactRow(draft: RwSignal<Option<Route>>, id: String) -> impl IntoView {
    let hid = html_id_part(&id);
    let get = {
        let id = id.clone();
        move |f: fn(&Contact) -> String| {
            let id = id.clone();
            Signal::derive(move || {
                draft.with(|d| {
                    d.as_ref()
                        .and_then(|r| r.contact(&id))
                        .map(f)
                        .unwrap_or_default()
                })
            })
        }
    };
    let set = {
        let id = id.clone();
        move |f: fn(&mut Contact, String)| {
            let id = id.clone();
            Callback::new(move |v: String| {
                draft.update(|d| {
                    if let Some(c) = d.as_mut().and_then(|r| route_edit::contact_mut(r, &id)) {
                        f(c, v)
                    }
                })
            })
        }
    };
    let name = get(|c| c.name.clone());
    let kind = get(|c| contact_kind_value(c.kind).to_string());
    let remove = {
        let id = id.clone();
        move |_| {
            draft.update(|d| {
                if let Some(r) = d.as_mut() {
                    route_edit::remove_contact(r, &id)
                }
            });
            focus_id("route-contact-add-name");
        }
    };
    let set_kind = set(|c, v| {
        if let Some(k) = contact_kind_from_value(&v) {
            c.kind = k
        }
    });
    let kind_id = format!("route-contact-kind-{hid}");
    view! {
        <fieldset class="utrecht-form-fieldset utrecht-form-fieldset--html-fieldset zicht-fieldset route-contact-edit" data-id=id.clone()>
            <legend class="utrecht-form-fieldset__legend utrecht-form-fieldset__legend--html-legend">
                {move || format!("Contact: {}", name.get())}
            </legend>
            <RowText id=format!("route-contact-name-{hid}") class="route-contact-name" label="Naam" value=name
                on_input=set(|c, v| c.name = v)/>
            <div class="utrecht-form-field utrecht-form-field--select">
                <div class="utrecht-form-field__label">
                    <label class="utrecht-form-label" for=kind_id.clone()>"Soort contact"</label>
                </div>
                <div class="utrecht-form-field__input">
                    <select id=kind_id.clone() name=kind_id class="utrecht-select utrecht-select--html-select route-contact-kind"
                        on:change=move |e| set_kind.run(event_target_value(&e))>
                        {CONTACT_KINDS.iter().map(|k| {
                            let v = contact_kind_value(*k);
                            view! { <option value=v prop:selected=move || kind.get() == v>{contact_kind_label(*k)}</option> }
                        }).collect_view()}
                    </select>
                </div>
            </div>
            <RowText id=format!("route-contact-description-{hid}") class="route-contact-description" label="Wat doet dit contact"
                value=get(|c| c.description.clone()) on_input=set(|c, v| c.description = v)/>
            <RowText id=format!("route-contact-phone-{hid}") class="route-contact-phone" label="Telefoon" kind="tel"
                value=get(|c| c.phone.clone().unwrap_or_default()) on_input=set(|c, v| c.phone = Some(v))/>
            <RowText id=format!("route-contact-email-{hid}") class="route-contact-email" label="E-mail" kind="email"
                value=get(|c| c.email.clone().unwrap_or_default()) on_input=set(|c, v| c.email = Some(v))/>
            <RowText id=format!("route-contact-hours-{hid}") class="route-contact-hours" label="Bereikbaar"
                value=get(|c| c.hours.clone().unwrap_or_default()) on_input=set(|c, v| c.hours = Some(v))/>
            <p class="utrecht-paragraph">
                <button type="button" class="utrecht-button utrecht-button--secondary-action route-contact-remove" on:click=remove>
                    "Contact verwijderen"
                    <span class="zicht-visually-hidden">{move || format!(" ({}, met de regels die naar dit contact verwijzen)", name.get())}</span>
                </button>
            </p>
        </fieldset>
    }
}

/// One rule of the working copy: the condition (read-only), the contact, the reason, and
/// moving or removing it.
#[component]
fn RuleRow(
    draft: RwSignal<Option<Route>>,
    id: String,
    contacts: Signal<Vec<(String, String)>>,
) -> impl IntoView {
    let hid = html_id_part(&id);
    let rule = {
        let id = id.clone();
        move || {
            draft.with(|d| {
                d.as_ref()
                    .and_then(|r| r.rules.iter().find(|x| x.id == id).cloned())
            })
        }
    };
    let position = {
        let id = id.clone();
        Signal::derive(move || {
            draft.with(|d| {
                d.as_ref()
                    .and_then(|r| r.rules.iter().position(|x| x.id == id))
                    .map(|p| p + 1)
                    .unwrap_or(0)
            })
        })
    };
    let when = {
        let rule = rule.clone();
        move || {
            rule()
                .map(|r| describe_condition(&r.when))
                .unwrap_or_default()
        }
    };
    let contact = {
        let rule = rule.clone();
        Signal::derive(move || rule().map(|r| r.contact).unwrap_or_default())
    };
    let reason = {
        let rule = rule.clone();
        Signal::derive(move || rule().map(|r| r.reason).unwrap_or_default())
    };
    let update = {
        let id = id.clone();
        move |f: fn(&mut Rule, String)| {
            let id = id.clone();
            Callback::new(move |v: String| {
                draft.update(|d| {
                    if let Some(r) = d.as_mut().and_then(|r| route_edit::rule_mut(r, &id)) {
                        f(r, v)
                    }
                })
            })
        }
    };
    let set_contact = update(|r, v| r.contact = v);
    let mover = {
        let id = id.clone();
        let hid = hid.clone();
        move |up: bool| {
            let id = id.clone();
            let hid = hid.clone();
            move |_| {
                draft.update(|d| {
                    if let Some(r) = d.as_mut() {
                        route_edit::move_rule(r, &id, up)
                    }
                });
                focus_id(&format!(
                    "route-rule-{}-{hid}",
                    if up { "up" } else { "down" }
                ));
            }
        }
    };
    let remove = {
        let id = id.clone();
        move |_| {
            draft.update(|d| {
                if let Some(r) = d.as_mut() {
                    route_edit::remove_rule(r, &id)
                }
            });
            focus_id("route-rule-add-contact");
        }
    };
    let contact_id = format!("route-rule-contact-{hid}");
    let which = move || format!(" (regel {})", position.get());
    view! {
        <li class="utrecht-ordered-list__item route-rule-edit" data-id=id.clone()>
            <fieldset class="utrecht-form-fieldset utrecht-form-fieldset--html-fieldset zicht-fieldset">
                <legend class="utrecht-form-fieldset__legend utrecht-form-fieldset__legend--html-legend">
                    {move || format!("Regel {}", position.get())}
                </legend>
                <p class="utrecht-paragraph route-rule-when">"Wanneer: " {when}</p>
                <div class="utrecht-form-field utrecht-form-field--select">
                    <div class="utrecht-form-field__label">
                        <label class="utrecht-form-label" for=contact_id.clone()>"Contact"</label>
                    </div>
                    <div class="utrecht-form-field__input">
                        <select id=contact_id.clone() name=contact_id class="utrecht-select utrecht-select--html-select route-rule-contact"
                            on:change=move |e| set_contact.run(event_target_value(&e))>
                            {move || contacts.get().into_iter().map(|(v, l)| {
                                let v2 = v.clone();
                                view! { <option value=v prop:selected=move || contact.get() == v2>{l}</option> }
                            }).collect_view()}
                        </select>
                    </div>
                </div>
                <RowText id=format!("route-rule-reason-{hid}") class="route-rule-reason" label="Reden (ziet de gebruiker bij het advies)"
                    value=reason on_input=update(|r, v| r.reason = v)/>
                <p class="utrecht-paragraph zicht-actions">
                    <button type="button" id=format!("route-rule-up-{hid}") class="utrecht-button utrecht-button--subtle route-rule-up"
                        on:click=mover(true)>"Omhoog"<span class="zicht-visually-hidden">{which}</span></button>
                    <button type="button" id=format!("route-rule-down-{hid}") class="utrecht-button utrecht-button--subtle route-rule-down"
                        on:click=mover(false)>"Omlaag"<span class="zicht-visually-hidden">{which}</span></button>
                    <button type="button" class="utrecht-button utrecht-button--secondary-action route-rule-remove"
                        on:click=remove>"Regel verwijderen"<span class="zicht-visually-hidden">{which}</span></button>
                </p>
            </fieldset>
        </li>
    }
}

#[component]
fn RouteView(route: Route) -> impl IntoView {
    let rules: Vec<(String, String, String)> = route
        .rules
        .iter()
        .map(|r| {
            let who = route
                .contact(&r.contact)
                .map(|c| c.name.clone())
                .unwrap_or_else(|| r.contact.clone());
            (describe_condition(&r.when), who, r.reason.clone())
        })
        .collect();
    view! {
        <p class="utrecht-paragraph">
            {format!("Meldroute van {} (versie {}). Bij acuut gevaar: bel altijd eerst 112.", route.municipality, route.version)}
        </p>
        <section aria-labelledby="route-rules-heading">
            <h2 id="route-rules-heading" class="utrecht-heading-2">"Wanneer wie"</h2>
            <DataTable id="route-rules" region="Regels van de meldroute" columns=RULE_COLUMNS>
                {rules.into_iter().map(|(when, who, why)| view! {
                    <tr class="utrecht-table__row">
                        <td class="utrecht-table__cell">{when}</td>
                        <td class="utrecht-table__cell">{who}</td>
                        <td class="utrecht-table__cell">{why}</td>
                    </tr>
                }).collect_view()}
            </DataTable>
        </section>
        <section aria-labelledby="route-contacts-heading">
            <h2 id="route-contacts-heading" class="utrecht-heading-2">"Contacten"</h2>
            {route.contacts.into_iter().map(|c| view! {
                <section class="zicht-contact route-contact" aria-label=c.name.clone()>
                    <h3 class="utrecht-heading-3">{c.name.clone()}</h3>
                    <p class="utrecht-paragraph">{c.description.clone()}</p>
                    <ul class="utrecht-unordered-list zicht-contact-lines">
                        {c.phone.clone().map(|p| view! {
                            <li class="utrecht-unordered-list__item">"Telefoon: "
                                <a class="utrecht-link utrecht-link--html-a utrecht-link--telephone" href=tel_href(&p)>{p.clone()}</a></li>
                        })}
                        {c.email.clone().map(|m| view! {
                            <li class="utrecht-unordered-list__item">"E-mail: "
                                <a class="utrecht-link utrecht-link--html-a" href=mailto_href(&m)>{m.clone()}</a></li>
                        })}
                        {c.hours.clone().map(|h| view! { <li class="utrecht-unordered-list__item">"Bereikbaar: " {h}</li> })}
                    </ul>
                </section>
            }).collect_view()}
        </section>
    }
}
