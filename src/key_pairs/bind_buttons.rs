//! **Bind instance** and **Unbind instance**, as a key's row and its details page show them.

use keyrack_api::{BindDirection, KeyPair};
use leptos::prelude::*;

use crate::i18n::{t, Msg};
use crate::key_pairs::dialogs::binding::BindingDialog;
use crate::key_pairs::dialogs::KeyDialog;

/// Both open the binding dialog for `key` in `dialog`; Unbind is disabled, saying why, while
/// the key is bound to no instance. `class`: links in a row, buttons on the details page. A
/// function, not a component: the SSH Key list is the first load, and a component's props
/// builder weighs on it.
pub fn bind_buttons(
    key: KeyPair,
    dialog: WriteSignal<Option<KeyDialog>>,
    class: &'static str,
) -> impl IntoView {
    let unbound = key.instance_ids.is_empty();
    let open = move |mode: BindDirection, key: &KeyPair| {
        dialog.set(Some(KeyDialog::Binding(BindingDialog {
            mode,
            key: key.clone(),
        })))
    };
    let unbind_key = key.clone();
    view! {
        <button type="button" class=class on:click=move |_| open(BindDirection::Bind, &key)>{t(Msg::KeysBindInstance)}</button>
        <button
            type="button"
            class=class
            disabled=unbound
            title=unbound.then_some(t(Msg::KeysNotBound))
            on:click=move |_| open(BindDirection::Unbind, &unbind_key)
        >
            {t(Msg::KeysUnbindInstance)}
        </button>
    }
}
