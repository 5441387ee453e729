//! `cargo xtask setup`: installs only what is missing, so it is cheap to call before every
//! `run` and `test`. Versions are the ones TOOLCHAIN.md verified offline on these machines.

use anyhow::{bail, Context, Result};
use std::path::Path;

use crate::clock::Clock;
use crate::shell::{cmd, output, root, run, target_dir, tools_bin};
use crate::system::apt_install;

const WASM_TARGET: &str = "wasm32-unknown-unknown";
const TRUNK_VERSION: &str = "0.21.14";
/// npm's binaryen; Debian's 108 produces wasm that throws at load.
const BINARYEN_VERSION: &str = "132";
/// npm's esbuild, which minifies the console's JavaScript (wasm-bindgen's glue).
const ESBUILD_VERSION: &str = "0.28.2";
/// The accessibility engine the browser suite runs on every page and dialog.
const AXE_CORE_VERSION: &str = "4.14.1";
const CARGO_DENY_VERSION: &str = "0.20.2";
const CARGO_FUZZ_VERSION: &str = "0.13.2";
/// Splits the console's wasm at its `#[lazy]` functions; the same series as the
/// `wasm_split_helpers` that Leptos links (Cargo.lock).
const WASM_SPLIT_VERSION: &str = "0.2.3";

/// Debian packages the tests need, with a file each one provides.
const APT_PACKAGES: &[(&str, &str)] = &[
    ("chromium", "/usr/bin/chromium"),
    ("chromium-driver", "/usr/bin/chromedriver"),
    ("openssh-client", "/usr/bin/ssh-keygen"),
    // A real sshd for the AuthorizedKeysCommand login test.
    ("openssh-server", "/usr/sbin/sshd"),
    // puttygen, to check the .ppk files the console writes.
    ("putty-tools", "/usr/bin/puttygen"),
    // The AuthorizedKeysCommand script fetches keys with curl; openssl reads the PEM files.
    ("curl", "/usr/bin/curl"),
    ("openssl", "/usr/bin/openssl"),
    // psql: the PostgreSQL probe and conformance's throwaway databases.
    ("postgresql-client", "/usr/bin/psql"),
    // Chinese glyphs for headless Chromium: the Chinese tour's screenshots and text layout.
    (
        "fonts-wqy-microhei",
        "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    ),
];

/// Everything `cargo xtask test` needs, installing whatever is missing. Returns the admin URL
/// of the PostgreSQL server the tests make their databases on.
pub fn setup() -> Result<String> {
    let mut clock = Clock::start("xtask setup", RUN_TOOLS + 6);
    setup_run(&mut clock)?;
    clock.step("system packages", apt_packages)?;
    clock.step("cargo-deny", cargo_deny)?;
    clock.step("cargo-fuzz", cargo_fuzz)?;
    clock.step("schemathesis", crate::conformance::setup_schemathesis)?;
    clock.step("axe-core", axe_core)?;
    clock.step("PostgreSQL", crate::postgres::setup)
}

/// How many steps [`setup_run`] takes.
pub const RUN_TOOLS: usize = 6;

/// Only what building and serving the console needs (`cargo xtask run`): no browser, no
/// linters, no database server. Each tool is a step of `clock`.
pub fn setup_run(clock: &mut Clock) -> Result<()> {
    clock.step("wasm32 target", wasm_target)?;
    clock.step("trunk", trunk)?;
    clock.step("wasm-bindgen CLI", wasm_bindgen)?;
    clock.step("wasm-opt", wasm_opt)?;
    clock.step("wasm-split-cli", wasm_split)?;
    clock.step("esbuild", esbuild)?;
    Ok(())
}

/// `cargo install` of a tool the build runs. The tools' own release profiles favour speed
/// at run time (trunk's: fat LTO, one codegen unit), which only costs a first run minutes:
/// they orchestrate, and their run time is seconds either way. So they are built at
/// opt-level 1 without LTO, in one target folder that keeps the dependencies they share.
fn cargo_install(args: &[&str]) -> Result<()> {
    run(cmd("cargo")
        .arg("install")
        .args(args)
        .arg("--target-dir")
        .arg(target_dir().join("tool-builds"))
        .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "1")
        .env("CARGO_PROFILE_RELEASE_LTO", "off")
        .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "16")
        .env("CARGO_PROFILE_RELEASE_DEBUG", "false"))
}

fn wasm_target() -> Result<bool> {
    let installed = output(cmd("rustup").args(["target", "list", "--installed"]))
        .context("rustup is required (https://rustup.rs)")?;
    if installed.lines().any(|t| t == WASM_TARGET) {
        return Ok(false);
    }
    run(cmd("rustup").args(["target", "add", WASM_TARGET]))?;
    Ok(true)
}

fn trunk() -> Result<bool> {
    let version = output(cmd("trunk").arg("--version")).unwrap_or_default();
    if version.ends_with(TRUNK_VERSION) {
        return Ok(false);
    }
    eprintln!("setup: installing trunk {TRUNK_VERSION} (takes several minutes once)");
    cargo_install(&["trunk", "--version", TRUNK_VERSION, "--locked"])?;
    Ok(true)
}

