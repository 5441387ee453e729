//! The key-pair dialogs, wired to the API, and the one host that shows whichever is open.
//! Used by the SSH Key page and the key details page; their code is fetched the first time
//! one opens ([`key_dialog`]).

pub mod binding;

use keyrack_api::{
    ApiError, ErrorCode, ImportOutcome, ImportRequest, ImportResponse, KeyPair, Policy,
};
use leptos::prelude::*;
use zeroize::Zeroizing;

use self::binding::{BindDialog, BindingDialog};
use crate::api::Api;
use crate::i18n::{t, Msg};
use crate::key_pairs::batch_delete::{delete_in_chunks, BatchDeleteForm, BatchDeleteResults};
use crate::key_pairs::create_key::CreateKeyForm;
use crate::key_pairs::create_pair_fields::{GenerateKeyPair, KeySaved};
use crate::key_pairs::delete_key::DeleteKeyForm;
use crate::key_pairs::edit_tags::EditTagsForm;
use crate::key_pairs::import_keys::ImportKeysForm;
use crate::key_pairs::modify_key::ModifyKeyForm;
use crate::keygen::{self, download, Timings};
use crate::lazy::on_demand;
use crate::widgets::batch::BatchRunning;
use crate::widgets::dialog::Dialog;
use crate::widgets::request::Request;
use crate::widgets::toast::Toasts;

/// Which dialog is open.
#[derive(Debug, Clone, PartialEq)]
pub enum KeyDialog {
    /// Create an SSH key.
    Create,
    /// Modify name and description.
    Modify(KeyPair),
    /// Edit tags.
    EditTags(KeyPair),
    /// Delete one key.
    Delete(KeyPair),
    /// Delete the selected keys.
    BatchDelete(Vec<KeyPair>),
    /// **Bind instance** or **Unbind instance**.
    Binding(BindingDialog),
}

/// Renders the open dialog, if any. Its code is fetched the first time one opens
/// ([`key_dialog`]).
#[component]
pub fn KeyDialogHost(
    /// The open dialog; set to `None` to close it.
    dialog: RwSignal<Option<KeyDialog>>,
    /// Called after a change succeeded, to reload what the page shows.
    #[prop(into)]
    on_changed: Callback<()>,
    /// Called after a single key was deleted.
    #[prop(optional, into)]
    on_deleted: Option<Callback<()>>,
) -> impl IntoView {
    let close = Callback::new(move |()| dialog.set(None));
    move || {
        dialog.get().map(|dialog| {
            let open = KeyDialogView {
                dialog,
                close,
                on_changed,
                on_deleted,
            };
            on_demand(move || key_dialog(open.clone()))
        })
    }
}

/// The open dialog: its own wasm chunk, fetched the first time a dialog opens (src/lazy.rs).
#[cfg_attr(keyrack_split, leptos::lazy)]
pub async fn key_dialog(dialog: KeyDialogView) -> AnyView {
    dialog.render()
}

/// An open dialog with what it reports to.
#[derive(Debug, Clone)]
pub struct KeyDialogView {
    dialog: KeyDialog,
    close: Callback<()>,
    on_changed: Callback<()>,
    on_deleted: Option<Callback<()>>,
}

impl KeyDialogView {
    /// The dialog's view.
    pub fn render(self) -> AnyView {
        let Self {
            dialog,
            close,
            on_changed,
            on_deleted,
        } = self;
        match dialog {
            KeyDialog::Create => view! { <CreateDialog close on_changed /> }.into_any(),
            KeyDialog::Modify(key) => view! { <ModifyDialog key close on_changed /> }.into_any(),
            KeyDialog::EditTags(key) => {
                view! { <EditTagsDialog key close on_changed /> }.into_any()
            }
            KeyDialog::Delete(key) => {
                let on_changed = Callback::new(move |()| {
                    on_changed.run(());
                    if let Some(cb) = on_deleted {
                        cb.run(());
                    }
                });
                view! { <DeleteDialog key close on_changed /> }.into_any()
            }
            KeyDialog::BatchDelete(keys) => {
                view! { <BatchDeleteDialog keys close on_changed /> }.into_any()
            }
            KeyDialog::Binding(BindingDialog { mode, key }) => {
                view! { <BindDialog mode key close on_changed /> }.into_any()
            }
        }
    }
}

