//! The search box of a list page: it shows what the URL searches for and, on Enter or
//! Search, hands the typed text to the page, which puts it in the URL.

use leptos::prelude::*;

use crate::i18n::{t, Msg};

/// A search form with its Search button.
#[component]
pub fn SearchBox(
    /// The accessible name, such as "Search SSH keys", in the console's language.
    label: &'static str,
    /// What may be typed, in the console's language.
    placeholder: &'static str,
    /// The text of the search in the URL.
    #[prop(into)]
    current: Signal<String>,
    /// Receives the typed text.
    on_search: Callback<String>,
) -> impl IntoView {
    let text = RwSignal::new(String::new());
    // The box follows the URL (back button, shared link); typing then edits it.
    Effect::new(move |_| text.set(current.get()));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        on_search.run(text.get_untracked());
    };
    view! {
        <form class="search" role="search" on:submit=submit>
            <input
                type="search"
                class="input"
                aria-label=label
                placeholder=placeholder
                prop:value=move || text.get()
                on:input=move |ev| text.set(event_target_value(&ev))
            />
            <button type="submit" class="button">{t(Msg::WidgetsSearch)}</button>
        </form>
    }
}
