//! One page of instances. While any of them is starting or shutting down, those are
//! polled every second, so their rows change without a reload.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use keyrack_api::{ErrorCode, Instance, InstanceQuery};
use leptos::prelude::*;

use super::fleet_rows::FleetRows;
use super::row::InstanceRow;
use crate::api::Api;
use crate::i18n::{t, Msg};
use crate::routes::ListView;
use crate::widgets::instance_state::is_transitional;
use crate::widgets::pagination::Pagination;

const POLL_EVERY: Duration = Duration::from_secs(1);

/// The instance table with its pagination.
#[component]
pub fn InstanceTable(
    /// The rows of this page.
    items: Vec<Instance>,
    /// Matches in all pages.
    total: u64,
    /// The current view, for pagination.
    view: Memo<InstanceQuery>,
) -> impl IntoView {
    let fleet = FleetRows::new(items);
    poll_transitions(fleet);
    let empty = fleet.rows.with_untracked(Vec::is_empty);
    let current = view.get_untracked();
    let href = Callback::new(move |(page, size)| view.get_untracked().at_page(page, size).href());
    view! {
        <div class="table-wrap">
            <table class="table">
                <thead><tr>
                    <th>{t(Msg::InstancesColumnIdName)}</th>
                    <th>{t(Msg::InstancesState)}</th>
                    <th>{t(Msg::InstancesRegion)}</th>
                    <th>{t(Msg::InstancesColumnOs)}</th>
                    <th>{t(Msg::InstancesColumnPrivateIp)}</th>
                    <th>{t(Msg::InstancesColumnPublicIp)}</th>
                    <th>{t(Msg::InstancesColumnSshKeys)}</th>
                    <th>{t(Msg::InstancesColumnCreated)}</th>
                    <th class="admin-only">{t(Msg::InstancesColumnOperation)}</th>
                </tr></thead>
                <tbody>
                    <For
                        each=move || fleet.rows.get()
                        key=|i| (i.id.clone(), i.state, i.key_ids.clone())
                        let:instance
                    >
                        <InstanceRow instance fleet />
                    </For>
                </tbody>
            </table>
            {empty.then(|| view! { <p class="state">{t(Msg::InstancesEmpty)}</p> })}
        </div>
        <Pagination total page=current.page() size=current.size() href />
    }
}

/// Polls the starting and stopping instances every second while there are any; stops
/// when none is left and when the table unmounts.
fn poll_transitions(fleet: FleetRows) {
    let api = expect_context::<Api>();
    let moving = Memo::new(move |_| {
        fleet
            .rows
            .with(|rows| rows.iter().any(|i| is_transitional(i.state)))
    });
    let in_flight = Arc::new(AtomicBool::new(false));
    let poll = move || {
        let ids: Vec<String> = fleet.rows.with_untracked(|rows| {
            rows.iter()
                .filter(|i| is_transitional(i.state))
                .map(|i| i.id.clone())
                .collect()
        });
        if ids.is_empty() || in_flight.swap(true, Ordering::SeqCst) {
            return;
        }
        let in_flight = in_flight.clone();
        leptos::task::spawn_local(async move {
            for id in ids {
                match api.get_instance(&id).await {
                    Ok(fresh) => fleet.replace(fresh),
                    Err(e) if matches!(e.code, ErrorCode::InstanceNotFound { .. }) => {
                        fleet.remove(&id)
                    }
                    // A network blip: the next tick tries again.
                    Err(_) => {}
                }
            }
            in_flight.store(false, Ordering::SeqCst);
        });
    };
    let timer = Arc::new(Mutex::new(None::<IntervalHandle>));
    let effect_timer = timer.clone();
    Effect::new(move |_| {
        let Ok(mut slot) = effect_timer.lock() else {
            return;
        };
        match (moving.get(), slot.is_some()) {
            (true, false) => *slot = set_interval_with_handle(poll.clone(), POLL_EVERY).ok(),
            (false, true) => {
                if let Some(handle) = slot.take() {
                    handle.clear();
                }
            }
            _ => {}
        }
    });
    on_cleanup(move || {
        if let Some(handle) = timer.lock().ok().and_then(|mut slot| slot.take()) {
            handle.clear();
        }
    });
}
