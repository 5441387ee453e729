//! Two jobs before the console compiles:
//!
//! - The message catalogue (`i18n/*.toml`, read by the `keyrack-catalogue` crate) becomes `Msg` (one
//!   constant per message: its index and its English text) in `$OUT_DIR/messages.rs` (src/i18n.rs includes it). A message missing
//!   a language, or with placeholders that differ between languages, fails the build.
//! - The split build (`cargo xtask spa` passes `--cfg keyrack_split`) keeps the linker's
//!   relocations in the page's wasm: `wasm-split-cli` reads them to cut it into chunks. Only
//!   the page's binary: the key-generation worker, built in the same Trunk run, would
//!   otherwise ship ~400 KB of relocation sections.

use std::fmt::Write;
use std::path::Path;

use keyrack_catalogue as catalogue;

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
    // Each message is a constant holding its English, not an index into one table: a
    // string used only by a dialog then stays in that dialog's chunk of the split wasm
    // (one table would put every dialog's English in the first load).
    let mut out = String::from(
        "/// A message of the catalogue (`i18n/*.toml`): its place in the Chinese file and its \
         English. [`Msg::text`] is its text in the console's language.\n\
         #[derive(Clone, Copy, Debug, PartialEq, Eq)]\n\
         pub struct Msg {\n    index: u16,\n    en: &'static str,\n}\n\n\
         #[allow(non_upper_case_globals)]\nimpl Msg {\n",
    );
    for (index, m) in messages.iter().enumerate() {
        let _ = writeln!(out, "    /// `{}`: {:?}", m.id, m.en);
        let _ = writeln!(
            out,
            "    pub const {}: Msg = Msg {{ index: {index}, en: {:?} }};",
            catalogue::variant(&m.id),
            m.en
        );
    }
    let _ = writeln!(
        out,
        "}}\n\n/// How many messages the catalogue has.\nconst COUNT: usize = {};",
        messages.len()
    );
    let path =
        Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("messages.rs");
    std::fs::write(path, out).expect("write messages.rs");
}
