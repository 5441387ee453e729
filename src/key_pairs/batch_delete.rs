//! "Batch delete": the confirmation list and the per-key results.

use keyrack_api::{ApiError, BatchDeleteResponse, BatchDeleteResult, DeleteOutcome, KeyPair};
use leptos::prelude::*;

use super::delete_key::blockers;
use crate::widgets::form::{FormButtons, ServerError};

/// The selected keys; those that cannot be deleted are marked before OK.
#[component]
pub fn BatchDeleteForm(
    /// The selected key pairs.
    keys: Vec<KeyPair>,
    /// True while the request runs.
    #[prop(into)]
    pending: Signal<bool>,
    /// The last refusal from the server.
    #[prop(into)]
    server_error: Signal<Option<ApiError>>,
    /// Called by OK.
    #[prop(into)]
    on_confirm: Callback<()>,
    /// Called by Cancel.
    #[prop(into)]
    on_cancel: Callback<()>,
) -> impl IntoView {
    let deletable = keys.iter().filter(|k| blockers(k).is_empty()).count();
    let total = keys.len();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        on_confirm.run(());
    };
    let rows = keys
        .into_iter()
        .map(|k| {
            let why = blockers(&k);
            view! {
                <li class:blocked=!why.is_empty()>
                    <strong>{k.name}</strong> " " <span class="mono muted">{k.id}</span>
                    {(!why.is_empty()).then(|| view! {
                        <span class="badge badge-warning">"Cannot be deleted: " {why.join("; ")}</span>
                    })}
                </li>
            }
        })
        .collect_view();
    view! {
        <form class="form" on:submit=submit>
            <p>{format!("{deletable} of {total} selected keys can be deleted. Only deletable ones will be deleted.")}</p>
            <ul class="key-list" tabindex="0" aria-label="Selected key pairs">{rows}</ul>
            <ServerError error=server_error />
            <FormButtons pending=pending blocked=Signal::stored(deletable == 0) on_cancel=on_cancel />
        </form>
    }
}

/// "Deleted N of M" and the reason for each key that is left.
#[component]
pub fn BatchDeleteResults(
    /// The server's answer.
    response: BatchDeleteResponse,
    /// Called by Close.
    #[prop(into)]
    on_close: Callback<()>,
) -> impl IntoView {
    let summary = format!(
        "Deleted {} of {}",
        response.deleted(),
        response.results.len()
    );
    let left = response
        .results
        .into_iter()
        .filter(|r| r.outcome != DeleteOutcome::Deleted)
        .map(|r| {
            let label = r.name.clone().unwrap_or_else(|| r.id.clone());
            view! { <li><strong>{label}</strong> " (" <span class="mono">{r.id.clone()}</span> "): " {reason(&r)}</li> }
        })
        .collect_view();
    view! {
        <div class="form">
            <p class="result-summary" role="status">{summary}</p>
            <ul class="key-list" tabindex="0" aria-label="Key pairs not deleted">{left}</ul>
            <div class="form-buttons">
                <button type="button" class="button primary" on:click=move |_| on_close.run(())>"Close"</button>
            </div>
        </div>
    }
}

/// Why one key of a batch was kept.
pub fn reason(r: &BatchDeleteResult) -> String {
    match r.outcome {
        DeleteOutcome::Deleted => "deleted".into(),
        DeleteOutcome::NotFound => "no longer exists".into(),
        DeleteOutcome::InUse if r.instance_ids.is_empty() => "bound to instances".into(),
        DeleteOutcome::InUse => format!("bound to instances {}", r.instance_ids.join(", ")),
        DeleteOutcome::ReferencedByImage if r.image_ids.is_empty() => {
            "carried by custom images".into()
        }
        DeleteOutcome::ReferencedByImage => {
            format!("carried by custom images {}", r.image_ids.join(", "))
        }
    }
}
