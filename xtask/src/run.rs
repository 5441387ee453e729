//! `cargo xtask run`: build the SPA (release) and the server, then start the console with
//! demo data and print a one-click sign-in link. The database is `KEYRACK_DATABASE_URL`'s
//! (SQLite or PostgreSQL) when set, else an embedded SQLite file in `data/`.

use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream};
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use crate::clock::{secs, Clock};
use crate::postgres::mask_password;
use crate::shell::{cmd, root, run as run_cmd};

/// The server reads this itself (clap `env`); `run` passes `--database` only without it.
const DATABASE_ENV: &str = "KEYRACK_DATABASE_URL";
/// `run`'s database when [`DATABASE_ENV`] is unset, relative to the workspace root.
const DEFAULT_DATABASE: &str = "sqlite://data/keyrack.db";

/// Options of `cargo xtask run`.
#[derive(clap::Args)]
pub struct RunArgs {
    /// Address to listen on.
    #[arg(long, env = "KEYRACK_LISTEN", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
}

/// Builds everything and runs the server until it exits or is interrupted.
pub fn run(args: RunArgs) -> Result<()> {
    if args.listen.port() == 0 {
        bail!("cargo xtask run needs a fixed port to print the console's address, not port 0");
    }
    let mut clock = Clock::start("xtask run", crate::setup::RUN_TOOLS + 3);
    crate::setup::setup_run(&mut clock)?;
    clock.step("console build (release wasm, split)", crate::spa::build_spa)?;
    clock.step("server build (release)", || {
        run_cmd(cmd("cargo").args(["build", "--release", "-p", "keyrack-server"]))
    })?;

    let data = root().join("data");
    create_private_dir(&data)?;
    let token_file = data.join("console-token");
    let token = console_token(&token_file)?;
    let database = std::env::var(DATABASE_ENV)
        .ok()
        .filter(|url| !url.is_empty());
    let mut server = std::process::Command::new(root().join("target/release/keyrack-server"));
    server
        .current_dir(root())
        .args(["--listen", &args.listen.to_string()])
        .args(["--dist", "dist", "--demo"])
        // The token from its 0600 file, never on a command line others can read.
        .arg("--bootstrap-token-file")
        .arg(&token_file)
        .env_remove("KEYRACK_BOOTSTRAP_TOKEN")
        .env_remove("KEYRACK_BOOTSTRAP_TOKEN_FILE");
    if database.is_none() {
        // An empty variable is no database: the server must not try to open "".
        server
            .env_remove(DATABASE_ENV)
            .args(["--database", DEFAULT_DATABASE]);
    }
    let addr = reachable(args.listen).to_string();
    let mut server = clock.step("server start (demo data)", || {
        let mut server = server.spawn().context("could not start keyrack-server")?;
        wait_healthy(&addr, &mut server)?;
        Ok(server)
    })?;
    let ready_in = secs(clock.elapsed());
    // The recap before the banner, so that the address is the last thing on screen.
    drop(clock);
    let url = format!("http://{addr}");
    println!();
    println!("  Keyrack is running at {url}/keys (ready in {ready_in} s)");
    println!("  Sign in with one click: {url}/keys#token={token}");
    println!("  (or paste the token {token} on {url}/sign-in)");
    match &database {
        None => println!("  Data lives in ./data/keyrack.db. Press Ctrl-C to stop."),
        Some(database) => println!(
            "  Data lives in {} ({DATABASE_ENV}). Press Ctrl-C to stop.",
            mask_password(database)
        ),
    }
    println!();
    let status = server.wait()?;
    if !status.success() {
        bail!("keyrack-server exited: {status}");
    }
    Ok(())
}

/// The address a browser on this machine uses: loopback when the server listens on every
/// interface (0.0.0.0 or ::), which is no address to browse to.
fn reachable(listen: SocketAddr) -> SocketAddr {
    match listen.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => {
            SocketAddr::new(Ipv4Addr::LOCALHOST.into(), listen.port())
        }
        IpAddr::V6(ip) if ip.is_unspecified() => {
            SocketAddr::new(Ipv6Addr::LOCALHOST.into(), listen.port())
        }
        _ => listen,
    }
}

/// `dir` and its missing parents, 0700 as the server makes its data directory (the database
/// and the console token live there).
fn create_private_dir(dir: &Path) -> Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
        .create(dir)
        .with_context(|| format!("could not create {}", dir.display()))
}

/// The sign-in token `run` registers as admin, kept in `data/console-token` (0600) so the
/// printed link stays the same across restarts; the server reads it with
/// `--bootstrap-token-file`. It is local-development convenience, never used in production.
fn console_token(path: &Path) -> Result<String> {
    if let Ok(token) = std::fs::read_to_string(path) {
        let token = token.trim();
        if !token.is_empty() {
            return Ok(token.to_owned());
        }
    }
    let token = crate::random::random_token()?;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode_private()
        .open(path)?;
    file.write_all(token.as_bytes())?;
    Ok(token)
}

trait ModePrivate {
    fn mode_private(&mut self) -> &mut Self;
}

impl ModePrivate for std::fs::OpenOptions {
    #[cfg(unix)]
    fn mode_private(&mut self) -> &mut Self {
        use std::os::unix::fs::OpenOptionsExt;
        self.mode(0o600)
    }
    #[cfg(not(unix))]
    fn mode_private(&mut self) -> &mut Self {
        self
    }
}

/// Polls `/healthz` until the server answers, or fails if it exits first.
fn wait_healthy(addr: &str, server: &mut std::process::Child) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if let Some(status) = server.try_wait()? {
            bail!("keyrack-server exited before it was ready: {status}");
        }
        if healthz(addr).unwrap_or(false) {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    bail!("keyrack-server did not answer on {addr} within 30 s")
}

fn healthz(addr: &str) -> std::io::Result<bool> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(2)))?;
    write!(
        stream,
        "GET /healthz HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer)?;
    Ok(answer.starts_with("HTTP/1.1 200"))
}