#[component]
fn CreateDialog(close: Callback<()>, on_changed: Callback<()>) -> impl IntoView {
    let (api, toasts, request) = (
        expect_context::<Api>(),
        expect_context::<Toasts>(),
        Request::new(),
    );
    let progress = RwSignal::new(None::<String>);
    let saved = RwSignal::new(None::<SavedKey>);
    let policy = load_policy(api);
    // An authorized_keys file to import, once the user chose to.
    let bulk = RwSignal::new(None::<String>);
    let imported = RwSignal::new(None::<ImportResponse>);
    let import = Callback::new(move |body: ImportRequest| {
        let dry_run = body.dry_run;
        imported.set(None);
        request.run(
            async move { api.import_key_pairs(&body).await },
            move |answer| {
                let created = answer
                    .results
                    .iter()
                    .filter(|r| r.outcome == ImportOutcome::Created)
                    .count();
                let _ = imported.try_set(Some(answer));
                if !dry_run {
                    toasts.success(
                        Msg::DialogsImported
                            .with(&[("count", &crate::format::number(created as f64))]),
                    );
                    on_changed.run(());
                }
            },
        );
    });
    // The only copy of the private key file, until the dialog closes.
    let private_key = StoredValue::new_local(None::<Zeroizing<Vec<u8>>>);
    on_cleanup(move || {
        private_key.try_update_value(|key| *key = None);
        keygen::release();
    });

    let submit = Callback::new(move |body| {
        request.run(
            async move { api.create_key_pair(&body).await },
            move |key| {
                toasts.success(Msg::DialogsCreated.with(&[("name", &key.name)]));
                close.run(());
                on_changed.run(());
            },
        );
    });
    let generate = Callback::new(
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
                let registered = api.create_key_pair(&key_pair).await;
                let _ = progress.try_set(None);
                Ok((registered?, made))
            };
            request.run(work, move |(registered, made)| {
                let file_name = format.file_name(&registered.name);
                if download::save(&made.private_key, &file_name).is_err() {
                    toasts.failure(t(Msg::DialogsSaveRefused));
                }
                toasts.success(Msg::DialogsCreated.with(&[("name", &registered.name)]));
                let detail = generated_in(&made.timings);
                // If the dialog was closed meanwhile, this fails and `made` is wiped on return.
                private_key.try_set_value(Some(made.private_key));
                let _ = saved.try_set(Some(SavedKey { file_name, detail }));
                on_changed.run(());
            });
        },
    );
    let download_again = Callback::new(move |()| {
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
    });
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
                        pending=request.pending
                        server_error=request.error
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
                        pending=request.pending
                        server_error=request.error
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

/// The key policy, filled in when it arrives. Without it (a failed request) the forms check
/// only the fixed rules, and the server still refuses what the policy does not allow.
fn load_policy(api: Api) -> RwSignal<Option<Policy>> {
    let policy = RwSignal::new(None);
    leptos::task::spawn_local(async move {
        if let Ok(p) = api.policy().await {
            let _ = policy.try_set(Some(p));
        }
    });
    policy
}

/// What the dialog shows about a saved key (never the key itself).
#[derive(Debug, Clone, PartialEq)]
struct SavedKey {
    file_name: String,
    detail: String,
}

fn generated_in(t: &Timings) -> String {
    let message = if t.webcrypto {
        Msg::DialogsGeneratedWebcrypto
    } else {
        Msg::DialogsGenerated
    };
    let (generate, encode) = (
        format!("{:.0}", t.generate_ms),
        format!("{:.0}", t.encode_ms),
    );
    message.with(&[("generate", &generate), ("encode", &encode)])
}

/// Loads the newest version after a 412, so the next OK is based on it.
async fn reload_if_stale(
    api: Api,
    id: &str,
    error: &keyrack_api::ApiError,
    key: RwSignal<KeyPair>,
) {
    if matches!(error.code, ErrorCode::PreconditionFailed { .. }) {
        if let Ok(fresh) = api.get_key_pair(id).await {
            let _ = key.try_set(fresh);
        }
    }
}

