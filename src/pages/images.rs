//! `/images`: the custom images and the keys baked into them.

use keyrack_api::Image;
use leptos::prelude::*;
use leptos_router::components::A;

use crate::api::Api;
use crate::i18n::{t, Msg};
use crate::widgets::list_page::ListPage;
use crate::{format, routes};

/// `/images` as the router shows it: its own wasm chunk, fetched when first opened (src/lazy.rs).
#[cfg_attr(keyrack_split, leptos::lazy)]
pub async fn images_page() -> AnyView {
    view! { <ImagesPage /> }.into_any()
}

/// The Images page.
#[component]
pub fn ImagesPage() -> impl IntoView {
    let api = expect_context::<Api>();
    let images = ListPage::new(move || async move { api.list_images().await });
    view! {
        <section class="card">
            {images.view(|list| view! { <ImageTable items=list.items /> }.into_any())}
        </section>
    }
}

#[component]
fn ImageTable(items: Vec<Image>) -> impl IntoView {
    if items.is_empty() {
        return view! { <p class="state">{t(Msg::ImagesEmpty)}</p> }.into_any();
    }
    view! {
        <div class="table-wrap">
            <table class="table">
                <thead><tr>
                    <th>{t(Msg::ImagesColumnIdName)}</th>
                    <th>{t(Msg::ImagesColumnRegion)}</th>
                    <th>{t(Msg::ImagesColumnSshKeys)}</th>
                    <th>{t(Msg::ImagesColumnCreated)}</th>
                </tr></thead>
                <tbody>
                    {items.into_iter().map(|i| view! {
                        <tr>
                            <td><div class="mono">{i.id}</div><div>{i.name}</div></td>
                            <td>{i.region}</td>
                            <td>{i.key_ids.into_iter().map(|k| {
                                let href = routes::key_details(&k);
                                view! { <A href=href attr:class="mono key-link">{k}</A> }
                            }).collect_view()}</td>
                            <td>{format::timestamp(&i.created_at)}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}
