//! `/policy`: the key policy. Everyone reads it; admins change it. What it allows is checked
//! again by the server on every create, import and Modify.

mod fields;

use keyrack_api::{ApiError, FieldError, KeyAlgorithm, Policy, TokenRole};
use leptos::prelude::*;

use self::fields::{AllowedAlgorithms, Check, LifetimeField, MinRsaField};
use crate::api::Api;
use crate::auth::Session;
use crate::i18n::{t, Msg};
use crate::widgets::form::{sentence, ServerError};
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

/// The form, filled with the saved policy.
#[component]
fn PolicyForm(policy: Policy) -> impl IntoView {
    let (api, toasts, session, request) = (
        expect_context::<Api>(),
        expect_context::<Toasts>(),
        expect_context::<Session>(),
        Request::new(),
    );
    let read_only = Signal::derive(move || session.role() != Some(TokenRole::Admin));
    let fields = PolicyFields::new(&policy);
    let (submitted, set_submitted) = signal(false);
    let edited = fields.edited();
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
    view! {
        <section class="card policy">
            <p class="muted">
                {t(Msg::PolicyIntroStart)}
                <em>{t(Msg::PolicyIntroMarked)}</em>
                {t(Msg::PolicyIntroEnd)}
            </p>
            <form class="form" on:submit=submit novalidate>
                <AllowedAlgorithms allowed=fields.allowed read_only message=message_for("allowed_algorithms") />
                <MinRsaField
                    min_rsa_bits=fields.min_rsa_bits
                    saved=policy.min_rsa_bits
                    read_only
                    message=message_for("min_rsa_bits")
                />
                <LifetimeField limited=fields.limited days=fields.days read_only message=message_for("max_lifetime_days") />
                <fieldset class="field" disabled=move || read_only.get()>
                    <legend class="label">{t(Msg::PolicyAtLogin)}</legend>
                    <Check
                        id="policy-enforce"
                        checked=fields.enforce
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

/// The form's fields, as typed and ticked.
#[derive(Clone, Copy)]
struct PolicyFields {
    allowed: RwSignal<Vec<KeyAlgorithm>>,
    min_rsa_bits: RwSignal<String>,
    limited: RwSignal<bool>,
    days: RwSignal<String>,
    enforce: RwSignal<bool>,
}

impl PolicyFields {
    /// The fields filled with a saved policy (90 days offered when it has no limit).
    fn new(policy: &Policy) -> Self {
        Self {
            allowed: RwSignal::new(policy.allowed().collect()),
            min_rsa_bits: RwSignal::new(policy.min_rsa_bits.to_string()),
            limited: RwSignal::new(policy.max_lifetime_days.is_some()),
            days: RwSignal::new(policy.max_lifetime_days.unwrap_or(90).to_string()),
            enforce: RwSignal::new(policy.enforce_on_login),
        }
    }

    /// The policy the form describes, or the first field that breaks a rule.
    fn edited(self) -> Memo<Result<Policy, FieldError>> {
        let number = |field: &str, text: String| {
            text.trim().parse::<u32>().map_err(|_| {
                FieldError::new(field, keyrack_api::Rule::Format, t(Msg::PolicyWholeNumber))
            })
        };
        Memo::new(move |_| -> Result<Policy, FieldError> {
            // In the order Keyrack lists them, whatever order they were ticked in.
            let algorithms = self.allowed.with(|a| {
                KeyAlgorithm::ALL
                    .into_iter()
                    .filter(|x| a.contains(x))
                    .map(|x| x.as_str().to_owned())
                    .collect()
            });
            let policy = Policy {
                allowed_algorithms: algorithms,
                min_rsa_bits: number("min_rsa_bits", self.min_rsa_bits.get())?,
                max_lifetime_days: if self.limited.get() {
                    Some(number("max_lifetime_days", self.days.get())?)
                } else {
                    None
                },
                enforce_on_login: self.enforce.get(),
            };
            policy.validate().map(|()| policy)
        })
    }
}
