//! New, Delete, search and refresh above the key table.

use keyrack_api::{KeyPairQuery, KeyStatus, SearchQuery, TagFilter};
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

use super::KeysPageState;
use crate::i18n::{msg, t, Msg};
use crate::key_pairs::dialogs::KeyDialog;
use crate::lazy::on_demand;
use crate::routes::{non_blank, ListView};
use crate::widgets::refresh_button::RefreshButton;
use crate::widgets::search_box::SearchBox;

/// The filter's choices: `status` values and their labels; then [`UNUSED`].
const STATUSES: [(&str, Msg); 4] = [
    ("", Msg::KeysFilterAll),
    ("active", Msg::KeysFilterActive),
    ("expiring", Msg::KeysFilterExpiring),
    ("expired", Msg::KeysFilterExpired),
];

/// The choice that filters by `unused_for_days` instead of `status`.
const UNUSED: &str = "unused";

/// What "Unused" means: no login for this many days, the usual rotation period.
const UNUSED_DAYS: u32 = 90;

/// The toolbar of the SSH Key page.
#[component]
pub fn Toolbar(
    /// The current view, from the URL.
    view: Memo<KeyPairQuery>,
    /// Reloads the list.
    refresh: Callback<()>,
    /// True while the list reloads.
    loading: ReadSignal<bool>,
) -> impl IntoView {
    let state = expect_context::<KeysPageState>();
    // The export's code is fetched the first time the menu opens: it is not part of the
    // page's first load.
    let export_menu = NodeRef::<leptos::html::Details>::new();
    let (opened, set_opened) = signal(false);
    let close_menu = Callback::new(move |()| {
        if let Some(menu) = export_menu.get_untracked() {
            menu.set_open(false);
        }
    });
    let export_items = move || {
        opened
            .get()
            .then(|| on_demand(move || super::export::export_menu(view, close_menu)))
    };
    let open_batch = move |_| {
        let keys = state.selected.get_untracked();
        if !keys.is_empty() {
            state.open.set(Some(KeyDialog::BatchDelete(keys)));
        }
    };
    view! {
        <div class="toolbar">
            <button type="button" class="button primary admin-only" on:click=move |_| state.open.set(Some(KeyDialog::Create))>
                {t(Msg::KeysNew)}
            </button>
            <button
                type="button"
                class="button admin-only"
                disabled=move || state.selected.with(Vec::is_empty)
                on:click=open_batch
            >
                {t(Msg::KeysDelete)}
            </button>
            <KeySearch view />
            <StatusFilter view />
            <details
                class="menu"
                node_ref=export_menu
                on:toggle=move |_| {
                    if export_menu.get_untracked().is_some_and(|m| m.open()) {
                        set_opened.set(true);
                    }
                }
            >
                <summary class="button">{t(Msg::KeysExport)}</summary>
                <div class="menu-items">{export_items}</div>
            </details>
            <RefreshButton refresh loading />
        </div>
    }
}

/// The search box: free text and `key:value` tags, kept in the URL.
#[component]
fn KeySearch(
    /// The current view, from the URL.
    view: Memo<KeyPairQuery>,
) -> impl IntoView {
    let navigate = use_navigate();
    let input_text = move || {
        view.with(|v| {
            SearchQuery {
                text: v.q.clone().unwrap_or_default(),
                tag: v.tag.as_deref().and_then(TagFilter::from_param),
            }
            .to_input()
        })
    };
    let search = Callback::new(move |text: String| {
        let parsed = SearchQuery::parse(&text);
        let current = view.get_untracked();
        let next = KeyPairQuery {
            q: non_blank(parsed.text),
            tag: parsed.tag.map(|t| t.to_param()),
            ..current.at_page(1, current.size())
        };
        navigate(&next.href(), Default::default());
    });
    view! {
        <SearchBox
            label=t(Msg::KeysSearchLabel)
            placeholder=t(Msg::KeysSearchPlaceholder)
            current=Signal::derive(input_text)
            on_search=search
        />
    }
}

/// The status filter: all, active, expiring, expired, or unused for some days.
#[component]
fn StatusFilter(
    /// The current view, from the URL.
    view: Memo<KeyPairQuery>,
) -> impl IntoView {
    let navigate = use_navigate();
    let status = move || {
        view.with(|v| match (v.unused_for_days, v.status) {
            (Some(_), _) => UNUSED.to_owned(),
            (None, status) => status.map(|s| s.to_string()).unwrap_or_default(),
        })
    };
    let filter_status = move |ev: leptos::ev::Event| {
        let current = view.get_untracked();
        let choice = event_target_value(&ev);
        let next = KeyPairQuery {
            status: choice.parse::<KeyStatus>().ok(),
            unused_for_days: (choice == UNUSED).then_some(UNUSED_DAYS),
            ..current.at_page(1, current.size())
        };
        navigate(&next.href(), Default::default());
    };
    view! {
        <select class="input status-filter" aria-label=t(Msg::KeysFilterLabel) on:change=filter_status>
            {STATUSES
                .iter()
                .map(|&(value, label)| {
                    view! { <option value=value prop:selected=move || status() == value>{t(label)}</option> }
                })
                .collect_view()}
            // The days of the URL, which a link may set to another number than 90.
            <option value=UNUSED prop:selected=move || status() == UNUSED>
                {move || {
                    let days = view.with(|v| v.unused_for_days.unwrap_or(UNUSED_DAYS));
                    msg::keys_filter_unused(days as usize)
                }}
            </option>
        </select>
    }
}
