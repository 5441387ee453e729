//! Real SSH access: a real `sshd` on loopback whose `AuthorizedKeysCommand` is the
//! documented script (`docs/keyrack-authorized-keys.sh`), asking the real server, over HTTP
//! and over HTTPS (`--tls-cert`, `KEYRACK_CACERT`). A bound key logs in; once unbound it is
//! refused; an unbound key and a key bound only to another instance are refused; a key is
//! refused from its expiry on. A flood of
//! logins with unknown keys, each of which sshd asks the server about, does not lock the
//! bound key out. With the script's cache, keys log in while the server is down, and sshd
//! itself refuses a cached key past its `expiry-time`. Login reports follow sshd's records in
//! a real journald; a client's forged login line (in sshd's own `-E` log, or its `-e` stderr
//! in the journal) is never recorded.
//!
//! Needs root, `/usr/sbin/sshd` (Debian `openssh-server`), `ssh` and `curl`, and for the
//! reports journald (Debian `systemd`; started standalone if none answers) and a writable
//! cgroup2 hierarchy; without them the test fails and says what is missing.

mod common;

use keyrack_api::BindOutcome;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::net::UnixDatagram;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::tls::TestTls;
use common::{bind_outcomes, ssh_keygen, Server, FAST};
use futures_util::StreamExt as _;
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
    let (dir, server) = set_up().await;
    grants_exactly_the_bound_keys(&server, &dir, None).await;
}

/// The same over HTTPS: the server with `--tls-cert`/`--tls-key` from a test CA, the
/// script trusting that CA through `KEYRACK_CACERT`, as docs/sshd.md shows.
#[tokio::test]
async fn sshd_grants_exactly_the_bound_keys_over_https() {
    require_tools();
    let dir = TestDir::new();
    // In the 0755 test directory: the script runs as nobody and reads the CA file.
    let tls = TestTls::new_in(&dir.path);
    let server = Server::start_tls(FAST, &tls).await;
    assert!(
        server.base.starts_with("https://127.0.0.1:"),
        "{}",
        server.base
    );
    grants_exactly_the_bound_keys(&server, &dir, Some(&tls.ca)).await;
}

