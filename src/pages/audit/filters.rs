//! The Audit page's filters. They are edited as a draft and applied together, so the log is
//! not reloaded on every keystroke; applying writes them to the URL.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;

use crate::widgets::refresh_button::RefreshButton;
use keyrack_api::AuditQuery;

use crate::i18n::{t, Msg};
use crate::routes::{self, non_blank, ListView};

/// Outcomes offered in the select; a link may carry another (a status, an error code).
const OUTCOMES: [(&str, Msg); 3] = [
    ("", Msg::AuditOutcomeAny),
    ("success", Msg::AuditOutcomeSuccess),
    ("failure", Msg::AuditOutcomeFailure),
];

/// The filter bar.
#[component]
pub fn AuditFilters(
    /// The applied view, from the URL.
    view: Memo<AuditQuery>,
    /// Reloads the log.
    refresh: Callback<()>,
    /// True while the log reloads.
    loading: ReadSignal<bool>,
) -> impl IntoView {
    let navigate = use_navigate();
    let draft = RwSignal::new(AuditQuery::default());
    // The draft follows the URL (back button, shared link); typing then edits it.
    Effect::new(move |_| draft.set(view.get()));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let next = draft
            .get_untracked()
            .at_page(1, view.with_untracked(|v| v.size()));
        navigate(&next.href(), Default::default());
    };
    let custom_outcome = move || {
        view.with(|v| {
            let outcome = v.outcome.clone().unwrap_or_default();
            let known = OUTCOMES.iter().any(|(value, _)| *value == outcome);
            (!known).then_some(outcome)
        })
    };
    view! {
        <form class="toolbar filters" role="search" aria-label=t(Msg::AuditFiltersLabel) on:submit=submit>
            <TextFilter label=t(Msg::AuditWho) placeholder=t(Msg::AuditWhoPlaceholder) value=text(draft, |d| &mut d.actor) />
            <TextFilter label=t(Msg::AuditAction) placeholder=t(Msg::AuditActionPlaceholder) value=text(draft, |d| &mut d.action) />
            <TextFilter label=t(Msg::AuditTarget) placeholder=t(Msg::AuditTargetPlaceholder) value=text(draft, |d| &mut d.target) />
            <label class="inline-label">
                {t(Msg::AuditResult)} " "
                <select class="input" on:change=move |ev| draft.update(|d| d.outcome = non_blank(event_target_value(&ev)))>
                    {OUTCOMES.map(|(value, label)| view! {
                        <option value=value selected=move || draft.with(|d| d.outcome.as_deref().unwrap_or_default() == value)>{t(label)}</option>
                    })}
                    {move || custom_outcome().map(|o| view! { <option value=o.clone() selected=true>{o.clone()}</option> })}
                </select>
            </label>
            <TimeFilter label=t(Msg::AuditFrom) value=text(draft, |d| &mut d.since) />
            <TimeFilter label=t(Msg::AuditTo) value=text(draft, |d| &mut d.until) />
            <button type="submit" class="button primary">{t(Msg::AuditApply)}</button>
            <A href=routes::AUDIT attr:class="button">{t(Msg::AuditClear)}</A>
            <RefreshButton refresh loading />
        </form>
    }
}

/// One text filter of the draft: its value, and what typing does to it (a cleared one is
/// left out of the query).
#[derive(Clone, Copy)]
struct DraftText {
    value: Signal<String>,
    on_input: Callback<String>,
}

fn text(
    draft: RwSignal<AuditQuery>,
    field: fn(&mut AuditQuery) -> &mut Option<String>,
) -> DraftText {
    DraftText {
        value: Signal::derive(move || field(&mut draft.get()).take().unwrap_or_default()),
        on_input: Callback::new(move |v| draft.update(|d| *field(d) = non_blank(v))),
    }
}

#[component]
fn TextFilter(label: &'static str, placeholder: &'static str, value: DraftText) -> impl IntoView {
    let DraftText { value, on_input } = value;
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
fn TimeFilter(label: &'static str, value: DraftText) -> impl IntoView {
    let DraftText { value, on_input } = value;
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
