//! The public-key textarea of "Use an existing public key", with "Load from file" and a
//! live preview computed by `keyrack_api::parse_public_key`.

use keyrack_api::{parse_public_key, PublicKeyError, PublicKeyInfo, IMPORT_MAX_BYTES};
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::format;
use crate::i18n::{t, Msg};
use crate::messages::public_key_refusal;

/// The parse result of the textarea: `None` while it is blank.
pub fn preview_of(text: &str) -> Option<Result<PublicKeyInfo, PublicKeyError>> {
    (!text.trim().is_empty()).then(|| parse_public_key(text))
}

/// Textarea, file loader and preview.
#[component]
pub fn PublicKeyInput(
    /// The text as typed or loaded.
    text: RwSignal<String>,
    /// Show "no public key was given" for a blank field, as after a submit attempt.
    #[prop(into)]
    show_all: Signal<bool>,
) -> impl IntoView {
    let preview = Memo::new(move |_| text.with(|t| preview_of(t)));
    let (file_error, set_file_error) = signal(None::<String>);
    let on_file = move |ev: leptos::ev::Event| {
        set_file_error.set(None);
        let Some(file) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
            .and_then(|input| input.files())
            .and_then(|files| files.get(0))
        else {
            return;
        };
        // Anything larger than a whole authorized_keys import is not one; do not read it.
        if file.size() > IMPORT_MAX_BYTES as f64 {
            set_file_error.set(Some(t(Msg::CreateFileTooLarge).into()));
            return;
        }
        leptos::task::spawn_local(async move {
            match JsFuture::from(file.text())
                .await
                .ok()
                .and_then(|v| v.as_string())
            {
                Some(content) => text.set(content),
                None => set_file_error.set(Some(t(Msg::CreateFileUnreadable).into())),
            }
        });
    };
    view! {
        <div class="field">
            <label for="public-key">{t(Msg::CreatePublicKey)}</label>
            <textarea
                id="public-key"
                class="input mono"
                rows="4"
                spellcheck="false"
                autocomplete="off"
                // i18n: not text: an example key line
                placeholder="ssh-ed25519 AAAA… user@host"
                aria-describedby="public-key-preview"
                prop:value=move || text.get()
                on:input=move |ev| text.set(event_target_value(&ev))
            ></textarea>
            <label class="file-button button">
                {t(Msg::CreateLoadFromFile)}
                <input type="file" class="visually-hidden" accept=".pub,text/plain" on:change=on_file />
            </label>
            {move || file_error.get().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
            <div id="public-key-preview" aria-live="polite">
                {move || match preview.get() {
                    Some(Ok(info)) => view! { <KeyPreview info=info /> }.into_any(),
                    Some(Err(e)) => view! { <p class="field-error key-refusal" role="alert">{public_key_refusal(&e)}</p> }.into_any(),
                    None if show_all.get() => view! {
                        <p class="field-error" role="alert">{public_key_refusal(&PublicKeyError::Empty)}</p>
                    }.into_any(),
                    None => ().into_any(),
                }}
            </div>
        </div>
    }
}

/// What the console shows about an accepted public key.
#[component]
fn KeyPreview(info: PublicKeyInfo) -> impl IntoView {
    let comment = if info.comment.is_empty() {
        "—".to_owned()
    } else {
        info.comment
    };
    view! {
        <dl class="key-preview">
            <dt>{t(Msg::CreatePreviewType)}</dt>
            <dd>{format::key_type(info.algorithm, info.bits)}</dd>
            <dt>{t(Msg::CreatePreviewBits)}</dt>
            <dd>{info.bits}</dd>
            <dt>{t(Msg::CreatePreviewFingerprint)}</dt>
            <dd class="mono">{info.fingerprint_sha256}</dd>
            <dt>{t(Msg::CreatePreviewComment)}</dt>
            <dd>{comment}</dd>
        </dl>
    }
}
