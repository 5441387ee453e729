//! `cargo xtask bench`: performance budgets, measured, never asserted in tests.

use std::io::Write;

use anyhow::{Context, Result};

use crate::shell::root;

/// The first-load budget of `/keys`: HTML + JS + WASM + CSS, brotli-compressed.
const FIRST_LOAD_BUDGET: usize = 200 * 1024;

/// Builds the release SPA and reports its first-load transfer size against the budget.
pub fn bench() -> Result<()> {
    crate::setup::setup()?;
    crate::run::build_spa()?;
    first_load_size()
}

fn first_load_size() -> Result<()> {
    let dist = root().join("dist");
    let mut rows = Vec::new();
    for entry in std::fs::read_dir(&dist).context("dist/ is missing")? {
        let path = entry?.path();
        let kind = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        if !matches!(kind, "html" | "js" | "wasm" | "css") {
            continue;
        }
        let bytes = std::fs::read(&path)?;
        rows.push((
            path.file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned(),
            bytes.len(),
            brotli_len(&bytes)?,
        ));
    }
    rows.sort();
    println!("First load of /keys (release build, brotli quality 11):");
    println!("  {:<44} {:>10} {:>10}", "file", "raw", "brotli");
    for (name, raw, br) in &rows {
        println!("  {name:<44} {raw:>10} {br:>10}");
    }
    let total: usize = rows.iter().map(|r| r.2).sum();
    println!(
        "  total brotli: {:.1} KB of the {} KB budget ({:.0}%)",
        total as f64 / 1024.0,
        FIRST_LOAD_BUDGET / 1024,
        100.0 * total as f64 / FIRST_LOAD_BUDGET as f64
    );
    Ok(())
}

fn brotli_len(bytes: &[u8]) -> Result<usize> {
    let mut out = Vec::new();
    {
        let mut w = brotli::CompressorWriter::new(&mut out, 4096, 11, 22);
        w.write_all(bytes)?;
    }
    Ok(out.len())
}
