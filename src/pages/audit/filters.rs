//! The Audit page's filters. They are edited as a draft and applied together, so the log is
//! not reloaded on every keystroke; applying writes them to the URL.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;

use crate::components::refresh_button::RefreshButton;
use crate::routes::{self, AuditView};

/// Outcomes offered in the select; a link may carry another (a status, an error code).
const OUTCOMES: [(&str, &str); 3] = [
    ("", "Any result"),
    ("success", "Success"),
    ("failure", "Failure"),
];

/// The filter bar.
#[component]
pub fn AuditFilters(
    /// The applied view, from the URL.
    view: Memo<AuditView>,
    /// Reloads the log.
    refresh: Callback<()>,
    /// True while the log reloads.
    loading: ReadSignal<bool>,
) -> impl IntoView {
    let navigate = use_navigate();
    let draft = RwSignal::new(AuditView::default());
    // The draft follows the URL (back button, shared link); typing then edits it.
    Effect::new(move |_| draft.set(view.get()));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let next = AuditView {
            page: 1,
            size: view.with_untracked(|v| v.size),
            ..draft.get_untracked()
        };
        navigate(&next.href(), Default::default());
    };
    let custom_outcome = move || {
        view.with(|v| {
            let known = OUTCOMES.iter().any(|(value, _)| *value == v.outcome);
            (!known).then(|| v.outcome.clone())
        })
    };
    view! {
        <form class="toolbar filters" role="search" aria-label="Filter the audit log" on:submit=submit>
            <TextFilter label="Who" placeholder="Token name or ID" value=Signal::derive(move || draft.with(|d| d.actor.clone()))
                on_input=Callback::new(move |v| draft.update(|d| d.actor = v)) />
            <TextFilter label="Action" placeholder="bind, DELETE, /tokens…" value=Signal::derive(move || draft.with(|d| d.action.clone()))
                on_input=Callback::new(move |v| draft.update(|d| d.action = v)) />
            <TextFilter label="Target" placeholder="skey-…, ins-…" value=Signal::derive(move || draft.with(|d| d.target.clone()))
                on_input=Callback::new(move |v| draft.update(|d| d.target = v)) />
            <label class="inline-label">
                "Result "
                <select class="input" on:change=move |ev| draft.update(|d| d.outcome = event_target_value(&ev))>
                    {OUTCOMES.map(|(value, label)| view! {
                        <option value=value selected=move || draft.with(|d| d.outcome == value)>{label}</option>
                    })}
                    {move || custom_outcome().map(|o| view! { <option value=o.clone() selected=true>{o.clone()}</option> })}
                </select>
            </label>
            <TimeFilter label="From (UTC)" value=Signal::derive(move || draft.with(|d| d.since.clone()))
                on_input=Callback::new(move |v| draft.update(|d| d.since = v)) />
            <TimeFilter label="To (UTC)" value=Signal::derive(move || draft.with(|d| d.until.clone()))
                on_input=Callback::new(move |v| draft.update(|d| d.until = v)) />
            <button type="submit" class="button primary">"Apply"</button>
            <A href=routes::AUDIT attr:class="button">"Clear"</A>
            <RefreshButton refresh loading />
        </form>
    }
}

#[component]
fn TextFilter(
    label: &'static str,
    placeholder: &'static str,
    value: Signal<String>,
    on_input: Callback<String>,
) -> impl IntoView {
    view! {
        <label class="inline-label">
            {label} " "
            <input
                type="search"
                class="input"
                placeholder=placeholder
                prop:value=move || value.get()
                on:input=move |ev| on_input.run(event_target_value(&ev))
            />
        </label>
    }
}

/// A `datetime-local` input read as UTC, matching the times the console shows; the URL and
/// the API get RFC 3339 (`2026-11-28T04:30:00Z`).
#[component]
fn TimeFilter(
    label: &'static str,
    value: Signal<String>,
    on_input: Callback<String>,
) -> impl IntoView {
    view! {
        <label class="inline-label">
            {label} " "
            <input
                type="datetime-local"
                class="input"
                prop:value=move || value.with(|v| routes::rfc3339_to_utc_input(v))
                on:input=move |ev| on_input.run(routes::utc_input_to_rfc3339(&event_target_value(&ev)))
            />
        </label>
    }
}
