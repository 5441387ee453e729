//! `/audit` (admins): every write, who made it, when and how it ended, newest first.
//! The filters live in the URL, so a view of the log can be shared.

mod filters;

use keyrack_api::{AuditEntry, AuditQuery};
use leptos::prelude::*;
use leptos_router::components::A;

use self::filters::AuditFilters;
use crate::api::Api;
use crate::i18n::{msg, t, Msg};
use crate::routes::ListView;
use crate::widgets::list_page::{use_list_view, ListPage, ListPagination};
use crate::{format, routes};

/// `/audit` as the router shows it: its own wasm chunk, fetched when first opened (src/lazy.rs).
#[cfg_attr(keyrack_split, leptos::lazy)]
pub async fn audit_page() -> AnyView {
    view! { <AuditPage /> }.into_any()
}

/// The Audit page.
#[component]
pub fn AuditPage() -> impl IntoView {
    let api = expect_context::<Api>();
    let view_state = use_list_view::<AuditQuery>();
    let entries = ListPage::new(move || {
        let query = view_state.get().list_query();
        async move { api.list_audit(&query).await }
    });
    let (refresh, loading) = (entries.reload(), entries.loading);
    view! {
        <section class="card">
            <AuditFilters view=view_state refresh loading />
            {entries.view(move |list| view! {
                <AuditTable items=list.items />
                <ListPagination view=view_state total=list.total />
            }.into_any())}
        </section>
    }
}

#[component]
fn AuditTable(items: Vec<AuditEntry>) -> impl IntoView {
    if items.is_empty() {
        return view! { <p class="state">{t(Msg::AuditEmpty)}</p> }.into_any();
    }
    view! {
        <div class="table-wrap" tabindex="0" role="region" aria-label=t(Msg::AuditLogLabel)>
            <table class="table audit">
                <thead><tr>
                    <th>{t(Msg::AuditColumnTime)}</th>
                    <th>{t(Msg::AuditWho)}</th>
                    <th>{t(Msg::AuditAction)}</th>
                    <th>{t(Msg::AuditTarget)}</th>
                    <th>{t(Msg::AuditResult)}</th>
                </tr></thead>
                <tbody>
                    {items.into_iter().map(|e| view! { <AuditRow entry=e /> }).collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}

#[component]
fn AuditRow(entry: AuditEntry) -> impl IntoView {
    // Refusals without a valid token, and an agent's, are counted per minute.
    let repeats = (entry.repeats > 1)
        .then(|| msg::audit_requests(usize::try_from(entry.repeats).unwrap_or(usize::MAX)));
    let who = match (&entry.actor_name, entry.actor_role) {
        (Some(name), role) => {
            let role = role.map(format::role);
            view! {
                <div>{name.clone()}</div>
                <div class="muted mono" title=entry.actor_id.clone()>{role.unwrap_or_default()}</div>
                <div class="muted">{repeats}</div>
            }
            .into_any()
        }
        (None, _) => view! {
            <div class="muted">{t(Msg::AuditNoValidToken)}</div>
            <div class="muted mono">{entry.client.clone()}</div>
            <div class="muted">{repeats}</div>
        }
        .into_any(),
    };
    let success = entry.status < 400;
    let result = match &entry.error_code {
        Some(code) => format!("{} {code}", entry.status),
        None => entry.status.to_string(),
    };
    view! {
        <tr>
            <td class="nowrap" title=entry.at.to_string()>{format::timestamp(&entry.at)}</td>
            <td>{who}</td>
            <td>
                <div class="mono">{entry.action.clone()}</div>
                <div class="muted mono">{entry.detail.clone()}</div>
            </td>
            <td>{entry.target.clone().map(target_link)}{targets(entry.targets.clone())}</td>
            <td>
                <span class="badge" class:badge-success=success class:badge-danger=!success>{result}</span>
            </td>
        </tr>
    }
}

/// Every id an import or a batch delete touched, folded under their count.
fn targets(ids: Vec<String>) -> Option<AnyView> {
    (!ids.is_empty()).then(|| {
        let count = msg::audit_targets(format::number(ids.len() as f64));
        view! {
            <details class="audit-targets">
                <summary>{count}</summary>
                {ids.into_iter().map(|id| view! { <div>{target_link(id)}</div> }).collect_view()}
            </details>
        }
        .into_any()
    })
}

/// Key pairs link to their details; other ids are shown as they are.
fn target_link(id: String) -> AnyView {
    if id.starts_with("skey-") {
        let href = routes::key_details(&id);
        view! { <A href=href attr:class="mono key-link">{id}</A> }.into_any()
    } else {
        view! { <span class="mono">{id}</span> }.into_any()
    }
}
