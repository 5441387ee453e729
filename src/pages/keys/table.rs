//! The key table.

use keyrack_api::{KeyPair, KeyPairQuery, KeyPairSort};
use leptos::prelude::*;
use leptos_router::components::A;

use super::row::KeyRow;
use super::KeysPageState;
use crate::i18n::{msg, t, Msg};
use crate::routes::ListView;

/// One page of key pairs.
#[component]
pub fn KeyTable(
    /// The rows of this page.
    items: Vec<KeyPair>,
    /// The current view, for the sort links in the header.
    view: Memo<KeyPairQuery>,
) -> impl IntoView {
    let state = expect_context::<KeysPageState>();
    let page_ids: Vec<String> = items.iter().map(|k| k.id.clone()).collect();
    let all_selected = {
        let page_ids = page_ids.clone();
        move || {
            !page_ids.is_empty()
                && state
                    .selected
                    .with(|s| page_ids.iter().all(|id| s.iter().any(|k| &k.id == id)))
        }
    };
    let page_items = items.clone();
    let is_all = all_selected.clone();
    let toggle_all = move |_| {
        let select = !is_all();
        state.selected.set(if select {
            page_items.clone()
        } else {
            Vec::new()
        });
    };
    let empty = items.is_empty();
    view! {
        <div class="table-wrap">
            <table class="table keys-table">
                <thead>
                    <tr>
                        <th class="col-check admin-only">
                            <input type="checkbox" aria-label=t(Msg::KeysSelectAll) prop:checked=all_selected on:change=toggle_all />
                        </th>
                        <th><SortLink view label=t(Msg::KeysColumnIdName) up=KeyPairSort::NameAsc down=KeyPairSort::NameDesc /></th>
                        <th>{t(Msg::KeysColumnType)}</th>
                        <th>{t(Msg::KeysColumnFingerprint)}</th>
                        <th>{t(Msg::KeysColumnBoundInstances)}</th>
                        <th><SortLink view label=t(Msg::KeysColumnCreated) up=KeyPairSort::CreatedAsc down=KeyPairSort::CreatedDesc /></th>
                        <th>{t(Msg::KeysColumnExpires)}</th>
                        <th><SortLink view label=t(Msg::KeysColumnLastLogin) up=KeyPairSort::LastLoginAsc down=KeyPairSort::LastLoginDesc /></th>
                        <th>{t(Msg::KeysColumnDescription)}</th>
                        <th>{t(Msg::KeysColumnTags)}</th>
                        <th class="operations admin-only">{t(Msg::KeysColumnOperation)}</th>
                    </tr>
                </thead>
                <tbody>
                    {items.into_iter().map(|key| view! { <KeyRow key /> }).collect_view()}
                </tbody>
            </table>
            {empty.then(|| view! { <p class="state">{t(Msg::KeysNoMatch)}</p> })}
        </div>
    }
}

/// A column header that sorts by its column; a second click reverses the order.
#[component]
fn SortLink(
    view: Memo<KeyPairQuery>,
    label: &'static str,
    up: KeyPairSort,
    down: KeyPairSort,
) -> impl IntoView {
    let current = move || view.with(|v| v.sort.unwrap_or_default());
    let href = move || {
        let sort = if current() == up { down } else { up };
        let view = view.get();
        KeyPairQuery {
            // The default order is left out of the URL.
            sort: (sort != KeyPairSort::default()).then_some(sort),
            ..view.at_page(1, view.size())
        }
        .href()
    };
    let marker = move || match current() {
        s if s == up => " ↑",
        s if s == down => " ↓",
        _ => "",
    };
    view! {
        <A href=href attr:class="sort-link" attr:aria-label=msg::keys_sort_by(label)>
            {label}{marker}
        </A>
    }
}
