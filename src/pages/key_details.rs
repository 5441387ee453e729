//! `/keys/{id}`: every field of one key pair, with Modify, Edit tags and Delete.

use keyrack_api::{ErrorCode, KeyPair, Origin, Timestamp};
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map};

mod bindings;
mod logins;

use self::bindings::{none_or, BoundInstances, KeyImages};
use self::logins::KeyLoginList;
use crate::api::Api;
use crate::i18n::{msg, t, Msg};
use crate::key_pairs::bind_buttons::bind_buttons;
use crate::key_pairs::dialogs::{KeyDialog, KeyDialogHost};
use crate::widgets::copy_button::CopyButton;
use crate::widgets::status::{LoadError, Loading};
use crate::{format, routes};

/// `/keys/{id}` as the router shows it: its own wasm chunk, fetched when first opened (src/lazy.rs).
#[cfg_attr(keyrack_split, leptos::lazy)]
pub async fn key_details_page() -> AnyView {
    view! { <KeyDetailsPage /> }.into_any()
}

/// The details page.
#[component]
pub fn KeyDetailsPage() -> impl IntoView {
    let api = expect_context::<Api>();
    let params = use_params_map();
    let id = Memo::new(move |_| params.with(|p| p.get("id").unwrap_or_default()));
    let (reload, set_reload) = signal(0u32);
    let key = LocalResource::new(move || {
        let id = id.get();
        reload.track();
        async move { api.get_key_pair(&id).await }
    });
    let dialog = RwSignal::new(None::<KeyDialog>);
    let refresh = Callback::new(move |()| set_reload.update(|n| *n += 1));
    let navigate = use_navigate();
    let deleted = Callback::new(move |()| navigate(routes::KEYS, Default::default()));
    view! {
        <p class="breadcrumb"><A href=routes::KEYS>{t(Msg::DetailsBreadcrumbKeys)}</A> " / " {move || id.get()}</p>
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match key.await {
                    Ok(key) => view! { <KeyDetails key dialog /> }.into_any(),
                    Err(e) if matches!(e.code, ErrorCode::KeyPairNotFound { .. } | ErrorCode::NotFound { .. }) => {
                        view! { <NotFound /> }.into_any()
                    }
                    Err(error) => view! { <LoadError error on_retry=refresh /> }.into_any(),
                }
            })}
        </Transition>
        <KeyDialogHost dialog on_changed=refresh on_deleted=deleted />
    }
}

#[component]
fn NotFound() -> impl IntoView {
    view! {
        <section class="card state">
            <h2>{t(Msg::DetailsNotFoundTitle)}</h2>
            <p class="muted">{t(Msg::DetailsNotFoundText)}</p>
            <A href=routes::KEYS attr:class="button">{t(Msg::DetailsNotFoundBack)}</A>
        </section>
    }
}

/// "Never", "2027-03-01 00:00 UTC (in 12 days)", or "Expired on 2026-11-01 00:00 UTC: sshd no
/// longer gets this key".
fn expires_line(expires_at: Option<&Timestamp>) -> impl IntoView {
    let (text, class) = format::expiry(expires_at);
    match expires_at {
        None => view! { <span>{text}</span> }.into_any(),
        Some(at) if text == t(Msg::FormatExpired) => view! {
            <span class=class>{text}</span>
            {msg::details_expired_on(format::timestamp(at))}
        }
        .into_any(),
        Some(at) => view! {
            {format::timestamp(at)} " " <span class=class>{msg::details_expires_in(&text)}</span>
        }
        .into_any(),
    }
}

/// Bind, Unbind, Modify, Edit tags and Delete, each opening its dialog.
#[component]
fn KeyActions(key: KeyPair, dialog: RwSignal<Option<KeyDialog>>) -> impl IntoView {
    let open = move |d: KeyDialog| dialog.set(Some(d));
    let (k1, k2, k3) = (key.clone(), key.clone(), key.clone());
    view! {
        <div class="actions admin-only">
            {bind_buttons(key, dialog.write_only(), "button")}
            <button type="button" class="button" on:click=move |_| open(KeyDialog::Modify(k1.clone()))>{t(Msg::DetailsModify)}</button>
            <button type="button" class="button" on:click=move |_| open(KeyDialog::EditTags(k2.clone()))>{t(Msg::DetailsEditTags)}</button>
            <button type="button" class="button danger" on:click=move |_| open(KeyDialog::Delete(k3.clone()))>{t(Msg::DetailsDelete)}</button>
        </div>
    }
}

