//! A fresh database for the load bench: the `load_seed` example fills it, PostgreSQL's is
//! vacuumed, and the seed's ids are written where wrk's scripts read them.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use serde_json::Value;

use super::args::{BackendKind, LoadArgs};
use crate::shell::{cmd, run, target_dir};

/// What the seed left: its manifest (probe key, ids) and the id files the scripts read.
pub struct Seeded {
    pub manifest: Value,
    pub keys_file: PathBuf,
    pub instances_file: PathBuf,
}

/// Seeds `url` with `args.keys` key pairs and `args.instances` instances; files go to `dir`.
pub fn seed(backend: BackendKind, url: &str, dir: &Path, args: &LoadArgs) -> Result<Seeded> {
    let label = backend.label();
    let manifest_path = dir.join("manifest.json");
    eprintln!(
        "\n== {label}: seeding {} key pairs and {} instances",
        args.keys, args.instances
    );
    let seeding = Instant::now();
    let seeded = Command::new(target_dir().join("release/examples/load_seed"))
        .args(["--database", url])
        .args(["--keys", &args.keys.to_string()])
        .args(["--instances", &args.instances.to_string()])
        .arg("--manifest")
        .arg(&manifest_path)
        .stdin(Stdio::null())
        .output()
        .context("could not run the load_seed example")?;
    if !seeded.status.success() {
        bail!(
            "load_seed failed ({}): {}",
            seeded.status,
            String::from_utf8_lossy(&seeded.stderr).trim()
        );
    }
    eprintln!(
        "{label}: {} (wall {:.1} s)",
        String::from_utf8_lossy(&seeded.stdout).trim(),
        seeding.elapsed().as_secs_f64()
    );
    if backend == BackendKind::Postgres {
        // Statistics and the visibility map as autovacuum would have them after a bulk load,
        // now rather than in the middle of a measured run.
        let vacuum = Instant::now();
        run(cmd("psql").args([
            url,
            "-X",
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            "-c",
            "VACUUM ANALYZE",
        ]))?;
        eprintln!(
            "{label}: VACUUM ANALYZE in {:.1} s",
            vacuum.elapsed().as_secs_f64()
        );
    }
    let manifest: Value = serde_json::from_slice(&std::fs::read(&manifest_path)?)?;
    let keys_file = dir.join("keys.txt");
    let instances_file = dir.join("instances.txt");
    write_lines(&keys_file, &manifest["key_ids"])?;
    write_lines(&instances_file, &manifest["instance_ids"])?;
    Ok(Seeded {
        manifest,
        keys_file,
        instances_file,
    })
}

fn write_lines(path: &Path, ids: &Value) -> Result<()> {
    let ids = ids.as_array().context("the manifest lacks an id list")?;
    let text: String = ids
        .iter()
        .filter_map(Value::as_str)
        .map(|id| format!("{id}\n"))
        .collect();
    std::fs::write(path, text)?;
    Ok(())
}
