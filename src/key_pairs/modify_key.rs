//! The body of "Modify": name, description and expiry.

use keyrack_api::{KeyPair, Policy, UpdateKeyPair};
use leptos::prelude::*;

use super::create_key::NameAndDescription;
use super::expiry_field::{ExpiryChoice, ExpiryField};
use crate::i18n::{t, Msg};
use crate::widgets::form::{FormButtons, ServerError};
use crate::widgets::request::Request;

/// Sends only what changed; with no change, OK just closes.
#[component]
pub fn ModifyKeyForm(
    /// The key pair as last loaded (its version goes into `If-Match`).
    #[prop(into)]
    key: Signal<KeyPair>,
    /// The request: OK waits while it runs; its refusal shows in the form, which keeps
    /// what was typed.
    request: Request,
    /// Receives a valid change.
    #[prop(into)]
    on_submit: Callback<UpdateKeyPair>,
    /// Called by Cancel, and by OK when nothing changed.
    #[prop(into)]
    on_cancel: Callback<()>,
    /// The key policy, once loaded: a new expiry must fit its maximum lifetime.
    #[prop(optional, into)]
    policy: MaybeProp<Policy>,
) -> impl IntoView {
    let (pending, server_error) = request.signals();
    let initial = key.get_untracked();
    let name = RwSignal::new(initial.name);
    let description = RwSignal::new(initial.description);
    let expiry = ExpiryChoice::keeping(initial.expires_at);
    let (submitted, set_submitted) = signal(false);
    expiry.follow(policy, false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        set_submitted.set(true);
        let current = key.get_untracked();
        let new_name = name.get_untracked().trim().to_owned();
        let new_description = description.get_untracked().trim().to_owned();
        let Ok(expires_at) = untrack(|| expiry.checked(false)) else {
            return;
        };
        let change = UpdateKeyPair {
            name: (new_name != current.name).then_some(new_name),
            description: (new_description != current.description).then_some(new_description),
            expires_at: expiry.changed().then_some(expires_at),
        };
        if change == UpdateKeyPair::default() {
            on_cancel.run(());
        } else if change.validate().is_ok() {
            on_submit.run(change);
        }
    };
    view! {
        <form class="form" on:submit=submit novalidate>
            <p class="muted">{t(Msg::DialogsKeyId)} <span class="mono">{move || key.get().id}</span></p>
            <NameAndDescription name description submitted />
            <ExpiryField choice=expiry submitted=submitted />
            <ServerError error=server_error />
            <FormButtons pending=pending on_cancel=on_cancel />
        </form>
    }
}
