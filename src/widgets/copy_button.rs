//! Copies a value with `navigator.clipboard`.

use std::time::Duration;

use leptos::prelude::*;
use wasm_bindgen_futures::JsFuture;

use crate::i18n::{msg, t, Msg};

/// A small button that copies `text` and says so for a moment.
#[component]
pub fn CopyButton(
    /// What to copy.
    #[prop(into)]
    text: String,
    /// What is copied, for the accessible label ("Copy fingerprint"), in the console's language.
    #[prop(into)]
    what: String,
) -> impl IntoView {
    let (state, set_state) = signal(t(Msg::WidgetsCopy));
    let label = msg::widgets_copy_what(&what);
    let copy = move |_| {
        let text = text.clone();
        leptos::task::spawn_local(async move {
            let promise = window().navigator().clipboard().write_text(&text);
            let outcome = t(if JsFuture::from(promise).await.is_ok() {
                Msg::WidgetsCopied
            } else {
                Msg::WidgetsCopyFailed
            });
            set_state.set(outcome);
            set_timeout(
                move || {
                    let _ = set_state.try_set(t(Msg::WidgetsCopy));
                },
                Duration::from_secs(2),
            );
        });
    };
    view! {
        <button type="button" class="copy-button" aria-label=label title=t(Msg::WidgetsCopy) on:click=copy>
            {move || state.get()}
        </button>
    }
}
