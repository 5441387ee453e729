//! Precompressed copies of the built console: `dist/NAME.br` (brotli, quality 11) and
//! `dist/NAME.gz` beside each text and wasm file, which the server sends to browsers that
//! accept them (tower-http's `ServeDir::precompressed_*`), so nothing is compressed per
//! request and the first load is as small as the best compressor makes it.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};

/// Endings worth compressing: everything the first load fetches.
const COMPRESSIBLE: [&str; 6] = ["html", "js", "wasm", "css", "svg", "json"];

/// Writes `.br` and `.gz` beside every compressible file of `dist` and its folders.
pub fn precompress(dist: &Path) -> Result<()> {
    for entry in
        std::fs::read_dir(dist).with_context(|| format!("{} is missing", dist.display()))?
    {
        let path = entry?.path();
        if path.is_dir() {
            precompress(&path)?;
            continue;
        }
        let compressible = path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| COMPRESSIBLE.contains(&e));
        if !path.is_file() || !compressible {
            continue;
        }
        let bytes = std::fs::read(&path)?;
        std::fs::write(with_suffix(&path, "br"), brotli(&bytes)?)?;
        std::fs::write(with_suffix(&path, "gz"), gzip(&bytes)?)?;
    }
    Ok(())
}

fn with_suffix(path: &Path, suffix: &str) -> std::path::PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".");
    name.push(suffix);
    name.into()
}

/// Brotli at its best (quality 11, 4 MiB window), as a release build should be served.
pub fn brotli(bytes: &[u8]) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    {
        let mut w = ::brotli::CompressorWriter::new(&mut out, 4096, 11, 22);
        w.write_all(bytes)?;
    }
    Ok(out)
}

fn gzip(bytes: &[u8]) -> Result<Vec<u8>> {
    let mut w = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    w.write_all(bytes)?;
    Ok(w.finish()?)
}
