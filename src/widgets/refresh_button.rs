//! The ⟳ button at the end of a toolbar.

use leptos::prelude::*;

use crate::i18n::{t, Msg};

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
            aria-label=t(Msg::WidgetsRefresh)
            title=t(Msg::WidgetsRefresh)
            disabled=move || loading.get()
            on:click=move |_| refresh.run(())
        >
            "⟳"
        </button>
    }
}
