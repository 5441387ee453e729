//! The per-instance results of **Bind** and **Unbind**.

use keyrack_api::{
    ApiError, BindOutcome, BindResponse, BindResult, Instance, InstanceState, KEYS_PER_INSTANCE_MAX,
};
use leptos::prelude::*;

use crate::format::number;
use crate::i18n::{msg, t, Msg};
use crate::widgets::batch::NotAttempted;
use keyrack_api::BindDirection;

/// "Bound to N of M instances" and what happened to each instance.
#[component]
pub fn BindResults(
    /// Bind or unbind.
    mode: BindDirection,
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
    let untouched = t(match mode {
        BindDirection::Bind => Msg::BindBindNotAttempted,
        BindDirection::Unbind => Msg::BindUnbindNotAttempted,
    });
    let done = number(done as f64);
    let summary = match mode {
        BindDirection::Bind => msg::bind_bound_summary(done, total),
        BindDirection::Unbind => msg::bind_unbound_summary(done, total),
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
            <ul class="key-list bind-results" tabindex="0" aria-label=t(Msg::BindResultsLabel)>{rows}</ul>
            <div class="form-buttons">
                <button type="button" class="button primary" on:click=move |_| on_close.run(())>{t(Msg::DialogsClose)}</button>
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
        BindOutcome::Bound => t(Msg::BindOutcomeBound).into(),
        BindOutcome::AlreadyBound => t(Msg::BindOutcomeAlreadyBound).into(),
        BindOutcome::Unbound => t(Msg::BindOutcomeUnbound).into(),
        BindOutcome::NotBound => t(Msg::BindOutcomeNotBound).into(),
        BindOutcome::InstanceRunning => match r.state {
            Some(state) => msg::bind_outcome_running(state_name(state)),
            None => t(Msg::BindShutDownFirst).into(),
        },
        BindOutcome::OsUnsupported => t(Msg::BindOutcomeWindows).into(),
        BindOutcome::NotFound => t(Msg::BindOutcomeNotFound).into(),
        BindOutcome::KeyLimit => msg::bind_outcome_key_limit(KEYS_PER_INSTANCE_MAX),
    }
}

/// A state in the console's language; in English, the API's spelling (`RUNNING`).
fn state_name(state: InstanceState) -> &'static str {
    t(match state {
        InstanceState::Running => Msg::BindStateRunning,
        InstanceState::Stopped => Msg::BindStateStopped,
        InstanceState::Starting => Msg::BindStateStarting,
        InstanceState::Stopping => Msg::BindStateStopping,
    })
}
