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
use crate::routes;

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
        session.pending().map(|token| {
            crate::lazy::on_demand(move || crate::lazy::switch_token_dialog(token.clone()))
        })
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
        <nav class="sidebar" aria-label="Console">
            <div class="brand">"Keyrack"</div>
            <ul class="nav">
                <li><A href=routes::KEYS>"SSH Key"</A></li>
                <li><A href=routes::INSTANCES>"Instances"</A></li>
                <li><A href=routes::IMAGES>"Images"</A></li>
                <li class="admin-only"><A href=routes::TOKENS>"Tokens"</A></li>
                <li class="admin-only"><A href=routes::AUDIT>"Audit"</A></li>
                <li><A href=routes::POLICY>"Policy"</A></li>
            </ul>
            <Identity />
            <button type="button" class="button sign-out" on:click=move |_| session.sign_out()>
                "Sign out"
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
                TokenRole::Admin => "Admin",
                TokenRole::Viewer => "Viewer · read only",
                TokenRole::Agent => "Agent",
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
        if path.starts_with(routes::INSTANCES) {
            "Instances"
        } else if path.starts_with(routes::IMAGES) {
            "Images"
        } else if path.starts_with(routes::TOKENS) {
            "Tokens"
        } else if path.starts_with(routes::AUDIT) {
            "Audit"
        } else if path.starts_with(routes::POLICY) {
            "Key policy"
        } else {
            "SSH Key"
        }
    };
    view! {
        <header class="header">
            <h1>{title}</h1>
        </header>
    }
}
