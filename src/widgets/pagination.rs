//! Total, page size and page links under a table; every link is a shareable URL.
//!
//! Not generic over the page's view type: the page passes a callback that makes the URL of
//! any (page, size), so one copy of this code serves every table.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;

use crate::format;
use crate::i18n::{msg, t, Msg};
use crate::routes::PAGE_SIZES;

/// The pagination bar.
#[component]
pub fn Pagination(
    /// Matches in all pages.
    total: u64,
    /// The current 1-based page.
    page: u32,
    /// The current page size.
    size: u32,
    /// The URL of `(page, size)` in the current view.
    href: Callback<(u32, u32), String>,
) -> impl IntoView {
    let navigate = use_navigate();
    let pages = total.div_ceil(u64::from(size.max(1))).max(1) as u32;
    let prev = (page > 1).then(|| href.run((page - 1, size)));
    let next = (page < pages).then(|| href.run((page + 1, size)));
    let set_size = move |ev: leptos::ev::Event| {
        let size = event_target_value(&ev).parse().unwrap_or(size);
        navigate(&href.run((1, size)), Default::default());
    };
    view! {
        <nav class="pagination" aria-label=t(Msg::WidgetsPaginationLabel)>
            <span>{msg::widgets_pagination_total(format::number(total as f64))}</span>
            <label>
                <span class="visually-hidden">{t(Msg::WidgetsPaginationRowsPerPage)}</span>
                <select class="input" on:change=set_size>
                    {PAGE_SIZES.map(|s| view! {
                        <option value=s.to_string() selected=s == size>{msg::widgets_pagination_size(s)}</option>
                    })}
                </select>
            </label>
            <PageLink href=prev label=t(Msg::WidgetsPaginationPrevious) />
            // i18n: not text: page numbers
            <span>{format!("{page} / {pages}")}</span>
            <PageLink href=next label=t(Msg::WidgetsPaginationNext) />
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