async fn grants_exactly_the_bound_keys(server: &Server, dir: &TestDir, cacert: Option<&Path>) {
    let keys_dir = tempfile::tempdir().expect("temp dir");
    let key = |name: &str| ssh_key(keys_dir.path(), name, &["-t", "ed25519"]);
    // A fingerprint with `+` and `/`, which the script must URL-encode.
    let (bound_key, bound_pub) = (0..100)
        .map(|i| key(&format!("bound{i}")))
        .find(|(file, _)| {
            let fingerprint = fingerprint_of(file);
            fingerprint.contains('+') && fingerprint.contains('/')
        })
        .expect("a key whose fingerprint has + and /");
    let (unbound_key, unbound_pub) = key("unbound");
    let (elsewhere_key, elsewhere_pub) = key("elsewhere");
    let bound = server.create("bound", &bound_pub).await;
    server.create("unbound", &unbound_pub).await;
    let elsewhere = server.create("elsewhere", &elsewhere_pub).await;
    let bound_id = bound.id.as_str();

    // This host runs (it is running sshd): bind with force_stop, as docs/sshd.md says.
    let (host, agent_token) = server.register("loopback", "linux", "RUNNING").await;
    let host_id = host.id.as_str();
    let other = server.instance("other-host", "linux", "STOPPED").await;
    let r = server.bind("bind", bound_id, &[host_id], true).await;
    assert_eq!(bind_outcomes(&r)[0], BindOutcome::Bound);
    let r = server
        .bind("bind", elsewhere.id.as_str(), &[&other], false)
        .await;
    assert_eq!(bind_outcomes(&r)[0], BindOutcome::Bound);

    let script = install_script(dir);
    let conf = dir.path.join("agent.conf");
    write_conf(&conf, &server.base, host_id, &agent_token, cacert);

    // The script alone: exactly the server's lines for a served account, nothing for others.
    let expected = served_keys(server, &agent_token, host_id).await;
    assert!(expected.contains(bound_id), "{expected}");
    assert_eq!(expected.lines().count(), 1, "{expected}");
    let bound_fingerprint = fingerprint_of(&bound_key);
    assert_eq!(bound.fingerprint_sha256, bound_fingerprint.as_str());
    // No fingerprint, or one in a form other than SHA256:…: every bound key.
    for fingerprint in [None, Some("SHA256:unused"), Some("MD5:12:f8:7e")] {
        let out = run_script(&script, &conf, "root", fingerprint);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(String::from_utf8_lossy(&out.stdout), expected);
    }
    // sshd's %f: the line of that key, or nothing (and success) for a key not bound here.
    let out = run_script(&script, &conf, "root", Some(&bound_fingerprint));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), expected);
    for other in [&unbound_key, &elsewhere_key] {
        let out = run_script(&script, &conf, "root", Some(&fingerprint_of(other)));
        assert!(
            out.status.success() && out.stdout.is_empty(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let out = run_script(&script, &conf, "alice", None);
    assert!(out.status.success() && out.stdout.is_empty());

    // It fails closed: a wrong token, an unreachable server (and quickly), and over HTTPS a
    // server certificate that the configured CAs do not vouch for.
    let bad = dir.path.join("bad.conf");
    write_conf(&bad, &server.base, host_id, "kr_not-the-token", cacert);
    let out = run_script(&script, &bad, "root", None);
    assert!(!out.status.success() && out.stdout.is_empty());
    let closed = free_port();
    write_conf(
        &bad,
        &format!("http://127.0.0.1:{closed}"),
        host_id,
        &agent_token,
        None,
    );
    let started = Instant::now();
    let out = run_script(&script, &bad, "root", None);
    assert!(!out.status.success() && out.stdout.is_empty());
    assert!(started.elapsed() < Duration::from_secs(6));
    if cacert.is_some() {
        write_conf(&bad, &server.base, host_id, &agent_token, None);
        let out = run_script(&script, &bad, "root", None);
        assert!(
            !out.status.success() && out.stdout.is_empty(),
            "an untrusted certificate must be refused"
        );
    }

    let sshd = Sshd::start(&dir.path, &script, &conf, &[]);
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
    assert_eq!(bind_outcomes(&r)[0], BindOutcome::Unbound);
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

/// Issue #13: a bound key logs in until its `expires_at`, is refused from then on (with no
/// unbinding, no restart and no cache to expire), and logs in again once the date is
/// cleared.
#[tokio::test]
async fn sshd_refuses_a_key_from_its_expiry() {
    let (dir, server) = set_up().await;
    let keys_dir = tempfile::tempdir().expect("temp dir");
    let (file, public) = ssh_key(keys_dir.path(), "expiring", &["-t", "ed25519"]);
    // Long enough for sshd to start and the first login to finish on a loaded machine.
    let lifetime = Duration::from_secs(8);
    let expires_at = keyrack_server::clock::after(lifetime);
    let deadline = Instant::now() + lifetime;
    let created = create_expiring(&server, "expiring", &public, expires_at.as_str()).await;
    assert_eq!(created["expires_at"], expires_at.as_str());
    let key_id = created["id"].as_str().expect("id").to_owned();
    let (_, script, conf) = host_with_key(&server, &dir, "loopback", &key_id).await;
    let sshd = Sshd::start(&dir.path, &script, &conf, &[]);
    assert!(
        sshd.login(&file),
        "before its expiry the key logs in\n{}",
        sshd.log()
    );
    assert!(
        Instant::now() < deadline,
        "the first login took too long to prove anything"
    );

    tokio::time::sleep(
        deadline.saturating_duration_since(Instant::now()) + Duration::from_millis(500),
    )
    .await;
    assert!(!sshd.login(&file), "from its expiry on the key is refused");
    let out = run_script(&script, &conf, "root", Some(&fingerprint_of(&file)));
    assert!(out.status.success() && out.stdout.is_empty());
    // Still listed, as expired.
    let r = server.get("/key-pairs?status=expired").await;
    assert_eq!(r.body["total"], 1, "{}", r.text);
    assert_eq!(r.body["items"][0]["id"], key_id.as_str());

    // Clearing the date brings it back.
    let r = server
        .api(
            Method::PATCH,
            &format!("/key-pairs/{key_id}"),
            Some(serde_json::json!({"expires_at": null})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.body["expires_at"].is_null(), "{}", r.text);
    assert!(sshd.login(&file), "without an expiry the key logs in again");
}

/// Issue #23 item 3: right after a restart no token has a rate-limit bucket, and 200 junk
/// bearer tokens from one address used to fill that address's bucket, so the host's own
/// lookups from the same address answered 429 and every SSH login there failed. Tokens are
/// now authenticated before any address limit: after 500 junk requests from 127.0.0.1 the
/// agent's lookups answer and a real sshd login with the bound key succeeds.
#[tokio::test]
async fn junk_tokens_from_the_host_s_address_do_not_lock_its_logins_out() {
    let (dir, mut before_restart) = set_up().await;
    let keys_dir = tempfile::tempdir().expect("temp dir");
    let (file, public) = ssh_key(keys_dir.path(), "bound", &["-t", "ed25519"]);
    let key = before_restart.create("bound", &public).await;
    let (host, agent_token) = before_restart
        .register("loopback", "linux", "STOPPED")
        .await;
    let host_id = host.id.as_str().to_owned();
    let r = before_restart
        .bind("bind", key.id.as_str(), &[&host_id], false)
        .await;
    assert_eq!(bind_outcomes(&r)[0], BindOutcome::Bound);
    let url = before_restart.database_url().expect("database").to_owned();
    before_restart.stop();
    let server = Server::spawn(&url, FAST, false).await;

    let client = reqwest::Client::new();
    let keys_url = format!("{}/api/v1/instances/{host_id}/authorized_keys", server.base);
    let statuses: Vec<u16> = futures_util::stream::iter(0..500)
        .map(|i| {
            let req = client.get(&keys_url).bearer_auth(format!("kr_junk_{i}"));
            async move { req.send().await.map_or(0, |r| r.status().as_u16()) }
        })
        .buffer_unordered(16)
        .collect()
        .await;
    let limited = statuses.iter().filter(|s| **s == 429).count();
    assert!(
        limited >= 400,
        "the junk is limited: {limited} of 500 got 429"
    );

    let script = install_script(&dir);
    let conf = dir.path.join("agent.conf");
    write_conf(&conf, &server.base, &host_id, &agent_token, None);
    let out = run_script(&script, &conf, "root", Some(&fingerprint_of(&file)));
    assert!(
        out.status.success() && String::from_utf8_lossy(&out.stdout).contains("ssh-ed25519 "),
        "the lookup by fingerprint: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run_script(&script, &conf, "root", None);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let sshd = Sshd::start(&dir.path, &script, &conf, &[]);
    assert!(
        sshd.login(&file),
        "the bound key logs in from the junk's address\n{}",
        sshd.log()
    );
}

/// Issue #13 item 3, on the pipeline docs/sshd.md sets up (issue #23 item 5): sshd logs
/// through syslog into journald, and the reporter (`--report-logins`) follows journald's
/// records (`journalctl -f -o json`). It records a completed login, with the instance, the
/// account and the client's address, and never a key that was only offered: a client holding
/// just the public key makes sshd ask Keyrack about it (a publickey query without a
/// signature) but cannot log in, and is not recorded. A reporter whose Keyrack is unreachable
/// blocks no login and keeps reading.
#[tokio::test]
async fn sshd_records_a_completed_login_and_not_a_mere_offer() {
    require_tools();
    ensure_journald();
    let dir = TestDir::new();
    let server = Server::start(FAST).await;
    let keys_dir = tempfile::tempdir().expect("temp dir");
    let (offered, used) = (
        keys_dir.path().join("offered"),
        keys_dir.path().join("used"),
    );
    ssh_keygen(&["-t", "ed25519", "-C", "offered"], &offered);
    ssh_keygen(&["-t", "ed25519", "-C", "used"], &used);
    let (host, agent_token) = server.register("web-gz-01", "linux", "RUNNING").await;
    let host_id = host.id.as_str();
    let mut ids = Vec::new();
    for (name, file) in [("offered", &offered), ("used", &used)] {
        let public = std::fs::read_to_string(file.with_extension("pub")).expect("public");
        let key = server.create(name, &public).await;
        let id = key.id.as_str().to_owned();
        let r = server.bind("bind", &id, &[host_id], true).await;
        assert_eq!(bind_outcomes(&r)[0], BindOutcome::Bound);
        ids.push(id);
    }
    // Only the public half of `offered`, where ssh looks for the key it offers.
    let only_public = keys_dir.path().join("only-public.pub");
    std::fs::copy(offered.with_extension("pub"), &only_public).expect("copy");

    let script = install_script(&dir);
    let conf = dir.path.join("agent.conf");
    write_conf(&conf, &server.base, host_id, &agent_token, None);
    let unreachable = dir.path.join("unreachable.conf");
    let closed = format!("http://127.0.0.1:{}", free_port());
    write_conf(&unreachable, &closed, host_id, &agent_token, None);
    let cgroup = Cgroup::new();
    let sshd = Sshd::journaled(&dir.path.join("sshd"), &script, &conf, Log::Syslog(&cgroup));
    let reporter = Reporter::journal(&script, &conf, &cgroup, dir.path.join("reporter.err"));
    let lost = Reporter::journal(&script, &unreachable, &cgroup, dir.path.join("lost.err"));

    // The offer: sshd asks the command, which answers with the key, and the client, which
    // cannot sign, gives up.
    let offer = sshd
        .ssh(&[&only_public], 10)
        .stdin(Stdio::null())
        .output()
        .expect("run ssh");
    assert!(!offer.status.success(), "no private key, no login");
    // sshd may log it after the client has gone: wait for it, so it comes before the login.
    let deadline = Instant::now() + Duration::from_secs(10);
    while !sshd.log().contains("Postponed publickey for root") {
        assert!(
            Instant::now() < deadline,
            "sshd must have accepted the offered key's query:\n{}",
            sshd.log()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // The login, after it in the journal: once it is recorded, the offer has been read.
    assert!(sshd.login(&used), "the used key logs in\n{}", sshd.log());
    let mut recorded = serde_json::Value::Null;
    let deadline = Instant::now() + Duration::from_secs(20);
    while recorded.is_null() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
        recorded = server.get(&format!("/key-pairs/{}", ids[1])).await.body["last_login"].clone();
    }
    assert!(
        !recorded.is_null(),
        "the login was never recorded; the reporter said:\n{}\nsshd:\n{}",
        reporter.said(),
        sshd.log()
    );
    assert_eq!(recorded["instance_id"], host_id, "{recorded}");
    assert_eq!(recorded["instance_name"], "web-gz-01");
    assert_eq!(recorded["user"], "root");
    assert_eq!(recorded["client_address"], "127.0.0.1");
    let r = server.get(&format!("/key-pairs/{}", ids[0])).await;
    assert!(
        r.body["last_login"].is_null(),
        "a mere offer is not a login: {}",
        r.text
    );
    let r = server.get(&format!("/key-pairs/{}/logins", ids[0])).await;
    assert_eq!(r.body["items"], serde_json::json!([]), "{}", r.text);

    // The reporter that cannot reach Keyrack dropped that report, held up no login, and
    // reads on: the next login's report fails too, and is said too.
    let failed = "could not report the login of root from 127.0.0.1";
    lost.wait_for(failed, 1).await;
    assert!(sshd.login(&used), "logins go on whatever the reporter does");
    lost.wait_for(failed, 2).await;
    assert!(reporter.said().is_empty(), "{}", reporter.said());
}

/// Issue #23 item 5: the reporter counts a journald record only if journald vouches that
/// sshd (or OpenSSH 9.8's sshd-session) logged it as root through syslog, and only if its
/// message itself starts with `Accepted publickey for` and has the fields of one. Not sshd's
/// `-e` stderr (`_TRANSPORT=stdout`, one record per line, which a client can forge), not the
/// native protocol, not another account or another root process (`logger -t sshd`), not a
/// client's text after sshd's own words, however the JSON around it is bent; nor any line
/// that is not a journald record at all (sshd's `-E` file), about which it warns once.
#[tokio::test]
async fn the_reporter_counts_only_sshd_own_syslog_records() {
    let (dir, server) = set_up().await;
    let public = common::random_ed25519_line("reported");
    let key = server.create("reported", &public).await;
    let key_id = key.id.as_str().to_owned();
    let fp = key.fingerprint_sha256.as_str().to_owned();
    let (_, script, conf) = host_with_key(&server, &dir, "web-gz-01", &key_id).await;

    let accepted = |address: &str| {
        format!("Accepted publickey for root from {address} port 50122 ssh2: ED25519 {fp}")
    };
    let sshd = |comm: &str, message: &str| {
        record(&[
            ("_TRANSPORT", "syslog"),
            ("_UID", "0"),
            ("_COMM", comm),
            ("SYSLOG_IDENTIFIER", "sshd"),
            ("MESSAGE", message),
        ])
    };
    let refused = [
        // sshd -e, as journald splits its stderr: a client's forged line is a record.
        record(&[
            ("_TRANSPORT", "stdout"),
            ("_UID", "0"),
            ("_COMM", "sshd"),
            ("MESSAGE", &accepted("203.0.113.1")),
        ]),
        record(&[
            ("_TRANSPORT", "journal"),
            ("_UID", "0"),
            ("_COMM", "sshd"),
            ("MESSAGE", &accepted("203.0.113.2")),
        ]),
        // logger -t sshd, as nobody and as root.
        record(&[
            ("_TRANSPORT", "syslog"),
            ("_UID", "65534"),
            ("_COMM", "sshd"),
            ("MESSAGE", &accepted("203.0.113.3")),
        ]),
        sshd("logger", &accepted("203.0.113.4")),
        // journald could not read the sender's /proc (it had exited): no _COMM.
        record(&[
            ("_TRANSPORT", "syslog"),
            ("_UID", "0"),
            ("MESSAGE", &accepted("203.0.113.5")),
        ]),
        // A client's text after sshd's own words, with the newline sshd escaped for syslog.
        sshd(
            "sshd",
            &format!(
                "Received disconnect from 203.0.113.6 port 1:11: x\\\\n{} [preauth]",
                accepted("203.0.113.6")
            ),
        ),
        // The JSON bent: quotes and field names inside values are escaped, so they match
        // nothing.
        record(&[
            ("_TRANSPORT", "stdout"),
            ("_UID", "0"),
            ("_COMM", "sshd"),
            (
                "MESSAGE",
                &format!(
                    "x\",\"_TRANSPORT\":\"syslog\",\"MESSAGE\":\"{}",
                    accepted("203.0.113.7")
                ),
            ),
        ]),
        record(&[
            ("_TRANSPORT", "syslog"),
            ("_UID", "1000"),
            ("_COMM", "sshd"),
            ("SYSLOG_IDENTIFIER", "x\",\"_UID\":\"0"),
            ("MESSAGE", &accepted("203.0.113.8")),
        ]),
        sshd("sshd", &format!("{}\u{1}", accepted("203.0.113.9"))),
        sshd("sshd", &format!("{}\"x", accepted("203.0.113.10"))),
        // Malformed fields, an account Keyrack does not serve.
        sshd("sshd", &format!("{} x", accepted("203.0.113.11"))),
        sshd(
            "sshd",
            &format!("Accepted publickey for root from 203.0.113.12 port x ssh2: ED25519 {fp}"),
        ),
        sshd(
            "sshd",
            &format!("Accepted publickey for postgres from 203.0.113.13 port 1 ssh2: ED25519 {fp}"),
        ),
        sshd(
            "sshd",
            "Postponed publickey for root from 203.0.113.14 port 1 ssh2 [preauth]",
        ),
        // A binary message: journalctl writes it as an array of bytes.
        format!(
            "{{\"_TRANSPORT\":\"syslog\",\"_UID\":\"0\",\"_COMM\":\"sshd\",\"MESSAGE\":{:?}}}",
            accepted("203.0.113.15").into_bytes()
        ),
    ];
    // sshd -E FILE and journalctl -o cat lines, and a syslog file's.
    let not_records = [
        format!("{}\r", accepted("203.0.113.16")),
        accepted("203.0.113.17"),
        format!(
            "Dec  2 07:00:00 web-gz-01 sshd[812]: {}",
            accepted("203.0.113.18")
        ),
    ];
    let logins = || async {
        let r = server.get(&format!("/key-pairs/{key_id}/logins")).await;
        let items = r.body["items"].as_array().expect("items").clone();
        (items, r.text)
    };

    // Each genuine record first, what must be refused after it: anything taken would
    // replace the login it recorded.
    for (comm, address) in [("sshd", "198.51.100.7"), ("sshd-session", "198.51.100.8")] {
        let mut input = vec![sshd(comm, &accepted(address))];
        input.extend(refused.iter().cloned());
        let out = report(&script, &conf, &input.join("\n"));
        assert!(out.status.success(), "{out:?}");
        assert!(
            out.stderr.is_empty(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let (items, text) = logins().await;
        assert_eq!(items.len(), 1, "{text}");
        assert_eq!(items[0]["client_address"], address, "{text}");
        assert_eq!(items[0]["user"], "root");
    }

    let mut input: Vec<String> = not_records.to_vec();
    input.push(sshd("sshd", &accepted("198.51.100.9")));
    let out = report(&script, &conf, &input.join("\n"));
    assert_warned_once_of_lines_not_from_journald(&out);
    let (items, text) = logins().await;
    assert_eq!(items[0]["client_address"], "198.51.100.9", "{text}");
}

/// Issue #23 item 5, the attack: before OpenSSH 9.8 (Debian 12 has 9.2), sshd writing its
/// own log (`-E FILE`) keeps the newline an unauthenticated client puts in its disconnect
/// message, so a client that has never logged in writes a whole line `Accepted publickey for
/// root …` with a bound key's fingerprint. Fed that file, the reporter records nothing, and
/// says why.
#[tokio::test]
async fn a_client_forges_logins_in_sshd_own_log_which_the_reporter_refuses() {
    let (dir, server) = set_up().await;
    let key = server
        .create("bound", &common::random_ed25519_line("bound"))
        .await;
    let key_id = key.id.as_str().to_owned();
    let fp = key.fingerprint_sha256.as_str();
    let (_, script, conf) = host_with_key(&server, &dir, "loopback", &key_id).await;
    let sshd = Sshd::start(&dir.path, &script, &conf, &[]);

    let forged = format!("Accepted publickey for root from 203.0.113.9 port 1 ssh2: ED25519 {fp}");
    send_disconnect(sshd.port, &format!("x\n{forged}\ny"));
    let deadline = Instant::now() + Duration::from_secs(10);
    while !sshd.log().lines().any(|line| line == forged) {
        assert!(
            Instant::now() < deadline,
            "the forged line never appeared alone on a line of sshd's -E log (an sshd of \
             OpenSSH 9.8 or later escapes the newline):\n{}",
            sshd.log()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let log = std::fs::read_to_string(&sshd.log).expect("sshd's log");
    let out = report(&script, &conf, &log);
    assert_warned_once_of_lines_not_from_journald(&out);
    let r = server.get(&format!("/key-pairs/{key_id}/logins")).await;
    assert_eq!(r.body["items"], serde_json::json!([]), "{}", r.text);
    let r = server.get(&format!("/key-pairs/{key_id}")).await;
    assert!(r.body["last_login"].is_null(), "{}", r.text);
}

/// Issue #23 item 5, the fix, with real parts end to end: sshd logging through syslog (its
/// default) into journald, the reporter following journald's JSON. The forged disconnect
/// stays inside one record that starts with sshd's own words (sshd escapes the newline for
/// syslog). The same text through sshd's `-e` (stderr handed to journald, as a service
/// manager does) becomes a record of its own that reads `Accepted publickey…`, as root and
/// from sshd, but of `_TRANSPORT=stdout`; and `logger -t sshd`, run by nobody or by root,
/// makes records journald marks as not sshd's. None of these is recorded; a real login
/// through the same pipeline is.
#[tokio::test]
async fn through_journald_only_a_real_login_is_recorded() {
    require_tools();
    ensure_journald();
    let since = unix_now() - 1;
    let dir = TestDir::new();
    let server = Server::start(FAST).await;
    let keys_dir = tempfile::tempdir().expect("temp dir");
    let (file, public) = ssh_key(keys_dir.path(), "bound", &["-t", "ed25519"]);
    let key = server.create("bound", &public).await;
    let key_id = key.id.as_str().to_owned();
    let fp = key.fingerprint_sha256.as_str().to_owned();
    let (host_id, script, conf) = host_with_key(&server, &dir, "loopback", &key_id).await;
    let host_id = host_id.as_str();
    let cgroup = Cgroup::new();
    let reporter = Reporter::journal(&script, &conf, &cgroup, dir.path.join("reporter.err"));
    let syslog = Sshd::journaled(
        &dir.path.join("syslog"),
        &script,
        &conf,
        Log::Syslog(&cgroup),
    );
    let stderr = Sshd::journaled(
        &dir.path.join("stderr"),
        &script,
        &conf,
        Log::Stderr(&cgroup),
    );

    let accepted = |address: &str| {
        format!("Accepted publickey for root from {address} port 1 ssh2: ED25519 {fp}")
    };
    let forged = accepted("203.0.113.9");
    for sshd in [&syslog, &stderr] {
        send_disconnect(sshd.port, &format!("x\n{forged}\ny"));
    }
    let (as_nobody, as_root) = (accepted("203.0.113.10"), accepted("203.0.113.11"));
    for (user, message) in [("nobody", &as_nobody), ("root", &as_root)] {
        let status = cgroup
            .command("runuser")
            .args(["-u", user, "--", "logger", "-t", "sshd", message])
            .status()
            .expect("run logger");
        assert!(status.success(), "logger as {user}");
    }

    // Every one of them in the journal, found by the key's fingerprint (a record of a process
    // that has already exited lacks _SYSTEMD_CGROUP, so not by the cgroup).
    let message = |r: &serde_json::Value| r["MESSAGE"].as_str().unwrap_or_default().to_owned();
    let deadline = Instant::now() + Duration::from_secs(15);
    let records = loop {
        let records = journal_records(since, &fp);
        let found =
            |wanted: &dyn Fn(&serde_json::Value) -> bool| records.iter().any(|(_, r)| wanted(r));
        if found(&|r| r["_TRANSPORT"] == "syslog" && message(r).contains(&forged))
            && found(&|r| r["_TRANSPORT"] == "stdout" && message(r) == forged)
            && found(&|r| message(r) == as_nobody)
            && found(&|r| message(r) == as_root)
        {
            break records;
        }
        assert!(
            Instant::now() < deadline,
            "not every forged record reached the journal: {records:#?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    for (_, r) in &records {
        let text = message(r);
        match r["_TRANSPORT"].as_str() {
            Some("syslog") if text.contains(&forged) => {
                assert!(
                    text.starts_with("Received disconnect from 127.0.0.1 port ")
                        && !text.contains('\n'),
                    "sshd's syslog message keeps the client's text inside its own: {r}"
                );
                assert_eq!(r["_UID"], "0", "{r}");
                assert_eq!(r["SYSLOG_IDENTIFIER"], "sshd", "{r}");
            }
            // The attack on a reader that would trust any sshd record: root, sshd, and the
            // forged line whole.
            Some("stdout") => {
                assert_eq!(text, forged, "{r}");
                assert_eq!(r["_UID"], "0", "{r}");
            }
            _ if text == as_nobody => {
                assert_eq!(r["_TRANSPORT"], "syslog", "{r}");
                assert_eq!(r["_UID"], nobody().0.to_string(), "{r}");
            }
            _ if text == as_root => {
                assert_eq!(r["_TRANSPORT"], "syslog", "{r}");
                assert_eq!(r["_UID"], "0", "{r}");
                assert_ne!(r["_COMM"], "sshd", "{r}");
            }
            _ => panic!("an unexpected record: {r}"),
        }
    }
    // Those very records, fed to the reporter: none is taken.
    let lines: Vec<&str> = records.iter().map(|(line, _)| line.as_str()).collect();
    let out = report(&script, &conf, &lines.join("\n"));
    assert!(
        out.status.success() && out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // A real login through the pipeline is recorded; the reporter read the forged records
    // before it, and took none.
    assert!(
        syslog.login(&file),
        "the bound key logs in\n{}",
        syslog.log()
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    let logins = loop {
        let r = server.get(&format!("/key-pairs/{key_id}/logins")).await;
        let items = r.body["items"].as_array().expect("items").clone();
        if !items.is_empty() {
            break items;
        }
        assert!(
            Instant::now() < deadline,
            "the login was never recorded; the reporter said:\n{}\nsshd:\n{}",
            reporter.said(),
            syslog.log()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(logins.len(), 1, "{logins:?}");
    assert_eq!(logins[0]["client_address"], "127.0.0.1", "{logins:?}");
    assert_eq!(logins[0]["instance_id"], host_id);
    assert!(reporter.said().is_empty(), "{}", reporter.said());
}

/// Issue #13 item 2: a key registered before a stricter policy keeps logging in until the
/// policy is enforced at login, and again once the policy allows it.
#[tokio::test]
async fn sshd_refuses_a_key_the_enforced_policy_does_not_allow() {
    let (dir, server) = set_up().await;
    let keys_dir = tempfile::tempdir().expect("temp dir");
    let (file, public) = ssh_key(keys_dir.path(), "old-rsa", &["-t", "rsa", "-b", "2048"]);
    let key_id = server.create("old-rsa", &public).await.id;
    let (_, script, conf) = host_with_key(&server, &dir, "loopback", &key_id).await;
    let sshd = Sshd::start(&dir.path, &script, &conf, &[]);
    let policy = |min_rsa_bits: u32, enforce_on_login: bool| {
        serde_json::json!({
            "allowed_algorithms": ["ssh-ed25519", "ssh-rsa"],
            "min_rsa_bits": min_rsa_bits,
            "max_lifetime_days": null,
            "enforce_on_login": enforce_on_login,
        })
    };

    let r = server
        .api(Method::PUT, "/policy", Some(policy(3072, false)))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(
        sshd.login(&file),
        "a policy not enforced at login only marks the key\n{}",
        sshd.log()
    );
    let r = server
        .api(Method::PUT, "/policy", Some(policy(3072, true)))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(!sshd.login(&file), "the enforced policy refuses the key");
    let r = server.get(&format!("/key-pairs/{key_id}")).await;
    assert_eq!(
        r.body["allowed_by_policy"], false,
        "still listed: {}",
        r.text
    );
    let r = server
        .api(Method::PUT, "/policy", Some(policy(2048, true)))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(sshd.login(&file), "allowed again, the key logs in again");
}

/// Issue #12: sshd runs the AuthorizedKeysCommand once for every key a client offers, so
/// anyone who can reach port 22 makes the host ask Keyrack as often as they like. 200 junk
/// logins in parallel, each offering 3 keys Keyrack does not know, against a server with its
/// DEFAULT rate limits: a bound key still logs in during and right after the flood, and
/// takes at most a second longer than before it.
#[tokio::test]
async fn sshd_logins_survive_a_flood_of_unknown_keys() {
    const JUNK_LOGINS: usize = 200;
    const KEYS_PER_JUNK_LOGIN: usize = 3;
    const IN_FLIGHT: usize = 20;
    require_tools();
    let dir = TestDir::new();
    // Default flags (no --rate-limit-per-minute): the limits a deployment runs with.
    let server = Server::start(FAST).await;
    let keys_dir = tempfile::tempdir().expect("temp dir");
    let bound_key = keys_dir.path().join("bound");
    ssh_keygen(&["-t", "ed25519", "-C", "bound"], &bound_key);
    let bound_pub = std::fs::read_to_string(bound_key.with_extension("pub")).expect("public");
    let bound = server.create("bound", &bound_pub).await;
    let (host, agent_token) = server.register("flooded", "linux", "RUNNING").await;
    let host_id = host.id.as_str();
    let r = server
        .bind("bind", bound.id.as_str(), &[host_id], true)
        .await;
    assert_eq!(bind_outcomes(&r)[0], BindOutcome::Bound);
    // Junk keys, made once (ssh-keygen's Ed25519 is quick); each junk login offers 3 of them.
    let junk: Vec<PathBuf> = (0..2 * KEYS_PER_JUNK_LOGIN)
        .map(|i| {
            let file = keys_dir.path().join(format!("junk{i}"));
            ssh_keygen(&["-t", "ed25519", "-C", "junk"], &file);
            file
        })
        .collect();

    let script = install_script(&dir);
    let conf = dir.path.join("agent.conf");
    write_conf(&conf, &server.base, host_id, &agent_token, None);
    // sshd's own limits must not be what stops the flood, or it never reaches Keyrack:
    // - MaxStartups (default 10:30:100) drops new unauthenticated connections at random
    //   from 10 and all of them from 100, the legitimate one included. 300 lets all 200 junk
    //   logins (and the legitimate ones) through to authentication.
    // - MaxAuthTries (default 6) counts offered keys; 10 leaves room for all 3 of each junk
    //   login, so every junk key makes sshd run the command.
    // - PerSourcePenalties (OpenSSH 9.8+) would shut 127.0.0.1 out after repeated failures;
    //   off where sshd knows it.
    let sshd = Sshd::start(
        &dir.path,
        &script,
        &conf,
        &[
            "MaxStartups 300",
            "MaxAuthTries 10",
            "?PerSourcePenalties no",
        ],
    );

    // Before the flood: the legitimate login, three times; the median is the baseline.
    let mut before: Vec<Duration> = (0..3)
        .map(|_| {
            let (ok, took) = sshd.timed_login(&bound_key);
            assert!(
                ok,
                "the bound key must log in before the flood\n{}",
                sshd.log()
            );
            took
        })
        .collect();
    before.sort();
    let baseline = before[1];

    let failed_before = sshd.log().matches("Failed publickey").count();
    // The flood, from its own thread: spawning 200 processes takes a while on a busy
    // machine, and the legitimate logins must run while it is under way.
    let junk_commands: Vec<Command> = (0..JUNK_LOGINS)
        .map(|i| {
            let keys: Vec<&Path> = (0..KEYS_PER_JUNK_LOGIN)
                .map(|k| junk[(i + k) % junk.len()].as_path())
                .collect();
            let mut command = sshd.ssh(&keys, 60);
            command
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null());
            command
        })
        .collect();
    let spawned = Arc::new(AtomicUsize::new(0));
    let flood_started = Instant::now();
    let flood = std::thread::spawn({
        let spawned = Arc::clone(&spawned);
        move || {
            // At most IN_FLIGHT junk logins at once: what drains a budget is the number of
            // lookups a second, and on a 2-core machine 200 ssh handshakes at once would only
            // measure a starved CPU (every login, junk or not, then takes tens of seconds).
            let mut children: Vec<Child> = Vec::with_capacity(JUNK_LOGINS);
            for mut command in junk_commands {
                while children
                    .iter_mut()
                    .map(|c| c.try_wait())
                    .filter(|w| matches!(w, Ok(None)))
                    .count()
                    >= IN_FLIGHT
                {
                    std::thread::sleep(Duration::from_millis(5));
                }
                children.push(command.spawn().expect("spawn a junk ssh"));
                spawned.fetch_add(1, Ordering::SeqCst);
            }
            // Every junk login fails; wait for all (bounded: kill what is left after 3 min).
            let deadline = Instant::now() + Duration::from_secs(180);
            let mut succeeded = 0;
            for child in &mut children {
                loop {
                    match child.try_wait().expect("wait for ssh") {
                        Some(status) => {
                            succeeded += usize::from(status.success());
                            break;
                        }
                        None if Instant::now() > deadline => {
                            let _ = child.kill();
                            let _ = child.wait();
                            break;
                        }
                        None => std::thread::sleep(Duration::from_millis(20)),
                    }
                }
            }
            succeeded
        }
    });
    // During the flood: once a quarter of it is under way, legitimate logins one after
    // another until it is over.
    while spawned.load(Ordering::SeqCst) < JUNK_LOGINS / 4 && !flood.is_finished() {
        std::thread::sleep(Duration::from_millis(10));
    }
    let mut during = Vec::new();
    while !flood.is_finished() || during.is_empty() {
        let at = flood_started.elapsed();
        let (ok, took) = sshd.timed_login(&bound_key);
        during.push((at, spawned.load(Ordering::SeqCst), ok, took));
    }
    let junk_succeeded = flood.join().expect("the flood thread");
    let flood_took = flood_started.elapsed();
    // Just after it: once more.
    let after = sshd.timed_login(&bound_key);
    let log = sshd.log();
    let junk_queries = log.matches("Failed publickey").count() - failed_before;
    let command_failures = log
        .lines()
        .filter(|l| l.contains("AuthorizedKeysCommand") && l.contains("status"))
        .count();
    let refused_during = during.iter().filter(|(_, _, ok, _)| !ok).count();
    let refused = refused_during + usize::from(!after.0);
    let slowest_during = during
        .iter()
        .map(|(_, _, _, took)| *took)
        .max()
        .unwrap_or_default();
    let during_text: Vec<String> = during
        .iter()
        .map(|(at, spawned, ok, took)| {
            format!(
                "at {:.1}s ({spawned} junk spawned): {} in {:.2}s",
                at.as_secs_f64(),
                if *ok { "logged in" } else { "REFUSED" },
                took.as_secs_f64()
            )
        })
        .collect();
    let report = format!(
        "baseline {baseline:.2?} (before: {before:.2?}); during the flood \
         ({} logins, slowest {slowest_during:.2?}, {refused_during} refused): {during_text:?}; \
         just after: {} in {:.2?}; flood took {flood_took:.1?}; junk keys refused by sshd: \
         {junk_queries}; failed AuthorizedKeysCommand runs: {command_failures}; refused \
         legitimate logins: {refused} of {}",
        during.len(),
        if after.0 { "logged in" } else { "REFUSED" },
        after.1,
        during.len() + 1
    );
    eprintln!("{report}");
    assert_eq!(junk_succeeded, 0, "a junk key logged in: {report}");
    // Each junk key was offered and refused, which means sshd ran the command for it.
    assert!(
        junk_queries >= JUNK_LOGINS * KEYS_PER_JUNK_LOGIN * 9 / 10,
        "the flood did not reach the AuthorizedKeysCommand: {report}"
    );
    assert_eq!(refused, 0, "the bound key was locked out: {report}");
    // The next login after the flood is not slowed down. (Logins during it share two cores
    // with the junk handshakes, so only their success is asserted.)
    assert!(
        after.1 <= baseline + Duration::from_secs(1),
        "the first login after the flood took more than a second longer than before it: {report}"
    );
}

/// Issue #23 item 6: with the opt-in cache, Keyrack stopped (its process killed), a bound key
/// still logs in from the last good answer, and a key whose expiry passed since that answer
/// was cached is refused by sshd itself, by the `expiry-time` its line carries: the script
/// still prints the line, and sshd refuses the key from the second of its expiry on. Without
/// the cache, logins fail closed as before.
#[tokio::test]
async fn sshd_logs_in_from_the_cache_while_keyrack_is_down() {
    let (dir, mut server) = set_up().await;
    let keys_dir = tempfile::tempdir().expect("temp dir");
    let key = |name: &str| ssh_key(keys_dir.path(), name, &["-t", "ed25519"]);
    let (bound, bound_pub) = key("bound");
    let (expiring, expiring_pub) = key("expiring");
    // A whole second, as people set expiry dates: sshd must refuse the key from that very
    // second, not the one after. Long enough for the logins before the outage on a loaded
    // machine.
    let expiry_secs = unix_now() + 20;
    let expires_at =
        time::OffsetDateTime::from_unix_timestamp(i64::try_from(expiry_secs).expect("a time"))
            .expect("a time")
            .format(&time::format_description::well_known::Rfc3339)
            .expect("RFC 3339");
    let expiry = Instant::now()
        + Duration::from_secs_f64(expiry_secs as f64 - unix_now_f64()).max(Duration::ZERO);
    let bound_id = server.create("bound", &bound_pub).await.id;
    let expiring_id = create_expiring(&server, "expiring", &expiring_pub, &expires_at).await["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let (host, agent_token) = server.register("loopback", "linux", "RUNNING").await;
    let host_id = host.id.as_str().to_owned();
    for id in [&bound_id, &expiring_id] {
        let r = server.bind("bind", id, &[&host_id], true).await;
        assert_eq!(bind_outcomes(&r)[0], BindOutcome::Bound);
    }

    let script = install_script(&dir);
    let cache = cache_dir(&dir);
    let cached_conf = dir.path.join("cached.conf");
    write_conf(&cached_conf, &server.base, &host_id, &agent_token, None);
    append_conf(&cached_conf, &cache, 600);
    let plain_conf = dir.path.join("plain.conf");
    write_conf(&plain_conf, &server.base, &host_id, &agent_token, None);
    let cached = Sshd::start(&dir.path.join("cached"), &script, &cached_conf, &[]);
    let plain = Sshd::start(&dir.path.join("plain"), &script, &plain_conf, &[]);
    for (sshd, file) in [(&cached, &bound), (&cached, &expiring), (&plain, &bound)] {
        assert!(sshd.login(file), "Keyrack is up: logs in\n{}", sshd.log());
    }
    assert!(
        Instant::now() + Duration::from_secs(2) < expiry,
        "the logins before the outage took too long to prove anything"
    );

    // The cache: the instance's own file, nobody's and 0600, the time it was written, then
    // Keyrack's answer, the expiring key's line with its expiry-time.
    let answer = served_keys(&server, &agent_token, &host_id).await;
    let file = cache.join(&host_id);
    let meta = std::fs::symlink_metadata(&file).expect("the cache file");
    assert_eq!(meta.uid(), nobody().0);
    assert_eq!(meta.mode() & 0o7777, 0o600);
    let cached_text = std::fs::read_to_string(&file).expect("read the cache");
    let (header, body) = cached_text.split_once('\n').expect("a header line");
    assert!(
        header.starts_with(&format!("# keyrack {host_id} ")),
        "{header}"
    );
    assert_eq!(body.trim_end(), answer.trim_end());
    assert!(
        answer
            .lines()
            .any(|l| l.starts_with("expiry-time=\"") && l.contains(&expiring_id)),
        "{answer}"
    );

    server.stop();
    assert!(
        cached.login(&bound),
        "with the cache, the bound key logs in while Keyrack is down\n{}",
        cached.log()
    );
    assert!(
        !plain.login(&bound),
        "without the cache, no key logs in while Keyrack is down"
    );
    let out = run_script_as_nobody(&script, &plain_conf, "root", None);
    assert!(!out.status.success() && out.stdout.is_empty());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("could not read the authorized keys"),
        "{out:?}"
    );

    // Just past the expiry: the cache still serves the line, and sshd refuses the key.
    tokio::time::sleep(
        expiry.saturating_duration_since(Instant::now()) + Duration::from_millis(50),
    )
    .await;
    assert!(
        !cached.login(&expiring),
        "sshd must refuse a key past its expiry-time, whatever copy it reads"
    );
    let out = run_script_as_nobody(
        &script,
        &cached_conf,
        "root",
        Some(&fingerprint_of(&expiring)),
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains(&expiring_id),
        "{out:?}"
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("using the answer Keyrack gave"),
        "{out:?}"
    );
    assert!(cached.login(&bound), "the bound key still logs in");
}

/// Issue #23 item 6, the script's cache rules, against the real server (and, for a 5xx, a
/// listener standing in for the proxy in front of a Keyrack that is down): the cache answers
/// only when Keyrack gave no answer or a 5xx, and only while it is younger than
/// KEYRACK_CACHE_MAX_AGE; never after a 401, 403 or 404, which delete it; never from a
/// directory another account could write; and its lines pass the same filter as Keyrack's,
/// which lets through a plain key line led at most by one `expiry-time="<14 digits>Z"`.
#[tokio::test]
async fn the_cache_answers_only_when_keyrack_cannot() {
    let (dir, server) = set_up().await;
    let script = install_script(&dir);
    let cache = cache_dir(&dir);
    let key = server
        .create("bound", &common::random_ed25519_line("bound"))
        .await;
    let key_id = key.id.as_str().to_owned();
    let (host, token) = server.register("host", "linux", "RUNNING").await;
    let host_id = host.id.as_str().to_owned();
    let r = server.bind("bind", &key_id, &[&host_id], true).await;
    assert_eq!(bind_outcomes(&r)[0], BindOutcome::Bound);
    let (_, other_token) = server.register("other", "linux", "RUNNING").await;
    let conf = |name: &str, url: &str, instance: &str, token: &str| {
        let path = dir.path.join(name);
        write_conf(&path, url, instance, token, None);
        append_conf(&path, &cache, 600);
        path
    };
    let up = conf("up.conf", &server.base, &host_id, &token);
    let closed = format!("http://127.0.0.1:{}", free_port());
    let down = conf("down.conf", &closed, &host_id, &token);
    let run = |conf: &Path| {
        let out = run_script_as_nobody(&script, conf, "root", None);
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let file = cache.join(&host_id);

    // A 200 writes the cache; no answer, and a proxy's 502, read it.
    let (ok, keys, said) = run(&up);
    assert!(ok && keys.contains(&key_id), "{said}");
    assert!(file.exists());
    let (ok, from_cache, said) = run(&down);
    assert!(ok, "{said}");
    assert_eq!(from_cache, keys);
    assert!(
        said.contains("no answer: using the answer Keyrack gave"),
        "{said}"
    );
    let bad_gateway = conf("502.conf", &answering(502, 1), &host_id, &token);
    let (ok, from_cache, said) = run(&bad_gateway);
    assert!(ok && from_cache == keys, "{said}");
    assert!(said.contains("HTTP 502: using the answer"), "{said}");
    // Any other refusal fails closed, and keeps the cache.
    let too_many = conf("429.conf", &answering(429, 1), &host_id, &token);
    let (ok, out, said) = run(&too_many);
    assert!(!ok && out.is_empty() && said.contains("HTTP 429"), "{said}");
    assert!(file.exists());

    // Older than KEYRACK_CACHE_MAX_AGE (600 s): refused.
    let text = std::fs::read_to_string(&file).expect("the cache");
    let (_, body) = text.split_once('\n').expect("a header");
    write_cache(&file, &host_id, unix_now() - 700, body);
    let (ok, out, said) = run(&down);
    assert!(!ok && out.is_empty() && said.contains("s old"), "{said}");

    // Only a directory of nobody's own, writable by no one else.
    write_cache(&file, &host_id, unix_now(), body);
    set_mode(&cache, 0o770);
    let (ok, out, said) = run(&down);
    assert!(!ok && out.is_empty(), "{said}");
    assert!(
        said.contains("writable by its group or by everyone"),
        "{said}"
    );
    set_mode(&cache, 0o700);
    std::os::unix::fs::chown(&cache, Some(0), Some(0)).expect("chown");
    let (ok, out, said) = run(&down);
    assert!(!ok && out.is_empty(), "{said}");
    assert!(said.contains("belongs to uid 0"), "{said}");
    // Keyrack up, the directory unusable: Keyrack's answer, and the cache left alone.
    let (ok, out, said) = run(&up);
    assert!(
        ok && out == keys && said.contains("the cache is off"),
        "{said}"
    );
    let (nobody_uid, nobody_gid) = nobody();
    std::os::unix::fs::chown(&cache, Some(nobody_uid), Some(nobody_gid)).expect("chown");

    // The filter: a plain key line, led at most by one expiry-time, and nothing else.
    let line = key.public_key.as_str();
    let passes = [
        format!("{line} keyrack:{key_id} bound"),
        format!("expiry-time=\"20301231235959Z\" {line} keyrack:{key_id} bound"),
    ];
    let refused = [
        format!("command=\"/bin/sh\" {line}"),
        format!("expiry-time=\"20301231235959Z\",command=\"/bin/sh\" {line}"),
        format!("expiry-time=\"20301231235959Z\" expiry-time=\"20301231235959Z\" {line}"),
        format!("expiry-time=\"20301231235959Z\" command=\"/bin/sh\" {line}"),
        format!("expiry-time=\"2030123123595Z\" {line}"),
        format!("expiry-time=\"20301231235959\" {line}"),
        format!("expiry-time=\"203012312359590Z\" {line}"),
        format!("expiry-time=20301231235959Z {line}"),
        format!("from=\"*\" {line}"),
        format!("restrict,expiry-time=\"20301231235959Z\" {line}"),
        "<html><body>Bad gateway</body></html>".to_owned(),
    ];
    let mut lines: Vec<&str> = refused.iter().map(String::as_str).collect();
    lines.splice(3..3, passes.iter().map(String::as_str));
    write_cache(&file, &host_id, unix_now(), &lines.join("\n"));
    let (ok, out, said) = run(&down);
    assert!(ok, "{said}");
    assert_eq!(out, format!("{}\n", passes.join("\n")));

    // 403 (another instance's token), 404 (an admin asking for a deleted instance), 401 (a
    // deleted instance's token): no fallback, however fresh the cache, and the cache goes.
    let forbidden = conf("403.conf", &server.base, &host_id, &other_token);
    let (ok, out, said) = run(&forbidden);
    assert!(!ok && out.is_empty() && said.contains("HTTP 403"), "{said}");
    assert!(!file.exists(), "a 403 deletes the cache");
    let (gone, _) = server.register("gone", "linux", "RUNNING").await;
    let gone_id = gone.id.as_str();
    let admin = conf("404.conf", &server.base, gone_id, common::TOKEN);
    assert!(run(&admin).0);
    assert!(cache.join(gone_id).exists());
    let r = server.delete(&format!("/instances/{gone_id}")).await;
    assert!(r.status < 300, "{}", r.text);
    let (ok, out, said) = run(&admin);
    assert!(!ok && out.is_empty() && said.contains("HTTP 404"), "{said}");
    assert!(!cache.join(gone_id).exists(), "a 404 deletes the cache");
    assert!(run(&up).0);
    assert!(file.exists());
    let r = server.delete(&format!("/instances/{host_id}")).await;
    assert!(r.status < 300, "{}", r.text);
    let (ok, out, said) = run(&up);
    assert!(!ok && out.is_empty() && said.contains("HTTP 401"), "{said}");
    assert!(!file.exists(), "a 401 deletes the cache");
    let (ok, out, said) = run(&down);
    assert!(
        !ok && out.is_empty() && said.contains("nothing cached"),
        "{said}"
    );
}

/// The script refuses plain `http://` unless it goes to this host (127.0.0.0/8, [::1],
/// localhost): the agent token would cross the network in clear. Runs without sshd or root.
#[test]
fn the_script_refuses_plain_http_off_loopback() {
    let dir = tempfile::tempdir().expect("temp dir");
    let script = dir.path().join("keyrack-authorized-keys");
    std::fs::write(&script, SCRIPT).expect("write the script");
    set_mode(&script, 0o755);
    let conf = dir.path().join("agent.conf");
    let run = |url: &str| {
        std::fs::write(
            &conf,
            format!(
                "KEYRACK_URL={url}\nKEYRACK_INSTANCE_ID=ins-0a1b2c3d\nKEYRACK_TOKEN=kr_x\n\
                 KEYRACK_TIMEOUT=2\n"
            ),
        )
        .expect("write the configuration");
        let out = run_script(&script, &conf, "root", None);
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let refusal = "the agent token would cross the network in clear";
    for url in [
        "http://192.0.2.1",
        "http://192.0.2.1:8080/keyrack",
        "http://keyrack.example.com",
        "http://127.0.0.1.example.com",
        "http://127.0.0.1@192.0.2.1",
        "http://localhost.example.com",
        "http://127.0.0.01",
        "http://127.0.0.256",
        "http://[::2]:8080",
        "http://[::ffff:192.0.2.1]",
        "http://192.0.2.1?127.0.0.1",
    ] {
        let (ok, stderr) = run(url);
        assert!(!ok, "{url} must be refused");
        assert!(stderr.contains(refusal), "{url}: {stderr}");
        assert!(stderr.contains("https://"), "{url}: {stderr}");
    }
    // Loopback is allowed in clear, and https:// anywhere: these get past the check (and
    // then fail to connect, since nothing listens there).
    let closed = free_port();
    for url in [
        format!("http://127.0.0.1:{closed}"),
        format!("http://127.1.2.3:{closed}/"),
        format!("http://localhost:{closed}"),
        format!("http://[::1]:{closed}"),
        format!("https://127.0.0.1:{closed}"),
    ] {
        let (ok, stderr) = run(&url);
        assert!(!ok, "{url}: nothing listens");
        assert!(!stderr.contains(refusal), "{url} must be allowed: {stderr}");
        assert!(
            stderr.contains("could not read the authorized keys"),
            "{url}: {stderr}"
        );
    }
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

/// The reporter was fed lines that are not journald records: it went on, and said once
/// (naming `journalctl -o json`, `-E FILE, -e` and forgery) why it does not count them.
fn assert_warned_once_of_lines_not_from_journald(out: &Output) {
    assert!(out.status.success(), "{out:?}");
    let said = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        said.matches("keyrack-authorized-keys:").count(),
        1,
        "{said}"
    );
    for words in ["journalctl -o json", "-E FILE, -e", "forge"] {
        assert!(said.contains(words), "{said}");
    }
}

/// The authorized_keys Keyrack serves the instance `host_id` to its agent.
async fn served_keys(server: &Server, agent_token: &str, host_id: &str) -> String {
    server
        .as_token(
            agent_token,
            Method::GET,
            &format!("/instances/{host_id}/authorized_keys"),
            None,
        )
        .await
        .text
}

/// Registers `public` as `name`, expiring at `expires_at` (RFC 3339), asserting 201; the
/// key pair as the API answered it.
async fn create_expiring(
    server: &Server,
    name: &str,
    public: &str,
    expires_at: &str,
) -> serde_json::Value {
    let r = server
        .post(
            "/key-pairs",
            serde_json::json!({"name": name, "public_key": public, "expires_at": expires_at}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    r.body
}

/// Where most tests start: the tools checked, a test directory, a fresh server.
async fn set_up() -> (TestDir, Server) {
    require_tools();
    let dir = TestDir::new();
    (dir, Server::start(FAST).await)
}

/// A key pair made by `ssh-keygen` (`kind`: `-t ed25519`, …) in `dir`, with `name` as its
/// file name and comment: the private key's file and the public key's line.
fn ssh_key(dir: &Path, name: &str, kind: &[&str]) -> (PathBuf, String) {
    let file = dir.join(name);
    ssh_keygen(&[kind, &["-C", name]].concat(), &file);
    let public = std::fs::read_to_string(file.with_extension("pub")).expect("public key");
    (file, public)
}

/// Registers `name` as a running instance, binds `key_id` to it (with force_stop, as
/// docs/sshd.md says) and installs the script configured as its agent: the instance's id,
/// the script and its configuration file.
async fn host_with_key(
    server: &Server,
    dir: &TestDir,
    name: &str,
    key_id: &str,
) -> (String, PathBuf, PathBuf) {
    let (host, agent_token) = server.register(name, "linux", "RUNNING").await;
    let r = server.bind("bind", key_id, &[host.id.as_str()], true).await;
    assert_eq!(bind_outcomes(&r)[0], BindOutcome::Bound);
    let script = install_script(dir);
    let conf = dir.path.join("agent.conf");
    write_conf(&conf, &server.base, &host.id, &agent_token, None);
    (host.id, script, conf)
}

fn set_mode(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

/// The script, as sshd requires it: in a root-owned directory, 0755.
fn install_script(dir: &TestDir) -> PathBuf {
    let script = dir.path.join("keyrack-authorized-keys");
    std::fs::write(&script, SCRIPT).expect("write the script");
    set_mode(&script, 0o755);
    script
}

/// `SHA256:…` of the key in `file` (or `file.pub`), as `ssh-keygen -l` and sshd's %f write it.
fn fingerprint_of(file: &Path) -> String {
    let out = Command::new("ssh-keygen")
        .arg("-lf")
        .arg(file.with_extension("pub"))
        .output()
        .expect("run ssh-keygen -l");
    assert!(out.status.success(), "ssh-keygen -l {}", file.display());
    String::from_utf8_lossy(&out.stdout)
        .split(' ')
        .nth(1)
        .expect("the fingerprint field")
        .to_owned()
}

/// The agent configuration, readable by root and by the group of `nobody` (the
/// AuthorizedKeysCommandUser here) only.
fn write_conf(path: &Path, url: &str, instance_id: &str, token: &str, cacert: Option<&Path>) {
    let mut text = format!(
        "# Keyrack agent\nKEYRACK_URL={url}\nKEYRACK_INSTANCE_ID={instance_id}\n\
         KEYRACK_TOKEN={token}\nKEYRACK_USERS=root\nKEYRACK_TIMEOUT=5\n"
    );
    if let Some(ca) = cacert {
        text.push_str(&format!("KEYRACK_CACERT={}\n", ca.display()));
    }
    std::fs::write(path, text).expect("write the agent configuration");
    std::os::unix::fs::chown(path, Some(0), Some(nobody().1)).expect("chown");
    set_mode(path, 0o640);
}

/// The script as sshd calls it: `-c CONF USER [FINGERPRINT]`, with an empty environment.
fn script_command(script: &Path, conf: &Path, user: &str, fingerprint: Option<&str>) -> Command {
    let mut command = Command::new(script);
    command
        .arg("-c")
        .arg(conf)
        .arg(user)
        .args(fingerprint)
        .env_clear();
    command
}

/// The script as sshd runs it (as root here): its output.
fn run_script(script: &Path, conf: &Path, user: &str, fingerprint: Option<&str>) -> Output {
    script_command(script, conf, user, fingerprint)
        .output()
        .expect("run the script")
}

fn unix_now_f64() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs_f64()
}

fn unix_now() -> u64 {
    unix_now_f64() as u64
}

/// The uid and gid of `nobody`, the AuthorizedKeysCommandUser here.
fn nobody() -> (u32, u32) {
    let id = |flag: &str| {
        Command::new("id")
            .args([flag, "nobody"])
            .output()
            .ok()
            .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
            .expect("the ids of nobody")
    };
    (id("-u"), id("-g"))
}

/// The script's cache directory as docs/sshd.md makes it: the AuthorizedKeysCommandUser's
/// own, 0700.
fn cache_dir(dir: &TestDir) -> PathBuf {
    let cache = dir.path.join("cache");
    std::fs::create_dir(&cache).expect("the cache directory");
    let (uid, gid) = nobody();
    std::os::unix::fs::chown(&cache, Some(uid), Some(gid)).expect("chown");
    set_mode(&cache, 0o700);
    cache
}

/// Turns the cache on in the configuration at `path`.
fn append_conf(path: &Path, cache: &Path, max_age_secs: u32) {
    let text = std::fs::read_to_string(path).expect("the configuration");
    std::fs::write(
        path,
        format!(
            "{text}KEYRACK_CACHE_MAX_AGE={max_age_secs}\nKEYRACK_CACHE_DIR={}\n",
            cache.display()
        ),
    )
    .expect("write the configuration");
}

/// A cache file as the script writes it (written at `written`, unix seconds), nobody's.
fn write_cache(file: &Path, instance_id: &str, written: u64, body: &str) {
    std::fs::write(file, format!("# keyrack {instance_id} {written}\n{body}\n"))
        .expect("write the cache");
    let (uid, gid) = nobody();
    std::os::unix::fs::chown(file, Some(uid), Some(gid)).expect("chown");
    set_mode(file, 0o600);
}

/// [`run_script`] as sshd runs it: as the AuthorizedKeysCommandUser (nobody).
fn run_script_as_nobody(
    script: &Path,
    conf: &Path,
    user: &str,
    fingerprint: Option<&str>,
) -> Output {
    let (uid, gid) = nobody();
    script_command(script, conf, user, fingerprint)
        .uid(uid)
        .gid(gid)
        .output()
        .expect("run the script")
}

/// `--report-logins` fed `input`, to its end.
fn report(script: &Path, conf: &Path, input: &str) -> Output {
    let mut child = Command::new(script)
        .arg("-c")
        .arg(conf)
        .arg("--report-logins")
        .env_clear()
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run the reporter");
    let mut stdin = child.stdin.take().expect("stdin");
    stdin
        .write_all(format!("{input}\n").as_bytes())
        .expect("feed the reporter");
    drop(stdin);
    child
        .wait_with_output()
        .expect("the reporter ends with its input")
}

/// A journald record as `journalctl -o json` writes it: one flat JSON object on one line.
fn record(fields: &[(&str, &str)]) -> String {
    let object: serde_json::Map<String, serde_json::Value> = fields
        .iter()
        .map(|(k, v)| ((*k).to_owned(), serde_json::Value::from(*v)))
        .collect();
    serde_json::Value::Object(object).to_string()
}

/// What any client can make sshd log before it authenticates: a version banner, then an
/// SSH_MSG_DISCONNECT in the clear (no key exchange yet) whose description is `description`.
/// Returns once sshd has closed the connection.
fn send_disconnect(port: u16, description: &str) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect to sshd");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    stream
        .write_all(b"SSH-2.0-Forger_1.0\r\n")
        .expect("send the banner");
    // RFC 4253 11.1: byte SSH_MSG_DISCONNECT (1), uint32 reason (11: by application),
    // string description, string language tag.
    let mut payload = vec![1u8];
    payload.extend_from_slice(&11u32.to_be_bytes());
    for field in [description.as_bytes(), b""] {
        let len = u32::try_from(field.len()).expect("short");
        payload.extend_from_slice(&len.to_be_bytes());
        payload.extend_from_slice(field);
    }
    // RFC 4253 6: uint32 packet length, byte padding length, payload, padding; at least 4
    // bytes of padding, and the whole a multiple of 8 (the block size before any cipher).
    let mut padding = 8 - (5 + payload.len()) % 8;
    if padding < 4 {
        padding += 8;
    }
    let length = u32::try_from(1 + payload.len() + padding).expect("short");
    let mut packet = length.to_be_bytes().to_vec();
    packet.push(u8::try_from(padding).expect("small"));
    packet.extend_from_slice(&payload);
    packet.resize(packet.len() + padding, 0);
    stream.write_all(&packet).expect("send the disconnect");
    // sshd answers with its banner and key exchange offer, logs the message, and hangs up.
    let _ = stream.read_to_end(&mut Vec::new());
}

/// journald's records of `SYSLOG_IDENTIFIER=sshd` since `since` (unix seconds) whose line
/// holds `needle`: each as `journalctl -o json` wrote it, and parsed.
fn journal_records(since: u64, needle: &str) -> Vec<(String, serde_json::Value)> {
    let out = Command::new("journalctl")
        .args(["-q", "--no-pager", "-o", "json", "SYSLOG_IDENTIFIER=sshd"])
        .arg(format!("--since=@{since}"))
        .output()
        .expect("run journalctl");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|line| line.contains(needle))
        .map(|line| {
            let parsed = serde_json::from_str(line).expect("journalctl writes JSON");
            (line.to_owned(), parsed)
        })
        .collect()
}

/// An HTTP listener that answers the next `times` requests with `status` and no body, as a
/// proxy does for a Keyrack behind it that is down (502) or refusing (429). Its URL.
fn answering(status: u16, times: usize) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    std::thread::spawn(move || {
        for mut stream in listener.incoming().take(times).flatten() {
            let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
            let mut request = Vec::new();
            let mut buf = [0u8; 1024];
            while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                match stream.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => request.extend_from_slice(&buf[..n]),
                }
            }
            let _ = stream.write_all(
                format!(
                    "HTTP/1.1 {status} Refused\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                )
                .as_bytes(),
            );
        }
    });
    url
}

/// journald as sshd's syslog(3) reaches it: `/dev/log`, a link to
/// `/run/systemd/journal/dev-log`. One that answers is used as it is, and never stopped;
/// otherwise journald is started standalone in the background and left running.
fn ensure_journald() {
    const JOURNALD: &str = "/lib/systemd/systemd-journald";
    const SOCKET: &str = "/run/systemd/journal/socket";
    const DEV_LOG: &str = "/run/systemd/journal/dev-log";
    static STARTING: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _one_at_a_time = STARTING.lock().unwrap_or_else(|e| e.into_inner());
    let answers = |path: &str| {
        UnixDatagram::unbound()
            .and_then(|socket| socket.connect(path))
            .is_ok()
    };
    if !(answers(SOCKET) && answers(DEV_LOG)) {
        assert!(
            Path::new(JOURNALD).exists(),
            "{JOURNALD} is missing: apt-get install -y systemd"
        );
        std::fs::create_dir_all("/run/systemd/journal").expect("journald's directory");
        let started = Command::new("setsid")
            .args(["-f", JOURNALD])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("start journald");
        assert!(started.success(), "setsid -f {JOURNALD}");
        let deadline = Instant::now() + Duration::from_secs(10);
        while !(answers(SOCKET) && answers(DEV_LOG)) {
            assert!(Instant::now() < deadline, "journald never answered");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    if std::fs::symlink_metadata("/dev/log").is_err() {
        std::os::unix::fs::symlink(DEV_LOG, "/dev/log").expect("link /dev/log");
    }
    assert!(
        std::fs::canonicalize("/dev/log").ok() == std::fs::canonicalize(DEV_LOG).ok(),
        "/dev/log is not journald's: syslog(3) would not reach it"
    );
}

/// A cgroup (v2) of its own for one test's sshd and what it runs. journald records it as
/// `_SYSTEMD_CGROUP`, so the test's reporter follows this sshd's records and no other
/// test's. What is left in it is killed, and it is removed, when dropped.
struct Cgroup {
    dir: PathBuf,
    /// As journald writes it: its path in the hierarchy, from /proc/PID/cgroup.
    name: String,
}

impl Cgroup {
    fn new() -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let mounts = std::fs::read_to_string("/proc/self/mounts").expect("read the mounts");
        let root = mounts
            .lines()
            .find_map(|line| {
                let fields: Vec<&str> = line.split(' ').collect();
                (fields.get(2) == Some(&"cgroup2")).then(|| fields[1].to_owned())
            })
            .expect("no cgroup2 hierarchy is mounted: the journald tests need one");
        let dir = Path::new(&root).join(format!(
            "keyrack-sshd-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::SeqCst)
        ));
        std::fs::create_dir(&dir)
            .unwrap_or_else(|e| panic!("make the cgroup {}: {e}", dir.display()));
        let mut cgroup = Self {
            dir,
            name: String::new(),
        };
        let out = cgroup
            .command("cat")
            .arg("/proc/self/cgroup")
            .output()
            .expect("run cat in the cgroup");
        cgroup.name = String::from_utf8_lossy(&out.stdout)
            .lines()
            .find_map(|line| line.strip_prefix("0::"))
            .expect("the cgroup2 line of /proc/self/cgroup")
            .to_owned();
        cgroup
    }

    /// `program`, run inside the cgroup: the shell moves itself in, then becomes it.
    fn command(&self, program: &str) -> Command {
        let mut command = Command::new("sh");
        command
            .arg("-c")
            .arg(r#"echo $$ > "$0/cgroup.procs" && exec "$@""#)
            .arg(&self.dir)
            .arg(program);
        command
    }
}

impl Drop for Cgroup {
    fn drop(&mut self) {
        let _ = std::fs::write(self.dir.join("cgroup.kill"), "1");
        for _ in 0..100 {
            if std::fs::remove_dir(&self.dir).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// The script's `--report-logins` as docs/sshd.md runs it: fed by `journalctl -f -o json`,
/// here following the records of one cgroup (`_SYSTEMD_CGROUP`, as a host follows
/// `_SYSTEMD_UNIT=ssh.service`), its stderr in a file; killed when dropped. `--no-tail`
/// instead of `-n 0`: from the cgroup's first record, so nothing logged before journalctl got
/// going is missed.
struct Reporter {
    child: Child,
    stderr: PathBuf,
}

impl Reporter {
    fn journal(script: &Path, conf: &Path, cgroup: &Cgroup, stderr: PathBuf) -> Self {
        let child = Command::new("sh")
            .arg("-c")
            .arg(r#"journalctl -f --no-tail -q -o json "$1" | "$2" -c "$3" --report-logins"#)
            .arg("reporter")
            .arg(format!("_SYSTEMD_CGROUP={}", cgroup.name))
            .arg(script)
            .arg(conf)
            .env_clear()
            .env("PATH", "/usr/bin:/bin")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&stderr).expect("reporter's stderr"))
            .process_group(0)
            .spawn()
            .expect("start the reporter");
        Self { child, stderr }
    }

    /// What it wrote on stderr so far.
    fn said(&self) -> String {
        std::fs::read_to_string(&self.stderr).unwrap_or_default()
    }

    /// Waits until `needle` is on its stderr `times` times.
    async fn wait_for(&self, needle: &str, times: usize) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while self.said().matches(needle).count() < times {
            assert!(
                Instant::now() < deadline,
                "the reporter never said {needle:?} {times} times: {}",
                self.said()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The whole pipeline: `journalctl` and the script run in the process group of `sh`.
    fn kill(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", "--", &format!("-{}", self.child.id())])
            .status();
        let _ = self.child.wait();
    }
}

impl Drop for Reporter {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Where an sshd writes its log.
#[derive(Clone, Copy)]
enum Log<'a> {
    /// `-E FILE`: `sshd.log` in its directory.
    File,
    /// syslog(3), which journald reads from /dev/log: sshd's default without `-E`/`-e`, and
    /// the way docs/sshd.md requires for login reports. In the cgroup, so the test's
    /// reporter follows this sshd's records.
    Syslog(&'a Cgroup),
    /// `-e` (stderr) handed to journald as a service manager does (`systemd-cat`): each line
    /// a record of `_TRANSPORT=stdout`.
    Stderr(&'a Cgroup),
}

/// An sshd in the foreground, killed (by its pid) when dropped.
struct Sshd {
    child: Child,
    port: u16,
    log: PathBuf,
    /// With [`Log::Syslog`] or [`Log::Stderr`]: when it started (unix seconds), for
    /// [`Self::log`].
    journal_since: Option<u64>,
}

impl Sshd {
    /// `extra` lines go at the end of sshd_config; one that starts with `?` only if this
    /// sshd knows the option (`sshd -t` accepts it). Its files, `sshd.log` among them, go in
    /// `dir` (made if missing).
    fn start(dir: &Path, script: &Path, conf: &Path, extra: &[&str]) -> Self {
        Self::start_logging(dir, script, conf, extra, Log::File)
    }

    /// [`Self::start`], logging as `logging` says.
    /// [`Sshd::start`], logging into the journal as `logging` says.
    fn journaled(dir: &Path, script: &Path, conf: &Path, logging: Log<'_>) -> Self {
        Self::start_logging(dir, script, conf, &[], logging)
    }

    fn start_logging(
        dir: &Path,
        script: &Path,
        conf: &Path,
        extra: &[&str],
        logging: Log<'_>,
    ) -> Self {
        std::fs::create_dir_all("/run/sshd").expect("privilege separation directory");
        std::fs::create_dir_all(dir).expect("sshd's directory");
        let host_key = dir.join("host_ed25519");
        ssh_keygen(&["-t", "ed25519"], &host_key);
        let config = dir.join("sshd_config");
        let log = dir.join("sshd.log");
        let port = free_port();
        let base = format!(
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
        );
        let mut text = base.clone();
        for line in extra {
            match line.strip_prefix('?') {
                Some(optional) => {
                    std::fs::write(&config, format!("{base}{optional}\n")).expect("sshd_config");
                    let known = Command::new(SSHD)
                        .args(["-t", "-f"])
                        .arg(&config)
                        .output()
                        .is_ok_and(|o| o.status.success());
                    if known {
                        text.push_str(optional);
                        text.push('\n');
                    }
                }
                None => {
                    text.push_str(line);
                    text.push('\n');
                }
            }
        }
        std::fs::write(&config, text).expect("write sshd_config");
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
        let journal_since = Some(unix_now() - 1);
        let (mut command, journal_since) = match logging {
            Log::File => {
                let mut command = Command::new(SSHD);
                command.args(["-D", "-f"]).arg(&config).arg("-E").arg(&log);
                (command, None)
            }
            Log::Syslog(cgroup) => {
                let mut command = cgroup.command(SSHD);
                command.args(["-D", "-f"]).arg(&config);
                (command, journal_since)
            }
            Log::Stderr(cgroup) => {
                let mut command = cgroup.command("systemd-cat");
                command
                    .args(["-t", "sshd", SSHD, "-D", "-e", "-f"])
                    .arg(&config);
                (command, journal_since)
            }
        };
        // sshd passes the AuthorizedKeysCommand's stderr on to its own: into a file, not
        // into the test's output.
        let stderr = std::fs::File::create(dir.join("sshd.stderr")).expect("sshd's stderr");
        let child = command
            .stdin(Stdio::null())
            .stderr(stderr)
            .spawn()
            .expect("start sshd");
        let mut sshd = Self {
            child,
            port,
            log,
            journal_since,
        };
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
        self.timed_login(key).0
    }

    /// [`Self::login`], and how long it took.
    fn timed_login(&self, key: &Path) -> (bool, Duration) {
        let started = Instant::now();
        let ok = self
            .ssh(&[key], 10)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("run ssh")
            .success();
        (ok, started.elapsed())
    }

    /// `ssh root@127.0.0.1 true` offering exactly `keys`, by public key only, never asking.
    fn ssh(&self, keys: &[&Path], connect_timeout_secs: u32) -> Command {
        let mut command = Command::new("ssh");
        command.args(["-F", "/dev/null"]);
        for key in keys {
            command.arg("-i").arg(key);
        }
        command.args([
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
            &format!("ConnectTimeout={connect_timeout_secs}"),
            "-o",
            "LogLevel=ERROR",
            "-p",
            &self.port.to_string(),
            "root@127.0.0.1",
            "true",
        ]);
        command
    }

    /// Its log: the file, or sshd's records in the journal since it started (any sshd's:
    /// a record of a process that has exited may lack the cgroup).
    fn log(&self) -> String {
        match self.journal_since {
            None => std::fs::read_to_string(&self.log).unwrap_or_default(),
            Some(since) => Command::new("journalctl")
                .args(["-q", "--no-pager", "-o", "cat", "SYSLOG_IDENTIFIER=sshd"])
                .arg(format!("--since=@{since}"))
                .output()
                .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
                .unwrap_or_default(),
        }
    }
}

impl Drop for Sshd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
