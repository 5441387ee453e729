//! Wires **Bind instance** and **Unbind instance** to the API.

use keyrack_api::{
    BindDirection, BindRequest, BindResponse, BindResult, Instance, InstanceQuery, KeyPair, Region,
};
use leptos::prelude::*;

use crate::api::Api;
use crate::i18n::{t, Msg};
use crate::key_pairs::bind_instances::{
    BindInstancesForm, BindSubmission, InstanceLoader, InstancePage,
};
use crate::key_pairs::bind_results::BindResults;
use crate::key_pairs::instance_picker;
use crate::widgets::batch::{in_chunks, Batch, BatchProgress, BatchRunning};
use crate::widgets::dialog::Dialog;
use crate::widgets::request::Request;
use crate::widgets::status::{LoadError, Loading};

/// The open binding dialog: which one, for which key pair.
#[derive(Debug, Clone, PartialEq)]
pub struct BindingDialog {
    /// Bind or unbind.
    pub mode: BindDirection,
    /// The key pair.
    pub key: KeyPair,
}

/// **Bind instance** or **Unbind instance**, opened by [`super::KeyDialogHost`].
#[component]
pub fn BindDialog(
    mode: BindDirection,
    key: KeyPair,
    close: Callback<()>,
    on_changed: Callback<()>,
) -> impl IntoView {
    let (api, request) = (expect_context::<Api>(), Request::new());
    let (reload, set_reload) = signal(0u32);
    let regions = LocalResource::new(move || {
        reload.track();
        async move { api.list_regions().await }
    });
    // One page at a time: the server searches and pages, however large the fleet.
    let loader = InstanceLoader::new(move |query: InstanceQuery| -> InstancePage {
        Box::pin(async move { api.list_instances_page(&query).await })
    });
    let outcome = RwSignal::new(None::<Outcome>);
    let progress = RwSignal::new(None);
    let stop = RwSignal::new(false);
    let key_id = key.id.clone();
    let submit = Callback::new(move |submission: BindSubmission| {
        let BindSubmission {
            request:
                BindRequest {
                    instance_ids,
                    force_stop,
                },
            instances,
        } = submission;
        let id = key_id.clone();
        stop.set(false);
        let send = move |instance_ids| {
            let (id, body) = (
                id.clone(),
                BindRequest {
                    instance_ids,
                    force_stop,
                },
            );
            async move {
                api.change_bindings(mode, &id, &body)
                    .await
                    .map(|r| r.results)
            }
        };
        let work = in_chunks(instance_ids, BIND_CHUNK, send, progress, stop);
        request.run(work, move |batch| {
            let _ = outcome.try_set(Some((batch, instances)));
            on_changed.run(());
        });
    });
    let retry = Callback::new(move |()| set_reload.update(|n| *n += 1));
    let key = StoredValue::new(key);
    view! {
        <Dialog title=instance_picker::title(mode) on_close=close class="dialog-wide">
            <p class="muted bind-key">
                {t(Msg::BindKey)} <strong>{key.with_value(|k| k.name.clone())}</strong> " "
                <span class="mono">{key.with_value(|k| k.id.clone())}</span>
            </p>
            <Transition fallback=Loading>
                {move || Suspend::new(async move {
                    match regions.await {
                        Ok(regions) => view! {
                            <BindStep mode key=key.get_value() regions loader request outcome progress stop submit close />
                        }.into_any(),
                        Err(error) => view! { <LoadError error on_retry=retry /> }.into_any(),
                    }
                })}
            </Transition>
        </Dialog>
    }
}

/// Instances per request when binding many: force-stopping them makes each request slow, so
/// the bar moves and **Stop** takes effect after at most this many more.
const BIND_CHUNK: usize = 10;

/// The server's answers and the instances the request named.
type Outcome = (Batch<BindResult>, Vec<Instance>);

/// The form, then the results once the server has answered.
#[component]
fn BindStep(
    mode: BindDirection,
    key: KeyPair,
    regions: Vec<Region>,
    loader: InstanceLoader,
    request: Request,
    outcome: RwSignal<Option<Outcome>>,
    progress: RwSignal<Option<BatchProgress>>,
    stop: RwSignal<bool>,
    submit: Callback<BindSubmission>,
    close: Callback<()>,
) -> impl IntoView {
    let doing = match mode {
        BindDirection::Bind => t(Msg::BindBinding),
        BindDirection::Unbind => t(Msg::BindUnbinding),
    };
    move || match (outcome.get(), progress.get()) {
        (Some((batch, picked)), _) => {
            let Batch {
                results,
                not_attempted,
                error,
            } = batch;
            let response = BindResponse { results };
            view! {
                <BindResults mode response picked not_attempted error on_close=close />
            }
            .into_any()
        }
        (None, Some(progress)) => view! {
            <BatchRunning doing progress stopping=stop on_stop=move |()| stop.set(true) />
        }
        .into_any(),
        (None, None) => view! {
            <BindInstancesForm
                mode
                key_id=key.id.clone()
                bound_ids=key.instance_ids.clone()
                regions=regions.clone()
                loader
                request
                on_submit=submit
                on_cancel=close
            />
        }
        .into_any(),
    }
}
