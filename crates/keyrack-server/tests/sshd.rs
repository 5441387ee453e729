//! Real SSH access: a real `sshd` on loopback whose `AuthorizedKeysCommand` is the
//! documented script (`docs/keyrack-authorized-keys.sh`), asking the real server. A bound key
//! logs in; once unbound it is refused; an unbound key and a key bound only to another
//! instance are refused.
//!
//! Needs root, `/usr/sbin/sshd` (Debian `openssh-server`), `ssh` and `curl`; without them the
//! test fails and says what is missing.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{ssh_keygen, Server, FAST};
use reqwest::Method;

/// The script exactly as shipped.
const SCRIPT: &str = include_str!("../../../docs/keyrack-authorized-keys.sh");
/// The guide that shows it.
const GUIDE: &str = include_str!("../../../docs/sshd.md");
const SSHD: &str = "/usr/sbin/sshd";
/// Outside /tmp: sshd refuses a command in a group- or world-writable directory chain.
const TEST_ROOT: &str = "/var/lib/keyrack-test";

#[test]
fn the_guide_shows_the_tested_script() {
    assert!(
        GUIDE.contains(SCRIPT),
        "docs/sshd.md must contain docs/keyrack-authorized-keys.sh verbatim"
    );
}

#[tokio::test]
async fn sshd_grants_exactly_the_bound_keys() {
    require_tools();
    let server = Server::start(FAST).await;
    let keys_dir = tempfile::tempdir().expect("temp dir");
    let key = |name: &str| {
        let file = keys_dir.path().join(name);
        ssh_keygen(&["-t", "ed25519", "-C", name], &file);
        let public = std::fs::read_to_string(file.with_extension("pub")).expect("public key");
        (file, public)
    };
    let (bound_key, bound_pub) = key("bound");
    let (unbound_key, unbound_pub) = key("unbound");
    let (elsewhere_key, elsewhere_pub) = key("elsewhere");
    let bound = server.create("bound", &bound_pub).await;
    server.create("unbound", &unbound_pub).await;
    let elsewhere = server.create("elsewhere", &elsewhere_pub).await;
    let bound_id = bound["id"].as_str().expect("id");

    // This host runs (it is running sshd): bind with force_stop, as docs/sshd.md says.
    let (host, agent_token) = server.register("loopback", "linux", "RUNNING").await;
    let host_id = host["id"].as_str().expect("id");
    let other = server.instance("other-host", "linux", "STOPPED").await;
    let r = server.bind("bind", bound_id, &[host_id], true).await;
    assert_eq!(r.body["results"][0]["outcome"], "bound", "{}", r.text);
    let r = server
        .bind(
            "bind",
            elsewhere["id"].as_str().expect("id"),
            &[&other],
            false,
        )
        .await;
    assert_eq!(r.body["results"][0]["outcome"], "bound", "{}", r.text);

    let dir = TestDir::new();
    let script = dir.path.join("keyrack-authorized-keys");
    std::fs::write(&script, SCRIPT).expect("write the script");
    set_mode(&script, 0o755);
    let conf = dir.path.join("agent.conf");
    write_conf(&conf, &server.base, host_id, &agent_token);

    // The script alone: exactly the server's lines for a served account, nothing for others.
    let expected = server
        .as_token(
            &agent_token,
            Method::GET,
            &format!("/instances/{host_id}/authorized_keys"),
            None,
        )
        .await
        .text;
    assert!(expected.contains(bound_id), "{expected}");
    let out = run_script(&script, &conf, "root");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), expected);
    let out = run_script(&script, &conf, "alice");
    assert!(out.status.success() && out.stdout.is_empty());

    // It fails closed: a wrong token, an unreachable server (and quickly).
    let bad = dir.path.join("bad.conf");
    write_conf(&bad, &server.base, host_id, "kr_not-the-token");
    let out = run_script(&script, &bad, "root");
    assert!(!out.status.success() && out.stdout.is_empty());
    let closed = free_port();
    write_conf(
        &bad,
        &format!("http://127.0.0.1:{closed}"),
        host_id,
        &agent_token,
    );
    let started = Instant::now();
    let out = run_script(&script, &bad, "root");
    assert!(!out.status.success() && out.stdout.is_empty());
    assert!(started.elapsed() < Duration::from_secs(6));

    let sshd = Sshd::start(&dir.path, &script, &conf);
    assert!(
        sshd.login(&bound_key),
        "the bound key must log in\n{}",
        sshd.log()
    );
    assert!(!sshd.login(&unbound_key), "an unbound key must be refused");
    assert!(
        !sshd.login(&elsewhere_key),
        "a key bound only to another instance must be refused"
    );

    let r = server.bind("unbind", bound_id, &[host_id], true).await;
    assert_eq!(r.body["results"][0]["outcome"], "unbound", "{}", r.text);
    assert!(
        !sshd.login(&bound_key),
        "an unbound key must be refused at the next login"
    );
    assert!(
        !sshd.log().contains("Unsafe AuthorizedKeysCommand"),
        "{}",
        sshd.log()
    );
}

