//! A sign-in link (`#token=`) opened on a tab where another token is signed in: the user
//! chooses before the session changes, seeing both tokens' names.

use keyrack_api::{ApiError, TokenIdentity};
use leptos::prelude::*;

use crate::api::Api;
use crate::auth::Session;
use crate::i18n::{msg, t, Msg};
use crate::widgets::dialog::Dialog;
use crate::{format, messages};

/// The question a sign-in link asks on a tab signed in with another token: its own wasm
/// chunk, fetched when first asked (src/lazy.rs).
#[cfg_attr(keyrack_split, leptos::lazy)]
pub async fn switch_token_dialog(token: String) -> AnyView {
    view! { <SwitchTokenDialog token /> }.into_any()
}

/// Asks whether to switch to the link's `token`; `GET /me` with it says whose it is first.
#[component]
pub fn SwitchTokenDialog(token: String) -> impl IntoView {
    let session = expect_context::<Session>();
    // A plain signal, not a resource: the `Suspense` that loads this dialog's chunk would
    // track a resource, keep its children detached while it loads, and the `<dialog>` would
    // be mounted without ever being opened.
    let checked = RwSignal::new(None::<Result<TokenIdentity, ApiError>>);
    leptos::task::spawn_local({
        let token = token.clone();
        async move { checked.set(Some(Api::check_token(&token).await)) }
    });
    let cancel = Callback::new(move |()| session.dismiss_pending());
    let body = move || {
        checked
            .get()
            .map(|answer| choice(session, token.clone(), answer, cancel))
    };
    view! {
        <Dialog title=t(Msg::SignInSwitchTitle) on_close=cancel>
            <div class="form">{body}</div>
        </Dialog>
    }
}

/// The question once the link's token is known (or refused).
fn choice(
    session: Session,
    token: String,
    answer: Result<TokenIdentity, ApiError>,
    cancel: Callback<()>,
) -> AnyView {
    let current = session
        .me()
        .map_or_else(|| t(Msg::SignInCurrentToken).to_owned(), |me| me.name);
    match answer {
        Ok(me) => {
            let name = me.name.clone();
            let role = format::role(me.role);
            let switch = move |_| session.sign_in(token.clone(), me.clone());
            view! {
                <p>
                    {t(Msg::SignInSwitchStart)} <strong class="switch-current">{current}</strong>
                    {t(Msg::SignInSwitchMiddle)} <strong class="switch-new">{name}</strong>
                    {msg::sign_in_switch_end(role)}
                </p>
                <div class="form-buttons">
                    <button type="button" class="button" on:click=move |_| cancel.run(())>{t(Msg::SignInCancel)}</button>
                    <button type="button" class="button primary" on:click=switch>{t(Msg::SignInSwitch)}</button>
                </div>
            }
            .into_any()
        }
        Err(error) => view! {
            <p role="alert">
                {t(Msg::SignInRefusedStart)} {messages::describe(&error)}
                {t(Msg::SignInRefusedStay)} <strong>{current}</strong> {t(Msg::SignInRefusedEnd)}
            </p>
            <div class="form-buttons">
                <button type="button" class="button primary" on:click=move |_| cancel.run(())>{t(Msg::SignInOk)}</button>
            </div>
        }
        .into_any(),
    }
}
