//! The per-instance results of **Bind** and **Unbind**.

use keyrack_api::{
    ApiError, BindOutcome, BindResponse, BindResult, Instance, KEYS_PER_INSTANCE_MAX,
};
use leptos::prelude::*;

use super::instance_picker::BindMode;
use crate::widgets::batch::NotAttempted;

/// "Bound to N of M instances" and what happened to each instance.
#[component]
pub fn BindResults(
    /// Bind or unbind.
    mode: BindMode,
    /// The server's answer.
    response: BindResponse,
    /// The instances the request named, as they were picked, to show names beside ids.
    #[prop(optional)]
    picked: Vec<Instance>,
    /// Instances a stopped batch never sent.
    #[prop(optional)]
    not_attempted: usize,
    /// The refusal that ended the batch early, if one did.
    #[prop(default = None)]
    error: Option<ApiError>,
    /// Called by Close.
    #[prop(into)]
    on_close: Callback<()>,
) -> impl IntoView {
    let done = response
        .results
        .iter()
        .filter(|r| succeeded(r.outcome))
        .count();
    let total = response.results.len() + not_attempted;
    let untouched = match mode {
        BindMode::Bind => "selected instances did not get the key",
        BindMode::Unbind => "selected instances keep the key",
    };
    let summary = match mode {
        BindMode::Bind => format!("Bound to {done} of {total} instances"),
        BindMode::Unbind => format!("Unbound from {done} of {total} instances"),
    };
    let rows = response
        .results
        .into_iter()
        .map(|r| {
            let name = picked
                .iter()
                .find(|i| i.id == r.instance_id)
                .map(|i| i.name.clone());
            let ok = succeeded(r.outcome);
            view! {
                <li class:result-ok=ok class:result-failed=!ok>
                    {name.map(|n| view! { <strong>{n}</strong> " " })}
                    <span class="mono">{r.instance_id.clone()}</span>
                    ": " {outcome_text(&r)}
                </li>
            }
        })
        .collect_view();
    view! {
        <div class="form">
            <p class="result-summary" role="status">{summary}</p>
            <NotAttempted count=not_attempted error what=untouched />
            <ul class="key-list bind-results" tabindex="0" aria-label="Results per instance">{rows}</ul>
            <div class="form-buttons">
                <button type="button" class="button primary" on:click=move |_| on_close.run(())>"Close"</button>
            </div>
        </div>
    }
}

/// Whether the key ends up where the user asked: on the instance, or off it.
pub fn succeeded(outcome: BindOutcome) -> bool {
    matches!(
        outcome,
        BindOutcome::Bound
            | BindOutcome::AlreadyBound
            | BindOutcome::Unbound
            | BindOutcome::NotBound
    )
}

/// What happened to one instance, in words.
pub fn outcome_text(r: &BindResult) -> String {
    match r.outcome {
        BindOutcome::Bound => "Bound".into(),
        BindOutcome::AlreadyBound => "Already bound".into(),
        BindOutcome::Unbound => "Unbound".into(),
        BindOutcome::NotBound => "Not bound".into(),
        BindOutcome::InstanceRunning => match r.state {
            Some(state) => format!("Shut down the instance first (state {})", state.as_str()),
            None => "Shut down the instance first".into(),
        },
        BindOutcome::OsUnsupported => "Windows not supported".into(),
        BindOutcome::NotFound => "Not found".into(),
        BindOutcome::KeyLimit => format!("{KEYS_PER_INSTANCE_MAX}-key limit reached"),
    }
}
