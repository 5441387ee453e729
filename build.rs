//! Two jobs before the console compiles:
//!
//! - The message catalogue (`i18n/*.toml`, read by the `keyrack-catalogue` crate) becomes
//!   `$OUT_DIR/messages.rs` (src/i18n.rs includes it): a `Msg` constant (its index and its
//!   English) per message without placeholders, and a function in `msg` per message with
//!   some, one typed parameter per placeholder, so a misspelled or missing one does not
//!   compile. A message missing a language, or with placeholders that differ between
//!   languages, fails the build.
//! - The split build (`cargo xtask spa` passes `--cfg keyrack_split`) keeps the linker's
//!   relocations in the page's wasm: `wasm-split-cli` reads them to cut it into chunks. Only
//!   the page's binary: the key-generation worker, built in the same Trunk run, would
//!   otherwise ship ~400 KB of relocation sections.

use std::fmt::Write;
use std::path::Path;

use keyrack_catalogue::{function, variant, Message};

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-changed=i18n");
    if std::env::var_os("CARGO_CFG_KEYRACK_SPLIT").is_some() {
        println!("cargo::rustc-link-arg-bin=keyrack=--emit-relocs");
    }
    let messages = match keyrack_catalogue::load(Path::new("i18n")) {
        Ok(messages) => messages,
        Err(problems) => panic!(
            "the message catalogue:\n  i18n/{}",
            problems.join("\n  i18n/")
        ),
    };
    // Each message is a constant holding its English, or a small inlined function holding it,
    // not an index into one table: a string used only by a dialog then stays in that dialog's
    // chunk of the split wasm (one table would put every dialog's English in the first load).
    let mut out = String::from(
        "/// A message of the catalogue (`i18n/*.toml`): its place in the Chinese file and its \
         English. [`Msg::text`] is its text in the console's language.\n\
         #[derive(Clone, Copy, Debug, PartialEq, Eq)]\n\
         pub struct Msg {\n    index: u16,\n    en: &'static str,\n}\n\n\
         #[allow(non_upper_case_globals)]\nimpl Msg {\n",
    );
    for (index, m) in messages.iter().enumerate() {
        if m.parameters().is_empty() {
            let _ = writeln!(out, "    /// `{}`: {:?}", m.id, m.en);
            let _ = writeln!(
                out,
                "    pub const {}: Msg = Msg {{ index: {index}, en: {:?} }};",
                variant(&m.id),
                m.en
            );
        }
    }
    let _ = writeln!(
        out,
        "}}\n\n/// How many messages the catalogue has.\nconst COUNT: usize = {};\n\n\
         /// The messages with placeholders, in the console's language: one function each, with \
         a parameter per placeholder.\npub mod msg {{\n    use std::fmt::Display;",
        messages.len()
    );
    for (index, m) in messages.iter().enumerate() {
        if !m.parameters().is_empty() {
            function_of(&mut out, index, m);
        }
    }
    out.push_str("}\n");
    let path =
        Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("messages.rs");
    std::fs::write(path, out).expect("write messages.rs");
}

/// `msg::<id>(…) -> String`: the text (for a plural, the form the number picks) with its
/// placeholders filled. The number that picks a form is a `usize`, shown in the language's
/// digits; every other value is anything `Display`.
fn function_of(out: &mut String, index: usize, m: &Message) {
    let count = m.one.as_ref().map(|one| one.count.as_str());
    let parameters: Vec<String> = m
        .parameters()
        .iter()
        .map(|p| {
            let kind = if count == Some(*p) {
                "usize"
            } else {
                "impl Display"
            };
            format!("{p}: {kind}")
        })
        .collect();
    let _ = writeln!(out, "\n    /// `{}`: {:?}", m.id, m.en);
    if let Some(one) = &m.one {
        let _ = writeln!(out, "    ///\n    /// For one: {:?}", one.text);
    }
    let _ = writeln!(
        out,
        "    #[inline]\n    pub fn {}({}) -> String {{",
        function(&m.id),
        parameters.join(", "),
    );
    // No local names: each would shadow a placeholder of that name.
    let message = format!("super::Msg {{ index: {index}, en: {:?} }}", m.en);
    let text = match &m.one {
        Some(one) => format!("{message}.counted({}, {:?})", one.count, one.text),
        None => format!("{message}.text()"),
    };
    let values: Vec<String> = m
        .parameters()
        .iter()
        .map(|p| {
            if count == Some(*p) {
                format!("(\"{p}\", &crate::format::number({p} as f64))")
            } else {
                format!("(\"{p}\", &{p})")
            }
        })
        .collect();
    let _ = writeln!(
        out,
        "        super::fill({text}, &[{}])\n    }}",
        values.join(", ")
    );
}
