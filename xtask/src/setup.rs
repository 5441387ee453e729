//! `cargo xtask setup`: installs only what is missing, so it is cheap to call before every
//! `run` and `test`. Versions are the ones TOOLCHAIN.md verified offline on these machines.

use std::path::Path;

use anyhow::{bail, Context, Result};

use crate::shell::{cmd, output, root, run, tools_bin};

const WASM_TARGET: &str = "wasm32-unknown-unknown";
const TRUNK_VERSION: &str = "0.21.14";
/// npm's binaryen; Debian's 108 produces wasm that throws at load.
const BINARYEN_VERSION: &str = "132";
const CARGO_DENY_VERSION: &str = "0.20.2";
const CARGO_FUZZ_VERSION: &str = "0.13.2";

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
];

/// Installs whatever is missing and reports what was already there.
pub fn setup() -> Result<()> {
    wasm_target()?;
    trunk()?;
    wasm_bindgen()?;
    wasm_opt()?;
    apt_packages()?;
    cargo_deny()?;
    cargo_fuzz()?;
    crate::conformance::setup_schemathesis()?;
    eprintln!("setup: all tools present");
    Ok(())
}

fn wasm_target() -> Result<()> {
    let installed = output(cmd("rustup").args(["target", "list", "--installed"]))
        .context("rustup is required (https://rustup.rs)")?;
    if !installed.lines().any(|t| t == WASM_TARGET) {
        run(cmd("rustup").args(["target", "add", WASM_TARGET]))?;
    }
    Ok(())
}

fn trunk() -> Result<()> {
    let version = output(cmd("trunk").arg("--version")).unwrap_or_default();
    if !version.ends_with(TRUNK_VERSION) {
        eprintln!("setup: installing trunk {TRUNK_VERSION} (takes several minutes once)");
        run(cmd("cargo").args(["install", "trunk", "--version", TRUNK_VERSION, "--locked"]))?;
    }
    Ok(())
}

/// The wasm-bindgen CLI must equal the library in Cargo.lock, or Trunk and the test runner
/// refuse the build.
fn wasm_bindgen() -> Result<()> {
    let want = locked_version("wasm-bindgen")?;
    let have = output(cmd("wasm-bindgen").arg("--version")).unwrap_or_default();
    let runner = output(cmd("wasm-bindgen-test-runner").arg("--version")).unwrap_or_default();
    if !have.ends_with(&want) || !runner.ends_with(&want) {
        eprintln!("setup: installing wasm-bindgen-cli {want}");
        // Without --locked: its lockfile wants a crate version the registry mirror lacks.
        run(cmd("cargo").args([
            "install",
            "wasm-bindgen-cli",
            "--version",
            &format!("={want}"),
        ]))?;
    }
    Ok(())
}

fn wasm_opt() -> Result<()> {
    let have = output(std::process::Command::new(tools_bin().join("wasm-opt")).arg("--version"))
        .unwrap_or_default();
    if !have.contains(&format!("version {BINARYEN_VERSION}")) {
        eprintln!("setup: installing wasm-opt (npm binaryen@{BINARYEN_VERSION}) into .tools/");
        std::fs::create_dir_all(root().join(".tools"))?;
        run(cmd("npm").args([
            "install",
            "--prefix",
            ".tools",
            "--no-audit",
            "--no-fund",
            &format!("binaryen@{BINARYEN_VERSION}"),
        ]))?;
    }
    Ok(())
}

/// cargo-deny for `cargo deny check licenses bans sources` (measured: 7 min 10 s to build
/// once on two cores, next to another build).
fn cargo_deny() -> Result<()> {
    let have = output(cmd("cargo-deny").arg("--version")).unwrap_or_default();
    if !have.ends_with(CARGO_DENY_VERSION) {
        eprintln!("setup: installing cargo-deny {CARGO_DENY_VERSION} (takes several minutes once)");
        run(cmd("cargo").args([
            "install",
            "cargo-deny",
            "--version",
            CARGO_DENY_VERSION,
            "--locked",
        ]))?;
    }
    Ok(())
}

/// cargo-fuzz for `cargo xtask fuzz` (measured: 30 s to build once on two cores). It runs
/// on stable rustc with `RUSTC_BOOTSTRAP=1`; no nightly toolchain is needed.
pub fn cargo_fuzz() -> Result<()> {
    let have = output(cmd("cargo-fuzz").arg("--version")).unwrap_or_default();
    if !have.ends_with(CARGO_FUZZ_VERSION) {
        eprintln!("setup: installing cargo-fuzz {CARGO_FUZZ_VERSION}");
        run(cmd("cargo").args([
            "install",
            "cargo-fuzz",
            "--version",
            CARGO_FUZZ_VERSION,
            "--locked",
        ]))?;
    }
    Ok(())
}

fn apt_packages() -> Result<()> {
    let missing: Vec<&str> = APT_PACKAGES
        .iter()
        .filter(|(_, file)| !Path::new(file).exists())
        .map(|(package, _)| *package)
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    if output(cmd("id").arg("-u")).as_deref() != Some("0") {
        bail!(
            "missing system packages: {}. Install them as root, e.g. `sudo apt-get install -y {}`, then run this again",
            missing.join(", "),
            missing.join(" ")
        );
    }
    eprintln!("setup: installing {} with apt", missing.join(", "));
    run(cmd("apt-get").arg("update").arg("-q"))?;
    run(cmd("apt-get")
        .args(["install", "-y", "-q"])
        .args(&missing)
        .env("DEBIAN_FRONTEND", "noninteractive"))?;
    Ok(())
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
