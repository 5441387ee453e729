//! The Export menu of the SSH Key page: the whole filtered view (every page, not just the
//! one on screen) saved as CSV or JSON, as `GET /key-pairs/export.{csv,json}` writes it.

use keyrack_api::KeyPairQuery;
use leptos::prelude::*;

use crate::api::Api;
use crate::i18n::{msg, t, Msg};
use crate::keygen::download;
use crate::messages;
use crate::widgets::toast::Toasts;

/// The Export menu's items: their own wasm chunk, fetched when the menu first opens
/// (src/lazy.rs).
#[cfg_attr(keyrack_split, leptos::lazy)]
pub async fn export_menu(view: Memo<KeyPairQuery>, on_picked: Callback<()>) -> AnyView {
    view! { <ExportItems view on_picked /> }.into_any()
}

/// *Export CSV* and *Export JSON*; `on_picked` closes the menu.
#[component]
pub fn ExportItems(view: Memo<KeyPairQuery>, on_picked: Callback<()>) -> impl IntoView {
    let (api, toasts) = (expect_context::<Api>(), expect_context::<Toasts>());
    let (exporting, set_exporting) = signal(false);
    let export = move |extension: &'static str| {
        on_picked.run(());
        let query = KeyPairQuery {
            offset: None,
            limit: None,
            ..view.get_untracked()
        };
        set_exporting.set(true);
        leptos::task::spawn_local(async move {
            let saved = match api.export_key_pairs(&query, extension).await {
                Ok(text) => {
                    download::save(text.as_bytes(), &format!("keyrack-key-pairs.{extension}"))
                        .map_err(|_| t(Msg::KeysExportRefused).to_owned())
                }
                Err(e) => Err(messages::describe(&e)),
            };
            let _ = set_exporting.try_set(false);
            if let Err(why) = saved {
                toasts.failure(msg::keys_export_failed(&why));
            }
        });
    };
    view! {
        <button type="button" class="menu-item" disabled=exporting on:click=move |_| export("csv")>{t(Msg::KeysExportCsv)}</button>
        <button type="button" class="menu-item" disabled=exporting on:click=move |_| export("json")>{t(Msg::KeysExportJson)}</button>
    }
}
