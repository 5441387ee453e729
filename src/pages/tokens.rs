//! `/tokens` (admins): every bearer token, **New token** and **Revoke**. A token is shown
//! once, in the dialog that made it; the list never holds one.

pub mod create_token;

use keyrack_api::{CreateToken, CreatedToken, TokenInfo};
use leptos::prelude::*;

use self::create_token::{CreateTokenForm, TokenCreated};
use crate::api::Api;
use crate::auth::Session;
use crate::format;
use crate::i18n::{msg, t, Msg};
use crate::widgets::dialog::Dialog;
use crate::widgets::form::{FormButtons, ServerError};
use crate::widgets::list_page::ListPage;
use crate::widgets::refresh_button::RefreshButton;
use crate::widgets::request::Request;
use crate::widgets::toast::Toasts;

/// Which dialog is open.
#[derive(Debug, Clone, PartialEq)]
enum TokenDialog {
    Create,
    Revoke(TokenInfo),
}

/// `/tokens` as the router shows it: its own wasm chunk, fetched when first opened (src/lazy.rs).
#[cfg_attr(keyrack_split, leptos::lazy)]
pub async fn tokens_page() -> AnyView {
    view! { <TokensPage /> }.into_any()
}

/// The Tokens page.
#[component]
pub fn TokensPage() -> impl IntoView {
    let api = expect_context::<Api>();
    let tokens = ListPage::new(move || async move { api.list_tokens().await });
    let (refresh, loading) = (tokens.reload(), tokens.loading);
    let dialog = RwSignal::new(None::<TokenDialog>);
    view! {
        <section class="card">
            <div class="toolbar">
                <button type="button" class="button primary" on:click=move |_| dialog.set(Some(TokenDialog::Create))>
                    {t(Msg::TokensNewToken)}
                </button>
                <RefreshButton refresh loading />
            </div>
            {tokens.view(move |list| view! { <TokenTable items=list.items dialog /> }.into_any())}
        </section>
        {move || dialog.get().map(|d| {
            let close = Callback::new(move |()| dialog.set(None));
            match d {
                TokenDialog::Create => view! { <CreateTokenDialog close on_changed=refresh /> }.into_any(),
                TokenDialog::Revoke(token) => {
                    view! { <RevokeTokenDialog token close on_changed=refresh /> }.into_any()
                }
            }
        })}
    }
}

#[component]
fn TokenTable(items: Vec<TokenInfo>, dialog: RwSignal<Option<TokenDialog>>) -> impl IntoView {
    let session = expect_context::<Session>();
    let me = session.me().map(|m| m.id).unwrap_or_default();
    view! {
        <div class="table-wrap">
            <table class="table">
                <thead><tr>
                    <th>{t(Msg::TokensColumnIdName)}</th>
                    <th>{t(Msg::TokensRole)}</th>
                    <th>{t(Msg::TokensColumnInstance)}</th>
                    <th>{t(Msg::TokensColumnCreated)}</th>
                    <th>{t(Msg::TokensColumnStatus)}</th>
                    <th class="operations">{t(Msg::TokensColumnOperation)}</th>
                </tr></thead>
                <tbody>
                    {items.into_iter().map(|info| {
                        let yours = info.id == me;
                        let revoked = info.revoked_at.clone();
                        let status = match &revoked {
                            Some(at) => msg::tokens_status_revoked(format::timestamp(at)),
                            None => t(Msg::TokensStatusActive).to_owned(),
                        };
                        let label = msg::tokens_revoke_label(&info.name);
                        let token = info.clone();
                        view! {
                            <tr class:revoked=revoked.is_some()>
                                <td>
                                    <div class="mono">{info.id.clone()}</div>
                                    <div>{info.name.clone()} " " {yours.then_some(view! { <span class="tag">{t(Msg::TokensThisSession)}</span> })}</div>
                                </td>
                                <td>{format::role(info.role)}</td>
                                <td class="mono">{info.instance_id.clone().unwrap_or_default()}</td>
                                <td class="nowrap" title=info.created_at.to_string()>{format::timestamp(&info.created_at)}</td>
                                <td>{status}</td>
                                <td class="operations">
                                    <button
                                        type="button"
                                        class="button link"
                                        aria-label=label
                                        disabled=revoked.is_some()
                                        on:click=move |_| dialog.set(Some(TokenDialog::Revoke(token.clone())))
                                    >
                                        {t(Msg::TokensRevoke)}
                                    </button>
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

#[component]
fn CreateTokenDialog(close: Callback<()>, on_changed: Callback<()>) -> impl IntoView {
    let (api, request) = (expect_context::<Api>(), Request::new());
    // The new token lives only in this dialog; closing it drops the only copy.
    let created = RwSignal::new(None::<CreatedToken>);
    let submit = Callback::new(move |body: CreateToken| {
        request.run(async move { api.create_token(&body).await }, move |token| {
            let _ = created.try_set(Some(token));
            on_changed.run(());
        });
    });
    view! {
        <Dialog title=t(Msg::TokensNewToken) on_close=close>
            {move || match created.get() {
                Some(c) => view! { <TokenCreated token=c.token name=c.info.name on_close=close /> }.into_any(),
                None => view! {
                    <CreateTokenForm request on_submit=submit on_cancel=close />
                }
                .into_any(),
            }}
        </Dialog>
    }
}

#[component]
fn RevokeTokenDialog(
    token: TokenInfo,
    close: Callback<()>,
    on_changed: Callback<()>,
) -> impl IntoView {
    let (api, toasts, session, request) = (
        expect_context::<Api>(),
        expect_context::<Toasts>(),
        expect_context::<Session>(),
        Request::new(),
    );
    let yours = session.me().is_some_and(|m| m.id == token.id);
    let (id, name) = (token.id.clone(), token.name.clone());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (id, name) = (id.clone(), name.clone());
        request.run(
            {
                let id = id.clone();
                async move { api.revoke_token(&id).await }
            },
            move |()| {
                toasts.success(msg::tokens_revoked(&name));
                close.run(());
                if yours {
                    session.sign_out();
                } else {
                    on_changed.run(());
                }
            },
        );
    };
    view! {
        <Dialog title=t(Msg::TokensRevokeTitle) on_close=close>
            <form class="form" on:submit=submit>
                <p>
                    {t(Msg::TokensRevokeQuestionStart)}
                    <strong>{token.name.clone()}</strong>
                    {t(Msg::TokensRevokeQuestionMiddle)}
                    <span class="mono">{token.id.clone()}</span>
                    {t(Msg::TokensRevokeQuestionEnd)}
                </p>
                {yours.then(|| view! {
                    <div class="alert alert-warning" role="alert">
                        {t(Msg::TokensRevokeYours)}
                    </div>
                })}
                <ServerError error=request.error />
                <FormButtons pending=request.pending on_cancel=close />
            </form>
        </Dialog>
    }
}
