//! The key-pair dialogs, wired to the API, and the one host that shows whichever is open.
//! Used by the SSH Key page and the key details page; their code is fetched the first time
//! one opens ([`key_dialog`]).

pub mod binding;
mod create;
mod policy;

use keyrack_api::{ErrorCode, KeyPair};
use leptos::prelude::*;

use self::binding::{BindDialog, BindingDialog};
use self::create::CreateDialog;
use self::policy::load_policy;
use crate::api::Api;
use crate::i18n::{msg, t, Msg};
use crate::key_pairs::batch_delete::{delete_in_chunks, BatchDeleteForm, BatchDeleteResults};
use crate::key_pairs::delete_key::DeleteKeyForm;
use crate::key_pairs::edit_tags::EditTagsForm;
use crate::key_pairs::modify_key::ModifyKeyForm;
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
            toasts.success(msg::dialogs_updated(&saved.name));
            close.run(());
            on_changed.run(());
        });
    });
    view! {
        <Dialog title=t(Msg::DialogsModifyTitle) on_close=close>
            <ModifyKeyForm key policy=policy request on_submit=submit on_cancel=close />
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
            toasts.success(msg::dialogs_tags_saved(&saved.name));
            close.run(());
            on_changed.run(());
        });
    });
    view! {
        <Dialog title=t(Msg::DialogsEditTagsTitle) on_close=close class="dialog-wide">
            <EditTagsForm key request on_submit=submit on_cancel=close />
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
            toasts.success(msg::dialogs_deleted(&name));
            close.run(());
            on_changed.run(());
        });
    });
    view! {
        <Dialog title=t(Msg::DialogsDeleteTitle) on_close=close>
            <DeleteKeyForm key request on_confirm=confirm on_cancel=close />
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
                        request
                        on_confirm=confirm
                        on_cancel=close
                    />
                }.into_any(),
            }}
        </Dialog>
    }
}
