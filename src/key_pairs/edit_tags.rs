//! The body of "Edit tags": the whole tag set, replaced at once.

use keyrack_api::{KeyPair, Tag};
use leptos::prelude::*;

use crate::i18n::{t, Msg};
use crate::widgets::form::{FormButtons, ServerError};
use crate::widgets::request::Request;
use crate::widgets::tag_editor::{TagEditor, TagRows};

/// Starts from the key's tags; OK hands over the new set when it passes `validate_tags`.
#[component]
pub fn EditTagsForm(
    /// The key pair as last loaded.
    #[prop(into)]
    key: Signal<KeyPair>,
    /// The request: OK waits while it runs; its refusal shows in the form, which keeps
    /// what was typed.
    request: Request,
    /// Receives the new tag set.
    #[prop(into)]
    on_submit: Callback<Vec<Tag>>,
    /// Called by Cancel.
    #[prop(into)]
    on_cancel: Callback<()>,
) -> impl IntoView {
    let (pending, server_error) = request.signals();
    let rows = TagRows::new(&key.get_untracked().tags);
    let (submitted, set_submitted) = signal(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        set_submitted.set(true);
        if untrack(move || rows.error()).is_none() {
            on_submit.run(untrack(move || rows.tags()));
        }
    };
    view! {
        <form class="form" on:submit=submit novalidate>
            <p class="muted">
                {t(Msg::DialogsTagsOf)} <strong>{move || key.get().name}</strong>
                {t(Msg::DialogsTagsRules)}
            </p>
            <TagEditor rows=rows show_all=submitted />
            <ServerError error=server_error />
            <FormButtons pending=pending on_cancel=on_cancel />
        </form>
    }
}
