//! Long batches (delete, bind, unbind over many items) sent a few items per request, so that
//! a bar shows how far they are and **Stop** ends them between two requests. Each request is
//! the server's own unit: what it answered for stays done, what was never sent is untouched.

use std::future::Future;

use keyrack_api::ApiError;
use leptos::prelude::*;

use crate::i18n::{msg, t, Msg};
use crate::{format, messages};

/// How far a batch has got: items the server answered for, of all asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchProgress {
    /// Items answered for.
    pub done: usize,
    /// Items asked for.
    pub total: usize,
}

/// How a batch ended: the server's answers in the order asked, how many items it has no
/// answer for (never sent after **Stop**; or, after a failure part way, the failed request's
/// and the rest), and that failure.
#[derive(Debug, Clone, PartialEq)]
pub struct Batch<R> {
    /// One answer per item sent.
    pub results: Vec<R>,
    /// Items without an answer because the batch ended early.
    pub not_attempted: usize,
    /// The failure that ended it, if one did.
    pub error: Option<ApiError>,
}

/// Sends `items` `size` at a time through `send`, ending early once `stop` is set or its
/// dialog is gone. `progress` is set once the first request has answered and more remain, so
/// a batch of one request shows no bar, and a refusal of the first request is returned as is,
/// for the form (still there, with what was picked) to show. A later refusal ends the batch
/// with what was done so far.
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
        if done < total {
            let _ = progress.try_set(Some(BatchProgress { done, total }));
        }
    }
    Ok(Batch {
        not_attempted: total.saturating_sub(results.len()),
        results,
        error,
    })
}

/// A batch under way: "Deleting… 40 of 100 done", a bar, and **Stop**.
#[component]
pub fn BatchRunning(
    /// "Deleting…", "Binding…", in the console's language.
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
    // The form, and the OK button that had focus, are gone: Stop takes it.
    let stop_button = NodeRef::<leptos::html::Button>::new();
    Effect::new(move |_| {
        if let Some(button) = stop_button.get() {
            let _ = button.focus();
        }
    });
    view! {
        <div class="form">
            <p class="result-summary" role="status">
                {msg::widgets_batch_running(doing, format::number(done as f64), format::number(total as f64))}
            </p>
            <progress class="batch-progress" max=total.to_string() value=done.to_string() aria-label=t(Msg::WidgetsBatchDoneSoFar)></progress>
            <div class="form-buttons">
                <button type="button" class="button" node_ref=stop_button disabled=stopping on:click=move |_| on_stop.run(())>
                    {move || t(if stopping.get() { Msg::WidgetsBatchStopping } else { Msg::WidgetsBatchStop })}
                </button>
            </div>
        </div>
    }
}

/// Under a batch's results, when it ended early: after **Stop**, how many items it never sent
/// ("Stopped. 25 selected keys were not deleted."); after a failure, why, and that the items
/// without an answer (the failed request may still have been applied) are worth a look.
#[component]
pub fn NotAttempted(
    /// Items without an answer.
    count: usize,
    /// The failure that ended the batch; none after Stop.
    error: Option<ApiError>,
    /// What Stop left undone, in the console's language: in English read after the count
    /// ("selected keys were not deleted"), in Chinese a clause without the count (所选密钥未删除).
    what: &'static str,
) -> impl IntoView {
    let shown = format::number(count as f64);
    let text = match &error {
        None => msg::widgets_batch_stopped(&shown, what),
        Some(e) => msg::widgets_batch_no_answer(messages::describe(e), count),
    };
    (count > 0).then(|| view! { <p class="alert alert-warning">{text}</p> })
}
