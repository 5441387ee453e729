//! The body of "Create an SSH key".

use keyrack_api::{
    validate_description, validate_name, CreateKeyPair, KeygenRequest, Origin, Policy,
    PublicKeyError,
};
use leptos::prelude::*;

use super::create_pair_fields::{CreatePairFields, GenerateKeyPair, PairChoices};
use super::expiry_field::{ExpiryChoice, ExpiryField};
use super::public_key_input::{preview_of, PublicKeyInput};
use crate::i18n::{t, Msg};
use crate::widgets::form::{FieldMessage, FormButtons, ServerError};
use crate::widgets::request::Request;
use crate::widgets::tag_editor::{TagEditor, TagRows};
use crate::widgets::text_field::TextField;

/// The two creation methods of the guide.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CreationMethod {
    /// Generate in the browser.
    CreatePair,
    /// Import an existing public key.
    UseExisting,
}

/// The Create form. It validates with `keyrack-api` and hands a valid request to
/// `on_submit` (import) or `on_generate` (create a key pair); it never calls the API or
/// generates a key itself.
#[component]
pub fn CreateKeyForm(
    /// The request: OK waits while it runs; its refusal shows in the form, which keeps
    /// what was typed.
    request: Request,
    /// Receives a request that passed every browser-side check.
    #[prop(into)]
    on_submit: Callback<CreateKeyPair>,
    /// Called by Cancel.
    #[prop(into)]
    on_cancel: Callback<()>,
    /// Receives a valid "Create a key pair" request. Without it that method is not offered.
    #[prop(optional, into)]
    on_generate: Option<Callback<GenerateKeyPair>>,
    /// What the running request is doing, such as "Generating…", shown with a spinner.
    #[prop(optional, into)]
    progress: MaybeProp<String>,
    /// The key policy, once loaded: the expiry starts at its maximum lifetime, and a key it
    /// does not allow is refused before anything is generated or sent.
    #[prop(optional, into)]
    policy: MaybeProp<Policy>,
    /// Receives pasted or loaded text that holds several keys, to import them as an
    /// authorized_keys file. Without it that is only refused.
    #[prop(optional, into)]
    on_bulk: Option<Callback<String>>,
) -> impl IntoView {
    let (pending, server_error) = request.signals();
    let can_generate = on_generate.is_some();
    let (method, set_method) = signal(if can_generate {
        CreationMethod::CreatePair
    } else {
        CreationMethod::UseExisting
    });
    let choices = PairChoices::new();
    let name = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let public_key = RwSignal::new(String::new());
    let tags = TagRows::new(&[]);
    let expiry = ExpiryChoice::new();
    let (submitted, set_submitted) = signal(false);
    expiry.follow(policy, true);
    let key_refusal = policy_refusal(policy, method, public_key, choices);

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        set_submitted.set(true);
        // The field shows why; nothing is sent until it is valid.
        let Ok(expires_at) = untrack(|| expiry.checked(true)) else {
            return;
        };
        if untrack(|| key_refusal.get()).is_some() {
            return;
        }
        let request = CreateKeyPair {
            name: name.get_untracked().trim().to_owned(),
            description: description.get_untracked().trim().to_owned(),
            public_key: public_key.get_untracked().trim().to_owned(),
            tags: untrack(move || tags.tags()),
            origin: Origin::Imported,
            expires_at,
        };
        match (method.get_untracked(), on_generate) {
            (CreationMethod::UseExisting, _) => {
                let key_ok = matches!(preview_of(&request.public_key), Some(Ok(_)));
                if request.validate().is_ok() && key_ok {
                    on_submit.run(request);
                }
            }
            (CreationMethod::CreatePair, Some(on_generate)) => {
                if let Some(generate) = generate_request(request, choices) {
                    on_generate.run(generate);
                }
            }
            (CreationMethod::CreatePair, None) => {}
        }
    };
    view! {
        <form class="form" on:submit=submit novalidate>
            <MethodChoice method=method set_method=set_method can_generate />
            <NameAndDescription name description submitted />
            <div class="field">
                <span class="label">{t(Msg::CreateTagsOptional)}</span>
                <TagEditor rows=tags show_all=submitted />
            </div>
            <ExpiryField choice=expiry submitted=submitted new_key=true />
            <MethodFields method choices public_key submitted on_bulk />
            <FieldMessage id="key-policy-error" message=key_refusal />
            {move || progress.get().map(|what| view! {
                <p class="progress" role="status"><span class="spinner" aria-hidden="true"></span>{what}</p>
            })}
            <ServerError error=server_error />
            <FormButtons pending=pending on_cancel=on_cancel />
        </form>
    }
}

