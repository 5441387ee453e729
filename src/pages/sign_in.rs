//! Sign in by pasting an API token; `GET /me` checks it, and says its role, before it is kept.

mod switch;

pub use switch::{switch_token_dialog, SwitchTokenDialog};

use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

use crate::api::Api;
use crate::auth::Session;
use crate::i18n::{t, Msg};
use crate::messages;
use crate::routes;
use crate::widgets::preferences::Preferences;
use crate::widgets::text_field::TextField;

/// `/sign-in` as the router shows it: its own wasm chunk, fetched when first opened (src/lazy.rs).
#[cfg_attr(keyrack_split, leptos::lazy)]
pub async fn sign_in_page() -> AnyView {
    view! { <SignInPage /> }.into_any()
}

/// `/sign-in`
#[component]
pub fn SignInPage() -> impl IntoView {
    let session = expect_context::<Session>();
    let navigate = use_navigate();
    let token = RwSignal::new(String::new());
    let check = Action::new_local(|token: &String| {
        let token = token.clone();
        async move { Api::check_token(&token).await.map(|me| (token, me)) }
    });
    Effect::new(move |_| {
        if let Some(Ok((token, me))) = check.value().get() {
            session.sign_in(token, me);
            navigate(routes::KEYS, Default::default());
        }
    });
    let error = move || match check.value().get() {
        Some(Err(e)) => Some(messages::describe(&e)),
        _ => None,
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let t = token.get_untracked().trim().to_owned();
        if !t.is_empty() {
            check.dispatch(t);
        }
    };
    view! {
        <main class="sign-in">
            <form class="card sign-in-card" on:submit=submit>
                // i18n: not text: the product's name
                <h1>"Keyrack"</h1>
                <Preferences />
                <p class="muted">{t(Msg::SignInIntro)}</p>
                // The server is the judge of a token: its refusal shows below.
                <TextField id="token" label=t(Msg::SignInToken) value=token rule=|_| Ok(()) submitted=false password=true />
                {move || error().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
                <button type="submit" class="button primary" disabled=move || check.pending().get()>
                    {move || t(if check.pending().get() { Msg::SignInChecking } else { Msg::SignInSignIn })}
                </button>
            </form>
        </main>
    }
}
