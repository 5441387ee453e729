//! Sign in by pasting an API token; `GET /me` checks it, and says its role, before it is kept.

mod switch;

pub use switch::SwitchTokenDialog;

use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

use crate::api::Api;
use crate::auth::Session;
use crate::messages;
use crate::routes;

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
                <h1>"Keyrack"</h1>
                <p class="muted">"Sign in with an API token. It is kept in this tab only."</p>
                <label for="token">"API token"</label>
                <input
                    id="token"
                    type="password"
                    class="input"
                    autocomplete="off"
                    prop:value=move || token.get()
                    on:input=move |ev| token.set(event_target_value(&ev))
                />
                {move || error().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
                <button type="submit" class="button primary" disabled=move || check.pending().get()>
                    {move || if check.pending().get() { "Checking…" } else { "Sign in" }}
                </button>
            </form>
        </main>
    }
}