#[component]
fn KeyDetails(key: KeyPair, dialog: RwSignal<Option<KeyDialog>>) -> impl IntoView {
    let origin = match key.origin {
        Origin::Generated => t(Msg::DetailsOriginGenerated),
        Origin::Imported => t(Msg::DetailsOriginImported),
    };
    // The OpenSSH line with its comment, as `ssh-keygen` writes a `.pub` file.
    let openssh_line = match key.comment.as_str() {
        "" => key.public_key.clone(),
        comment => format!("{} {comment}", key.public_key),
    };
    let toasts = expect_context::<crate::widgets::toast::Toasts>();
    let download_pub = {
        let (line, file) = (format!("{openssh_line}\n"), format!("{}.pub", key.name));
        move |_| {
            if crate::keygen::download::save(line.as_bytes(), &file).is_err() {
                toasts.failure(t(Msg::DetailsDownloadRefused));
            }
        }
    };
    let tags = if key.tags.is_empty() {
        view! { <span class="muted">{t(Msg::DetailsNone)}</span> }.into_any()
    } else {
        key.tags
            .iter()
            .map(|tag| view! { <span class="tag">{format!("{}: {}", tag.key, tag.value)}</span> })
            .collect_view()
            .into_any()
    };
    view! {
        <section class="card">
            <div class="card-header">
                <h2>{key.name.clone()}</h2>
                <KeyActions key=key.clone() dialog />
            </div>
            <dl class="details">
                <dt>{t(Msg::DetailsName)}</dt><dd>{key.name.clone()}</dd>
                <dt>"ID"</dt><dd class="mono">{key.id.clone()}</dd>
                <dt>{t(Msg::DetailsDescription)}</dt><dd>{key.description.clone()}</dd>
                <dt>{t(Msg::DetailsType)}</dt><dd>{format::key_type(key.algorithm, key.bits)} " (" {key.algorithm.as_str()} ")"</dd>
                <dt>{t(Msg::DetailsBits)}</dt><dd>{key.bits}</dd>
                <dt>{t(Msg::DetailsPolicy)}</dt>
                <dd class="policy-mark">
                    {if key.allowed_by_policy {
                        view! { <span>{t(Msg::DetailsPolicyAllowed)}</span> }.into_any()
                    } else {
                        view! {
                            <span class="badge badge-warning">{t(Msg::DetailsPolicyNotAllowed)}</span>
                            {t(Msg::DetailsPolicyBeforeChange)}
                            <A href=routes::POLICY>{t(Msg::DetailsPolicySee)}</A>
                            {t(Msg::DetailsPolicyEnd)}
                        }
                        .into_any()
                    }}
                </dd>
                <dt>{t(Msg::DetailsFingerprintSha256)}</dt>
                <dd><span class="mono">{key.fingerprint_sha256.clone()}</span> <CopyButton text=key.fingerprint_sha256.clone() what=t(Msg::DetailsCopyFingerprint) /></dd>
                <dt>{t(Msg::DetailsFingerprintMd5)}</dt><dd class="mono">{key.fingerprint_md5.clone()}</dd>
                <dt>{t(Msg::DetailsComment)}</dt><dd>{key.comment.clone()}</dd>
                <dt>{t(Msg::DetailsOrigin)}</dt><dd>{origin}</dd>
                <dt>{t(Msg::DetailsPublicKey)}</dt>
                <dd>
                    <pre class="public-key mono">{openssh_line.clone()}</pre>
                    <CopyButton text=openssh_line.clone() what=t(Msg::DetailsCopyPublicKey) />
                    <button type="button" class="button link" on:click=download_pub>{t(Msg::DetailsDownloadPub)}</button>
                </dd>
                <dt>{t(Msg::DetailsTags)}</dt><dd class="tags">{tags}</dd>
                <dt>{t(Msg::DetailsExpires)}</dt><dd class="expires">{expires_line(key.expires_at.as_ref())}</dd>
                <dt>{t(Msg::DetailsCreated)}</dt><dd>{format::timestamp(&key.created_at)}</dd>
                <dt>{t(Msg::DetailsUpdated)}</dt><dd>{format::timestamp(&key.updated_at)}</dd>
                <dt>{t(Msg::DetailsBoundInstances)}</dt><dd>{none_or(&key.instance_ids, || view! { <BoundInstances key_id=key.id.clone() ids=key.instance_ids.clone() /> }.into_any())}</dd>
                <dt>{t(Msg::DetailsLastLogin)}</dt>
                <dd class="last-login"><KeyLoginList key_id=key.id.clone() ever=key.last_login.is_some() /></dd>
                <dt>{t(Msg::DetailsCustomImages)}</dt><dd>{none_or(&key.image_ids, || view! { <KeyImages ids=key.image_ids.clone() /> }.into_any())}</dd>
            </dl>
        </section>
    }
}
