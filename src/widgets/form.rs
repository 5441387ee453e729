//! Small form helpers shared by the dialogs.

use keyrack_api::{ApiError, FieldError};
use leptos::prelude::*;

use crate::i18n::{t, Msg};
use crate::messages;

/// A rule message under a field; renders nothing when there is none.
#[component]
pub fn FieldMessage(
    /// The message, when the field breaks a rule.
    #[prop(into)]
    message: Signal<Option<String>>,
    /// `id` of the message, referenced by the input's `aria-describedby`.
    #[prop(into)]
    id: String,
) -> impl IntoView {
    view! {
        <p class="field-error" id=id role="alert" hidden=move || message.with(Option::is_none)>
            {move || message.get().unwrap_or_default()}
        </p>
    }
}

/// The refusal of the last request, shown inside the form above its buttons.
#[component]
pub fn ServerError(
    /// The refusal, if the last request failed.
    #[prop(into)]
    error: Signal<Option<ApiError>>,
) -> impl IntoView {
    move || {
        error.get().map(|e| {
            view! { <div class="alert alert-error" role="alert">{messages::describe(&e)}</div> }
        })
    }
}

/// OK and Cancel; OK is disabled while the request runs.
#[component]
pub fn FormButtons(
    /// True while the request runs.
    #[prop(into)]
    pending: Signal<bool>,
    /// Extra reason to keep OK disabled.
    #[prop(optional, into)]
    blocked: Signal<bool>,
    /// Called by Cancel.
    #[prop(into)]
    on_cancel: Callback<()>,
    /// The primary button's label, in the console's language.
    #[prop(default = t(Msg::WidgetsFormOk))]
    ok_label: &'static str,
) -> impl IntoView {
    view! {
        <div class="form-buttons">
            <button type="submit" class="button primary" disabled=move || pending.get() || blocked.get()>
                {move || if pending.get() {
                    view! { <span class="spinner after-300ms" aria-hidden="true"></span>{t(Msg::WidgetsFormWorking)} }.into_any()
                } else {
                    ok_label.into_any()
                }}
            </button>
            <button type="button" class="button" on:click=move |_| on_cancel.run(())>
                {t(Msg::WidgetsFormCancel)}
            </button>
        </div>
    }
}

/// A field rule broken, as a sentence under the field (in the console's language).
pub fn sentence(e: &FieldError) -> String {
    crate::messages::field_error(e)
}
