//! `/images`: the custom images and the keys baked into them.

use keyrack_api::Image;
use leptos::prelude::*;
use leptos_router::components::A;

use crate::api::Api;
use crate::components::status::{LoadError, Loading};
use crate::{format, routes};

/// The Images page.
#[component]
pub fn ImagesPage() -> impl IntoView {
    let api = expect_context::<Api>();
    let (reload, set_reload) = signal(0u32);
    let images = LocalResource::new(move || {
        reload.track();
        async move { api.list_images().await }
    });
    let retry = Callback::new(move |()| set_reload.update(|n| *n += 1));
    view! {
        <section class="card">
            <Transition fallback=Loading>
                {move || Suspend::new(async move {
                    match images.await {
                        Ok(list) => view! { <ImageTable items=list.items /> }.into_any(),
                        Err(error) => view! { <LoadError error on_retry=retry /> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn ImageTable(items: Vec<Image>) -> impl IntoView {
    if items.is_empty() {
        return view! { <p class="state">"No custom images."</p> }.into_any();
    }
    view! {
        <div class="table-wrap">
            <table class="table">
                <thead><tr><th>"ID/Name"</th><th>"Region"</th><th>"SSH keys"</th><th>"Created"</th></tr></thead>
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
