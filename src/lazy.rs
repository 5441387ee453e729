//! Code the first load of `/keys` does not carry. Every other page and every dialog has an
//! `async fn` beside its code marked `#[cfg_attr(keyrack_split, leptos::lazy)]`: built with
//! `--cfg keyrack_split` (the release build of `cargo xtask spa`), each is its own wasm
//! chunk, fetched and compiled the first time it runs (Leptos `#[lazy]`, split by
//! `wasm-split-cli`); otherwise (tests, `trunk serve`) an ordinary `async fn`. This module
//! only shows them; it imports none of them, so nothing it loads leads back to it. A route's
//! page also starts its first read as its chunk is fetched ([`route_page`]), so neither waits
//! for the other.

use std::future::Future;
use std::pin::Pin;

use leptos::prelude::*;

use leptos_router::hooks::use_location;

use crate::api::Api;
use crate::routes;
use crate::widgets::status::Loading;

/// A route's page: its chunk, and beside it the read the page shows first
/// ([`routes::first_read`]).
pub fn route_page<F>(load: impl Fn() -> F + Send + Sync + 'static) -> AnyView
where
    F: Future<Output = AnyView> + Send + 'static,
{
    start_first_read();
    on_demand(load)
}

/// Once for every route, not once per page's future type.
#[inline(never)]
fn start_first_read() {
    let location = use_location();
    let read = routes::first_read(
        &location.pathname.get_untracked(),
        &location.search.get_untracked(),
    );
    expect_context::<Api>().start_read(&read);
}

/// Renders what `load` yields, with the loading state until its chunk is in.
pub fn on_demand<F>(load: impl Fn() -> F + Send + Sync + 'static) -> AnyView
where
    F: Future<Output = AnyView> + Send + 'static,
{
    shown(Box::new(move || Box::pin(load())))
}

/// A chunk's view, as it loads.
type Chunk = Pin<Box<dyn Future<Output = AnyView> + Send>>;

/// One `Suspense` for every chunk: generic over each chunk's future, it was compiled once per
/// page and dialog into the first load.
#[inline(never)]
fn shown(load: Box<dyn Fn() -> Chunk + Send + Sync>) -> AnyView {
    view! { <Suspense fallback=Loading>{move || Suspend::new(load())}</Suspense> }.into_any()
}
