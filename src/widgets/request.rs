//! The running state of one dialog request: pending while it runs, the refusal after.

use std::future::Future;

use keyrack_api::ApiError;
use leptos::prelude::*;

/// `pending` disables OK; `error` is shown in the form, which keeps what was typed.
#[derive(Debug, Clone, Copy)]
pub struct Request {
    /// True while the request runs.
    pub pending: RwSignal<bool>,
    /// The last refusal.
    pub error: RwSignal<Option<ApiError>>,
}

impl Request {
    /// `pending` and `error`, read-only, as a form reads them.
    pub fn signals(self) -> (Signal<bool>, Signal<Option<ApiError>>) {
        (self.pending.into(), self.error.into())
    }

    /// Idle, without an error.
    pub fn new() -> Self {
        Self {
            pending: RwSignal::new(false),
            error: RwSignal::new(None),
        }
    }

    /// Runs `work` unless a request is already running; `on_ok` gets the answer.
    ///
    /// A plain task rather than an `Action`: `on_ok` usually closes the dialog, which
    /// disposes this state while the task still finishes, so it only uses `try_set`.
    pub fn run<T: 'static>(
        self,
        work: impl Future<Output = Result<T, ApiError>> + 'static,
        on_ok: impl FnOnce(T) + 'static,
    ) {
        if self.pending.get_untracked() {
            return;
        }
        self.pending.set(true);
        self.error.set(None);
        leptos::task::spawn_local(async move {
            let result = work.await;
            let _ = self.pending.try_set(false);
            match result {
                Ok(value) => on_ok(value),
                Err(e) => {
                    let _ = self.error.try_set(Some(e));
                }
            }
        });
    }
}

impl Default for Request {
    fn default() -> Self {
        Self::new()
    }
}
