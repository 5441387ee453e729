//! The policy form's fieldsets: allowed key types, the smallest RSA key, the longest
//! lifetime, and the checkbox they share.

use keyrack_api::{KeyAlgorithm, RSA_MAX_BITS};
use leptos::prelude::*;

use crate::i18n::{msg, t, Msg};
use crate::widgets::form::FieldMessage;

/// An algorithm's name in the console.
fn algorithm_label(algorithm: KeyAlgorithm) -> &'static str {
    match algorithm {
        // i18n: not text: algorithm names
        KeyAlgorithm::Ed25519 => "Ed25519",
        KeyAlgorithm::EcdsaP256 => "ECDSA P-256", // i18n: not text: algorithm names
        KeyAlgorithm::EcdsaP384 => "ECDSA P-384", // i18n: not text: algorithm names
        KeyAlgorithm::EcdsaP521 => "ECDSA P-521", // i18n: not text: algorithm names
        KeyAlgorithm::Rsa => "RSA",               // i18n: not text: algorithm names
        KeyAlgorithm::SkEd25519 => t(Msg::PolicyAlgSkEd25519),
        KeyAlgorithm::SkEcdsaP256 => t(Msg::PolicyAlgSkEcdsaP256),
    }
}

/// A checkbox per algorithm Keyrack knows, ticked when the policy allows it.
#[component]
pub fn AllowedAlgorithms(
    /// The algorithms ticked.
    allowed: RwSignal<Vec<KeyAlgorithm>>,
    /// True for readers who may not change the policy.
    read_only: Signal<bool>,
    /// The rule message, after a submit attempt.
    message: Signal<Option<String>>,
) -> impl IntoView {
    view! {
        <fieldset class="field" disabled=move || read_only.get()>
            <legend class="label">{t(Msg::PolicyAllowedTypes)}</legend>
            {KeyAlgorithm::ALL
                .into_iter()
                .map(|algorithm| {
                    let id = format!("policy-alg-{}", algorithm.as_str().replace(['@', '.'], "-"));
                    let for_id = id.clone();
                    view! {
                        <label class="check" for=for_id>
                            <input
                                id=id
                                type="checkbox"
                                prop:checked=move || allowed.with(|list| list.contains(&algorithm))
                                on:change=move |ev| {
                                    let on = event_target_checked(&ev);
                                    allowed.update(|list| {
                                        list.retain(|x| *x != algorithm);
                                        if on {
                                            list.push(algorithm);
                                        }
                                    });
                                }
                            />
                            {algorithm_label(algorithm)} " " <span class="mono muted">{algorithm.as_str()}</span>
                        </label>
                    }
                })
                .collect_view()}
            <FieldMessage id="policy-algorithms-error" message=message />
        </fieldset>
    }
}

/// The smallest RSA key allowed: the usual sizes, and the saved one if it is none of them.
#[component]
pub fn MinRsaField(
    /// The size chosen, as text.
    min_rsa_bits: RwSignal<String>,
    /// The saved size.
    saved: u32,
    /// True for readers who may not change the policy.
    read_only: Signal<bool>,
    /// The rule message, after a submit attempt.
    message: Signal<Option<String>>,
) -> impl IntoView {
    let rsa_sizes = ["2048", "3072", "4096", "8192"];
    view! {
        <fieldset class="field" disabled=move || read_only.get()>
            <label for="policy-rsa">{t(Msg::PolicyMinRsa)}</label>
            <select
                id="policy-rsa"
                class="input"
                aria-describedby="policy-rsa-error"
                on:change=move |ev| min_rsa_bits.set(event_target_value(&ev))
            >
                {rsa_sizes
                    .into_iter()
                    .chain((!rsa_sizes.contains(&saved.to_string().as_str()))
                        .then_some(""))
                    .map(|size| {
                        let value = if size.is_empty() { saved.to_string() } else { size.to_owned() };
                        let v = value.clone();
                        view! { <option value=value.clone() prop:selected=move || min_rsa_bits.with(|m| *m == v)>{value.clone()}</option> }
                    })
                    .collect_view()}
            </select>
            <p class="hint">{msg::policy_min_rsa_hint(RSA_MAX_BITS)}</p>
            <FieldMessage id="policy-rsa-error" message=message />
        </fieldset>
    }
}

/// Whether keys must expire, and within how many days.
#[component]
pub fn LifetimeField(
    /// True when keys must expire.
    limited: RwSignal<bool>,
    /// The most days a key may live, as text.
    days: RwSignal<String>,
    /// True for readers who may not change the policy.
    read_only: Signal<bool>,
    /// The rule message, after a submit attempt.
    message: Signal<Option<String>>,
) -> impl IntoView {
    view! {
        <fieldset class="field" disabled=move || read_only.get()>
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
            <FieldMessage id="policy-days-error" message=message />
        </fieldset>
    }
}

/// A checkbox with its label, bound to a signal.
#[component]
pub fn Check(id: &'static str, checked: RwSignal<bool>, label: &'static str) -> impl IntoView {
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
