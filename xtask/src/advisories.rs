//! `cargo xtask advisories` (and a step of `cargo xtask test`): `cargo deny check advisories`,
//! offline, for the workspace and for the separate `fuzz/` workspace (its own Cargo.lock),
//! against the RustSec advisory database snapshot these machines keep beside the repository.
//!
//! The machines cannot reach GitHub, where cargo-deny would fetch the database. The snapshot
//! is a git bundle at `../shared/advisory-db/advisory-db.bundle` (relative to the workspace
//! root); it is cloned to `<target>/advisory-db/advisory-db-3157b0e258782691` (the directory
//! name cargo-deny derives from the database's URL) and cloned again whenever the bundle's
//! commit changes. cargo-deny reads it through a copy of `deny.toml` with `db-path` added.
//! A missing bundle fails the step: skipping it would pass without checking anything.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use crate::shell::{cmd, output, root, run, target_dir};

/// The snapshot, relative to the workspace root.
const BUNDLE: &str = "../shared/advisory-db/advisory-db.bundle";
/// Where cargo-deny looks inside `db-path` for the database of
/// `https://github.com/rustsec/advisory-db` (its default URL).
const DB_DIR: &str = "advisory-db-3157b0e258782691";

/// Checks both workspaces; fails on any advisory that `deny.toml` does not ignore.
pub fn advisories() -> Result<()> {
    let db_path = target_dir().join("advisory-db");
    let commit = sync_database(&root().join(BUNDLE), &db_path.join(DB_DIR))?;
    eprintln!("advisories: RustSec database at commit {commit}");
    let config = config_with_db_path(&db_path)?;
    for manifest in ["Cargo.toml", "fuzz/Cargo.toml"] {
        // `--offline` makes cargo-deny's `cargo metadata` offline too: every crate of the
        // lock file must be downloaded already.
        run(cmd("cargo").args(["fetch", "--manifest-path", manifest]))?;
        // `--workspace`: the root manifest is also the SPA's package; without it cargo-deny
        // would check only that package's graph.
        run(cmd("cargo")
            .args([
                "deny",
                "--offline",
                "--workspace",
                "--manifest-path",
                manifest,
            ])
            .arg("--config")
            .arg(&config)
            .args(["check", "advisories"]))?;
    }
    Ok(())
}

/// Clones `bundle` into `clone` unless the clone already holds the bundle's commit; returns
/// that commit.
fn sync_database(bundle: &Path, clone: &Path) -> Result<String> {
    if !bundle.is_file() {
        bail!(
            "no RustSec advisory database snapshot at {}: `cargo deny check advisories` runs \
             offline against that git bundle (see its README.md beside it); put the bundle \
             there (this step does not skip a missing database)",
            bundle.display()
        );
    }
    let heads = output(cmd("git").arg("bundle").arg("list-heads").arg(bundle))
        .with_context(|| format!("{} is not a readable git bundle", bundle.display()))?;
    let wanted = heads
        .lines()
        .find(|l| l.ends_with(" HEAD"))
        .or_else(|| heads.lines().next())
        .and_then(|l| l.split_whitespace().next())
        .with_context(|| format!("{} holds no commit", bundle.display()))?
        .to_owned();
    let have = output(cmd("git").arg("-C").arg(clone).args(["rev-parse", "HEAD"]));
    if have.as_deref() != Some(wanted.as_str()) {
        if clone.exists() {
            std::fs::remove_dir_all(clone)
                .with_context(|| format!("could not remove the old {}", clone.display()))?;
        }
        if let Some(parent) = clone.parent() {
            std::fs::create_dir_all(parent)?;
        }
        run(cmd("git").args(["clone", "-q"]).arg(bundle).arg(clone))?;
    }
    Ok(wanted)
}

/// `deny.toml` with `db-path` under `[advisories]`, written next to the database.
fn config_with_db_path(db_path: &Path) -> Result<PathBuf> {
    let source = root().join("deny.toml");
    let text = std::fs::read_to_string(&source)
        .with_context(|| format!("could not read {}", source.display()))?;
    let db_path = db_path
        .to_str()
        .context("the target directory's path is not UTF-8")?;
    // A TOML basic string: only `\` and `"` need escaping in a path.
    let db_path = db_path.replace('\\', "\\\\").replace('"', "\\\"");
    let with_db = add_db_path(&text, &db_path)?;
    let config = target_dir().join("advisory-db/deny.toml");
    std::fs::write(&config, with_db)?;
    Ok(config)
}

fn add_db_path(deny_toml: &str, db_path: &str) -> Result<String> {
    let mut out = String::with_capacity(deny_toml.len() + db_path.len() + 16);
    let mut added = false;
    for line in deny_toml.lines() {
        if line.trim_start().starts_with("db-path") {
            bail!("deny.toml sets db-path itself; the advisories step sets it");
        }
        out.push_str(line);
        out.push('\n');
        if line.trim() == "[advisories]" {
            out.push_str(&format!("db-path = \"{db_path}\"\n"));
            added = true;
        }
    }
    if !added {
        bail!("deny.toml has no [advisories] table");
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn db_path_goes_under_advisories() {
        let config = add_db_path("[graph]\n\n[advisories]\nversion = 2\n", "/t/db").expect("ok");
        assert_eq!(
            config,
            "[graph]\n\n[advisories]\ndb-path = \"/t/db\"\nversion = 2\n"
        );
        assert!(add_db_path("[licenses]\n", "/t").is_err());
    }
}
