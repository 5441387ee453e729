//! The console's words in the language a browser test runs it in: the message catalogue
//! (`i18n/*.toml`, read as build.rs reads it), so one test walks the console in English and
//! in Chinese by the English labels of the guide.

use std::collections::HashMap;
use std::path::Path;

use keyrack_catalogue as catalogue;

/// English words, and their Chinese when the console runs in Chinese.
#[derive(Debug, Clone, Default)]
pub struct Words {
    /// English text (a message, or a template with `{name}`s) -> Chinese; `None` in English.
    chinese: Option<HashMap<String, String>>,
    /// Every message's English, for [`Words::leftovers`].
    english: Vec<String>,
}

fn messages() -> Vec<catalogue::Message> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../i18n");
    catalogue::load(&dir).unwrap_or_else(|p| panic!("the catalogue: {}", p.join("; ")))
}

impl Words {
    pub fn english() -> Self {
        Self::default()
    }

    pub fn chinese() -> Self {
        let messages = messages();
        let mut chinese = HashMap::new();
        let mut english = Vec::new();
        for m in &messages {
            // Both English forms of a plural ("1 SSH key imported.") read as its Chinese.
            for en in std::iter::once(&m.en).chain(m.one.as_ref().map(|one| &one.text)) {
                // The first message with these English words wins (ids in order).
                // Keyed without the spaces a part of a sentence keeps for its neighbours.
                chinese
                    .entry(en.trim().to_owned())
                    .or_insert_with(|| m.zh_cn.trim().to_owned());
                if *en != m.zh_cn {
                    english.push(en.clone());
                }
            }
        }
        Self {
            chinese: Some(chinese),
            english,
        }
    }

    pub fn is_chinese(&self) -> bool {
        self.chinese.is_some()
    }

    /// `english` as the console says it: the catalogue's translation, or `english` itself
    /// when it is not a message (a key's name, an id).
    pub fn say(&self, english: &str) -> String {
        match &self.chinese {
            Some(map) => map
                .get(english.trim())
                .cloned()
                .unwrap_or_else(|| english.to_owned()),
            None => english.to_owned(),
        }
    }

    /// A message with `{name}`s, filled: `say_with("Modify {name}", &[("name", "web-prod")])`.
    pub fn say_with(&self, english: &str, values: &[(&str, &str)]) -> String {
        let template = match &self.chinese {
            Some(map) => map
                .get(english)
                .unwrap_or_else(|| panic!("{english:?} is not a message of the catalogue"))
                .clone(),
            None => english.to_owned(),
        };
        values.iter().fold(template, |t, (name, value)| {
            t.replace(&format!("{{{name}}}"), value)
        })
    }

    /// The texts of `shown` (text nodes and labels of a page) that are English messages of
    /// the catalogue: in Chinese, text someone forgot to translate. A text is a leftover when
    /// it is a whole message, or holds a message of three words or more, or a template's
    /// fixed words (three or more) between its `{name}`s.
    pub fn leftovers(&self, shown: &[String]) -> Vec<String> {
        let mut found = Vec::new();
        for text in shown {
            let text = text.trim();
            let hit = self.english.iter().find(|en| {
                let fixed: Vec<&str> = en
                    .split('{')
                    .enumerate()
                    .map(|(i, part)| {
                        if i == 0 {
                            part
                        } else {
                            part.split_once('}').map_or(part, |(_, rest)| rest)
                        }
                    })
                    .collect();
                if fixed.len() == 1 {
                    text == en.as_str()
                        || (en.split_whitespace().count() >= 3 && text.contains(en.as_str()))
                } else {
                    fixed.iter().any(|part| {
                        part.split_whitespace().count() >= 3 && text.contains(part.trim())
                    })
                }
            });
            if let Some(en) = hit {
                found.push(format!("{text:?} (English message {en:?})"));
            }
        }
        found
    }
}
