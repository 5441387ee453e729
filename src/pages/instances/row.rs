//! One instance in the table, with **Start**, **Shut down** and **Download authorized_keys**.

use keyrack_api::{Instance, PowerAction};
use leptos::prelude::*;
use leptos_router::components::A;

use super::fleet_rows::FleetRows;
use crate::api::Api;
use crate::i18n::{msg, t, Msg};
use crate::widgets::instance_state::{os_label, StateBadge};
use crate::widgets::toast::Toasts;
use crate::{format, messages, routes};

/// A table row.
#[component]
pub fn InstanceRow(
    /// The instance, as last seen.
    instance: Instance,
    /// The table's rows and running requests.
    fleet: FleetRows,
) -> impl IntoView {
    let busy = {
        let id = instance.id.clone();
        move || fleet.busy.with(|b| b.contains(&id))
    };
    let run = power_switch(fleet, instance.id.clone(), instance.name.clone());
    let download = download_authorized_keys(instance.id.clone(), instance.name.clone());
    // **Start** and **Shut down**, each enabled where its transition begins.
    let power_buttons = PowerAction::ALL.map(|action| {
        let (run, busy) = (run.clone(), busy.clone());
        let can = action.begins_from(instance.state);
        let label = t(match action {
            PowerAction::Start => Msg::InstancesStart,
            PowerAction::Stop => Msg::InstancesShutDown,
        });
        view! {
            <button
                type="button"
                class="button link"
                disabled=move || !can || busy()
                on:click=move |_| run(action)
            >
                {label}
            </button>
        }
    });
    view! {
        <tr>
            <td><div class="mono nowrap">{instance.id.clone()}</div><div>{instance.name.clone()}</div></td>
            <td><StateBadge state=instance.state /></td>
            <td class="nowrap">{instance.region.clone()}</td>
            <td>{os_label(instance.os)}</td>
            <td class="mono">{instance.private_ip.clone()}</td>
            <td class="mono">{instance.public_ip.clone().unwrap_or_else(|| "—".into())}</td>
            <td><KeyLinks ids=instance.key_ids.clone() /></td>
            <td class="nowrap">{format::timestamp(&instance.created_at)}</td>
            <td class="operations admin-only">
                {power_buttons}
                <button type="button" class="button link" on:click=download>{t(Msg::InstancesDownload)}</button>
            </td>
        </tr>
    }
}

/// Sends Start or Shut down for one instance (once at a time), says how it went, and puts
/// the instance as the answer has it in the table.
fn power_switch(fleet: FleetRows, id: String, name: String) -> impl Fn(PowerAction) + Clone {
    let (api, toasts) = (expect_context::<Api>(), expect_context::<Toasts>());
    move |power: PowerAction| {
        let (id, name) = (id.clone(), name.clone());
        if !fleet
            .busy
            .try_update(|b| b.insert(id.clone()))
            .unwrap_or(false)
        {
            return;
        }
        leptos::task::spawn_local(async move {
            let result = api.change_power(power, &id).await;
            let _ = fleet.busy.try_update(|b| b.remove(&id));
            match (result, power) {
                (Ok(fresh), PowerAction::Start) => {
                    toasts.success(msg::instances_starting(&name));
                    fleet.replace(fresh);
                }
                (Ok(fresh), PowerAction::Stop) => {
                    toasts.success(msg::instances_shutting_down(&name));
                    fleet.replace(fresh);
                }
                (Err(e), PowerAction::Start) => {
                    toasts.failure(msg::instances_start_failed(&name, messages::describe(&e)))
                }
                (Err(e), PowerAction::Stop) => toasts.failure(msg::instances_shut_down_failed(
                    &name,
                    messages::describe(&e),
                )),
            }
        });
    }
}

/// Saves the instance's `authorized_keys`: exactly the bytes sshd's script gets for this
/// instance at this moment.
fn download_authorized_keys(id: String, name: String) -> impl Fn(leptos::ev::MouseEvent) {
    let (api, toasts) = (expect_context::<Api>(), expect_context::<Toasts>());
    move |_| {
        let (id, name) = (id.clone(), name.clone());
        leptos::task::spawn_local(async move {
            let saved = match api.authorized_keys(&id).await {
                Ok(text) => crate::keygen::download::save(text.as_bytes(), "authorized_keys")
                    .map_err(|_| t(Msg::InstancesDownloadRefused).to_owned()),
                Err(e) => Err(messages::describe(&e)),
            };
            if let Err(why) = saved {
                toasts.failure(msg::instances_download_failed(&name, &why));
            }
        });
    }
}

/// The number of bound keys and a link to each one.
#[component]
fn KeyLinks(ids: Vec<String>) -> impl IntoView {
    let count = ids.len();
    view! {
        <div class="key-links">
            <span>{format::number(count as f64)}</span>
            {ids.into_iter().map(|k| {
                let href = routes::key_details(&k);
                view! { <A href=href attr:class="mono key-link">{k}</A> }
            }).collect_view()}
        </div>
    }
}
