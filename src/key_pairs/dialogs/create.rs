//! Wires "Create an SSH key" to the API: the create form, the bulk import it can hand over
//! to, and the key pair generated in the browser, whose private key is saved as a file.

use keyrack_api::{ApiError, ErrorCode, ImportOutcome, ImportRequest, ImportResponse};
use leptos::prelude::*;
use zeroize::Zeroizing;

use super::policy::load_policy;
use crate::api::Api;
use crate::i18n::{msg, t, Msg};
use crate::key_pairs::create_key::CreateKeyForm;
use crate::key_pairs::create_pair_fields::{GenerateKeyPair, KeySaved};
use crate::key_pairs::import_keys::ImportKeysForm;
use crate::keygen::{self, download, Timings};
use crate::widgets::dialog::Dialog;
use crate::widgets::request::Request;
use crate::widgets::toast::Toasts;

/// The only copy of the private key file, until the dialog closes.
type PrivateKey = StoredValue<Option<Zeroizing<Vec<u8>>>, LocalStorage>;

/// What the dialog shows about a saved key (never the key itself).
#[derive(Debug, Clone, PartialEq)]
struct SavedKey {
    file_name: String,
    detail: String,
}

/// The dialog's API access and its reports, shared by its callbacks.
#[derive(Clone, Copy)]
struct Wiring {
    api: Api,
    toasts: Toasts,
    request: Request,
    close: Callback<()>,
    on_changed: Callback<()>,
}

/// "Create an SSH key": the form, then the saved key or, once chosen, the bulk import.
#[component]
pub fn CreateDialog(close: Callback<()>, on_changed: Callback<()>) -> impl IntoView {
    let wiring = Wiring {
        api: expect_context::<Api>(),
        toasts: expect_context::<Toasts>(),
        request: Request::new(),
        close,
        on_changed,
    };
    let request = wiring.request;
    let progress = RwSignal::new(None::<String>);
    let saved = RwSignal::new(None::<SavedKey>);
    let policy = load_policy(wiring.api);
    // An authorized_keys file to import, once the user chose to.
    let bulk = RwSignal::new(None::<String>);
    let imported = RwSignal::new(None::<ImportResponse>);
    let import = import_keys(wiring, imported);
    let private_key: PrivateKey = StoredValue::new_local(None);
    on_cleanup(move || {
        private_key.try_update_value(|key| *key = None);
        keygen::release();
    });
    let submit = create_key_pair(wiring);
    let generate = generate_key_pair(wiring, progress, saved, private_key);
    let download_again = download_again(wiring.toasts, saved, private_key);
    view! {
        <Dialog title=t(Msg::DialogsCreateTitle) on_close=close class="dialog-wide">
            {move || match (saved.get(), bulk.get()) {
                (Some(SavedKey { file_name, detail }), _) => view! {
                    <KeySaved file_name detail on_download_again=download_again on_close=close />
                }
                .into_any(),
                (None, Some(initial)) => view! {
                    <ImportKeysForm
                        initial
                        policy=policy
                        request
                        results=imported
                        on_submit=import
                        on_cancel=close
                    />
                }
                .into_any(),
                (None, None) => view! {
                    <CreateKeyForm
                        policy=policy
                        on_bulk=move |text| bulk.set(Some(text))
                        request
                        on_submit=submit
                        on_generate=generate
                        progress=progress
                        on_cancel=close
                    />
                }
                .into_any(),
            }}
        </Dialog>
    }
}

/// Sends an import (a preview or the real one) and keeps its answer in `imported`.
fn import_keys(
    wiring: Wiring,
    imported: RwSignal<Option<ImportResponse>>,
) -> Callback<ImportRequest> {
    Callback::new(move |body: ImportRequest| {
        let dry_run = body.dry_run;
        imported.set(None);
        wiring.request.run(
            async move { wiring.api.import_key_pairs(&body).await },
            move |answer| {
                let created = answer
                    .results
                    .iter()
                    .filter(|r| r.outcome == ImportOutcome::Created)
                    .count();
                let _ = imported.try_set(Some(answer));
                if !dry_run {
                    wiring.toasts.success(msg::dialogs_imported(created));
                    wiring.on_changed.run(());
                }
            },
        );
    })
}

/// Registers an existing public key and closes the dialog.
fn create_key_pair(wiring: Wiring) -> Callback<keyrack_api::CreateKeyPair> {
    Callback::new(move |body| {
        wiring.request.run(
            async move { wiring.api.create_key_pair(&body).await },
            move |key| {
                wiring.toasts.success(msg::dialogs_created(&key.name));
                wiring.close.run(());
                wiring.on_changed.run(());
            },
        );
    })
}

/// Generates a key pair in the browser, registers its public key, then saves the private
/// key as a file and keeps it in `private_key` for "Download again".
fn generate_key_pair(
    wiring: Wiring,
    progress: RwSignal<Option<String>>,
    saved: RwSignal<Option<SavedKey>>,
    private_key: PrivateKey,
) -> Callback<GenerateKeyPair> {
    Callback::new(
        move |GenerateKeyPair {
                  mut key_pair,
                  keygen,
              }| {
            let format = keygen.format;
            let work = async move {
                let _ = progress.try_set(Some(t(Msg::DialogsGenerating).into()));
                let made = keygen::generate(keygen).await;
                let _ = progress.try_set(made.is_ok().then(|| t(Msg::DialogsRegistering).into()));
                let made = made.map_err(|e| ApiError::new(ErrorCode::Unknown, e.to_string()))?;
                key_pair.public_key = made.public_key.clone();
                // On a refusal `made` is dropped here, and its private key wiped.
                let registered = wiring.api.create_key_pair(&key_pair).await;
                let _ = progress.try_set(None);
                Ok((registered?, made))
            };
            wiring.request.run(work, move |(registered, made)| {
                let file_name = format.file_name(&registered.name);
                if download::save(&made.private_key, &file_name).is_err() {
                    wiring.toasts.failure(t(Msg::DialogsSaveRefused));
                }
                wiring
                    .toasts
                    .success(msg::dialogs_created(&registered.name));
                let detail = generated_in(&made.timings);
                // If the dialog was closed meanwhile, this fails and `made` is wiped on return.
                private_key.try_set_value(Some(made.private_key));
                let _ = saved.try_set(Some(SavedKey { file_name, detail }));
                wiring.on_changed.run(());
            });
        },
    )
}

/// Saves the kept private key again, under the same file name.
fn download_again(
    toasts: Toasts,
    saved: RwSignal<Option<SavedKey>>,
    private_key: PrivateKey,
) -> Callback<()> {
    Callback::new(move |()| {
        let Some(file_name) = saved.with_untracked(|s| s.as_ref().map(|s| s.file_name.clone()))
        else {
            return;
        };
        private_key.with_value(|key| {
            if let Some(key) = key {
                if download::save(key, &file_name).is_err() {
                    toasts.failure(t(Msg::DialogsSaveRefused));
                }
            }
        });
    })
}

fn generated_in(t: &Timings) -> String {
    let (generate, encode) = (
        format!("{:.0}", t.generate_ms),
        format!("{:.0}", t.encode_ms),
    );
    if t.webcrypto {
        msg::dialogs_generated_webcrypto(generate, encode)
    } else {
        msg::dialogs_generated(generate, encode)
    }
}
