//! Two jobs before the console compiles:
//!
//! - The message catalogue (`i18n/*.toml`, see `i18n/catalogue.rs`) becomes the `Msg` enum and
//!   the English text in `$OUT_DIR/messages.rs` (src/i18n.rs includes it). A message missing
//!   a language, or with placeholders that differ between languages, fails the build.
//! - The split build (`cargo xtask spa` passes `--cfg keyrack_split`) keeps the linker's
//!   relocations in the page's wasm: `wasm-split-cli` reads them to cut it into chunks. Only
//!   the page's binary: the key-generation worker, built in the same Trunk run, would
//!   otherwise ship ~400 KB of relocation sections.

#[path = "i18n/catalogue.rs"]
mod catalogue;

use std::fmt::Write;
use std::path::Path;

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-changed=i18n");
    if std::env::var_os("CARGO_CFG_KEYRACK_SPLIT").is_some() {
        println!("cargo::rustc-link-arg-bin=keyrack=--emit-relocs");
    }
    let messages = match catalogue::load(Path::new("i18n")) {
        Ok(messages) => messages,
        Err(problems) => panic!(
            "the message catalogue:\n  i18n/{}",
            problems.join("\n  i18n/")
        ),
    };
    let mut out = String::from(
        "/// Every message of the catalogue (`i18n/*.toml`); [`Msg::text`] is its text in the \
         console's language.\n#[derive(Clone, Copy, Debug, PartialEq, Eq)]\npub enum Msg {\n",
    );
    for m in &messages {
        let _ = writeln!(out, "    /// `{}`: {:?}", m.id, m.en);
        let _ = writeln!(out, "    {},", catalogue::variant(&m.id));
    }
    let _ = writeln!(
        out,
        "}}\n\n/// The English text of each message, in `Msg`'s order.\nconst ENGLISH: [&str; {}] = [",
        messages.len()
    );
    for m in &messages {
        let _ = writeln!(out, "    {:?},", m.en);
    }
    out.push_str("];\n");
    let path =
        Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("messages.rs");
    std::fs::write(path, out).expect("write messages.rs");
}
