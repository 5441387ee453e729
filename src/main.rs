//! Bootstraps the console; everything else lives in the `keyrack` library crate.

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(keyrack::App);
}
