//! Wires **Bind instance** and **Unbind instance** to the API. Shared by the SSH Key page
//! and the key details page.

use keyrack_api::{BindRequest, BindResponse, Instance, KeyPair, Region};
use leptos::prelude::*;

use crate::api::Api;
use crate::components::bind_instances::BindInstancesForm;
use crate::components::bind_results::BindResults;
use crate::components::dialog::Dialog;
use crate::components::instance_picker::BindMode;
use crate::components::request::Request;
use crate::components::status::{LoadError, Loading};

/// The open binding dialog: which one, for which key pair.
#[derive(Debug, Clone, PartialEq)]
pub struct BindingDialog {
    /// Bind or unbind.
    pub mode: BindMode,
    /// The key pair.
    pub key: KeyPair,
}

/// Renders the open binding dialog, if any.
#[component]
pub fn BindDialogHost(
    /// The open dialog; set to `None` to close it.
    dialog: RwSignal<Option<BindingDialog>>,
    /// Called after the server answered, to reload what the page shows.
    #[prop(into)]
    on_changed: Callback<()>,
) -> impl IntoView {
    let close = Callback::new(move |()| dialog.set(None));
    move || {
        dialog
            .get()
            .map(|BindingDialog { mode, key }| view! { <BindDialog mode key close on_changed /> })
    }
}

/// Regions and instances, loaded when the dialog opens.
type Fleet = (Vec<Region>, Vec<Instance>);

#[component]
fn BindDialog(
    mode: BindMode,
    key: KeyPair,
    close: Callback<()>,
    on_changed: Callback<()>,
) -> impl IntoView {
    let (api, request) = (expect_context::<Api>(), Request::new());
    let (reload, set_reload) = signal(0u32);
    let bound_to = key.id.clone();
    let fleet = LocalResource::new(move || {
        reload.track();
        let bound_to = bound_to.clone();
        async move {
            let regions = api.list_regions().await?;
            // Unbinding offers only the key's own instances: the server picks them.
            let instances = match mode {
                BindMode::Bind => api.list_all_instances().await?,
                BindMode::Unbind => api.list_instances_bound_to(&bound_to).await?,
            };
            Ok::<Fleet, keyrack_api::ApiError>((regions, instances))
        }
    });
    let outcome = RwSignal::new(None::<BindResponse>);
    let key_id = key.id.clone();
    let submit = Callback::new(move |body: BindRequest| {
        let id = key_id.clone();
        let work = async move {
            match mode {
                BindMode::Bind => api.bind_key_pair(&id, &body).await,
                BindMode::Unbind => api.unbind_key_pair(&id, &body).await,
            }
        };
        request.run(work, move |response| {
            let _ = outcome.try_set(Some(response));
            on_changed.run(());
        });
    });
    let retry = Callback::new(move |()| set_reload.update(|n| *n += 1));
    let key = StoredValue::new(key);
    view! {
        <Dialog title=mode.title() on_close=close class="dialog-wide">
            <p class="muted bind-key">
                "SSH key: " <strong>{key.with_value(|k| k.name.clone())}</strong> " "
                <span class="mono">{key.with_value(|k| k.id.clone())}</span>
            </p>
            <Transition fallback=Loading>
                {move || Suspend::new(async move {
                    match fleet.await {
                        Ok((regions, instances)) => view! {
                            <BindStep mode key=key.get_value() regions instances request outcome submit close />
                        }.into_any(),
                        Err(error) => view! { <LoadError error on_retry=retry /> }.into_any(),
                    }
                })}
            </Transition>
        </Dialog>
    }
}

/// The form, then the results once the server has answered.
#[component]
fn BindStep(
    mode: BindMode,
    key: KeyPair,
    regions: Vec<Region>,
    instances: Vec<Instance>,
    request: Request,
    outcome: RwSignal<Option<BindResponse>>,
    submit: Callback<BindRequest>,
    close: Callback<()>,
) -> impl IntoView {
    move || match outcome.get() {
        Some(response) => view! {
            <BindResults mode response instances=instances.clone() on_close=close />
        }
        .into_any(),
        None => view! {
            <BindInstancesForm
                mode
                key_id=key.id.clone()
                bound_ids=key.instance_ids.clone()
                regions=regions.clone()
                instances=instances.clone()
                pending=request.pending
                server_error=request.error
                on_submit=submit
                on_cancel=close
            />
        }
        .into_any(),
    }
}
