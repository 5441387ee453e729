//! `/keys/{id}`: every field of one key pair, with Modify, Edit tags and Delete.

use keyrack_api::{ErrorCode, KeyPair, Origin};
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map};

mod bindings;
mod logins;

use self::bindings::{BoundInstances, KeyImages};
use self::logins::KeyLoginList;
use crate::api::Api;
use crate::key_pairs::dialogs::binding::BindingDialog;
use crate::key_pairs::dialogs::{KeyDialog, KeyDialogHost};
use crate::key_pairs::instance_picker::BindMode;
use crate::widgets::copy_button::CopyButton;
use crate::widgets::status::{LoadError, Loading};
use crate::{format, routes};

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
        <p class="breadcrumb"><A href=routes::KEYS>"SSH Key"</A> " / " {move || id.get()}</p>
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
            <h2>"SSH key not found"</h2>
            <p class="muted">"It may have been deleted, or the link is wrong."</p>
            <A href=routes::KEYS attr:class="button">"Back to SSH keys"</A>
        </section>
    }
}

/// "Never", "2027-03-01 00:00 UTC (in 12 days)", or "Expired on 2026-11-01 00:00 UTC: sshd no
/// longer gets this key".
fn expires_line(expires_at: Option<&str>) -> impl IntoView {
    let (text, class) = format::expiry(expires_at);
    match expires_at {
        None => view! { <span>{text}</span> }.into_any(),
        Some(at) if text == "Expired" => view! {
            <span class=class>"Expired"</span>
            " on " {format::timestamp(at)} ": sshd no longer gets this key. Modify it to extend the date."
        }
        .into_any(),
        Some(at) => view! {
            {format::timestamp(at)} " " <span class=class>"(" {text} ")"</span>
        }
        .into_any(),
    }
}

#[component]
fn KeyDetails(key: KeyPair, dialog: RwSignal<Option<KeyDialog>>) -> impl IntoView {
    let open = move |d: KeyDialog| dialog.set(Some(d));
    let (k1, k2, k3) = (key.clone(), key.clone(), key.clone());
    let bind_key = key.clone();
    let bind = move |mode: BindMode| {
        dialog.set(Some(KeyDialog::Binding(BindingDialog {
            mode,
            key: bind_key.clone(),
        })))
    };
    let unbind = bind.clone();
    let unbound = key.instance_ids.is_empty();
    let origin = match key.origin {
        Origin::Generated => "Created in the browser",
        Origin::Imported => "Imported",
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
                toasts.failure("The browser refused the download.");
            }
        }
    };
    let tags = if key.tags.is_empty() {
        view! { <span class="muted">"None"</span> }.into_any()
    } else {
        key.tags
            .iter()
            .map(|t| view! { <span class="tag">{format!("{}: {}", t.key, t.value)}</span> })
            .collect_view()
            .into_any()
    };
    view! {
        <section class="card">
            <div class="card-header">
                <h2>{key.name.clone()}</h2>
                <div class="actions admin-only">
                    <button type="button" class="button" on:click=move |_| bind(BindMode::Bind)>"Bind instance"</button>
                    <button
                        type="button"
                        class="button"
                        disabled=unbound
                        title=unbound.then_some("Not bound to any instance")
                        on:click=move |_| unbind(BindMode::Unbind)
                    >
                        "Unbind instance"
                    </button>
                    <button type="button" class="button" on:click=move |_| open(KeyDialog::Modify(k1.clone()))>"Modify"</button>
                    <button type="button" class="button" on:click=move |_| open(KeyDialog::EditTags(k2.clone()))>"Edit tags"</button>
                    <button type="button" class="button danger" on:click=move |_| open(KeyDialog::Delete(k3.clone()))>"Delete"</button>
                </div>
            </div>
            <dl class="details">
                <dt>"Name"</dt><dd>{key.name.clone()}</dd>
                <dt>"ID"</dt><dd class="mono">{key.id.clone()}</dd>
                <dt>"Description"</dt><dd>{key.description.clone()}</dd>
                <dt>"Type"</dt><dd>{format::key_type(&key.algorithm, key.bits)} " (" {key.algorithm.clone()} ")"</dd>
                <dt>"Bits"</dt><dd>{key.bits}</dd>
                <dt>"Policy"</dt>
                <dd class="policy-mark">
                    {if key.allowed_by_policy {
                        view! { <span>"Allowed"</span> }.into_any()
                    } else {
                        view! {
                            <span class="badge badge-warning">"Not allowed by policy"</span>
                            " Registered before the key policy changed; "
                            <A href=routes::POLICY>"see the policy"</A>
                            "."
                        }
                        .into_any()
                    }}
                </dd>
                <dt>"Fingerprint (SHA-256)"</dt>
                <dd><span class="mono">{key.fingerprint_sha256.clone()}</span> <CopyButton text=key.fingerprint_sha256.clone() what="SHA-256 fingerprint" /></dd>
                <dt>"Fingerprint (MD5)"</dt><dd class="mono">{key.fingerprint_md5.clone()}</dd>
                <dt>"Comment"</dt><dd>{key.comment.clone()}</dd>
                <dt>"Origin"</dt><dd>{origin}</dd>
                <dt>"Public key"</dt>
                <dd>
                    <pre class="public-key mono">{openssh_line.clone()}</pre>
                    <CopyButton text=openssh_line.clone() what="public key" />
                    <button type="button" class="button link" on:click=download_pub>"Download .pub"</button>
                </dd>
                <dt>"Tags"</dt><dd class="tags">{tags}</dd>
                <dt>"Expires"</dt><dd class="expires">{expires_line(key.expires_at.as_deref())}</dd>
                <dt>"Created"</dt><dd>{format::timestamp(&key.created_at)}</dd>
                <dt>"Updated"</dt><dd>{format::timestamp(&key.updated_at)}</dd>
                <dt>"Bound instances"</dt><dd><BoundInstances key_id=key.id.clone() ids=key.instance_ids.clone() /></dd>
                <dt>"Last login"</dt>
                <dd class="last-login"><KeyLoginList key_id=key.id.clone() ever=key.last_login.is_some() /></dd>
                <dt>"Custom images"</dt><dd><KeyImages ids=key.image_ids.clone() /></dd>
            </dl>
        </section>
    }
}
