//! The body of "Delete" for one key pair.

use keyrack_api::KeyPair;
use leptos::prelude::*;

use crate::i18n::{msg, t, Msg};
use crate::widgets::form::{FormButtons, ServerError};
use crate::widgets::request::Request;

/// Why a key pair cannot be deleted now, if it cannot.
pub fn blockers(key: &KeyPair) -> Vec<String> {
    let mut why = Vec::new();
    if !key.instance_ids.is_empty() {
        why.push(msg::dialogs_bound_to_instances_list(
            key.instance_ids.join(", "),
        ));
    }
    if !key.image_ids.is_empty() {
        why.push(msg::dialogs_carried_by_images_list(
            key.image_ids.join(", "),
        ));
    }
    why
}

/// Confirmation naming the key; OK is disabled while the key is in use.
#[component]
pub fn DeleteKeyForm(
    /// The key pair to delete.
    key: KeyPair,
    /// The request: OK waits while it runs; its refusal shows in the form, which keeps
    /// what was typed.
    request: Request,
    /// Called by OK.
    #[prop(into)]
    on_confirm: Callback<()>,
    /// Called by Cancel.
    #[prop(into)]
    on_cancel: Callback<()>,
) -> impl IntoView {
    let (pending, server_error) = request.signals();
    let why = blockers(&key);
    let blocked = !why.is_empty();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if !blocked {
            on_confirm.run(());
        }
    };
    view! {
        <form class="form" on:submit=submit>
            <p>
                {t(Msg::DialogsDeleteConfirmStart)} <strong>{key.name.clone()}</strong>
                {t(Msg::DialogsDeleteConfirmId)} <span class="mono">{key.id.clone()}</span>
                {t(Msg::DialogsDeleteConfirmEnd)}
            </p>
            {blocked.then(|| view! {
                <div class="alert alert-warning" role="alert">
                    <p>{t(Msg::DialogsInUse)}</p>
                    <ul>{why.into_iter().map(|w| view! { <li>{w}</li> }).collect_view()}</ul>
                </div>
            })}
            <ServerError error=server_error />
            <FormButtons pending=pending blocked=Signal::stored(blocked) on_cancel=on_cancel />
        </form>
    }
}
