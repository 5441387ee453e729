//! `/instances`: a read-only list with a region filter kept in the URL.

use keyrack_api::{Instance, InstanceState, Os};
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};

use crate::api::Api;
use crate::components::status::{LoadError, Loading};
use crate::{format, routes};

/// The Instances page.
#[component]
pub fn InstancesPage() -> impl IntoView {
    let api = expect_context::<Api>();
    let query = use_query_map();
    let region = Memo::new(move |_| query.with(|q| q.get("region").unwrap_or_default()));
    let (reload, set_reload) = signal(0u32);
    let instances = LocalResource::new(move || {
        let region = region.get();
        reload.track();
        async move { api.list_instances(Some(&region)).await }
    });
    let retry = Callback::new(move |()| set_reload.update(|n| *n += 1));
    view! {
        <section class="card">
            <div class="toolbar"><RegionSelect region /></div>
            <Transition fallback=Loading>
                {move || Suspend::new(async move {
                    match instances.await {
                        Ok(list) => view! { <InstanceTable items=list.items /> }.into_any(),
                        Err(error) => view! { <LoadError error on_retry=retry /> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

/// Region filter, filled from `/regions`; choosing one changes the URL.
#[component]
fn RegionSelect(region: Memo<String>) -> impl IntoView {
    let api = expect_context::<Api>();
    let navigate = use_navigate();
    let regions =
        LocalResource::new(move || async move { api.list_regions().await.unwrap_or_default() });
    let change = move |ev: leptos::ev::Event| {
        navigate(
            &routes::instances_in(&event_target_value(&ev)),
            Default::default(),
        )
    };
    view! {
        <label class="inline-label">
            "Region "
            <select class="input" on:change=change>
                <option value="" selected=move || region.get().is_empty()>"All regions"</option>
                {move || regions.get().unwrap_or_default().into_iter().map(|r| {
                    let id = r.id.clone();
                    view! { <option value=r.id selected=move || region.get() == id>{r.name}</option> }
                }).collect_view()}
            </select>
        </label>
    }
}

#[component]
fn InstanceTable(items: Vec<Instance>) -> impl IntoView {
    if items.is_empty() {
        return view! { <p class="state">"No instances in this region."</p> }.into_any();
    }
    view! {
        <div class="table-wrap">
            <table class="table">
                <thead><tr>
                    <th>"ID/Name"</th><th>"State"</th><th>"Region"</th><th>"OS"</th>
                    <th>"Private IP"</th><th>"Public IP"</th><th>"Keys"</th><th>"Created"</th>
                </tr></thead>
                <tbody>
                    {items.into_iter().map(|i| view! {
                        <tr>
                            <td><div class="mono">{i.id}</div><div>{i.name}</div></td>
                            <td><StateBadge state=i.state /></td>
                            <td>{i.region}</td>
                            <td>{match i.os { Os::Linux => "Linux", Os::Windows => "Windows" }}</td>
                            <td class="mono">{i.private_ip}</td>
                            <td class="mono">{i.public_ip.unwrap_or_else(|| "—".into())}</td>
                            <td>{i.key_ids.len()}</td>
                            <td>{format::timestamp(&i.created_at)}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}

/// A coloured state label.
#[component]
pub fn StateBadge(state: InstanceState) -> impl IntoView {
    let class = match state {
        InstanceState::Running => "badge badge-success",
        InstanceState::Stopped => "badge badge-muted",
        InstanceState::Starting | InstanceState::Stopping => "badge badge-warning",
    };
    view! { <span class=class>{state.as_str()}</span> }
}
