//! The console's message catalogue: every `i18n/*.toml` file, one table per message with its
//! English and Simplified Chinese side by side, so a translator edits one place:
//!
//! ```toml
//! [new]
//! en = "New"
//! zh-CN = "新建"
//!
//! [imported]
//! en.one = "1 SSH key imported."
//! en.other = "{count} SSH keys imported."
//! zh-CN = "已导入 {count} 个SSH密钥。"
//! ```
//!
//! A message's id is its file's name and its table's (`keys.new`). `{name}` marks a value the
//! console fills in; both languages must use the same ones. English may give a message whose
//! number varies two forms: `one` writes the number as `1` where `other` has its placeholder
//! (Chinese has no plural, one form). Read by the console's build.rs (the `Msg` constants and
//! the `msg` functions, with their English compiled into the page) and by xtask (the Chinese
//! file the page fetches when Chinese is chosen, and the checks of `cargo xtask test`).

use std::collections::BTreeSet;
use std::path::Path;

/// The languages, in the catalogue's spelling (BCP 47 tags).
pub const LANGUAGES: [&str; 2] = ["en", "zh-CN"];

/// One message in both languages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// `file.table`, such as `keys.new`.
    pub id: String,
    /// The English; for a message with two forms, the `other` one.
    pub en: String,
    /// The English for exactly one, when the message has two forms.
    pub one: Option<One>,
    pub zh_cn: String,
}

/// The English form of a message for a count of exactly one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct One {
    /// The text, with `1` written where the other form has `{count}`.
    pub text: String,
    /// The placeholder whose number picks the form (`count`, `days`, `total`).
    pub count: String,
}

impl Message {
    /// The placeholders, in the order the English first uses them: the parameters of the
    /// message's function.
    pub fn parameters(&self) -> Vec<&str> {
        let mut seen = Vec::new();
        for name in placeholder_list(&self.en) {
            if !seen.contains(&name) {
                seen.push(name);
            }
        }
        seen
    }
}

/// Every message of `dir`, sorted by id (the order of the `Msg` indexes and of the Chinese file),
/// or every problem found: a file that is not TOML, a message missing a language, a language
/// the catalogue does not know, an empty text, placeholders that differ between languages, an
/// English plural without both forms.
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
    let mut names = BTreeSet::new();
    for m in &messages {
        if !names.insert(variant(&m.id)) || !names.insert(function(&m.id)) {
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
    let mut text = |what: &str, value: Option<&toml::Value>| match value.map(|v| v.as_str()) {
        Some(Some(s)) if !s.trim().is_empty() => s.to_owned(),
        Some(Some(_)) => {
            problems.push(format!("{id}: the {what} text is empty"));
            String::new()
        }
        Some(None) => {
            problems.push(format!("{id}: the {what} text is not a string"));
            String::new()
        }
        None => {
            problems.push(format!("{id}: no {what} text"));
            String::new()
        }
    };
    let forms = table.get("en").and_then(|v| v.as_table());
    let (en, one) = match forms {
        Some(forms) => (
            text("en other", forms.get("other")),
            Some(text("en one", forms.get("one"))),
        ),
        None => (text("en", table.get("en")), None),
    };
    let zh_cn = text("zh-CN", table.get("zh-CN"));
    for form in forms
        .into_iter()
        .flat_map(|forms| forms.keys())
        .filter(|k| *k != "one" && *k != "other")
    {
        problems.push(format!(
            "{id}: unknown English form `{form}` (only `one` and `other`)"
        ));
    }
    for name in &placeholders(&en) | &placeholders(&zh_cn) {
        if !name.starts_with(|c: char| c.is_ascii_lowercase())
            || !name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        {
            problems.push(format!(
                "{id}: placeholder `{{{name}}}` is not lowercase letters, digits and `_`"
            ));
        }
    }
    if problems.is_empty() && placeholders(&en) != placeholders(&zh_cn) {
        problems.push(format!(
            "{id}: placeholders differ: en has {:?}, zh-CN has {:?}",
            placeholders(&en),
            placeholders(&zh_cn)
        ));
    }
    let one = match one {
        Some(one) if problems.is_empty() => match counted(&one, &en) {
            Ok(count) => Some(One { text: one, count }),
            Err(problem) => {
                problems.push(format!("{id}: {problem}"));
                None
            }
        },
        _ => None,
    };
    if problems.is_empty() {
        Ok(Message {
            id: id.to_owned(),
            en,
            one,
            zh_cn,
        })
    } else {
        Err(problems)
    }
}

/// The placeholder that the `one` form writes as `1`: the only one of `other`'s it lacks.
fn counted(one: &str, other: &str) -> Result<String, String> {
    let (one, other) = (placeholders(one), placeholders(other));
    let missing: Vec<_> = other.difference(&one).collect();
    match (one.is_subset(&other), missing.as_slice()) {
        (true, [count]) => Ok((*count).to_string()),
        _ => Err(format!(
            "the one form must have the other form's placeholders but the number it writes as 1: \
             one has {one:?}, other has {other:?}"
        )),
    }
}

/// The `{name}`s of a text.
pub fn placeholders(text: &str) -> BTreeSet<&str> {
    placeholder_list(text).collect()
}

fn placeholder_list(text: &str) -> impl Iterator<Item = &str> {
    text.split('{')
        .skip(1)
        .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
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

/// A message's function in `msg` (messages with placeholders): `dialogs.tags-saved` ->
/// `dialogs_tags_saved`.
pub fn function(id: &str) -> String {
    id.replace(['.', '-'], "_")
}

#[cfg(test)]
mod tests;
