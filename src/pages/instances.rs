//! `/instances`: the fleet, filtered by region, state and text (all in the URL), with
//! **Start** and **Shut down** per instance.

mod fleet_rows;
mod row;
mod table;
mod toolbar;

use keyrack_api::InstanceQuery;
use leptos::prelude::*;

use self::table::InstanceTable;
use self::toolbar::InstancesToolbar;
use crate::api::Api;
use crate::routes::ListView;
use crate::widgets::list_page::{use_list_view, ListPage};

/// `/instances` as the router shows it: its own wasm chunk, fetched when first opened (src/lazy.rs).
#[cfg_attr(keyrack_split, leptos::lazy)]
pub async fn instances_page() -> AnyView {
    view! { <InstancesPage /> }.into_any()
}

/// The Instances page.
#[component]
pub fn InstancesPage() -> impl IntoView {
    let api = expect_context::<Api>();
    let view_state = use_list_view::<InstanceQuery>();
    let instances = ListPage::new(move || {
        let query = view_state.get().list_query();
        async move { api.list_instances_page(&query).await }
    });
    let (refresh, loading) = (instances.reload(), instances.loading);
    view! {
        <section class="card">
            <InstancesToolbar view=view_state refresh loading />
            {instances.view(move |list| view! {
                <InstanceTable items=list.items total=list.total view=view_state />
            }.into_any())}
        </section>
    }
}
