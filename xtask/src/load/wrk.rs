//! wrk, the load generator: the command every run starts from, one scenario's run with its
//! Lua script and environment, and the numbers the scripts print.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{anyhow, bail, Context, Result};

use super::lua::{LUA_BIND, LUA_COMMON, LUA_CREATE, LUA_HOSTILE_BODY};
use super::scenarios::{Kind, Scenario};
use super::server::token;
use crate::shell::cmd;

/// wrk's connections and threads for every scenario.
pub const CONNECTIONS: u32 = 32;
pub const THREADS: u32 = 2;

/// What wrk measured for one scenario.
#[derive(Debug, Clone, Default)]
pub struct Measured {
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub per_sec: f64,
    pub requests: u64,
    pub non_2xx: u64,
    /// 2xx answers that did not say what was expected (bind: not `bound`).
    pub unexpected: u64,
    pub socket_errors: u64,
    pub sample: Option<String>,
}

/// What a scenario's script reads from its environment besides the URL.
pub struct WrkEnv<'a> {
    pub nonce: String,
    pub keys: &'a Path,
    pub instances: &'a Path,
}

/// The Lua scripts, written once per backend.
pub struct Scripts {
    read: PathBuf,
    create: PathBuf,
    bind: PathBuf,
    hostile_body: PathBuf,
}

impl Scripts {
    pub fn write(dir: &Path) -> Result<Self> {
        let scripts = Self {
            read: dir.join("read.lua"),
            create: dir.join("create.lua"),
            bind: dir.join("bind.lua"),
            hostile_body: dir.join("hostile-body.lua"),
        };
        std::fs::write(&scripts.read, LUA_COMMON)?;
        std::fs::write(&scripts.create, format!("{LUA_COMMON}\n{LUA_CREATE}"))?;
        std::fs::write(&scripts.bind, format!("{LUA_COMMON}\n{LUA_BIND}"))?;
        std::fs::write(
            &scripts.hostile_body,
            format!("{LUA_COMMON}\n{LUA_HOSTILE_BODY}"),
        )?;
        Ok(scripts)
    }
}

/// One wrk run: `seconds` long, write counters starting at `base`.
pub fn wrk(
    base_url: &str,
    scenario: &Scenario,
    scripts: &Scripts,
    env: &WrkEnv,
    seconds: u32,
    base: u64,
) -> Result<Measured> {
    let script = match scenario.kind {
        Kind::Read | Kind::HostileQuery => &scripts.read,
        Kind::Create => &scripts.create,
        Kind::Bind => &scripts.bind,
        Kind::HostileBody | Kind::RefusedBody => &scripts.hostile_body,
    };
    let url = match scenario.kind {
        Kind::Read | Kind::Create | Kind::HostileQuery | Kind::HostileBody | Kind::RefusedBody => {
            format!("{base_url}{}", scenario.path)
        }
        Kind::Bind => format!("{base_url}/api/v1/key-pairs"),
    };
    let mut command = wrk_command(THREADS, CONNECTIONS, seconds, "10s", token(), script);
    command
        .arg("--latency")
        .arg(&url)
        // Warm-up and measured run differ in base, so their names never collide.
        .env("KEYRACK_NONCE", format!("{}-{base}", env.nonce))
        .env("KEYRACK_SEED", (base + u64::from(seconds)).to_string())
        .env("KEYRACK_BASE", base.to_string())
        .env("KEYRACK_THREADS", THREADS.to_string())
        .env("KEYRACK_KEYS", env.keys)
        .env("KEYRACK_INSTANCES", env.instances)
        .env(
            "KEYRACK_HOSTILE",
            if scenario.kind == Kind::HostileBody {
                "1"
            } else {
                "0"
            },
        );
    let stdout = wrk_output(&mut command)?;
    parse_wrk(&stdout).with_context(|| format!("unexpected wrk output:\n{stdout}"))
}

/// `wrk` for `seconds` with `token` as bearer, running `script`; the caller adds the URL.
pub fn wrk_command(
    threads: u32,
    connections: u32,
    seconds: u32,
    timeout: &str,
    token: &str,
    script: &Path,
) -> Command {
    let mut command = cmd("wrk");
    command
        .args(["-t", &threads.to_string(), "-c", &connections.to_string()])
        .args(["-d", &format!("{seconds}s"), "--timeout", timeout])
        .args(["-H", &format!("Authorization: Bearer {token}")])
        .arg("-s")
        .arg(script);
    command
}

/// Runs wrk to its end; what it printed, or why it failed.
pub fn wrk_output(command: &mut Command) -> Result<String> {
    let out = command
        .stdin(Stdio::null())
        .output()
        .context("could not run wrk")?;
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    if !out.status.success() {
        bail!(
            "wrk failed ({}): {stdout}{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(stdout)
}

/// The `KEYRACK_RESULT` line the scripts' `done()` prints.
fn parse_wrk(stdout: &str) -> Result<Measured> {
    let [p50, p99, requests, duration_us, non_2xx, unexpected, socket_errors] =
        numbers(stdout, "KEYRACK_RESULT")?;
    Ok(Measured {
        p50_ms: p50 / 1000.0,
        p99_ms: p99 / 1000.0,
        per_sec: requests / (duration_us / 1e6),
        requests: requests as u64,
        non_2xx: non_2xx as u64,
        unexpected: unexpected as u64,
        socket_errors: socket_errors as u64,
        sample: stdout
            .lines()
            .find_map(|l| l.strip_prefix("KEYRACK_SAMPLE "))
            .map(str::to_owned),
    })
}

/// The `N` numbers that a script's `done()` printed on its line after `tag`.
pub fn numbers<const N: usize>(stdout: &str, tag: &str) -> Result<[f64; N]> {
    let prefix = format!("{tag} ");
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .with_context(|| format!("no {tag} line"))?;
    let n: Vec<f64> = line
        .split_whitespace()
        .map(str::parse)
        .collect::<Result<_, _>>()?;
    <[f64; N]>::try_from(n).map_err(|n| anyhow!("{tag} has {} numbers", n.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_line_the_scripts_print() {
        let out =
            "Running 1s test\nKEYRACK_RESULT 1500 9000 100 1000000 2 1 0\nKEYRACK_SAMPLE 400 no\n";
        let m = parse_wrk(out).expect("a result");
        assert_eq!((m.p50_ms, m.p99_ms, m.per_sec), (1.5, 9.0, 100.0));
        assert_eq!(
            (m.requests, m.non_2xx, m.unexpected, m.socket_errors),
            (100, 2, 1, 0)
        );
        assert_eq!(m.sample.as_deref(), Some("400 no"));
        assert!(numbers::<7>("KEYRACK_RESULT 1 2", "KEYRACK_RESULT").is_err());
        assert!(numbers::<2>("KEYRACK_RESULTS 1 2", "KEYRACK_RESULT").is_err());
        assert_eq!(
            numbers("KEYRACK_LATENCY 1 2", "KEYRACK_LATENCY").ok(),
            Some([1.0, 2.0])
        );
    }
}
