//! `/policy`: the key policy. Everyone reads it; admins change it. What it allows is checked
//! again by the server on every create, import and Modify.

use keyrack_api::{ApiError, FieldError, Policy, TokenRole, RSA_MAX_BITS};
use leptos::prelude::*;

use crate::api::Api;
use crate::auth::Session;
use crate::i18n::{t, Msg};
use crate::widgets::form::{sentence, FieldMessage, ServerError};
use crate::widgets::request::Request;
use crate::widgets::status::{LoadError, Loading};
use crate::widgets::toast::Toasts;

/// `/policy` as the router shows it: its own wasm chunk, fetched when first opened (src/lazy.rs).
#[cfg_attr(keyrack_split, leptos::lazy)]
pub async fn policy_page() -> AnyView {
    view! { <PolicyPage /> }.into_any()
}

/// The Policy page.
#[component]
pub fn PolicyPage() -> impl IntoView {
    let api = expect_context::<Api>();
    let loaded = RwSignal::new(None::<Result<Policy, ApiError>>);
    let load = move || {
        leptos::task::spawn_local(async move {
            let _ = loaded.try_set(Some(api.policy().await));
        });
    };
    load();
    let retry = Callback::new(move |()| {
        loaded.set(None);
        load();
    });
    move || match loaded.get() {
        None => view! { <Loading /> }.into_any(),
        Some(Err(error)) => view! { <LoadError error on_retry=retry /> }.into_any(),
        Some(Ok(policy)) => view! { <PolicyForm policy /> }.into_any(),
    }
}

/// An algorithm's name in the console.
fn algorithm_label(algorithm: &str) -> &'static str {
    match algorithm {
        // i18n: not text: algorithm names
        "ssh-ed25519" => "Ed25519",
        "ecdsa-sha2-nistp256" => "ECDSA P-256",
        "ecdsa-sha2-nistp384" => "ECDSA P-384",
        "ecdsa-sha2-nistp521" => "ECDSA P-521",
        "ssh-rsa" => "RSA",
        "sk-ssh-ed25519@openssh.com" => t(Msg::PolicyAlgSkEd25519),
        "sk-ecdsa-sha2-nistp256@openssh.com" => t(Msg::PolicyAlgSkEcdsaP256),
        _ => "",
    }
}

