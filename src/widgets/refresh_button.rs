//! The ⟳ button at the end of a toolbar.

use leptos::prelude::*;

/// Reloads a list; disabled while it reloads.
#[component]
pub fn RefreshButton(
    /// Reloads the list.
    refresh: Callback<()>,
    /// True while the list reloads.
    #[prop(into)]
    loading: Signal<bool>,
) -> impl IntoView {
    view! {
        <button
            type="button"
            class="button"
            aria-label="Refresh"
            title="Refresh"
            disabled=move || loading.get()
            on:click=move |_| refresh.run(())
        >
            "⟳"
        </button>
    }
}