#[component]
fn ModifyDialog(key: KeyPair, close: Callback<()>, on_changed: Callback<()>) -> impl IntoView {
    let (api, toasts, request) = (
        expect_context::<Api>(),
        expect_context::<Toasts>(),
        Request::new(),
    );
    let key = RwSignal::new(key);
    let policy = load_policy(api);
    let submit = Callback::new(move |change| {
        let KeyPair { id, version, .. } = key.get_untracked();
        let work = async move {
            let result = api.update_key_pair(&id, version, &change).await;
            if let Err(e) = &result {
                reload_if_stale(api, &id, e, key).await;
            }
            result
        };
        request.run(work, move |saved| {
            toasts.success(Msg::DialogsUpdated.with(&[("name", &saved.name)]));
            close.run(());
            on_changed.run(());
        });
    });
    view! {
        <Dialog title=t(Msg::DialogsModifyTitle) on_close=close>
            <ModifyKeyForm key policy=policy pending=request.pending server_error=request.error on_submit=submit on_cancel=close />
        </Dialog>
    }
}

#[component]
fn EditTagsDialog(key: KeyPair, close: Callback<()>, on_changed: Callback<()>) -> impl IntoView {
    let (api, toasts, request) = (
        expect_context::<Api>(),
        expect_context::<Toasts>(),
        Request::new(),
    );
    let key = RwSignal::new(key);
    let submit = Callback::new(move |tags| {
        let KeyPair { id, version, .. } = key.get_untracked();
        let work = async move {
            let result = api.replace_tags(&id, version, tags).await;
            if let Err(e) = &result {
                reload_if_stale(api, &id, e, key).await;
            }
            result
        };
        request.run(work, move |saved| {
            toasts.success(Msg::DialogsTagsSaved.with(&[("name", &saved.name)]));
            close.run(());
            on_changed.run(());
        });
    });
    view! {
        <Dialog title=t(Msg::DialogsEditTagsTitle) on_close=close class="dialog-wide">
            <EditTagsForm key pending=request.pending server_error=request.error on_submit=submit on_cancel=close />
        </Dialog>
    }
}

#[component]
fn DeleteDialog(key: KeyPair, close: Callback<()>, on_changed: Callback<()>) -> impl IntoView {
    let (api, toasts, request) = (
        expect_context::<Api>(),
        expect_context::<Toasts>(),
        Request::new(),
    );
    let (id, name) = (key.id.clone(), key.name.clone());
    let confirm = Callback::new(move |()| {
        let (id, name) = (id.clone(), name.clone());
        request.run(async move { api.delete_key_pair(&id).await }, move |()| {
            toasts.success(Msg::DialogsDeleted.with(&[("name", &name)]));
            close.run(());
            on_changed.run(());
        });
    });
    view! {
        <Dialog title=t(Msg::DialogsDeleteTitle) on_close=close>
            <DeleteKeyForm key pending=request.pending server_error=request.error on_confirm=confirm on_cancel=close />
        </Dialog>
    }
}

#[component]
fn BatchDeleteDialog(
    keys: Vec<KeyPair>,
    close: Callback<()>,
    on_changed: Callback<()>,
) -> impl IntoView {
    let (api, request) = (expect_context::<Api>(), Request::new());
    let outcome = RwSignal::new(None);
    let progress = RwSignal::new(None);
    let stop = RwSignal::new(false);
    let ids: Vec<String> = keys.iter().map(|k| k.id.clone()).collect();
    let confirm = Callback::new(move |()| {
        let ids = ids.clone();
        stop.set(false);
        request.run(
            async move {
                let send = move |chunk| async move { api.batch_delete(chunk).await };
                delete_in_chunks(ids, send, progress, stop).await
            },
            move |done| {
                let _ = outcome.try_set(Some(done));
                on_changed.run(());
            },
        );
    });
    view! {
        <Dialog title=t(Msg::DialogsDeleteTitle) on_close=close class="dialog-wide">
            {move || match (outcome.get(), progress.get()) {
                (Some(outcome), _) => view! { <BatchDeleteResults outcome on_close=close /> }.into_any(),
                (None, Some(progress)) => view! {
                    <BatchRunning doing=t(Msg::DialogsBatchDeleting) progress stopping=stop on_stop=move |()| stop.set(true) />
                }.into_any(),
                (None, None) => view! {
                    <BatchDeleteForm
                        keys=keys.clone()
                        pending=request.pending
                        server_error=request.error
                        on_confirm=confirm
                        on_cancel=close
                    />
                }.into_any(),
            }}
        </Dialog>
    }
}