/// What the key policy says about the key to be registered: the pasted one, or the type
/// to generate.
fn policy_refusal(
    policy: MaybeProp<Policy>,
    method: ReadSignal<CreationMethod>,
    public_key: RwSignal<String>,
    choices: PairChoices,
) -> Signal<Option<String>> {
    Signal::derive(move || {
        let policy = policy.get()?;
        let (algorithm, bits) = match method.get() {
            CreationMethod::UseExisting => {
                let info = public_key.with(|k| preview_of(k))?.ok()?;
                (info.algorithm, info.bits)
            }
            CreationMethod::CreatePair => {
                let key_type = choices.key_type.get();
                (key_type.algorithm(), key_type.rsa_bits().unwrap_or(256))
            }
        };
        policy
            .check_key(algorithm, bits)
            .err()
            .map(|v| crate::messages::policy_violation(&v))
    })
}

/// The fields of the chosen method: key type and passphrase, or the public key (with
/// "Import as authorized_keys" when it holds several keys).
#[component]
fn MethodFields(
    method: ReadSignal<CreationMethod>,
    choices: PairChoices,
    public_key: RwSignal<String>,
    #[prop(into)] submitted: Signal<bool>,
    on_bulk: Option<Callback<String>>,
) -> impl IntoView {
    move || {
        match method.get() {
        CreationMethod::CreatePair => view! { <CreatePairFields choices submitted /> }.into_any(),
        CreationMethod::UseExisting => view! {
            <PublicKeyInput text=public_key show_all=submitted />
            {move || {
                let several = public_key.with(|k| matches!(preview_of(k), Some(Err(PublicKeyError::MultipleKeys | PublicKeyError::Options))));
                on_bulk.filter(|_| several).map(|bulk| view! {
                    <button type="button" class="button" on:click=move |_| bulk.run(public_key.get_untracked())>
                        {t(Msg::CreateImportAsAuthorizedKeys)}
                    </button>
                })
            }}
        }.into_any(),
    }
    }
}

/// A "Create a key pair" request when the form is valid: the name rules pass and the two
/// passphrases agree. The key comment is the key name.
fn generate_request(mut key_pair: CreateKeyPair, choices: PairChoices) -> Option<GenerateKeyPair> {
    key_pair.public_key.clear();
    key_pair.origin = Origin::Generated;
    key_pair.validate().ok()?;
    let mut passphrase = choices.passphrase()?;
    let keygen = KeygenRequest {
        key_type: choices.key_type.get_untracked(),
        format: choices.format.get_untracked(),
        // Moved, not copied: the Zeroizing holder is left empty.
        passphrase: std::mem::take(&mut *passphrase),
        comment: key_pair.name.clone(),
    };
    Some(GenerateKeyPair { key_pair, keygen })
}

/// *Creation Method*: the radio pair.
#[component]
fn MethodChoice(
    method: ReadSignal<CreationMethod>,
    set_method: WriteSignal<CreationMethod>,
    /// Whether "Create a key pair" can be chosen here.
    can_generate: bool,
) -> impl IntoView {
    view! {
        <fieldset class="field radio-group">
            <legend class="label">{t(Msg::CreateCreationMethod)}</legend>
            <label class:disabled=!can_generate>
                <input
                    type="radio"
                    name="creation-method"
                    disabled=!can_generate
                    prop:checked=move || method.get() == CreationMethod::CreatePair
                    on:change=move |_| set_method.set(CreationMethod::CreatePair)
                />
                {t(Msg::CreateMethodCreatePair)}
            </label>
            <label>
                <input
                    type="radio"
                    name="creation-method"
                    prop:checked=move || method.get() == CreationMethod::UseExisting
                    on:change=move |_| set_method.set(CreationMethod::UseExisting)
                />
                {t(Msg::CreateMethodUseExisting)}
            </label>
            <p class="hint" hidden=can_generate>
                {t(Msg::CreateCreatePairUnavailable)}
            </p>
        </fieldset>
    }
}

/// *Key Name*, checked by `validate_name` once touched or submitted, and the optional
/// description, checked by `validate_description`.
#[component]
pub fn NameAndDescription(
    /// The name as typed.
    name: RwSignal<String>,
    /// The description as typed.
    description: RwSignal<String>,
    /// True after a submit attempt.
    #[prop(into)]
    submitted: Signal<bool>,
) -> impl IntoView {
    view! {
        <TextField
            id="key-name"
            label=t(Msg::CreateKeyName)
            value=name
            rule=|name| validate_name(name.trim())
            submitted
            hint=t(Msg::CreateKeyNameHint)
            maxlength=200
        />
        <TextField
            id="key-description"
            label=t(Msg::CreateDescriptionOptional)
            value=description
            rule=|description| validate_description(description.trim())
            submitted
            rows=2
        />
    }
}
