//! The console's message catalogue: every `i18n/*.toml` file, one table per message with its
//! English and Simplified Chinese side by side, so a translator edits one place:
//!
//! ```toml
//! [new]
//! en = "New"
//! zh-CN = "新建"
//! ```
//!
//! A message's id is its file's name and its table's (`keys.new`). `{name}` marks a value the
//! console fills in; both languages must use the same ones. Read by the console's build.rs (the
//! `Msg` constants with their English text, compiled into the page) and by xtask (the Chinese file the
//! page fetches when Chinese is chosen, and the checks of `cargo xtask test`).

use std::collections::BTreeSet;
use std::path::Path;

/// The languages, in the catalogue's spelling (BCP 47 tags).
pub const LANGUAGES: [&str; 2] = ["en", "zh-CN"];

/// One message in both languages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// `file.table`, such as `keys.new`.
    pub id: String,
    pub en: String,
    pub zh_cn: String,
}

/// Every message of `dir`, sorted by id (the order of the `Msg` indexes and of the Chinese file),
/// or every problem found: a file that is not TOML, a message missing a language, a language
/// the catalogue does not know, an empty text, placeholders that differ between languages.
pub fn load(dir: &Path) -> Result<Vec<Message>, Vec<String>> {
    let mut messages = Vec::new();
    let mut problems = Vec::new();
    let mut files: Vec<_> = match std::fs::read_dir(dir) {
        Ok(entries) => entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect(),
        Err(e) => return Err(vec![format!("{}: {e}", dir.display())]),
    };
    files.sort();
    for file in files {
        let stem = file.file_stem().unwrap_or_default().to_string_lossy();
        let text = match std::fs::read_to_string(&file) {
            Ok(text) => text,
            Err(e) => {
                problems.push(format!("{}: {e}", file.display()));
                continue;
            }
        };
        let table: toml::Table = match text.parse() {
            Ok(table) => table,
            Err(e) => {
                problems.push(format!("{}: {e}", file.display()));
                continue;
            }
        };
        for (key, value) in table {
            let id = format!("{stem}.{key}");
            match message(&id, &value) {
                Ok(m) => messages.push(m),
                Err(mut found) => problems.append(&mut found),
            }
        }
    }
    messages.sort_by(|a, b| a.id.cmp(&b.id));
    let mut variants = BTreeSet::new();
    for m in &messages {
        if !variants.insert(variant(&m.id)) {
            problems.push(format!(
                "{}: another message has the same name in Rust",
                m.id
            ));
        }
    }
    if problems.is_empty() {
        Ok(messages)
    } else {
        Err(problems)
    }
}

fn message(id: &str, value: &toml::Value) -> Result<Message, Vec<String>> {
    let mut problems = Vec::new();
    if !id
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
    {
        problems.push(format!(
            "{id}: ids are lowercase letters, digits and dashes"
        ));
    }
    let Some(table) = value.as_table() else {
        return Err(vec![format!("{id}: not a table of languages")]);
    };
    for language in table.keys() {
        if !LANGUAGES.contains(&language.as_str()) {
            problems.push(format!("{id}: unknown language `{language}`"));
        }
    }
    let mut text = |language: &str| match table.get(language).map(|v| v.as_str()) {
        Some(Some(s)) if !s.trim().is_empty() => s.to_owned(),
        Some(Some(_)) => {
            problems.push(format!("{id}: the {language} text is empty"));
            String::new()
        }
        Some(None) => {
            problems.push(format!("{id}: the {language} text is not a string"));
            String::new()
        }
        None => {
            problems.push(format!("{id}: no {language} text"));
            String::new()
        }
    };
    let (en, zh_cn) = (text("en"), text("zh-CN"));
    if problems.is_empty() && placeholders(&en) != placeholders(&zh_cn) {
        problems.push(format!(
            "{id}: placeholders differ: en has {:?}, zh-CN has {:?}",
            placeholders(&en),
            placeholders(&zh_cn)
        ));
    }
    if problems.is_empty() {
        Ok(Message {
            id: id.to_owned(),
            en,
            zh_cn,
        })
    } else {
        Err(problems)
    }
}

/// The `{name}`s of a text.
pub fn placeholders(text: &str) -> BTreeSet<&str> {
    text.split('{')
        .skip(1)
        .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
        .collect()
}

/// A message's constant in `Msg`: `keys.batch-delete` -> `KeysBatchDelete`.
pub fn variant(id: &str) -> String {
    id.split(['.', '-'])
        .map(|word| {
            let mut chars = word.chars();
            match chars.next() {
                Some(c) => c.to_ascii_uppercase().to_string() + chars.as_str(),
                None => String::new(),
            }
        })
        .collect()
}
