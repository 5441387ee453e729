//! The console frame: sidebar, header and the current page; signed-out visitors go to
//! the sign-in page.
//!
//! The frame carries the token's role as `data-role`; the stylesheet hides every element
//! marked `admin-only` (write actions, Tokens, Audit) unless it is `admin`, so no page has to
//! repeat the check and a viewer never sees an action the server would refuse.

use keyrack_api::TokenRole;
use leptos::prelude::*;
use leptos_router::components::{Outlet, Redirect, A};
use leptos_router::hooks::use_location;

use crate::api::Api;
use crate::auth::Session;
use crate::i18n::{msg, t, Msg};
use crate::lazy::on_demand;
use crate::pages::sign_in::switch_token_dialog;
use crate::widgets::preferences::Preferences;
use crate::{format, routes};

/// The frame around every console page.
#[component]
pub fn ConsoleLayout() -> impl IntoView {
    let session = expect_context::<Session>();
    let api = expect_context::<Api>();
    // Who the token is, asked only when this tab does not know yet (a `#token=` link): the
    // sign-in page and the tab's cache already say, and a token's role never changes. A
    // revoked token is caught by the page's own requests (401 signs out).
    Effect::new(move |_| {
        if session.signed_in() && session.role().is_none() {
            leptos::task::spawn_local(async move {
                if let Ok(me) = api.me().await {
                    session.set_me(me);
                }
            });
        }
    });
    // A link opened in this tab later (only its fragment changes, so nothing reloads).
    let links = window_event_listener(leptos::ev::hashchange, move |_| session.take_link());
    on_cleanup(move || links.remove());
    let role = move || session.role().map(|r| r.as_str());
    let switch = move || {
        session
            .pending()
            .map(|token| on_demand(move || switch_token_dialog(token.clone())))
    };
    move || {
        if session.signed_in() {
            view! {
                <div class="console" data-role=role>
                    <Sidebar />
                    <div class="console-main">
                        <Header />
                        <main class="content" id="main"><Outlet /></main>
                    </div>
                    {switch}
                </div>
            }
            .into_any()
        } else {
            view! { <Redirect path=routes::SIGN_IN /> }.into_any()
        }
    }
}

#[component]
fn Sidebar() -> impl IntoView {
    let session = expect_context::<Session>();
    view! {
        <nav class="sidebar" aria-label=t(Msg::LayoutNavLabel)>
            // i18n: not text: the product's name
            <div class="brand">"Keyrack"</div>
            <ul class="nav">
                <li><A href=routes::KEYS>{t(Msg::LayoutNavKeys)}</A></li>
                <li><A href=routes::INSTANCES>{t(Msg::LayoutNavInstances)}</A></li>
                <li><A href=routes::IMAGES>{t(Msg::LayoutNavImages)}</A></li>
                <li class="admin-only"><A href=routes::TOKENS>{t(Msg::LayoutNavTokens)}</A></li>
                <li class="admin-only"><A href=routes::AUDIT>{t(Msg::LayoutNavAudit)}</A></li>
                <li><A href=routes::POLICY>{t(Msg::LayoutNavPolicy)}</A></li>
            </ul>
            <Identity />
            <button type="button" class="button sign-out" on:click=move |_| session.sign_out()>
                {t(Msg::LayoutSignOut)}
            </button>
        </nav>
    }
}

/// The token's name and role; viewers are told they only read.
#[component]
fn Identity() -> impl IntoView {
    let session = expect_context::<Session>();
    move || {
        session.me().map(|me| {
            let role = match me.role {
                TokenRole::Viewer => msg::layout_viewer_read_only(format::role(me.role)),
                other => format::role(other).to_owned(),
            };
            view! {
                <div class="identity">
                    <div class="identity-name" title=me.id>{me.name}</div>
                    <div class="identity-role">{role}</div>
                </div>
            }
        })
    }
}

#[component]
fn Header() -> impl IntoView {
    let location = use_location();
    let title = move || {
        let path = location.pathname.get();
        t(if path.starts_with(routes::INSTANCES) {
            Msg::LayoutNavInstances
        } else if path.starts_with(routes::IMAGES) {
            Msg::LayoutNavImages
        } else if path.starts_with(routes::TOKENS) {
            Msg::LayoutNavTokens
        } else if path.starts_with(routes::AUDIT) {
            Msg::LayoutNavAudit
        } else if path.starts_with(routes::POLICY) {
            Msg::LayoutTitlePolicy
        } else {
            Msg::LayoutNavKeys
        })
    };
    view! {
        <header class="header">
            <h1>{title}</h1>
            <Preferences />
        </header>
    }
}
