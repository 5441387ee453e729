//! One key pair in the table.

use keyrack_api::{KeyLogin, KeyPair};
use leptos::html;
use leptos::prelude::*;
use leptos_router::components::A;

use super::KeysPageState;
use crate::i18n::{msg, t, Msg};
use crate::key_pairs::bind_buttons::bind_buttons;
use crate::key_pairs::dialogs::KeyDialog;
use crate::widgets::copy_button::CopyButton;
use crate::{format, routes};

/// A table row with its checkbox and operations.
#[component]
pub fn KeyRow(
    /// The key pair shown.
    key: KeyPair,
) -> impl IntoView {
    let state = expect_context::<KeysPageState>();
    let id = key.id.clone();
    let checked = {
        let id = id.clone();
        move || state.selected.with(|s| s.iter().any(|k| k.id == id))
    };
    let toggle = {
        let key = key.clone();
        move |_| {
            state
                .selected
                .update(|s| match s.iter().position(|k| k.id == key.id) {
                    Some(i) => {
                        s.remove(i);
                    }
                    None => s.push(key.clone()),
                })
        }
    };
    let modify = {
        let key = key.clone();
        move |_| state.open.set(Some(KeyDialog::Modify(key.clone())))
    };
    let tags = key
        .tags
        .iter()
        // i18n: not text: a tag as `key: value`
        .map(|t| view! { <span class="tag">{format!("{}: {}", t.key, t.value)}</span> })
        .collect_view();
    let (expires, expires_class) = format::expiry(key.expires_at.as_ref());
    let expires_title = key.expires_at.as_ref().map(format::timestamp);
    view! {
        <tr>
            <td class="col-check admin-only">
                <input type="checkbox" aria-label=msg::keys_select_one(&key.name) prop:checked=checked on:change=toggle />
            </td>
            <td>
                <A href=routes::key_details(&id) attr:class="mono id-link">{id.clone()}</A>
                <div class="name-line">
                    <span>{key.name.clone()}</span>
                    <button type="button" class="icon-button admin-only" aria-label=msg::keys_modify_name(&key.name) title=t(Msg::KeysModify) on:click=modify>
                        "✎"
                    </button>
                </div>
            </td>
            <td data-label=t(Msg::KeysColumnType)>
                {format::key_type(key.algorithm, key.bits)}
                {(!key.allowed_by_policy).then(|| view! {
                    <div><span class="badge badge-warning">{t(Msg::KeysNotAllowedByPolicy)}</span></div>
                })}
            </td>
            <td class="fingerprint" data-label=t(Msg::KeysFingerprint)>
                <span class="mono" title=key.fingerprint_sha256.clone()>{key.fingerprint_sha256.clone()}</span>
                <CopyButton text=key.fingerprint_sha256.clone() what=t(Msg::KeysCopyFingerprint) />
            </td>
            <td data-label=t(Msg::KeysColumnBoundInstances)>{format::number(key.instance_ids.len() as f64)}</td>
            // The date alone, so that Expires fits beside it on a laptop screen.
            <td class="nowrap" data-label=t(Msg::KeysColumnCreated) title=format::timestamp(&key.created_at)>{format::date(&key.created_at)}</td>
            <td class="nowrap expires" data-label=t(Msg::KeysColumnExpires) title=expires_title><span class=expires_class>{expires}</span></td>
            <LastLoginCell last_login=key.last_login.clone() />
            <td class="description" data-label=t(Msg::KeysColumnDescription)>{key.description.clone()}</td>
            <td class="tags" data-label=t(Msg::KeysColumnTags)>{tags}</td>
            <RowOperations key />
        </tr>
    }
}

/// When and where the key was last used to log in, with who and from where in its title.
#[component]
fn LastLoginCell(last_login: Option<KeyLogin>) -> impl IntoView {
    let login_title = last_login
        .as_ref()
        .map(|l| msg::keys_last_login_title(format::timestamp(&l.at), &l.user, &l.client_address));
    // "3 hours ago" and "on web-gz-01" each on one line when the column is narrow.
    let shown = match &last_login {
        Some(l) => view! {
            <span class="nowrap">{format::ago(&l.at)}</span>
            " "
            <span class="nowrap">{msg::keys_last_login_on(&l.instance_name)}</span>
        }
        .into_any(),
        None => t(Msg::KeysLastLoginNever).into_any(),
    };
    view! {
        <td class="last-login" data-label=t(Msg::KeysColumnLastLogin) title=login_title>{shown}</td>
    }
}

/// **Bind instance**, **Unbind instance** (only for a bound key) and **More**.
#[component]
fn RowOperations(key: KeyPair) -> impl IntoView {
    let state = expect_context::<KeysPageState>();
    view! {
        <td class="operations admin-only">
            // i18n: not text: CSS classes
            {bind_buttons(key.clone(), state.open, "button link")}
            <MoreMenu key />
        </td>
    }
}

/// **More**: Edit tags and Delete, in a native disclosure.
#[component]
fn MoreMenu(key: KeyPair) -> impl IntoView {
    let state = expect_context::<KeysPageState>();
    let details = NodeRef::<html::Details>::new();
    let summary = NodeRef::<html::Summary>::new();
    let pick = move |dialog: KeyDialog| {
        // The dialog gives focus back to what had it: **More**, not the hidden menu item.
        if let Some(s) = summary.get_untracked() {
            let _ = s.focus();
        }
        if let Some(d) = details.get_untracked() {
            d.set_open(false);
        }
        state.open.set(Some(dialog));
    };
    let edit = {
        let key = key.clone();
        move |_| pick(KeyDialog::EditTags(key.clone()))
    };
    let delete = move |_| pick(KeyDialog::Delete(key.clone()));
    view! {
        <details class="menu" node_ref=details>
            <summary class="button link" node_ref=summary>{t(Msg::KeysMore)}</summary>
            <div class="menu-items">
                <button type="button" class="menu-item" on:click=edit>{t(Msg::KeysEditTags)}</button>
                <button type="button" class="menu-item danger" on:click=delete>{t(Msg::KeysDelete)}</button>
            </div>
        </details>
    }
}
