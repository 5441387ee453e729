//! `/instances`: the fleet, filtered by region, state and text (all in the URL), with
//! **Start** and **Shut down** per instance.

mod row;
mod table;
mod toolbar;

use keyrack_api::InstanceQuery;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use self::table::InstanceTable;
use self::toolbar::InstancesToolbar;
use crate::api::Api;
use crate::components::status::{LoadError, Loading};
use crate::routes::ListView;

/// The Instances page.
#[component]
pub fn InstancesPage() -> impl IntoView {
    let api = expect_context::<Api>();
    let query = use_query_map();
    let view_state =
        Memo::new(move |_| query.with(|q| InstanceQuery::from_url(&q.to_query_string())));
    let (reload, set_reload) = signal(0u32);
    let instances = LocalResource::new(move || {
        let query = view_state.get().list_query();
        reload.track();
        async move { api.list_instances_page(&query).await }
    });
    let refresh = Callback::new(move |()| set_reload.update(|n| *n += 1));
    let (loading, set_loading) = signal(false);
    view! {
        <section class="card">
            <InstancesToolbar view=view_state refresh loading />
            <Transition fallback=Loading set_pending=set_loading>
                {move || Suspend::new(async move {
                    match instances.await {
                        Ok(list) => view! {
                            <InstanceTable items=list.items total=list.total view=view_state />
                        }.into_any(),
                        Err(error) => view! { <LoadError error on_retry=refresh /> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}
