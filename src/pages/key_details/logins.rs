//! The key's last login on each instance, as the instances reported them.

use leptos::prelude::*;

use crate::api::Api;
use crate::format;
use crate::i18n::{t, Msg};

/// One row per instance the key logged in to, newest first, or "Never".
#[component]
pub fn KeyLoginList(
    /// The key pair's id.
    key_id: String,
    /// Whether it ever logged in (its `last_login`): without one there is nothing to ask.
    ever: bool,
) -> impl IntoView {
    if !ever {
        return view! {
            <span class="muted">{t(Msg::DetailsLoginsNever)}</span>
        }
        .into_any();
    }
    let api = expect_context::<Api>();
    let logins = LocalResource::new(move || {
        let key_id = key_id.clone();
        async move { api.key_logins(&key_id).await }
    });
    let rows = move || {
        match logins.get() {
        None => view! { <tr><td colspan="4" class="muted">{t(Msg::DetailsLoading)}</td></tr> }.into_any(),
        Some(Err(e)) => {
            view! { <tr><td colspan="4" class="muted">{crate::messages::describe_common(&e)}</td></tr> }
                .into_any()
        }
        Some(Ok(list)) => list
            .items
            .into_iter()
            .map(|l| {
                view! {
                    <tr>
                        <td>{l.instance_name} <div class="mono muted">{l.instance_id}</div></td>
                        <td class="mono">{l.user}</td>
                        <td class="mono">{l.client_address}</td>
                        <td title=format::timestamp(&l.at)>{format::ago(&l.at)}</td>
                    </tr>
                }
            })
            .collect_view()
            .into_any(),
    }
    };
    view! {
        <table class="table table-compact">
            <thead><tr><th>{t(Msg::DetailsLoginInstance)}</th><th>{t(Msg::DetailsLoginAccount)}</th><th>{t(Msg::DetailsLoginFrom)}</th><th>{t(Msg::DetailsLoginWhen)}</th></tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
    .into_any()
}
