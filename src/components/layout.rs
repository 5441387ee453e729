//! The console frame: sidebar, header and the current page; signed-out visitors go to
//! the sign-in page.

use leptos::prelude::*;
use leptos_router::components::{Outlet, Redirect, A};
use leptos_router::hooks::use_location;

use crate::auth::Session;
use crate::routes;

/// The frame around every console page.
#[component]
pub fn ConsoleLayout() -> impl IntoView {
    let session = expect_context::<Session>();
    move || {
        if session.signed_in() {
            view! {
                <div class="console">
                    <Sidebar />
                    <div class="console-main">
                        <Header />
                        <main class="content" id="main"><Outlet /></main>
                    </div>
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
            </ul>
            <button type="button" class="button sign-out" on:click=move |_| session.sign_out()>
                "Sign out"
            </button>
        </nav>
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
