//! The release build of the console into `dist/`, as the server serves it.
//!
//! Trunk builds `index.html`, the stylesheet, the key-generation worker, and compiles the
//! page's wasm. The page's wasm is then split here: the `#[lazy]` functions (see src/lazy.rs;
//! every page but the SSH Key list, and every dialog) become chunks fetched the first time they
//! run, so the first load carries only what `/keys` shows. The steps are the ones `cargo
//! leptos --split` takes: a build that keeps relocations (build.rs), `wasm-split-cli`, `wasm-bindgen`
//! keeping the linker's exports (the chunks import the table and memory through them), then
//! `wasm-opt` on every module and esbuild's minifier on the JavaScript. Last, every file
//! gets `.br` and `.gz` copies.

use std::hash::{DefaultHasher, Hasher};
use std::path::Path;

use anyhow::{Context, Result};

use crate::shell::{cmd, root, run, target_dir};

const WASM_TARGET: &str = "wasm32-unknown-unknown";
const RUSTFLAGS_ENV: &str = "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS";
/// Trunk.toml's `pattern_script`: where the page module's tags go.
const PLACEHOLDER: &str = "<script data-keyrack-app></script>";
/// The Chinese text's file, beside the page's wasm.
const CHINESE: &str = "zh-CN.json";
/// The page's wasm profile (Cargo.toml): small over fast.
const PROFILE: &str = "wasm-release";
/// Features wasm-opt may assume: every browser the console supports has them.
const WASM_FEATURES: [&str; 6] = [
    "--enable-bulk-memory",
    "--enable-nontrapping-float-to-int",
    "--enable-sign-ext",
    "--enable-mutable-globals",
    "--enable-reference-types",
    "--enable-multivalue",
];

/// `dist/`: Trunk's part, the split page wasm in `dist/app-<hash>/`, and compressed copies.
pub fn build_spa() -> Result<()> {
    // Trunk runs cargo offline, so fetch first.
    run(cmd("cargo").args(["fetch", "--quiet"]))?;
    // The flags of `.cargo/config.toml` for wasm32, plus the split points (`keyrack_split`:
    // the `#[lazy]` functions, see src/lazy.rs; build.rs then keeps the relocations wasm-split reads). Trunk's cargo
    // build of the page uses them, so it is the build split below.
    let rustflags = "--cfg erase_components --cfg keyrack_split";
    run(cmd("trunk")
        .args(["build", "--release"])
        .env(RUSTFLAGS_ENV, rustflags))?;
    let dist = root().join("dist");
    // Trunk's unsplit module is not served.
    for name in files_ending(&dist, "")? {
        if name.starts_with("keyrack-") && (name.ends_with(".js") || name.ends_with(".wasm")) {
            std::fs::remove_file(dist.join(name))?;
        }
    }
    // boot.js as Trunk copied it, comments and all: minified like the rest of the first load.
    let boot = dist.join("boot.js");
    run(cmd("esbuild")
        .arg(&boot)
        .args([
            "--minify",
            "--format=esm",
            "--log-level=warning",
            "--allow-overwrite",
        ])
        .arg(format!("--outfile={}", boot.display())))?;
    let app = build_app(&dist)?;
    link_app(&dist, &app)?;
    crate::compress::precompress(&dist)
}

