//! Loading, failure and empty states shared by the pages.

use keyrack_api::ApiError;
use leptos::prelude::*;

use crate::i18n::{msg, t, Msg};
use crate::messages;

/// Shown while a list loads for the first time.
#[component]
pub fn Loading() -> impl IntoView {
    view! { <div class="state after-300ms" aria-busy="true"><span class="spinner"></span>{t(Msg::WidgetsLoading)}</div> }
}

/// A request failed; offers to retry.
#[component]
pub fn LoadError(
    /// The refusal.
    error: ApiError,
    /// Called by Retry.
    #[prop(into)]
    on_retry: Callback<()>,
) -> impl IntoView {
    view! {
        <div class="state state-error" role="alert">
            <p>{msg::widgets_load_error(messages::describe_common(&error))}</p>
            <button type="button" class="button" on:click=move |_| on_retry.run(())>{t(Msg::WidgetsRetry)}</button>
        </div>
    }
}
