//! Commands run as the cluster's OS owner: initdb and pg_ctl refuse to run as root.

use std::path::Path;
use std::process::Command;

use crate::system::is_root;

/// The cluster's OS owner when we are root: initdb and pg_ctl refuse to run as root.
pub const OWNER: &str = "postgres";

/// A command run as the cluster's owner: `postgres` through su when we are root, else
/// ourselves.
pub fn as_owner(program: &Path, args: &[String]) -> Command {
    let program = program.display().to_string();
    let mut c = if is_root() {
        let line = std::iter::once(&program)
            .chain(args)
            .map(|word| shell_quote(word))
            .collect::<Vec<_>>()
            .join(" ");
        let mut su = Command::new("su");
        su.args([OWNER, "-s", "/bin/sh", "-c", &line]);
        su
    } else {
        let mut direct = Command::new(&program);
        direct.args(args);
        direct
    };
    // The owner may not be allowed into the workspace's parents; "/" it can always enter.
    c.current_dir("/");
    c
}

/// One word for sh, whatever it holds: `a'b` → `'a'\''b'`.
fn shell_quote(word: &str) -> String {
    format!("'{}'", word.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_for_sh() {
        assert_eq!(shell_quote("-p 5433 -k /tmp"), "'-p 5433 -k /tmp'");
        assert_eq!(shell_quote("a'b"), r"'a'\''b'");
    }
}
