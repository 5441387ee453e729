//! Running commands with the project's tools first on PATH.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};

/// The workspace root (the folder above `xtask/`).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .to_path_buf()
}

/// Project-local tools (npm's wasm-opt) live here; the folder is git-ignored.
pub fn tools_bin() -> PathBuf {
    root().join(".tools/node_modules/.bin")
}

fn cargo_bin() -> Option<PathBuf> {
    std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .map(|home| home.join("bin"))
}

/// PATH with the project's wasm-opt and cargo-installed tools first, so Debian's broken
/// wasm-opt is never picked.
pub fn path_env() -> std::ffi::OsString {
    let mut dirs = vec![tools_bin()];
    dirs.extend(cargo_bin());
    dirs.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    std::env::join_paths(dirs).expect("PATH entries contain no separator")
}

/// A command run from the workspace root with the project PATH.
pub fn cmd(program: &str) -> Command {
    let mut c = Command::new(program);
    c.current_dir(root()).env("PATH", path_env());
    c
}

/// Runs a command, echoing it, and fails if it fails.
pub fn run(c: &mut Command) -> Result<()> {
    eprintln!("$ {}", display(c));
    let status = c
        .status()
        .with_context(|| format!("could not start {}", display(c)))?;
    if !status.success() {
        bail!("{} failed ({status})", display(c));
    }
    Ok(())
}

/// A command's trimmed stdout, or None if it cannot run or fails.
pub fn output(c: &mut Command) -> Option<String> {
    let out = c.output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

fn display(c: &Command) -> String {
    std::iter::once(c.get_program())
        .chain(c.get_args())
        .map(|a| a.to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Cargo's target folder (`CARGO_TARGET_DIR`, relative to the root, or `target/`).
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|d| if d.is_absolute() { d } else { root().join(d) })
        .unwrap_or_else(|| root().join("target"))
}
