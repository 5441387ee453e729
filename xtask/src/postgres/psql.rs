//! psql, one statement at a time: whether a server answers, and the admin's statements.

use std::process::{Command, Stdio};

use anyhow::{bail, Context, Result};

use super::url::mask_password;
use crate::shell::{cmd, output};

/// Whether `url` takes a session and runs a query on it.
pub fn answers(url: &str) -> bool {
    output(&mut psql(url, "select 1")).as_deref() == Some("1")
}

/// psql running one statement on `url`: no ~/.psqlrc, stop at the first error, bare output,
/// and a short connect timeout so that a silent host cannot hang setup.
fn psql(url: &str, sql: &str) -> Command {
    let mut c = cmd("psql");
    c.args([url, "-X", "-v", "ON_ERROR_STOP=1", "-Atq", "-c", sql])
        .env("PGCONNECT_TIMEOUT", "5");
    c
}

/// Runs one statement as the admin, showing psql's errors but never the URL's password.
pub fn execute(admin_url: &str, sql: &str) -> Result<()> {
    let shown = mask_password(admin_url);
    eprintln!("$ psql {shown} -c '{sql}'");
    let status = psql(admin_url, sql)
        .stdout(Stdio::null())
        .status()
        .context("could not start psql (Debian: postgresql-client)")?;
    if !status.success() {
        bail!("psql on {shown}: `{sql}` failed ({status})");
    }
    Ok(())
}
