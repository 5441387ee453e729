//! The "Create a key pair" half of the Create dialog: *Key type*, *Passphrase* (typed
//! twice) and *Private key format*, and what the dialog shows once the key is saved.
//!
//! The passphrase lives only in its two inputs and is read through `NodeRef`s on submit; no
//! signal ever holds it.

use keyrack_api::{CreateKeyPair, KeyType, KeygenRequest, PrivateKeyFormat};
use leptos::html;
use leptos::prelude::*;
use zeroize::Zeroizing;

use crate::i18n::{t, Msg};
use crate::widgets::form::FieldMessage;

/// What "Create a key pair" hands to the dialog on OK.
pub struct GenerateKeyPair {
    /// The key pair to register, its `public_key` still empty and `origin` generated.
    pub key_pair: CreateKeyPair,
    /// What the worker makes; `comment` is the key name.
    pub keygen: KeygenRequest,
}

/// The choices of the "Create a key pair" fields, owned by the form.
#[derive(Debug, Clone, Copy)]
pub struct PairChoices {
    /// The key type; Ed25519 by default.
    pub key_type: RwSignal<KeyType>,
    /// The file format; OpenSSH by default.
    pub format: RwSignal<PrivateKeyFormat>,
    passphrase: NodeRef<html::Input>,
    confirm: NodeRef<html::Input>,
    /// True while the two passphrase fields differ.
    mismatch: RwSignal<bool>,
    confirm_touched: RwSignal<bool>,
}

impl PairChoices {
    /// Ed25519, OpenSSH, no passphrase.
    pub fn new() -> Self {
        Self {
            key_type: RwSignal::new(KeyType::default()),
            format: RwSignal::new(PrivateKeyFormat::default()),
            passphrase: NodeRef::new(),
            confirm: NodeRef::new(),
            mismatch: RwSignal::new(false),
            confirm_touched: RwSignal::new(false),
        }
    }

    /// The passphrase when both fields agree (empty for none), read from the inputs.
    pub fn passphrase(&self) -> Option<Zeroizing<String>> {
        let read = |node: NodeRef<html::Input>| {
            Zeroizing::new(node.get_untracked().map(|i| i.value()).unwrap_or_default())
        };
        let (first, second) = (read(self.passphrase), read(self.confirm));
        (*first == *second).then_some(first)
    }

    /// Chooses a key type; a PEM choice falls back to OpenSSH where PEM is not offered.
    pub fn set_key_type(&self, key_type: KeyType) {
        self.key_type.set(key_type);
        if key_type.no_pem_reason().is_some()
            && self.format.get_untracked() == PrivateKeyFormat::Pem
        {
            self.format.set(PrivateKeyFormat::Openssh);
        }
    }

    fn recheck(&self) {
        self.mismatch.set(self.passphrase().is_none());
    }
}

impl Default for PairChoices {
    fn default() -> Self {
        Self::new()
    }
}

/// The fields of "Create a key pair".
#[component]
pub fn CreatePairFields(
    /// Where the choices go.
    choices: PairChoices,
    /// True after a submit attempt.
    #[prop(into)]
    submitted: Signal<bool>,
) -> impl IntoView {
    let no_pem = Memo::new(move |_| choices.key_type.get().no_pem_reason());
    let mismatch = Signal::derive(move || {
        (choices.mismatch.get() && (choices.confirm_touched.get() || submitted.get()))
            .then(|| t(Msg::CreatePassphrasesDiffer).to_owned())
    });
    let types = KeyType::ALL.map(|k| {
        view! {
            <option value=k.as_str() prop:selected=move || choices.key_type.get() == k>
                {type_label(k)}
            </option>
        }
    });
    let formats = PrivateKeyFormat::ALL.map(|f| {
        view! {
            <option
                value=f.as_str()
                disabled=move || f == PrivateKeyFormat::Pem && no_pem.get().is_some()
                prop:selected=move || choices.format.get() == f
            >
                {f.label()}
            </option>
        }
    });
    view! {
        <div class="field">
            <label for="key-type">{t(Msg::CreateKeyType)}</label>
            <select
                id="key-type"
                class="input"
                on:change=move |ev| {
                    if let Ok(k) = event_target_value(&ev).parse::<KeyType>() {
                        choices.set_key_type(k);
                    }
                }
            >
                {types.into_iter().collect_view()}
            </select>
        </div>
        <div class="field">
            <label for="key-passphrase">{t(Msg::CreatePassphrase)}</label>
            <input
                id="key-passphrase"
                type="password"
                class="input"
                autocomplete="new-password"
                node_ref=choices.passphrase
                on:input=move |_| choices.recheck()
            />
            <p class="hint">{t(Msg::CreatePassphraseHint)}</p>
        </div>
        <div class="field">
            <label for="key-passphrase-confirm">{t(Msg::CreateConfirmPassphrase)}</label>
            <input
                id="key-passphrase-confirm"
                type="password"
                class="input"
                autocomplete="new-password"
                aria-describedby="key-passphrase-error"
                aria-invalid=move || mismatch.with(Option::is_some).to_string()
                node_ref=choices.confirm
                on:input=move |_| choices.recheck()
                on:change=move |_| choices.confirm_touched.set(true)
            />
            <FieldMessage id="key-passphrase-error" message=mismatch />
        </div>
        <div class="field">
            <label for="key-format">{t(Msg::CreatePrivateKeyFormat)}</label>
            <select
                id="key-format"
                class="input"
                aria-describedby="key-format-hint"
                on:change=move |ev| {
                    if let Ok(f) = event_target_value(&ev).parse::<PrivateKeyFormat>() {
                        choices.format.set(f);
                    }
                }
            >
                {formats.into_iter().collect_view()}
            </select>
            <p class="hint" id="key-format-hint" hidden=move || no_pem.get().is_none()>
                {move || no_pem.get().map(|_| t(Msg::CreateNoPemEd25519))}
            </p>
        </div>
    }
}

/// A key type as the list shows it: the algorithm's name, Ed25519 recommended.
fn type_label(key_type: KeyType) -> &'static str {
    match key_type {
        KeyType::Ed25519 => t(Msg::CreateKeyTypeEd25519Recommended),
        other => other.label(),
    }
}

/// Shown once the private key was saved, until the dialog closes.
#[component]
pub fn KeySaved(
    /// The downloaded file's name.
    file_name: String,
    /// A line about how the key was made, such as the time it took.
    #[prop(into)]
    detail: String,
    /// Saves the same file again.
    #[prop(into)]
    on_download_again: Callback<()>,
    /// Closes the dialog.
    #[prop(into)]
    on_close: Callback<()>,
) -> impl IntoView {
    view! {
        <div class="key-saved" role="status">
            <div class="alert alert-success">
                <p>{t(Msg::CreateKeyDownloaded)}</p>
            </div>
            <p class="hint">
                {t(Msg::CreateFileNameStart)}
                <code>{file_name}</code>
                {t(Msg::CreateFileNameEnd)}
                {detail}
            </p>
        </div>
        <div class="form-buttons">
            <button type="button" class="button" on:click=move |_| on_download_again.run(())>
                {t(Msg::CreateDownloadAgain)}
            </button>
            <button type="button" class="button primary" on:click=move |_| on_close.run(())>
                {t(Msg::CreateClose)}
            </button>
        </div>
    }
}