/// The wasm-bindgen CLI must equal the library in Cargo.lock, or Trunk and the test runner
/// refuse the build.
fn wasm_bindgen() -> Result<bool> {
    let want = locked_version("wasm-bindgen")?;
    let have = output(cmd("wasm-bindgen").arg("--version")).unwrap_or_default();
    let runner = output(cmd("wasm-bindgen-test-runner").arg("--version")).unwrap_or_default();
    if have.ends_with(&want) && runner.ends_with(&want) {
        return Ok(false);
    }
    eprintln!("setup: installing wasm-bindgen-cli {want}");
    // Without --locked: its lockfile wants a crate version the registry mirror lacks.
    cargo_install(&["wasm-bindgen-cli", "--version", &format!("={want}")])?;
    Ok(true)
}

fn wasm_split() -> Result<bool> {
    let installed = output(cmd("cargo").args(["install", "--list"])).unwrap_or_default();
    if installed.contains(&format!("wasm_split_cli_support v{WASM_SPLIT_VERSION}:")) {
        return Ok(false);
    }
    eprintln!("setup: installing wasm-split-cli {WASM_SPLIT_VERSION}");
    cargo_install(&[
        "wasm_split_cli_support",
        "--version",
        WASM_SPLIT_VERSION,
        "--features",
        "build-binary",
        "--locked",
    ])?;
    Ok(true)
}

fn wasm_opt() -> Result<bool> {
    let have = output(std::process::Command::new(tools_bin().join("wasm-opt")).arg("--version"))
        .unwrap_or_default();
    if have.contains(&format!("version {BINARYEN_VERSION}")) {
        return Ok(false);
    }
    npm_install("binaryen", BINARYEN_VERSION)
}

fn esbuild() -> Result<bool> {
    let have = output(std::process::Command::new(tools_bin().join("esbuild")).arg("--version"))
        .unwrap_or_default();
    if have == ESBUILD_VERSION {
        return Ok(false);
    }
    npm_install("esbuild", ESBUILD_VERSION)
}

fn axe_core() -> Result<bool> {
    let manifest = root().join(".tools/node_modules/axe-core/package.json");
    let have = std::fs::read_to_string(manifest).unwrap_or_default();
    if have.contains(&format!("\"version\": \"{AXE_CORE_VERSION}\"")) {
        return Ok(false);
    }
    npm_install("axe-core", AXE_CORE_VERSION)
}

/// An npm package into the project's `.tools/`, whose binaries the commands find first.
fn npm_install(package: &str, version: &str) -> Result<bool> {
    eprintln!("setup: installing npm {package}@{version} into .tools/");
    std::fs::create_dir_all(root().join(".tools"))?;
    run(cmd("npm").args([
        "install",
        "--prefix",
        ".tools",
        "--no-audit",
        "--no-fund",
        &format!("{package}@{version}"),
    ]))?;
    Ok(true)
}

/// cargo-deny for `cargo deny check licenses bans sources` (measured: 7 min 10 s to build
/// once on two cores, next to another build).
fn cargo_deny() -> Result<bool> {
    let have = output(cmd("cargo-deny").arg("--version")).unwrap_or_default();
    if have.ends_with(CARGO_DENY_VERSION) {
        return Ok(false);
    }
    eprintln!("setup: installing cargo-deny {CARGO_DENY_VERSION} (takes several minutes once)");
    cargo_install(&["cargo-deny", "--version", CARGO_DENY_VERSION, "--locked"])?;
    Ok(true)
}

/// cargo-fuzz for `cargo xtask fuzz` (measured: 30 s to build once on two cores). It runs
/// on stable rustc with `RUSTC_BOOTSTRAP=1`; no nightly toolchain is needed. Returns whether
/// it had to install it.
pub fn cargo_fuzz() -> Result<bool> {
    let have = output(cmd("cargo-fuzz").arg("--version")).unwrap_or_default();
    if have.ends_with(CARGO_FUZZ_VERSION) {
        return Ok(false);
    }
    eprintln!("setup: installing cargo-fuzz {CARGO_FUZZ_VERSION}");
    cargo_install(&["cargo-fuzz", "--version", CARGO_FUZZ_VERSION, "--locked"])?;
    Ok(true)
}

/// Installs the [`APT_PACKAGES`] whose file is missing.
pub fn apt_packages() -> Result<bool> {
    let missing: Vec<&str> = APT_PACKAGES
        .iter()
        .filter(|(_, file)| !Path::new(file).exists())
        .map(|(package, _)| *package)
        .collect();
    if missing.is_empty() {
        return Ok(false);
    }
    apt_install(&missing)?;
    Ok(true)
}

/// A package's version as Cargo.lock records it.
fn locked_version(package: &str) -> Result<String> {
    let lock = std::fs::read_to_string(root().join("Cargo.lock"))
        .context("Cargo.lock is missing; run `cargo generate-lockfile`")?;
    let needle = format!("name = \"{package}\"");
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line == needle {
            if let Some(v) = lines
                .next()
                .and_then(|l| l.strip_prefix("version = \""))
                .and_then(|l| l.strip_suffix('"'))
            {
                return Ok(v.to_owned());
            }
        }
    }
    bail!("{package} is not in Cargo.lock")
}
