//! The console's two languages, checked: `cargo xtask i18n` (and `cargo xtask test`) fails
//! when the catalogue (`i18n/*.toml`) has a message in one language only, or when the
//! console's source shows the user a string that is not in the catalogue. Also writes the
//! Chinese file the page fetches (`cargo xtask spa`).

use std::path::{Path, PathBuf};

use anyhow::{bail, Result};
use keyrack_catalogue as catalogue;

use crate::shell::root;

/// Attributes whose values a person reads; every other attribute's value is a name for the
/// program (`class`, `id`, `href`, …), not text.
const TEXT_ATTRIBUTES: [&str; 5] = ["aria-label", "title", "placeholder", "alt", "label"];

/// Marks a line whose literals are not text to translate: product and algorithm names,
/// protocol words, messages for developers. Written at the end of the line or alone on the
/// line before it, with the reason.
const NOT_TEXT: &str = "i18n: not text";

/// `cargo xtask i18n`: the catalogue is complete and the source has no text outside it.
pub fn check() -> Result<()> {
    let messages = load()?;
    let found = untranslated(&root().join("src"))?;
    if !found.is_empty() {
        for (file, line, literal) in &found {
            eprintln!("{}:{line}: {literal}", file.display());
        }
        bail!(
            "{} strings in src/ look like text for the user but are not in the catalogue: \
             add them to i18n/*.toml and write t(Msg::…) (or mark the line `// {NOT_TEXT}: why`)",
            found.len()
        );
    }
    println!(
        "i18n: {} messages in {}; no text outside the catalogue",
        messages.len(),
        catalogue::LANGUAGES.join(" and ")
    );
    Ok(())
}

fn load() -> Result<Vec<catalogue::Message>> {
    catalogue::load(&root().join("i18n")).or_else(|problems| {
        bail!(
            "the message catalogue:\n  i18n/{}",
            problems.join("\n  i18n/")
        )
    })
}

/// The Chinese text as a JSON array in `Msg`'s order (what src/i18n.rs fetches).
pub fn write_chinese(path: &Path) -> Result<()> {
    let chinese: Vec<String> = load()?.into_iter().map(|m| m.zh_cn).collect();
    std::fs::write(path, serde_json::to_string(&chinese)?)?;
    Ok(())
}

/// Every string literal in `dir`'s Rust files that reads like text for a person.
fn untranslated(dir: &Path) -> Result<Vec<(PathBuf, usize, String)>> {
    let mut found = Vec::new();
    for file in rust_files(dir)? {
        let source = std::fs::read_to_string(&file)?;
        let lines: Vec<&str> = source.lines().collect();
        for (line, literal, before) in literals(&source) {
            let marked = |n: usize| lines.get(n).is_some_and(|l| l.contains(NOT_TEXT));
            let previous_is_marker = line >= 2
                && lines
                    .get(line - 2)
                    .is_some_and(|l| l.trim_start().starts_with("//") && l.contains(NOT_TEXT));
            if marked(line - 1) || previous_is_marker || !reads_as_text(&literal) {
                continue;
            }
            if names_for_the_program(&before) {
                continue;
            }
            found.push((file.clone(), line, literal));
        }
    }
    Ok(found)
}

