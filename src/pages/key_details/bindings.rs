//! The instances a key pair is bound to and the custom images that carry it.

use keyrack_api::{Image, Instance, InstanceQuery};
use leptos::prelude::*;
use leptos_router::components::A;

use crate::api::Api;
use crate::i18n::{t, Msg};
use crate::routes::{self, ListView};
use crate::widgets::instance_state::StateBadge;

/// "None" for no ids, else what `shown` shows of them.
pub fn none_or(ids: &[String], shown: impl FnOnce() -> AnyView) -> AnyView {
    if ids.is_empty() {
        view! { <span class="muted">{t(Msg::DetailsNone)}</span> }.into_any()
    } else {
        shown()
    }
}

/// The bound instances: name, id, state, region and a link to them on the Instances page.
#[component]
pub fn BoundInstances(
    /// The key pair's id.
    key_id: String,
    /// The key pair's `instance_ids`.
    ids: Vec<String>,
) -> impl IntoView {
    let api = expect_context::<Api>();
    let ids = StoredValue::new(ids);
    // Exactly the instances bound to this key, however large the fleet.
    let instances = LocalResource::new(move || {
        let key_id = key_id.clone();
        async move { api.list_instances_bound_to(&key_id).await }
    });
    let rows = move || {
        let known: Vec<Instance> = match instances.get() {
            Some(Ok(all)) => all,
            _ => Vec::new(),
        };
        ids.get_value()
            .into_iter()
            .map(|id| match known.iter().find(|i| i.id == id) {
                Some(i) => view! { <BoundInstanceRow instance=i.clone() /> }.into_any(),
                None => view! {
                    <tr><td class="mono">{id}</td><td colspan="4" class="muted">{
                        t(if instances.get().is_some() { Msg::DetailsInstanceNotFound } else { Msg::DetailsLoading })
                    }</td></tr>
                }
                .into_any(),
            })
            .collect_view()
    };
    view! {
        <table class="table table-compact">
            <thead><tr><th>"ID"</th><th>{t(Msg::DetailsName)}</th><th>{t(Msg::DetailsState)}</th><th>{t(Msg::DetailsRegion)}</th><th></th></tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
}

#[component]
fn BoundInstanceRow(instance: Instance) -> impl IntoView {
    let href = InstanceQuery {
        region: Some(instance.region.clone()),
        q: Some(instance.id.clone()),
        ..Default::default()
    }
    .href();
    view! {
        <tr>
            <td class="mono">{instance.id.clone()}</td>
            <td>{instance.name.clone()}</td>
            <td><StateBadge state=instance.state /></td>
            <td>{instance.region.clone()}</td>
            <td><A href=href>{t(Msg::DetailsViewInInstances)}</A></td>
        </tr>
    }
}

/// The custom images that carry the key pair: name and id.
#[component]
pub fn KeyImages(
    /// The key pair's `image_ids`.
    ids: Vec<String>,
) -> impl IntoView {
    let api = expect_context::<Api>();
    let ids = StoredValue::new(ids);
    let images = LocalResource::new(move || async move { api.list_images().await });
    let rows = move || {
        let known: Vec<Image> = match images.get() {
            Some(Ok(list)) => list.items,
            _ => Vec::new(),
        };
        ids.get_value()
            .into_iter()
            .map(|id| {
                let name = known
                    .iter()
                    .find(|i| i.id == id)
                    .map(|i| i.name.clone())
                    .unwrap_or_default();
                view! { <li><span class="mono">{id}</span> " " {name}</li> }
            })
            .collect_view()
    };
    view! {
        <ul class="plain-list">{rows}</ul>
        <A href=routes::IMAGES>{t(Msg::DetailsViewCustomImages)}</A>
    }
}
