//! The console's split build (`cargo xtask spa` passes `--cfg keyrack_split`) keeps the
//! linker's relocations in the page's wasm: `wasm-split-cli` reads them to cut it into
//! chunks. Only the page's binary: the key-generation worker, built in the same Trunk run,
//! would otherwise ship ~400 KB of relocation sections.

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    if std::env::var_os("CARGO_CFG_KEYRACK_SPLIT").is_some() {
        println!("cargo::rustc-link-arg-bin=keyrack=--emit-relocs");
    }
}