fn rust_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            files.extend(rust_files(&path)?);
        } else if path.extension().is_some_and(|x| x == "rs") {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// Words a person reads: a capital then a small letter ("Delete"), or two words ("key pairs").
fn reads_as_text(s: &str) -> bool {
    let chars: Vec<char> = s.chars().collect();
    let capitalised = chars
        .windows(2)
        .next()
        .is_some_and(|w| w[0].is_ascii_uppercase() && w[1].is_ascii_lowercase());
    // Words of letters (a trailing comma or stop allowed): "key pairs", not "badge badge-danger".
    let word = |w: &&str| {
        let w = w.trim_end_matches([',', '.', ';', ':', '?', '!', '…']);
        w.chars().count() >= 2 && w.chars().all(char::is_alphabetic)
    };
    let two_words = s.split_whitespace().filter(word).count() >= 2;
    let han = s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
    capitalised || two_words || han
}

/// Whether the code just before a literal uses it as a name, not text: an attribute other
/// than [`TEXT_ATTRIBUTES`], a CSS class or selector, a log line or a panic.
fn names_for_the_program(before: &str) -> bool {
    let before = before.trim_end();
    for call in [
        "expect(",
        "panic!(",
        "unreachable!(",
        "warn!(",
        "log!(",
        "error!(",
        "debug_assert!(",
    ] {
        if before.contains(call) {
            return true;
        }
    }
    // An attribute in `view!` (`class="…"`), not a Rust assignment (`let s = "…"`).
    if let Some(attribute) = before.strip_suffix('=').filter(|a| !a.ends_with(' ')) {
        let name = attribute
            .rsplit(|c: char| c.is_whitespace() || c == '<' || c == '{' || c == '(')
            .next()
            .unwrap_or("");
        return !TEXT_ATTRIBUTES.contains(&name);
    }
    [
        "query_selector(",
        "class(",
        "set_attribute(",
        "get_attribute(",
    ]
    .iter()
    .any(|call| before.ends_with(call))
}

/// Each string literal of `source` outside comments: (line, contents, the line's code
/// before it).
fn literals(source: &str) -> Vec<(usize, String, String)> {
    let mut out = Vec::new();
    let bytes: Vec<char> = source.chars().collect();
    let (mut i, mut line, mut line_start) = (0, 1, 0);
    while i < bytes.len() {
        let c = bytes[i];
        match c {
            '\n' => {
                line += 1;
                line_start = i + 1;
                i += 1;
            }
            '/' if bytes.get(i + 1) == Some(&'/') => {
                while i < bytes.len() && bytes[i] != '\n' {
                    i += 1;
                }
            }
            '\'' => {
                // A char literal ('"', '\'') or a lifetime.
                if bytes.get(i + 2) == Some(&'\'') {
                    i += 3;
                } else if bytes.get(i + 1) == Some(&'\\') && bytes.get(i + 3) == Some(&'\'') {
                    i += 4;
                } else {
                    i += 1;
                }
            }
            'r' if (bytes.get(i + 1) == Some(&'"') || bytes.get(i + 1) == Some(&'#'))
                && !bytes
                    .get(i.wrapping_sub(1))
                    .is_some_and(|p| p.is_alphanumeric() || *p == '_') =>
            {
                let mut j = i + 1;
                let mut hashes = 0;
                while bytes.get(j) == Some(&'#') {
                    hashes += 1;
                    j += 1;
                }
                if bytes.get(j) != Some(&'"') {
                    i += 1;
                    continue;
                }
                let start = j + 1;
                let closing: Vec<char> = std::iter::once('"')
                    .chain(std::iter::repeat_n('#', hashes))
                    .collect();
                let mut k = start;
                while k < bytes.len() && bytes[k..].get(..closing.len()) != Some(&closing[..]) {
                    k += 1;
                }
                let before: String = bytes[line_start..i].iter().collect();
                let text: String = bytes[start..k.min(bytes.len())].iter().collect();
                out.push((line, text.clone(), before));
                line += text.matches('\n').count();
                i = k + closing.len();
            }
            '"' => {
                let before: String = bytes[line_start..i].iter().collect();
                let start_line = line;
                let mut text = String::new();
                i += 1;
                while i < bytes.len() && bytes[i] != '"' {
                    if bytes[i] == '\\' {
                        i += 1;
                    }
                    if bytes.get(i) == Some(&'\n') {
                        line += 1;
                        line_start = i + 1;
                    }
                    if let Some(c) = bytes.get(i) {
                        text.push(*c);
                    }
                    i += 1;
                }
                i += 1;
                out.push((start_line, text, before));
            }
            _ => i += 1,
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found_in(source: &str) -> Vec<String> {
        literals(source)
            .into_iter()
            .filter(|(line, literal, before)| {
                let marked = source
                    .lines()
                    .nth(line - 1)
                    .is_some_and(|l| l.contains(NOT_TEXT));
                !marked && reads_as_text(literal) && !names_for_the_program(before)
            })
            .map(|(_, literal, _)| literal)
            .collect()
    }

    #[test]
    fn text_for_people_is_found_and_names_for_the_program_are_not() {
        let source = r##"
            view! { <button class="button primary" aria-label="Close dialog">"Delete"</button> }
            let note = format!("{n} key pairs deleted");
            let algo = "Ed25519"; // i18n: not text: an algorithm
            let class = if warn { "badge badge-warning" } else { "" };
            let id = "key-name";
            // "A comment" is not shown.
            let c = '"'; let s = "Bind";
            let raw = r#"Raw text here"#;
            leptos::logging::warn!("Staying in English");
        "##;
        assert_eq!(
            found_in(source),
            [
                "Close dialog",
                "Delete",
                "{n} key pairs deleted",
                "Bind",
                "Raw text here"
            ]
        );
    }
}
