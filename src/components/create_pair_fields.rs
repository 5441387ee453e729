//! The "Create a key pair" half of the Create dialog. Generation in the browser (a
//! `keygen` module: algorithm, passphrase, private-key format, download) arrives in the
//! next issue and replaces this component's body; the dialog already switches on it.

use leptos::prelude::*;

/// Placeholder until in-browser generation lands.
#[component]
pub fn CreatePairFields() -> impl IntoView {
    view! {
        <p class="note">
            "Creating a key pair in the browser is not available yet. "
            "Choose “Use an existing public key” to import one."
        </p>
    }
}
