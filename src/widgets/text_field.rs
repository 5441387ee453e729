//! A labelled text input (or textarea) with its hint and rule message: the one shape of
//! every checked text field in the forms.

use keyrack_api::FieldError;
use leptos::prelude::*;

use super::form::{sentence, FieldMessage};

/// When a field's rule message starts to show.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CheckFrom {
    /// Once the field was changed and left, or after a submit attempt.
    #[default]
    Touched,
    /// Only after a submit attempt.
    Submitted,
}

/// `<div class="field">` with label, input, hint and message; the message's id is
/// `{id}-error`, referenced by the input's `aria-describedby`.
#[component]
pub fn TextField(
    /// The input's `id`.
    id: &'static str,
    /// The label, in the console's language.
    label: &'static str,
    /// The text as typed.
    value: RwSignal<String>,
    /// The rule the text must pass.
    rule: fn(&str) -> Result<(), FieldError>,
    /// True after a submit attempt.
    #[prop(into)]
    submitted: Signal<bool>,
    /// When the rule message starts to show.
    #[prop(optional)]
    check_from: CheckFrom,
    /// The hint under the input, if any.
    #[prop(optional)]
    hint: Option<&'static str>,
    /// A textarea of this many rows instead of a one-line input.
    #[prop(optional)]
    rows: Option<u32>,
    /// The longest text the input takes.
    #[prop(optional)]
    maxlength: Option<u32>,
    /// A secret: the input shows dots.
    #[prop(optional)]
    password: bool,
) -> impl IntoView {
    let (touched, set_touched) = signal(false);
    let message = Signal::derive(move || {
        let shown = match check_from {
            CheckFrom::Touched => touched.get() || submitted.get(),
            CheckFrom::Submitted => submitted.get(),
        };
        shown
            .then(|| value.with(|v| rule(v)).err().map(|e| sentence(&e)))
            .flatten()
    });
    let error_id = format!("{id}-error");
    let input = match rows {
        Some(rows) => view! {
            <textarea
                id=id
                class="input"
                rows=rows.to_string()
                aria-describedby=error_id.clone()
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
                on:change=move |_| set_touched.set(true)
            ></textarea>
        }
        .into_any(),
        None => view! {
            <input
                id=id
                type=if password { "password" } else { "text" }
                class="input"
                autocomplete="off"
                maxlength=maxlength.map(|m| m.to_string())
                aria-describedby=error_id.clone()
                aria-invalid=move || message.with(Option::is_some).to_string()
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
                on:change=move |_| set_touched.set(true)
            />
        }
        .into_any(),
    };
    view! {
        <div class="field">
            <label for=id>{label}</label>
            {input}
            {hint.map(|hint| view! { <p class="hint">{hint}</p> })}
            <FieldMessage id=error_id message=message />
        </div>
    }
}
