//! The bearer token: kept in sessionStorage (never localStorage, so it dies with the tab)
//! and mirrored in a signal that the console layout watches. Beside it, who the token is
//! (`GET /me`: id, name, role), so the console offers only what the role may do.

use keyrack_api::{TokenIdentity, TokenRole};
use leptos::prelude::*;

const STORAGE_KEY: &str = "keyrack.token";
/// The token's id, name and role (not secret), so a reload knows the role at once.
const ME_STORAGE_KEY: &str = "keyrack.me";
const FRAGMENT_PREFIX: &str = "#token=";

/// The signed-in state, shared through context.
#[derive(Debug, Clone, Copy)]
pub struct Session {
    token: RwSignal<Option<String>>,
    me: RwSignal<Option<TokenIdentity>>,
    /// A token from a `#token=` link opened while another token is signed in: the user is
    /// asked before it replaces the current one. Kept in memory only.
    pending: RwSignal<Option<String>>,
}

impl Session {
    /// Restores the token of this tab, taking one from a `#token=` fragment first (or
    /// holding it for the user's choice when another token is signed in).
    pub fn restore() -> Self {
        let session = Self {
            token: RwSignal::new(load()),
            me: RwSignal::new(None),
            pending: RwSignal::new(None),
        };
        if session.token.get_untracked().is_some() {
            session.me.set(load_me());
        }
        session.take_link();
        session
    }

    /// Takes a `#token=` fragment from the address bar: signs in with it when no other
    /// token is signed in, otherwise holds it until the user chooses ([`Self::pending`]).
    /// Called at start and whenever the fragment changes.
    pub fn take_link(&self) {
        let Some(token) = take_fragment_token() else {
            return;
        };
        match self.token.get_untracked() {
            Some(current) if current == token => {}
            Some(_) => self.pending.set(Some(token)),
            None => {
                store(Some(&token));
                store_me(None);
                self.me.set(None);
                self.token.set(Some(token));
            }
        }
    }

    /// The token of a link waiting for the user's choice, tracked.
    pub fn pending(&self) -> Option<String> {
        self.pending.get()
    }

    /// Drops the link's token; the current session stays.
    pub fn dismiss_pending(&self) {
        self.pending.set(None);
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

    /// Who the token is, once known, tracked.
    pub fn me(&self) -> Option<TokenIdentity> {
        self.me.get()
    }

    /// The token's role, once known, tracked.
    pub fn role(&self) -> Option<TokenRole> {
        self.me.with(|me| me.as_ref().map(|m| m.role))
    }

    /// Keeps a token that the server accepted, with who it is.
    pub fn sign_in(&self, token: String, me: TokenIdentity) {
        self.pending.set(None);
        store(Some(&token));
        self.set_me(me);
        self.token.set(Some(token));
    }

    /// Records who the current token is (from `GET /me`).
    pub fn set_me(&self, me: TokenIdentity) {
        store_me(Some(&me));
        self.me.set(Some(me));
    }

    /// Forgets the token; the console layout then sends the user to the sign-in page.
    pub fn sign_out(&self) {
        store(None);
        store_me(None);
        self.me.set(None);
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

fn load_me() -> Option<TokenIdentity> {
    storage()
        .and_then(|s| s.get_item(ME_STORAGE_KEY).ok().flatten())
        .and_then(|json| serde_json::from_str(&json).ok())
}

fn store_me(me: Option<&TokenIdentity>) {
    if let Some(s) = storage() {
        let _ = match me.and_then(|m| serde_json::to_string(m).ok()) {
            Some(json) => s.set_item(ME_STORAGE_KEY, &json),
            None => s.remove_item(ME_STORAGE_KEY),
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
