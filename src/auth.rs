//! The bearer token: kept in sessionStorage (never localStorage, so it dies with the tab)
//! and mirrored in a signal that the console layout watches.

use leptos::prelude::*;

const STORAGE_KEY: &str = "keyrack.token";
const FRAGMENT_PREFIX: &str = "#token=";

/// The signed-in state, shared through context.
#[derive(Debug, Clone, Copy)]
pub struct Session {
    token: RwSignal<Option<String>>,
}

impl Session {
    /// Restores the token of this tab, taking one from a `#token=` fragment first.
    pub fn restore() -> Self {
        if let Some(token) = take_fragment_token() {
            store(Some(&token));
        }
        Self {
            token: RwSignal::new(load()),
        }
    }

    /// The current token, tracked.
    pub fn token(&self) -> Option<String> {
        self.token.get()
    }

    /// The current token, untracked (for requests).
    pub fn token_untracked(&self) -> Option<String> {
        self.token.get_untracked()
    }

    /// Whether a token is present, tracked.
    pub fn signed_in(&self) -> bool {
        self.token.with(Option::is_some)
    }

    /// Keeps a token that the server accepted.
    pub fn sign_in(&self, token: String) {
        store(Some(&token));
        self.token.set(Some(token));
    }

    /// Forgets the token; the console layout then sends the user to the sign-in page.
    pub fn sign_out(&self) {
        store(None);
        self.token.set(None);
    }
}

fn storage() -> Option<web_sys::Storage> {
    window().session_storage().ok().flatten()
}

fn load() -> Option<String> {
    storage()
        .and_then(|s| s.get_item(STORAGE_KEY).ok().flatten())
        .filter(|t| !t.is_empty())
}

fn store(token: Option<&str>) {
    if let Some(s) = storage() {
        // A full or disabled storage only means the user signs in again after a reload.
        let _ = match token {
            Some(t) => s.set_item(STORAGE_KEY, t),
            None => s.remove_item(STORAGE_KEY),
        };
    }
}

/// Reads `#token=…` and removes it from the address bar (and from history) at once, so
/// the token is neither bookmarked nor shared by copying the URL.
fn take_fragment_token() -> Option<String> {
    let location = window().location();
    let hash = location.hash().ok()?;
    let raw = hash.strip_prefix(FRAGMENT_PREFIX)?;
    let token = js_sys::decode_uri_component(raw)
        .ok()
        .map(String::from)
        .unwrap_or_else(|| raw.to_owned());
    let clean = format!(
        "{}{}",
        location.pathname().unwrap_or_default(),
        location.search().unwrap_or_default()
    );
    if let Ok(history) = window().history() {
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&clean));
    }
    let token = token.trim().to_owned();
    (!token.is_empty()).then_some(token)
}
