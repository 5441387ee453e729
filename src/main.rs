//! Bootstraps the console; everything else lives in the `keyrack` library crate.

fn main() {
    console_error_panic_hook::set_once();
    // The language's text first, so the first render is in it.
    keyrack::i18n::start();
    // The time zone read once, not per timestamp.
    keyrack::format::TimeZone::start();
    leptos::mount::mount_to_body(keyrack::App);
}
