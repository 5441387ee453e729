//! What the first load of `/keys` does not need: the other pages and every dialog. Built
//! with `--cfg keyrack_split` (the release build of `cargo xtask spa`), each function here is
//! its own wasm chunk, fetched and compiled the first time it runs (Leptos `#[lazy]`, split
//! by `wasm-split-cli`); otherwise (tests, `trunk serve`) an ordinary `async fn`.

use leptos::prelude::*;

use crate::key_pairs::dialogs::KeyDialogView;
use crate::widgets::status::Loading;

/// Renders what `load` yields, with the loading state until its chunk is in.
pub fn on_demand<F>(load: impl Fn() -> F + Send + Sync + 'static) -> impl IntoView
where
    F: std::future::Future<Output = AnyView> + Send + 'static,
{
    view! { <Suspense fallback=Loading>{move || Suspend::new(load())}</Suspense> }
}

/// `/keys/{id}`
#[cfg_attr(keyrack_split, leptos::lazy)]
pub async fn key_details_page() -> AnyView {
    view! { <crate::pages::key_details::KeyDetailsPage /> }.into_any()
}

/// `/instances`
#[cfg_attr(keyrack_split, leptos::lazy)]
pub async fn instances_page() -> AnyView {
    view! { <crate::pages::instances::InstancesPage /> }.into_any()
}

/// `/images`
#[cfg_attr(keyrack_split, leptos::lazy)]
pub async fn images_page() -> AnyView {
    view! { <crate::pages::images::ImagesPage /> }.into_any()
}

/// `/tokens`
#[cfg_attr(keyrack_split, leptos::lazy)]
pub async fn tokens_page() -> AnyView {
    view! { <crate::pages::tokens::TokensPage /> }.into_any()
}

/// `/audit`
#[cfg_attr(keyrack_split, leptos::lazy)]
pub async fn audit_page() -> AnyView {
    view! { <crate::pages::audit::AuditPage /> }.into_any()
}

/// `/policy`
#[cfg_attr(keyrack_split, leptos::lazy)]
pub async fn policy_page() -> AnyView {
    view! { <crate::pages::policy::PolicyPage /> }.into_any()
}

/// `/sign-in`
#[cfg_attr(keyrack_split, leptos::lazy)]
pub async fn sign_in_page() -> AnyView {
    view! { <crate::pages::sign_in::SignInPage /> }.into_any()
}

/// The question a sign-in link asks on a tab signed in with another token.
#[cfg_attr(keyrack_split, leptos::lazy)]
pub async fn switch_token_dialog(token: String) -> AnyView {
    view! { <crate::pages::sign_in::SwitchTokenDialog token /> }.into_any()
}

/// The SSH Key page's Export menu items.
#[cfg_attr(keyrack_split, leptos::lazy)]
pub async fn export_menu(
    view: Memo<keyrack_api::KeyPairQuery>,
    on_picked: Callback<()>,
) -> AnyView {
    view! { <crate::pages::keys::export::ExportItems view on_picked /> }.into_any()
}

/// The open key-pair dialog.
#[cfg_attr(keyrack_split, leptos::lazy)]
pub async fn key_dialog(dialog: KeyDialogView) -> AnyView {
    dialog.render()
}

/// `cargo xtask bench`'s key generation ([`crate::keygen::bench_generate`]).
#[cfg_attr(keyrack_split, leptos::lazy)]
pub async fn bench_generate(key_type: String) -> Result<f64, String> {
    crate::keygen::bench_generate(&key_type).await
}
