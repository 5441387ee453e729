//! The key table and its pagination.

use keyrack_api::{KeyPair, KeyPairSort};
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;

use super::row::KeyRow;
use super::KeysPageState;
use crate::routes::{KeysView, PAGE_SIZES};

/// One page of key pairs.
#[component]
pub fn KeyTable(
    /// The rows of this page.
    items: Vec<KeyPair>,
    /// The current view, for the sort links in the header.
    view: Memo<KeysView>,
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
            <table class="table">
                <thead>
                    <tr>
                        <th class="col-check">
                            <input type="checkbox" aria-label="Select all on this page" prop:checked=all_selected on:change=toggle_all />
                        </th>
                        <th><SortLink view label="ID/Name" up=KeyPairSort::NameAsc down=KeyPairSort::NameDesc /></th>
                        <th>"Type"</th>
                        <th>"Fingerprint (SHA-256)"</th>
                        <th>"Bound instances"</th>
                        <th><SortLink view label="Created" up=KeyPairSort::CreatedAsc down=KeyPairSort::CreatedDesc /></th>
                        <th>"Description"</th>
                        <th>"Tags"</th>
                        <th class="operations">"Operation"</th>
                    </tr>
                </thead>
                <tbody>
                    {items.into_iter().map(|key| view! { <KeyRow key /> }).collect_view()}
                </tbody>
            </table>
            {empty.then(|| view! { <p class="state">"No SSH key matches this search."</p> })}
        </div>
    }
}

/// Total, page size and page links; every link is a shareable URL.
#[component]
pub fn Pagination(
    /// The current view.
    view: Memo<KeysView>,
    /// Matches in all pages.
    total: u64,
) -> impl IntoView {
    let navigate = use_navigate();
    let current = view.get_untracked();
    let pages = total.div_ceil(u64::from(current.size)).max(1) as u32;
    let prev = (current.page > 1).then(|| current.with_page(current.page - 1).href());
    let next = (current.page < pages).then(|| current.with_page(current.page + 1).href());
    let set_size = move |ev: leptos::ev::Event| {
        let size = event_target_value(&ev).parse().unwrap_or(current.size);
        let next = KeysView {
            size,
            page: 1,
            ..view.get_untracked()
        };
        navigate(&next.href(), Default::default());
    };
    view! {
        <nav class="pagination" aria-label="Pages">
            <span>{format!("Total {total}")}</span>
            <label>
                <span class="visually-hidden">"Rows per page"</span>
                <select class="input" on:change=set_size>
                    {PAGE_SIZES.map(|s| view! {
                        <option value=s.to_string() selected=s == current.size>{format!("{s} / page")}</option>
                    })}
                </select>
            </label>
            <PageLink href=prev label="‹ Previous" />
            <span>{format!("{} / {pages}", current.page)}</span>
            <PageLink href=next label="Next ›" />
        </nav>
    }
}

#[component]
fn PageLink(href: Option<String>, label: &'static str) -> impl IntoView {
    match href {
        Some(href) => view! { <A href=href attr:class="button">{label}</A> }.into_any(),
        None => view! { <span class="button" aria-disabled="true">{label}</span> }.into_any(),
    }
}

/// A column header that sorts by its column; a second click reverses the order.
#[component]
fn SortLink(
    view: Memo<KeysView>,
    label: &'static str,
    up: KeyPairSort,
    down: KeyPairSort,
) -> impl IntoView {
    let current = move || view.with(|v| v.sort);
    let href = move || {
        let sort = if current() == up { down } else { up };
        KeysView {
            sort,
            page: 1,
            ..view.get()
        }
        .href()
    };
    let marker = move || match current() {
        s if s == up => " ↑",
        s if s == down => " ↓",
        _ => "",
    };
    view! {
        <A href=href attr:class="sort-link" attr:aria-label=format!("Sort by {label}")>
            {label}{marker}
        </A>
    }
}
