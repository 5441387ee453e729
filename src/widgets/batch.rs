//! Long batches (delete, bind, unbind over many items) sent a few items per request, so that
//! a bar shows how far they are and **Stop** ends them between two requests. Each request is
//! the server's own unit: what it answered for stays done, what was never sent is untouched.

use std::future::Future;

use keyrack_api::ApiError;
use leptos::prelude::*;

use crate::messages;

/// How far a batch has got: items the server answered for, of all asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchProgress {
    /// Items answered for.
    pub done: usize,
    /// Items asked for.
    pub total: usize,
}

/// How a batch ended: the server's answers in the order asked, how many items were never
/// sent (after **Stop**, or after a refusal part way), and that refusal.
#[derive(Debug, Clone, PartialEq)]
pub struct Batch<R> {
    /// One answer per item sent.
    pub results: Vec<R>,
    /// Items left untouched because the batch ended early.
    pub not_attempted: usize,
    /// The refusal that ended it, if one did.
    pub error: Option<ApiError>,
}

/// Sends `items` `size` at a time through `send`, updating `progress` after each answer and
/// ending early once `stop` is set or its dialog is gone. A refusal of the first request is
/// returned as is, so the form shows it with nothing changed; a later one ends the batch with
/// what was done so far.
pub async fn in_chunks<T, R, F, Fut>(
    items: Vec<T>,
    size: usize,
    send: F,
    progress: RwSignal<Option<BatchProgress>>,
    stop: RwSignal<bool>,
) -> Result<Batch<R>, ApiError>
where
    T: Clone,
    F: Fn(Vec<T>) -> Fut,
    Fut: Future<Output = Result<Vec<R>, ApiError>>,
{
    let total = items.len();
    let mut results = Vec::with_capacity(total);
    let mut error = None;
    for chunk in items.chunks(size.max(1)) {
        if !results.is_empty() && stop.try_get_untracked().unwrap_or(true) {
            break;
        }
        match send(chunk.to_vec()).await {
            Ok(answers) => results.extend(answers),
            Err(e) if results.is_empty() => return Err(e),
            Err(e) => {
                error = Some(e);
                break;
            }
        }
        let done = results.len();
        let _ = progress.try_set(Some(BatchProgress { done, total }));
    }
    Ok(Batch {
        not_attempted: total - results.len(),
        results,
        error,
    })
}

/// A batch under way: "Deleting… 40 of 100 done", a bar, and **Stop**.
#[component]
pub fn BatchRunning(
    /// "Deleting…", "Binding…".
    doing: &'static str,
    /// How far it is.
    progress: BatchProgress,
    /// True once Stop was pressed; the request in flight still finishes.
    #[prop(into)]
    stopping: Signal<bool>,
    /// Called by Stop.
    #[prop(into)]
    on_stop: Callback<()>,
) -> impl IntoView {
    let BatchProgress { done, total } = progress;
    view! {
        <div class="form">
            <p class="result-summary" role="status">{format!("{doing} {done} of {total} done")}</p>
            <progress class="batch-progress" max=total.to_string() value=done.to_string() aria-label="Done so far"></progress>
            <div class="form-buttons">
                <button type="button" class="button" disabled=stopping on:click=move |_| on_stop.run(())>
                    {move || if stopping.get() { "Stopping…" } else { "Stop" }}
                </button>
            </div>
        </div>
    }
}

/// Under a batch's results, when it ended early: why, and how many items it never sent
/// ("Stopped. 25 selected keys were not deleted.").
#[component]
pub fn NotAttempted(
    /// Items never sent.
    count: usize,
    /// The refusal that ended the batch; none after Stop.
    error: Option<ApiError>,
    /// What was left undone, after the count: "selected keys were not deleted".
    what: &'static str,
) -> impl IntoView {
    let why = match &error {
        Some(e) => messages::describe(e),
        None => "Stopped.".to_owned(),
    };
    (count > 0)
        .then(|| view! { <p class="alert alert-warning">{format!("{why} {count} {what}.")}</p> })
}
