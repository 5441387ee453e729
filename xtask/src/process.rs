//! Child processes that must not outlive the command that started them, and the server
//! started as one.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use anyhow::{Context, Result};

/// Kills the child (by its pid) and reaps it when dropped, whatever happened in between.
pub struct KillOnDrop(pub Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The admin token of the servers this run starts: random, made once per run (the server
/// refuses a weak bootstrap token) and given to them through the environment.
pub fn admin_token() -> &'static str {
    static TOKEN: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    TOKEN.get_or_init(|| crate::random::random_token().expect("the OS random source"))
}

/// Starts `command`, a `keyrack-server` with its flags, with none of the caller's `KEYRACK_*`
/// settings (so only its flags count) and `token` as its bootstrap token, and waits until
/// it listens: the server, killed when dropped, and its base URL.
pub fn start_server(command: &mut Command, token: &str) -> Result<(KillOnDrop, String)> {
    for (var, _) in std::env::vars() {
        if var.starts_with("KEYRACK_") {
            command.env_remove(var);
        }
    }
    // Through the environment, not the command line others can read.
    command
        .env("KEYRACK_BOOTSTRAP_TOKEN", token)
        .env("RUST_LOG", "warn")
        .args(["--listen", "127.0.0.1:0"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped());
    let mut server = KillOnDrop(
        command
            .spawn()
            .with_context(|| format!("could not start {:?}", command.get_program()))?,
    );
    let stdout = server.0.stdout.take().context("no stdout")?;
    let (tx, rx) = mpsc::channel();
    // Keeps draining stdout, so that a later line never meets a full or closed pipe.
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let base = loop {
        let line = rx
            .recv_timeout(Duration::from_secs(30))
            .context("keyrack-server did not print its address")?;
        if let Some(url) = line.split("listening on ").nth(1) {
            break url.trim().trim_end_matches('/').to_owned();
        }
    };
    Ok((server, base))
}
