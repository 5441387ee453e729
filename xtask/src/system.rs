//! What the machine offers below every command: root or not, and Debian packages installed
//! with apt. Setup, PostgreSQL and the load bench all stand on it; it uses none of them.

use anyhow::{bail, Result};

use crate::shell::{cmd, output, run};

/// `apt-get install` as root; anyone else is told the command to run.
pub fn apt_install(packages: &[&str]) -> Result<()> {
    if !is_root() {
        bail!(
            "missing system packages: {}. Install them as root, e.g. `sudo apt-get install -y {}`, then run this again",
            packages.join(", "),
            packages.join(" ")
        );
    }
    eprintln!("setup: installing {} with apt", packages.join(", "));
    run(cmd("apt-get").arg("update").arg("-q"))?;
    run(cmd("apt-get")
        .args(["install", "-y", "-q"])
        .args(packages)
        .env("DEBIAN_FRONTEND", "noninteractive"))
}

/// Whether this process runs as root (`id -u`: no unsafe `geteuid` call).
pub fn is_root() -> bool {
    output(cmd("id").arg("-u")).as_deref() == Some("0")
}