fn require_tools() {
    let uid = Command::new("id").arg("-u").output().expect("run id");
    assert_eq!(
        String::from_utf8_lossy(&uid.stdout).trim(),
        "0",
        "the sshd test must run as root (sshd needs it to switch users)"
    );
    assert!(
        Path::new(SSHD).exists(),
        "{SSHD} is missing: install openssh-server (apt-get install -y openssh-server, or \
         cargo xtask setup)"
    );
    for tool in ["ssh", "curl"] {
        let found = Command::new("sh")
            .args(["-c", &format!("command -v {tool}")])
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        assert!(
            found,
            "{tool} is missing: apt-get install -y openssh-client curl"
        );
    }
}

/// A fresh root-owned 0755 directory under [`TEST_ROOT`], removed when dropped.
struct TestDir {
    path: PathBuf,
}

impl TestDir {
    fn new() -> Self {
        std::fs::create_dir_all(TEST_ROOT).expect("create the test root");
        set_mode(Path::new(TEST_ROOT), 0o755);
        let path = tempfile::Builder::new()
            .prefix("sshd-")
            .tempdir_in(TEST_ROOT)
            .expect("test dir")
            .keep();
        set_mode(&path, 0o755);
        Self { path }
    }
}

impl Drop for TestDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
        // Only when no other run is using it.
        let _ = std::fs::remove_dir(TEST_ROOT);
    }
}

fn set_mode(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

/// The agent configuration, readable by root and by the group of `nobody` (the
/// AuthorizedKeysCommandUser here) only.
fn write_conf(path: &Path, url: &str, instance_id: &str, token: &str) {
    let text = format!(
        "# Keyrack agent\nKEYRACK_URL={url}\nKEYRACK_INSTANCE_ID={instance_id}\n\
         KEYRACK_TOKEN={token}\nKEYRACK_USERS=root\nKEYRACK_TIMEOUT=5\n"
    );
    std::fs::write(path, text).expect("write the agent configuration");
    let gid = Command::new("id")
        .args(["-g", "nobody"])
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .expect("the group of nobody");
    std::os::unix::fs::chown(path, Some(0), Some(gid)).expect("chown");
    set_mode(path, 0o640);
}

fn run_script(script: &Path, conf: &Path, user: &str) -> Output {
    Command::new(script)
        .arg("-c")
        .arg(conf)
        .args([user, "SHA256:unused"])
        .env_clear()
        .output()
        .expect("run the script")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// An sshd in the foreground, killed (by its pid) when dropped.
struct Sshd {
    child: Child,
    port: u16,
    log: PathBuf,
}

impl Sshd {
    fn start(dir: &Path, script: &Path, conf: &Path) -> Self {
        std::fs::create_dir_all("/run/sshd").expect("privilege separation directory");
        let host_key = dir.join("host_ed25519");
        ssh_keygen(&["-t", "ed25519"], &host_key);
        let config = dir.join("sshd_config");
        let log = dir.join("sshd.log");
        let port = free_port();
        std::fs::write(
            &config,
            format!(
                "Port {port}\n\
                 ListenAddress 127.0.0.1\n\
                 HostKey {host_key}\n\
                 PidFile {pid}\n\
                 AuthorizedKeysFile none\n\
                 AuthorizedKeysCommand {script} -c {conf} %u %f\n\
                 AuthorizedKeysCommandUser nobody\n\
                 UsePAM no\n\
                 PermitRootLogin prohibit-password\n\
                 PasswordAuthentication no\n\
                 KbdInteractiveAuthentication no\n\
                 LogLevel VERBOSE\n",
                host_key = host_key.display(),
                pid = dir.join("sshd.pid").display(),
                script = script.display(),
                conf = conf.display(),
            ),
        )
        .expect("write sshd_config");
        let check = Command::new(SSHD)
            .args(["-t", "-f"])
            .arg(&config)
            .output()
            .expect("run sshd -t");
        assert!(
            check.status.success(),
            "sshd refuses the configuration: {}",
            String::from_utf8_lossy(&check.stderr)
        );
        let child = Command::new(SSHD)
            .args(["-D", "-f"])
            .arg(&config)
            .arg("-E")
            .arg(&log)
            .stdin(Stdio::null())
            .spawn()
            .expect("start sshd");
        let mut sshd = Self { child, port, log };
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = sshd.child.try_wait() {
                panic!("sshd exited ({status}):\n{}", sshd.log());
            }
            assert!(
                Instant::now() < deadline,
                "sshd never listened:\n{}",
                sshd.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        sshd
    }

    /// Whether `ssh -i key root@127.0.0.1 true` succeeds.
    fn login(&self, key: &Path) -> bool {
        Command::new("ssh")
            .args(["-F", "/dev/null", "-i"])
            .arg(key)
            .args([
                "-o",
                "BatchMode=yes",
                "-o",
                "IdentitiesOnly=yes",
                "-o",
                "IdentityAgent=none",
                "-o",
                "PreferredAuthentications=publickey",
                "-o",
                "StrictHostKeyChecking=no",
                "-o",
                "UserKnownHostsFile=/dev/null",
                "-o",
                "ConnectTimeout=10",
                "-o",
                "LogLevel=ERROR",
                "-p",
                &self.port.to_string(),
                "root@127.0.0.1",
                "true",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("run ssh")
            .success()
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Sshd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
