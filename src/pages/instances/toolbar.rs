//! Region, state and text filters above the instance table; each one changes the URL.

use keyrack_api::{InstanceQuery, InstanceState};
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

use crate::api::Api;
use crate::i18n::{t, Msg};
use crate::routes::{non_blank, ListView};
use crate::widgets::instance_state::state_label;
use crate::widgets::refresh_button::RefreshButton;
use crate::widgets::search_box::SearchBox;

const STATES: [InstanceState; 4] = [
    InstanceState::Running,
    InstanceState::Stopped,
    InstanceState::Starting,
    InstanceState::Stopping,
];

/// The toolbar of the Instances page.
#[component]
pub fn InstancesToolbar(
    /// The current view, from the URL.
    view: Memo<InstanceQuery>,
    /// Reloads the list.
    refresh: Callback<()>,
    /// True while the list reloads.
    loading: ReadSignal<bool>,
) -> impl IntoView {
    let navigate = use_navigate();
    // A new filter starts at the first page.
    let go = move |change: &dyn Fn(&mut InstanceQuery)| {
        let current = view.get_untracked();
        let mut next = current.at_page(1, current.size());
        change(&mut next);
        navigate(&next.href(), Default::default());
    };
    let go_region = go.clone();
    let set_region = move |ev: leptos::ev::Event| {
        go_region(&|v| v.region = non_blank(event_target_value(&ev)));
    };
    let go_state = go.clone();
    let set_state = move |ev: leptos::ev::Event| {
        go_state(&|v| v.state = event_target_value(&ev).parse().ok());
    };
    let search = Callback::new(move |text: String| {
        go(&|v| v.q = non_blank(text.trim().to_owned()));
    });
    view! {
        <div class="toolbar">
            <RegionSelect view on_change=set_region />
            <label class="inline-label">
                {t(Msg::InstancesState)} " "
                <select class="input" on:change=set_state>
                    <option value="" selected=move || view.with(|v| v.state.is_none())>{t(Msg::InstancesAllStates)}</option>
                    {STATES.map(|s| view! {
                        <option value=s.to_string() selected=move || view.with(|v| v.state == Some(s))>{state_label(s)}</option>
                    })}
                </select>
            </label>
            <SearchBox
                label=t(Msg::InstancesSearchLabel)
                placeholder=t(Msg::InstancesSearchPlaceholder)
                current=Signal::derive(move || view.with(|v| v.q.clone().unwrap_or_default()))
                on_search=search
            />
            <RefreshButton refresh loading />
        </div>
    }
}

/// Region filter, filled from `/regions`.
#[component]
fn RegionSelect(
    view: Memo<InstanceQuery>,
    on_change: impl Fn(leptos::ev::Event) + 'static,
) -> impl IntoView {
    let api = expect_context::<Api>();
    let regions =
        LocalResource::new(move || async move { api.list_regions().await.unwrap_or_default() });
    let region = move || view.with(|v| v.region.clone().unwrap_or_default());
    view! {
        <label class="inline-label">
            {t(Msg::InstancesRegion)} " "
            <select class="input" on:change=on_change>
                <option value="" selected=move || region().is_empty()>{t(Msg::InstancesAllRegions)}</option>
                {move || regions.get().unwrap_or_default().into_iter().map(|r| {
                    let id = r.id.clone();
                    view! { <option value=r.id selected=move || region() == id>{r.name}</option> }
                }).collect_view()}
            </select>
        </label>
    }
}
