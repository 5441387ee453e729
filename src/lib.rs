//! Keyrack's console: a Leptos single-page app over the Keyrack HTTP API.

pub mod api;
pub mod auth;
pub mod format;
pub mod i18n;
pub mod key_pairs;
pub mod keygen;
pub mod lazy;
pub mod messages;
pub mod pages;
pub mod preferences;
pub mod routes;
pub mod widgets;

use leptos::prelude::*;
use leptos_router::components::{ParentRoute, Redirect, Route, Router, Routes};
use leptos_router::{ParamSegment, StaticSegment};

use crate::api::Api;
use crate::auth::Session;
use crate::lazy::{on_demand, route_page};
use crate::pages::keys::KeysPage;
use crate::widgets::layout::ConsoleLayout;
use crate::widgets::toast::ToastHost;

/// The whole console.
#[component]
pub fn App() -> impl IntoView {
    // Before the router reads the URL, so a `#token=` fragment is gone by then.
    let session = Session::restore();
    provide_context(session);
    provide_context(Api::new(session));
    view! {
        <ToastHost>
            <Router>
                <Routes fallback=|| view! { <p class="state">{i18n::t(i18n::Msg::LayoutPageNotFound)}</p> }>
                    <Route path=StaticSegment(routes::SIGN_IN_SEGMENT) view=|| on_demand(pages::sign_in::sign_in_page) />
                    <ParentRoute path=StaticSegment("") view=ConsoleLayout>
                        <Route path=StaticSegment(routes::KEYS_SEGMENT) view=KeysPage />
                        <Route
                            path=(StaticSegment(routes::KEYS_SEGMENT), ParamSegment("id"))
                            view=|| route_page(pages::key_details::key_details_page)
                        />
                        <Route path=StaticSegment(routes::INSTANCES_SEGMENT) view=|| route_page(pages::instances::instances_page) />
                        <Route path=StaticSegment(routes::IMAGES_SEGMENT) view=|| route_page(pages::images::images_page) />
                        <Route path=StaticSegment(routes::TOKENS_SEGMENT) view=|| route_page(pages::tokens::tokens_page) />
                        <Route path=StaticSegment(routes::AUDIT_SEGMENT) view=|| route_page(pages::audit::audit_page) />
                        <Route path=StaticSegment(routes::POLICY_SEGMENT) view=|| route_page(pages::policy::policy_page) />
                        <Route path=StaticSegment("") view=|| view! { <Redirect path=routes::KEYS /> } />
                    </ParentRoute>
                </Routes>
            </Router>
        </ToastHost>
    }
}
