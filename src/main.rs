//! Bootstraps the console; everything else lives in the `keyrack` library crate.

fn main() {
    console_error_panic_hook::set_once();
    // The language's text first (Chinese is fetched), so the first render is in it.
    wasm_bindgen_futures::spawn_local(async {
        keyrack::i18n::start().await;
        leptos::mount::mount_to_body(keyrack::App);
    });
}
