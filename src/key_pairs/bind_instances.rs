//! **Bind instance** and **Unbind instance**: *Region*, a searchable multi-select of
//! instances and *Force shutdown*. The server searches and pages (20 at a time); the
//! selection lives here, so it survives a page or search change. The per-instance results
//! are in [`super::bind_results`].

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use keyrack_api::{
    ApiError, BindDirection, BindRequest, Instance, InstanceQuery, List, Region, BIND_INSTANCES_MAX,
};
use leptos::prelude::*;

mod parts;
mod picker;

use self::parts::{ForceShutdown, ForceShutdownWarning, Pager, PickList, PickerFilters};
use self::picker::Picker;
use super::instance_picker::{self, Selection};
use crate::format::number;
use crate::i18n::msg;
use crate::widgets::form::{FormButtons, ServerError};
use crate::widgets::request::Request;

/// Instances per page of the list.
pub const PAGE_SIZE: u32 = 20;

/// How long the search box waits for more typing before it asks the server.
const SEARCH_PAUSE: Duration = Duration::from_millis(250);

/// One page of instances, on its way.
pub type InstancePage = Pin<Box<dyn Future<Output = Result<List<Instance>, ApiError>>>>;

/// Fetches one page of instances for a query: `GET /instances` in the console, a fixed
/// list in tests.
pub type InstanceLoader = Callback<InstanceQuery, InstancePage>;

/// What **Bind** / **Unbind** hands over.
#[derive(Debug, Clone, PartialEq)]
pub struct BindSubmission {
    /// The request: the ids in the order picked.
    pub request: BindRequest,
    /// The picked instances as they were listed, so the results can name them.
    pub instances: Vec<Instance>,
}

/// The form of both dialogs. It never calls the API itself: `loader` fetches the pages and
/// `on_submit` gets the request.
#[component]
pub fn BindInstancesForm(
    /// Bind or unbind.
    mode: BindDirection,
    /// The key pair's id.
    #[prop(into)]
    key_id: String,
    /// The instances the key pair is bound to (`instance_ids`), shown as already bound.
    bound_ids: Vec<String>,
    /// Every region.
    regions: Vec<Region>,
    /// Fetches one page; unbinding asks only for the key pair's instances (`key_pair`).
    #[prop(into)]
    loader: InstanceLoader,
    /// The request: OK waits while it runs; its refusal shows in the form, which keeps
    /// what was typed.
    request: Request,
    /// Called by **Bind** / **Unbind** with the picked instances.
    #[prop(into)]
    on_submit: Callback<BindSubmission>,
    /// Called by Cancel.
    #[prop(into)]
    on_cancel: Callback<()>,
) -> impl IntoView {
    let (pending, server_error) = request.signals();
    let picker = Picker::new(mode, key_id, bound_ids, loader);
    // The page shown follows region, search, page and Retry; the server answers.
    Effect::new(move |_| picker.load());
    on_cleanup(move || picker.stop_typing());
    let count = move || picker.selected.with(Selection::len);
    let too_many = move || count() > BIND_INSTANCES_MAX;
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let picked = picker.selected.get_untracked();
        if !picked.is_empty() && picked.len() <= BIND_INSTANCES_MAX {
            let request = BindRequest {
                instance_ids: picked.ids(),
                force_stop: picker.force.get_untracked(),
            };
            let instances = picked.into_instances();
            on_submit.run(BindSubmission { request, instances });
        }
    };
    view! {
        <form class="form bind-form" on:submit=submit>
            <PickerFilters picker regions />
            <div class="pick-pane">
                <PickList picker />
                <Pager picker />
            </div>
            <div class="bind-options">
                <ForceShutdown picker />
                <p class="muted" aria-live="polite">
                    {move || msg::bind_selected(number(count() as f64))}
                    {move || {
                        too_many().then(|| {
                            msg::bind_at_most(number(BIND_INSTANCES_MAX as f64))
                        })
                    }}
                </p>
            </div>
            <ForceShutdownWarning picker />
            <ServerError error=server_error />
            <FormButtons
                pending
                blocked=Signal::derive(move || count() == 0 || too_many())
                on_cancel
                ok_label=instance_picker::action(mode)
            />
        </form>
    }
}