/// The form, filled with the saved policy.
#[component]
fn PolicyForm(policy: Policy) -> impl IntoView {
    let (api, toasts, session, request) = (
        expect_context::<Api>(),
        expect_context::<Toasts>(),
        expect_context::<Session>(),
        Request::new(),
    );
    let is_admin = move || session.role() == Some(TokenRole::Admin);
    let allowed = RwSignal::new(policy.allowed_algorithms.clone());
    let min_rsa_bits = RwSignal::new(policy.min_rsa_bits.to_string());
    let limited = RwSignal::new(policy.max_lifetime_days.is_some());
    let days = RwSignal::new(policy.max_lifetime_days.unwrap_or(90).to_string());
    let enforce = RwSignal::new(policy.enforce_on_login);
    let (submitted, set_submitted) = signal(false);

    // The policy the form describes, or the first field that breaks a rule.
    let edited = Memo::new(move |_| -> Result<Policy, FieldError> {
        let number = |field: &str, text: String| {
            text.trim().parse::<u32>().map_err(|_| {
                FieldError::new(field, keyrack_api::Rule::Format, t(Msg::PolicyWholeNumber))
            })
        };
        // In the order Keyrack lists them, whatever order they were ticked in.
        let mut algorithms = Policy::default().allowed_algorithms;
        allowed.with(|a| algorithms.retain(|x| a.contains(x)));
        let policy = Policy {
            allowed_algorithms: algorithms,
            min_rsa_bits: number("min_rsa_bits", min_rsa_bits.get())?,
            max_lifetime_days: if limited.get() {
                Some(number("max_lifetime_days", days.get())?)
            } else {
                None
            },
            enforce_on_login: enforce.get(),
        };
        policy.validate().map(|()| policy)
    });
    let message_for = move |field: &'static str| {
        Signal::derive(move || {
            if !submitted.get() {
                return None;
            }
            edited.with(|e| match e {
                Err(e) if e.field.starts_with(field) => Some(sentence(e)),
                _ => None,
            })
        })
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        set_submitted.set(true);
        let Ok(policy) = edited.get_untracked() else {
            return;
        };
        request.run(async move { api.put_policy(&policy).await }, move |_| {
            toasts.success(t(Msg::PolicySaved));
        });
    };
    let rsa_sizes = ["2048", "3072", "4096", "8192"];
    view! {
        <section class="card policy">
            <p class="muted">
                {t(Msg::PolicyIntroStart)}
                <em>{t(Msg::PolicyIntroMarked)}</em>
                {t(Msg::PolicyIntroEnd)}
            </p>
            <form class="form" on:submit=submit novalidate>
                <fieldset class="field" disabled=move || !is_admin()>
                    <legend class="label">{t(Msg::PolicyAllowedTypes)}</legend>
                    {Policy::default()
                        .allowed_algorithms
                        .into_iter()
                        .map(|algorithm| {
                            let id = format!("policy-alg-{}", algorithm.replace(['@', '.'], "-"));
                            let (a, b) = (algorithm.clone(), algorithm.clone());
                            let for_id = id.clone();
                            view! {
                                <label class="check" for=for_id>
                                    <input
                                        id=id
                                        type="checkbox"
                                        prop:checked=move || allowed.with(|list| list.contains(&a))
                                        on:change=move |ev| {
                                            let on = event_target_checked(&ev);
                                            allowed.update(|list| {
                                                list.retain(|x| x != &b);
                                                if on {
                                                    list.push(b.clone());
                                                }
                                            });
                                        }
                                    />
                                    {algorithm_label(&algorithm)} " " <span class="mono muted">{algorithm.clone()}</span>
                                </label>
                            }
                        })
                        .collect_view()}
                    <FieldMessage id="policy-algorithms-error" message=message_for("allowed_algorithms") />
                </fieldset>
                <fieldset class="field" disabled=move || !is_admin()>
                    <label for="policy-rsa">{t(Msg::PolicyMinRsa)}</label>
                    <select
                        id="policy-rsa"
                        class="input"
                        aria-describedby="policy-rsa-error"
                        on:change=move |ev| min_rsa_bits.set(event_target_value(&ev))
                    >
                        {rsa_sizes
                            .into_iter()
                            .chain((!rsa_sizes.contains(&policy.min_rsa_bits.to_string().as_str()))
                                .then_some(""))
                            .map(|size| {
                                let value = if size.is_empty() { policy.min_rsa_bits.to_string() } else { size.to_owned() };
                                let v = value.clone();
                                view! { <option value=value.clone() prop:selected=move || min_rsa_bits.with(|m| *m == v)>{value.clone()}</option> }
                            })
                            .collect_view()}
                    </select>
                    <p class="hint">{Msg::PolicyMinRsaHint.with(&[("max", &RSA_MAX_BITS)])}</p>
                    <FieldMessage id="policy-rsa-error" message=message_for("min_rsa_bits") />
                </fieldset>
                <fieldset class="field" disabled=move || !is_admin()>
                    <legend class="label">{t(Msg::PolicyMaxLifetime)}</legend>
                    <Check id="policy-limited" checked=limited label=t(Msg::PolicyMustExpire) />
                    <div class="inline-field" hidden=move || !limited.get()>
                        <label for="policy-days">{t(Msg::PolicyWithin)}</label>
                        <input
                            id="policy-days"
                            class="input days"
                            type="number"
                            min="1"
                            inputmode="numeric"
                            aria-describedby="policy-days-error"
                            prop:value=move || days.get()
                            on:input=move |ev| days.set(event_target_value(&ev))
                        />
                        <span>{t(Msg::PolicyDays)}</span>
                    </div>
                    <p class="hint">{t(Msg::PolicyLifetimeHint)}</p>
                    <FieldMessage id="policy-days-error" message=message_for("max_lifetime_days") />
                </fieldset>
                <fieldset class="field" disabled=move || !is_admin()>
                    <legend class="label">{t(Msg::PolicyAtLogin)}</legend>
                    <Check
                        id="policy-enforce"
                        checked=enforce
                        label=t(Msg::PolicyEnforce)
                    />
                </fieldset>
                <ServerError error=request.error />
                <div class="form-buttons admin-only">
                    <button type="submit" class="button primary" disabled=move || request.pending.get()>
                        {move || t(if request.pending.get() { Msg::PolicyWorking } else { Msg::PolicySave })}
                    </button>
                </div>
            </form>
        </section>
    }
}

/// A checkbox with its label, bound to a signal.
#[component]
fn Check(id: &'static str, checked: RwSignal<bool>, label: &'static str) -> impl IntoView {
    view! {
        <label class="check" for=id>
            <input
                id=id
                type="checkbox"
                prop:checked=move || checked.get()
                on:change=move |ev| checked.set(event_target_checked(&ev))
            />
            {label}
        </label>
    }
}