/// Splits, binds and optimises the page's wasm Trunk compiled into `dist/app-<hash>/`;
/// returns that folder's name.
fn build_app(dist: &Path) -> Result<String> {
    let built = target_dir()
        .join(WASM_TARGET)
        .join(PROFILE)
        .join("keyrack.wasm");
    let work = target_dir().join("spa-split");
    if work.exists() {
        std::fs::remove_dir_all(&work)?;
    }
    std::fs::create_dir_all(&work)?;
    run(cmd("wasm-split-cli")
        .arg(&built)
        .arg(&work)
        .args(["--out-name", "keyrack"]))?;
    // wasm-bindgen writes the page's module beside the loader that imports it.
    run(cmd("wasm-bindgen")
        .args(["--target", "web", "--no-typescript", "--keep-lld-exports"])
        .args(["--out-name", "keyrack", "--out-dir"])
        .arg(&work)
        .arg(work.join("keyrack.wasm")))?;
    std::fs::remove_file(work.join("keyrack.wasm"))?;
    for module in files_ending(&work, ".wasm")? {
        let path = work.join(&module);
        run(cmd("wasm-opt")
            .args(["-Oz", "--converge", "--strip-debug", "--strip-producers"])
            // Rust's linker puts the stack first, from 1 MiB down: nothing lives below 1 KiB,
            // so wasm-opt may fold constant offsets into addresses (0.7 KB brotli).
            .arg("--low-memory-unused")
            .args(WASM_FEATURES)
            .arg(&path)
            .arg("-o")
            .arg(&path))?;
    }
    // wasm-bindgen's glue and the chunk loader, minified: a few KB of the first load.
    for script in files_ending(&work, ".js")? {
        let path = work.join(&script);
        run(cmd("esbuild")
            .arg(&path)
            .args([
                "--minify",
                "--format=esm",
                "--log-level=warning",
                "--allow-overwrite",
            ])
            .arg(format!("--outfile={}", path.display())))?;
    }
    // The Chinese text, fetched by the page only when Chinese is chosen (src/i18n.rs); under
    // the build's hash like the wasm whose `Msg` order it follows.
    crate::i18n::write_chinese(&work.join(CHINESE))?;
    let name = format!("app-{}", content_hash(&work)?);
    let target = dist.join(&name);
    std::fs::create_dir_all(&target)?;
    for file in std::fs::read_dir(&work)? {
        let file = file?;
        std::fs::copy(file.path(), target.join(file.file_name()))?;
    }
    Ok(name)
}

/// Points `index.html` at the page's module: preloads, and the `boot.js` tag that starts it
/// (a file, not an inline script, so the Content-Security-Policy forbids inline script).
fn link_app(dist: &Path, app: &str) -> Result<()> {
    let index = dist.join("index.html");
    let html = std::fs::read_to_string(&index).context("Trunk wrote no dist/index.html")?;
    if !html.contains(PLACEHOLDER) {
        anyhow::bail!("dist/index.html has no {PLACEHOLDER} (Trunk.toml's pattern_script)");
    }
    let (js, wasm, chinese) = (
        format!("/{app}/keyrack.js"),
        format!("/{app}/keyrack_bg.wasm"),
        format!("/{app}/{CHINESE}"),
    );
    let tags = format!(
        "<link rel=\"modulepreload\" href=\"{js}\">\
         <link rel=\"preload\" href=\"{wasm}\" as=\"fetch\" type=\"application/wasm\" crossorigin>\
         <script type=\"module\" src=\"/boot.js\" data-keyrack-js=\"{js}\" data-keyrack-wasm=\"{wasm}\" data-keyrack-zh-cn=\"{chinese}\"></script>"
    );
    let html = html.replacen(PLACEHOLDER, &tags, 1);
    std::fs::write(&index, html)?;
    Ok(())
}

fn files_ending(dir: &Path, ending: &str) -> Result<Vec<String>> {
    let mut names = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let name = entry?.file_name().to_string_lossy().into_owned();
        if name.ends_with(ending) {
            names.push(name);
        }
    }
    names.sort();
    Ok(names)
}

/// A name for this build's files, so that a browser never mixes two builds' chunks. Not a
/// security hash: only a cache key.
fn content_hash(dir: &Path) -> Result<String> {
    let mut hasher = DefaultHasher::new();
    for name in files_ending(dir, "")? {
        hasher.write(name.as_bytes());
        hasher.write(&std::fs::read(dir.join(&name))?);
    }
    Ok(format!("{:016x}", hasher.finish()))
}
