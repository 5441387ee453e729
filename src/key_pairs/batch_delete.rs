//! "Batch delete": the confirmation list, the batch in requests of [`DELETE_CHUNK`] keys, and
//! the per-key results.

use std::future::Future;

use keyrack_api::{ApiError, BatchDeleteResponse, BatchDeleteResult, DeleteOutcome, KeyPair};
use leptos::prelude::*;

use super::delete_key::blockers;
use crate::format::number;
use crate::i18n::{msg, t, Msg};
use crate::widgets::batch::{self, Batch, BatchProgress, NotAttempted};
use crate::widgets::form::{FormButtons, ServerError};
use crate::widgets::request::Request;

/// Keys per request when deleting many: the bar moves, and **Stop** takes effect after at
/// most this many more.
pub const DELETE_CHUNK: usize = 20;

/// How a batch delete ended: [`Batch`] of the per-key results.
pub type BatchDeleteOutcome = Batch<BatchDeleteResult>;

/// Deletes `ids` [`DELETE_CHUNK`] at a time with `send` (the batch-delete request).
pub async fn delete_in_chunks<F, Fut>(
    ids: Vec<String>,
    send: F,
    progress: RwSignal<Option<BatchProgress>>,
    stop: RwSignal<bool>,
) -> Result<BatchDeleteOutcome, ApiError>
where
    F: Fn(Vec<String>) -> Fut,
    Fut: Future<Output = Result<BatchDeleteResponse, ApiError>>,
{
    let send = |chunk| {
        let answer = send(chunk);
        async move { answer.await.map(|r| r.results) }
    };
    batch::in_chunks(ids, DELETE_CHUNK, send, progress, stop).await
}

/// The selected keys; those that cannot be deleted are marked before OK.
#[component]
pub fn BatchDeleteForm(
    /// The selected key pairs.
    keys: Vec<KeyPair>,
    /// The request: OK waits while it runs; its refusal shows in the form, which keeps
    /// what was typed.
    request: Request,
    /// Called by OK.
    #[prop(into)]
    on_confirm: Callback<()>,
    /// Called by Cancel.
    #[prop(into)]
    on_cancel: Callback<()>,
) -> impl IntoView {
    let (pending, server_error) = request.signals();
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
                        <span class="badge badge-warning">
                            {msg::dialogs_batch_cannot_delete(why.join(t(Msg::DialogsBatchReasonSeparator)))}
                        </span>
                    })}
                </li>
            }
        })
        .collect_view();
    view! {
        <form class="form" on:submit=submit>
            <p>{msg::dialogs_batch_deletable(number(deletable as f64), total)}</p>
            <ul class="key-list" tabindex="0" aria-label=t(Msg::DialogsBatchSelectedLabel)>{rows}</ul>
            <ServerError error=server_error />
            <FormButtons pending=pending blocked=Signal::stored(deletable == 0) on_cancel=on_cancel />
        </form>
    }
}

/// "Deleted N of M", the reason for each key that is left, and the keys a stopped batch
/// never reached.
#[component]
pub fn BatchDeleteResults(
    /// How the batch ended.
    outcome: BatchDeleteOutcome,
    /// Called by Close.
    #[prop(into)]
    on_close: Callback<()>,
) -> impl IntoView {
    let Batch {
        results,
        not_attempted,
        error,
    } = outcome;
    let deleted = results
        .iter()
        .filter(|r| r.outcome == DeleteOutcome::Deleted)
        .count();
    let total = results.len() + not_attempted;
    let summary = msg::dialogs_batch_summary(number(deleted as f64), number(total as f64));
    let left = results
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
            <NotAttempted count=not_attempted error what=t(Msg::DialogsBatchNotAttempted) />
            <ul class="key-list" tabindex="0" aria-label=t(Msg::DialogsBatchLeftLabel)>{left}</ul>
            <div class="form-buttons">
                <button type="button" class="button primary" on:click=move |_| on_close.run(())>{t(Msg::DialogsClose)}</button>
            </div>
        </div>
    }
}

/// Why one key of a batch was kept.
pub fn reason(r: &BatchDeleteResult) -> String {
    match r.outcome {
        DeleteOutcome::Deleted => t(Msg::DialogsOutcomeDeleted).into(),
        DeleteOutcome::NotFound => t(Msg::DialogsOutcomeNotFound).into(),
        DeleteOutcome::InUse if r.instance_ids.is_empty() => t(Msg::DialogsBoundToInstances).into(),
        DeleteOutcome::InUse => msg::dialogs_bound_to_instances_list(r.instance_ids.join(", ")),
        DeleteOutcome::ReferencedByImage if r.image_ids.is_empty() => {
            t(Msg::DialogsCarriedByImages).into()
        }
        DeleteOutcome::ReferencedByImage => {
            msg::dialogs_carried_by_images_list(r.image_ids.join(", "))
        }
    }
}
