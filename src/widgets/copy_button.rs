//! Copies a value with `navigator.clipboard`.

use std::time::Duration;

use leptos::prelude::*;
use wasm_bindgen_futures::JsFuture;

/// A small button that copies `text` and says so for a moment.
#[component]
pub fn CopyButton(
    /// What to copy.
    #[prop(into)]
    text: String,
    /// What is copied, for the accessible label ("Copy fingerprint").
    #[prop(into)]
    what: String,
) -> impl IntoView {
    let (state, set_state) = signal("Copy");
    let label = format!("Copy {what}");
    let copy = move |_| {
        let text = text.clone();
        leptos::task::spawn_local(async move {
            let promise = window().navigator().clipboard().write_text(&text);
            let outcome = if JsFuture::from(promise).await.is_ok() {
                "Copied"
            } else {
                "Copy failed"
            };
            set_state.set(outcome);
            set_timeout(
                move || {
                    let _ = set_state.try_set("Copy");
                },
                Duration::from_secs(2),
            );
        });
    };
    view! {
        <button type="button" class="copy-button" aria-label=label title="Copy" on:click=copy>
            {move || state.get()}
        </button>
    }
}
