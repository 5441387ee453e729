//! The release server the load bench measures: started on a database with the limits out of
//! the way, its admin token, killed when dropped, and its log's errors reported.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::{bail, Context, Result};

use crate::process::KillOnDrop;
use crate::shell::target_dir;

/// The admin token of the server this starts: random, made once per run (the server refuses
/// a weak bootstrap token) and given to it through the environment.
pub fn token() -> &'static str {
    static TOKEN: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    TOKEN.get_or_init(|| crate::random::random_token().expect("the OS random source"))
}

/// How often the server writes its counted refusals into the audit log: short, so the agent
/// flood's entries can be counted right after it.
pub const AUDIT_INTERVAL_SECS: u64 = 2;

/// The release server on `url`, rate limit off and quota out of the way; returns its base URL.
pub fn start_server(url: &str, log: &Path, extra: &[&str]) -> Result<(KillOnDrop, String)> {
    let binary = target_dir().join("release/keyrack-server");
    let log_file = std::fs::File::create(log)
        .with_context(|| format!("could not create {}", log.display()))?;
    let mut child = Command::new(&binary)
        .args(["--listen", "127.0.0.1:0", "--database", url])
        .env("KEYRACK_BOOTSTRAP_TOKEN", token())
        .env_remove("KEYRACK_BOOTSTRAP_TOKEN_FILE")
        .args(["--rate-limit-per-minute", "0"])
        .args(["--agent-rate-limit-per-minute", "0"])
        .args(["--key-pair-quota", "1000000"])
        .args([
            "--audit-refusal-interval-secs",
            &AUDIT_INTERVAL_SECS.to_string(),
        ])
        .args(extra)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(log_file)
        .spawn()
        .with_context(|| format!("could not start {}", binary.display()))?;
    let stdout = child.stdout.take().context("no stdout")?;
    let server = KillOnDrop(child);
    let mut lines = BufReader::new(stdout).lines();
    for line in lines.by_ref() {
        if let Some(base) = line?.split("listening on ").nth(1) {
            let base = base.trim().to_owned();
            // Keep draining stdout so that a later line never meets a closed pipe.
            std::thread::spawn(move || lines.for_each(drop));
            return Ok((server, base));
        }
    }
    bail!("keyrack-server exited before it listened")
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
