//! The console's two languages, English and Simplified Chinese.
//!
//! The text lives in the catalogue (`i18n/*.toml`); build.rs turns it into [`Msg`], one
//! constant per message with its English, compiled into the page, and [`msg`], one function
//! per message with placeholders (`msg::dialogs_imported(count)`), which fills them in and,
//! for an English plural, picks the form by the number. The Chinese text is a file
//! of its own (`zh-CN.json`, written by `cargo xtask spa` beside the page's wasm) that
//! boot.js fetches alongside the wasm, and only when Chinese is the language: English
//! readers never download it.
//!
//! The choice is kept in localStorage; the first visit follows the browser's language (both
//! read by boot.js, which decides before the wasm starts).
//! Changing it reloads the page, so every string is read once, at render, with no signal per
//! word.

use std::fmt::Display;
use std::sync::OnceLock;

include!(concat!(env!("OUT_DIR"), "/messages.rs"));

/// Where the choice is kept (boot.js reads it before the wasm starts).
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

    /// The language of a tag (`zh-CN`), if the console speaks it.
    pub fn from_tag(tag: &str) -> Option<Language> {
        Language::ALL.into_iter().find(|l| l.tag() == tag)
    }
}

impl Msg {
    /// The message in the console's language.
    pub fn text(self) -> &'static str {
        match CHINESE.get() {
            Some(chinese) => chinese[usize::from(self.index)].as_str(),
            None => self.en,
        }
    }

    /// The message in the console's language, in English the `one` form when `count` is 1.
    fn counted(self, count: usize, one: &'static str) -> &'static str {
        match CHINESE.get() {
            Some(_) => self.text(),
            None if count == 1 => one,
            None => self.en,
        }
    }
}

/// The message in the console's language: `t(Msg::KeysNew)`.
pub fn t(message: Msg) -> &'static str {
    message.text()
}

/// `{name}` in `text` replaced by its value; a name without a value stays as written. Only
/// [`msg`]'s functions call it, with every placeholder of their message.
fn fill(text: &str, values: &[(&str, &dyn Display)]) -> String {
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

/// Keeps `language` for the next visits and reloads the page in it.
pub fn choose(language: Language) {
    crate::preferences::keep_and_reload(STORAGE_KEY, language.tag());
}

/// Takes the Chinese text boot.js fetched when Chinese is the language (chosen before, or
/// the browser's); English, compiled in, needs nothing. Text that does not fit this build
/// leaves the console in English rather than not starting.
pub fn start() {
    let text = js_sys::Reflect::get(&js_sys::global(), &"keyrackChinese".into())
        .ok()
        .filter(js_sys::Array::is_array)
        .map(|v| {
            js_sys::Array::from(&v)
                .iter()
                .filter_map(|m| m.as_string())
                .collect::<Vec<_>>()
        });
    if let Some(text) = text.filter(|t| t.len() == COUNT) {
        let _ = CHINESE.set(text);
    }
    if let Some(root) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    {
        let _ = root.set_attribute("lang", language().tag());
    }
}
