//! The console's two languages, English and Simplified Chinese.
//!
//! The text lives in the catalogue (`i18n/*.toml`); build.rs turns it into [`Msg`] and the
//! English text, compiled into the page. The Chinese text is a file of its own
//! (`zh-CN.json`, written by `cargo xtask spa` beside the page's wasm) fetched before the
//! console mounts, and only when Chinese is chosen: English readers never download it.
//!
//! The choice is kept in localStorage; the first visit follows the browser's language.
//! Changing it reloads the page, so every string is read once, at render, with no signal per
//! word.

use std::fmt::Display;
use std::sync::OnceLock;

include!(concat!(env!("OUT_DIR"), "/messages.rs"));

/// Where the choice is kept.
const STORAGE_KEY: &str = "keyrack.language";

/// The Chinese text, in [`Msg`]'s order, once fetched.
static CHINESE: OnceLock<Vec<String>> = OnceLock::new();

/// A language the console speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Language {
    English,
    Chinese,
}

impl Language {
    pub const ALL: [Language; 2] = [Language::English, Language::Chinese];

    /// The BCP 47 tag: the page's `lang`, localStorage, the catalogue.
    pub fn tag(self) -> &'static str {
        match self {
            Language::English => "en",
            Language::Chinese => "zh-CN",
        }
    }

    /// The language's name in itself, as a language menu lists it.
    // i18n: not text: each language's own name, the same in every language.
    pub fn name(self) -> &'static str {
        match self {
            Language::English => "English",  // i18n: not text: see above
            Language::Chinese => "简体中文", // i18n: not text: see above
        }
    }

    fn from_tag(tag: &str) -> Option<Language> {
        Language::ALL.into_iter().find(|l| l.tag() == tag)
    }
}

impl Msg {
    /// The message in the console's language.
    pub fn text(self) -> &'static str {
        match CHINESE.get() {
            Some(chinese) => chinese[self as usize].as_str(),
            None => ENGLISH[self as usize],
        }
    }

    /// The message with its `{name}`s filled in.
    pub fn with(self, values: &[(&str, &dyn Display)]) -> String {
        fill(self.text(), values)
    }
}

/// The message in the console's language: `t(Msg::KeysNew)`.
pub fn t(message: Msg) -> &'static str {
    message.text()
}

/// `{name}` in `text` replaced by its value; a name without a value stays as written.
pub fn fill(text: &str, values: &[(&str, &dyn Display)]) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.split_once('}') {
            Some((name, tail)) => {
                match values.iter().find(|(n, _)| *n == name) {
                    Some((_, value)) => out.push_str(&value.to_string()),
                    None => {
                        out.push('{');
                        out.push_str(name);
                        out.push('}');
                    }
                }
                rest = tail;
            }
            None => {
                out.push_str(&rest[open..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// The language the console is in.
pub fn language() -> Language {
    if CHINESE.get().is_some() {
        Language::Chinese
    } else {
        Language::English
    }
}

/// The language to start in: the one chosen before, else the browser's first language we
/// speak, else English.
pub fn preferred() -> Language {
    let chosen = storage()
        .and_then(|s| s.get_item(STORAGE_KEY).ok().flatten())
        .and_then(|tag| Language::from_tag(&tag));
    chosen.unwrap_or_else(|| {
        let languages = web_sys::window()
            .map(|w| w.navigator().languages().to_vec())
            .unwrap_or_default();
        let first_known = languages
            .iter()
            .filter_map(|l| l.as_string())
            .find_map(|l| {
                let l = l.to_ascii_lowercase();
                if l.starts_with("zh") {
                    Some(Language::Chinese)
                } else if l.starts_with("en") {
                    Some(Language::English)
                } else {
                    None
                }
            });
        first_known.unwrap_or(Language::English)
    })
}

/// Keeps `language` for the next visits and reloads the page in it.
pub fn choose(language: Language) {
    if let Some(s) = storage() {
        let _ = s.set_item(STORAGE_KEY, language.tag());
    }
    if let Some(w) = web_sys::window() {
        let _ = w.location().reload();
    }
}

/// Loads the preferred language's text; English, compiled in, needs nothing. If the Chinese
/// file cannot be had, the console stays in English rather than not starting.
pub async fn start() {
    if preferred() == Language::Chinese {
        match fetch_chinese().await {
            Ok(text) => {
                let _ = CHINESE.set(text);
            }
            Err(why) => leptos::logging::warn!("Keyrack: staying in English: {why}"),
        }
    }
    if let Some(root) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    {
        let _ = root.set_attribute("lang", language().tag());
    }
}

async fn fetch_chinese() -> Result<Vec<String>, String> {
    // xtask/src/spa.rs names the file on the tag that starts the console (it lives beside
    // the page's wasm, under the build's hash).
    let url = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| {
            d.query_selector("script[data-keyrack-zh-cn]")
                .ok()
                .flatten()
        })
        .and_then(|tag| tag.get_attribute("data-keyrack-zh-cn"))
        .ok_or("this build has no Chinese text")?; // i18n: not text: for developers
    let response = gloo_net::http::Request::get(&url)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if !response.ok() {
        return Err(format!("{url} answered {}", response.status())); // i18n: not text: for developers
    }
    let body = response.text().await.map_err(|e| e.to_string())?;
    // i18n: not text: for developers (the console's log), as the rest of this function.
    let parsed = js_sys::JSON::parse(&body).map_err(|_| format!("{url} is not JSON"))?;
    let text: Vec<String> = js_sys::Array::from(&parsed)
        .iter()
        .filter_map(|v| v.as_string())
        .collect();
    if text.len() != ENGLISH.len() {
        return Err(format!(
            "{url} has {} messages, not {}",
            text.len(),
            ENGLISH.len()
        )); // i18n: not text: for developers
    }
    Ok(text)
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}
