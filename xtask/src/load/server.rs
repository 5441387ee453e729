//! The release server the load bench measures: started on a database with the limits out of
//! the way, its admin token, killed when dropped, and its log's errors reported.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result};

use crate::process::KillOnDrop;
use crate::shell::target_dir;

pub use crate::process::admin_token as token;

/// How often the server writes its counted refusals into the audit log: short, so the agent
/// flood's entries can be counted right after it.
pub const AUDIT_INTERVAL_SECS: u64 = 2;

/// The release server on `url`, rate limit off and quota out of the way; returns its base URL.
pub fn start_server(url: &str, log: &Path, extra: &[&str]) -> Result<(KillOnDrop, String)> {
    let log_file = std::fs::File::create(log)
        .with_context(|| format!("could not create {}", log.display()))?;
    let mut command = Command::new(target_dir().join("release/keyrack-server"));
    command
        .args(["--database", url])
        .args(["--rate-limit-per-minute", "0"])
        .args(["--agent-rate-limit-per-minute", "0"])
        .args(["--key-pair-quota", "1000000"])
        .args([
            "--audit-refusal-interval-secs",
            &AUDIT_INTERVAL_SECS.to_string(),
        ])
        .args(extra)
        .stderr(log_file);
    crate::process::start_server(&mut command, token())
}

/// Says how many ERROR lines the server logged, and shows the first.
pub fn report_server_errors(log: &Path) {
    let Ok(text) = std::fs::read_to_string(log) else {
        return;
    };
    let errors: Vec<&str> = text.lines().filter(|l| l.contains("ERROR")).collect();
    if let Some(first) = errors.first() {
        eprintln!(
            "    the server logged {} ERROR line(s), the first: {}",
            errors.len(),
            strip_ansi(first)
        );
    }
}

/// The text of a log line without its terminal colours.
fn strip_ansi(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}
