//! "Create a key pair" end to end: the real console (`dist/`, built by `trunk build
//! --release`) in headless Chromium, driven through WebDriver, against the real server.
//!
//! - every key type × format × with/without passphrase downloads a file that `ssh-keygen`
//!   or `puttygen` reads, giving exactly the public key the server registered; OpenSSH keys
//!   sign with `ssh-keygen -Y sign` and verify against the registered key;
//! - no request, console line, Web Storage entry, IndexedDB database or DOM text contains
//!   the private key (any 40 characters of its base64 body) or the passphrase;
//! - a refused name downloads nothing and says why; *Download again* saves the file again;
//! - the main thread never has a task over 200 ms while keys are generated.
//!
//! Needs `/usr/bin/chromedriver` and Chromium; `cargo xtask test` builds `dist/` first.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::Locator;
use keyrack_api::{KeyType, Origin, PrivateKeyFormat};
use serde_json::{json, Value};

const PASSPHRASE: &str = "Kr test passphrase 7f3a9c";
mod common;

use common::browser::{Browser, ONE_BROWSER, UI_TIMEOUT};
use common::{Server, TOKEN};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn dist() -> PathBuf {
    let dist = workspace().join("dist");
    assert!(
        dist.join("index.html").is_file() && dist.join("keygen-worker_loader.js").is_file(),
        "{} has no built console: run `trunk build --release` (or `cargo xtask test`, which \
         builds it) before these tests",
        dist.display()
    );
    dist
}

/// The real server on a fresh database, serving `dist/`.
async fn start() -> Server {
    Server::start(&["--dist", dist().to_str().unwrap()]).await
}

/// What only the key generation tests do with the browser.
trait Keygen {
    async fn create_key(&self, name: &str, key_type: KeyType, format: PrivateKeyFormat, pass: &str);
    async fn outcome(&self) -> String;
    async fn close_dialog(&self);
    async fn kept_by_page(&self) -> String;
}

impl Keygen for Browser {
    /// Fills "Create a key pair" through the UI and presses OK.
    async fn create_key(
        &self,
        name: &str,
        key_type: KeyType,
        format: PrivateKeyFormat,
        pass: &str,
    ) {
        self.start_create("Create a key pair").await;
        self.type_into("dialog[open] #key-name", name).await;
        self.choose("dialog[open] #key-type", key_type.as_str())
            .await;
        if !pass.is_empty() {
            for field in ["#key-passphrase", "#key-passphrase-confirm"] {
                self.type_into(&format!("dialog[open] {field}"), pass).await;
            }
        }
        self.choose("dialog[open] #key-format", format.as_str())
            .await;
        self.snapshot("KEYRACK_TEST_SCREENSHOTS", &format!("{name}-form"))
            .await;
        self.click_in_dialog("OK").await;
    }

    /// Waits until the dialog says the key was saved or shows a refusal; returns its text.
    async fn outcome(&self) -> String {
        let deadline = Instant::now() + UI_TIMEOUT;
        loop {
            let text = self.dialog_text().await;
            if text.contains("The private key has been downloaded") {
                return text;
            }
            if let Ok(alert) = self
                .client
                .find(Locator::Css("dialog[open] .alert-error"))
                .await
            {
                return alert.text().await.unwrap_or_default();
            }
            assert!(
                Instant::now() < deadline,
                "no outcome; the dialog says: {text}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn close_dialog(&self) {
        self.click("dialog[open] button[aria-label='Close']").await;
        self.wait_gone("dialog[open]").await;
    }

    /// Everything the page kept: Web Storage, IndexedDB's database names, and the DOM.
    async fn kept_by_page(&self) -> String {
        let script = r#"
            const dump = (s) => Object.fromEntries(Array.from({ length: s.length }, (_, i) => [s.key(i), s.getItem(s.key(i))]));
            const dbs = indexedDB.databases ? await indexedDB.databases() : [];
            return JSON.stringify({
                local: dump(localStorage), session: dump(sessionStorage),
                indexeddb: dbs, dom: document.documentElement.outerHTML,
            });
        "#;
        let wrapped = format!("return (async () => {{ {script} }})();");
        let kept = self.client.execute(&wrapped, vec![]).await.unwrap();
        let kept: Value = serde_json::from_str(kept.as_str().unwrap()).unwrap();
        assert!(
            kept["indexeddb"].as_array().is_some_and(Vec::is_empty),
            "the console created IndexedDB databases: {}",
            kept["indexeddb"]
        );
        kept.to_string()
    }
}

// ---- checking the files with the real tools ----------------------------------------------

/// `<algorithm> <base64>` of an OpenSSH public key line.
fn key_body(line: &str) -> String {
    line.split_whitespace()
        .take(2)
        .collect::<Vec<_>>()
        .join(" ")
}

fn run_tool(command: &mut Command) -> String {
    let out = command
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("could not run {command:?}: {e}"));
    assert!(
        out.status.success(),
        "{command:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The public key the real tools read from the private key file.
fn public_key_of(file: &Path, format: PrivateKeyFormat, pass: &str, work: &Path) -> String {
    match format {
        PrivateKeyFormat::Openssh | PrivateKeyFormat::Pem => run_tool(
            Command::new("ssh-keygen")
                .arg("-y")
                .arg("-f")
                .arg(file)
                .args(["-P", pass]),
        ),
        PrivateKeyFormat::Ppk => {
            let out = work.join("puttygen.pub");
            let mut command = Command::new("puttygen");
            command
                .arg(file)
                .args(["-O", "public-openssh", "-o"])
                .arg(&out);
            if !pass.is_empty() {
                let pass_file = work.join("passphrase");
                std::fs::write(&pass_file, pass).unwrap();
                command.arg("--old-passphrase").arg(pass_file);
            }
            run_tool(&mut command);
            std::fs::read_to_string(out).unwrap()
        }
    }
}

/// Signs a message with `ssh-keygen -Y sign` and verifies it against `public_key`.
fn sign_and_verify(file: &Path, public_key: &str, work: &Path) {
    // One message per key: `ssh-keygen -Y sign` does not replace an existing `.sig`.
    let stem = file.file_name().unwrap().to_string_lossy().into_owned();
    let message = work.join(format!("{stem}.message"));
    std::fs::write(&message, b"signed by a key made in the browser\n").unwrap();
    run_tool(
        Command::new("ssh-keygen")
            .args(["-Y", "sign", "-n", "file", "-f"])
            .arg(file)
            .arg(&message),
    );
    let signers = work.join("allowed_signers");
    std::fs::write(&signers, format!("tester@keyrack {public_key}\n")).unwrap();
    let out = Command::new("ssh-keygen")
        .args(["-Y", "verify", "-n", "file", "-I", "tester@keyrack", "-f"])
        .arg(&signers)
        .arg("-s")
        .arg(work.join(format!("{stem}.message.sig")))
        .stdin(std::fs::File::open(&message).unwrap())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "the signature did not verify: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The base64 lines of a key file that carry private material.
fn private_base64_lines(file: &str, format: PrivateKeyFormat) -> Vec<String> {
    let lines = file.lines().map(str::trim);
    match format {
        PrivateKeyFormat::Openssh | PrivateKeyFormat::Pem => lines
            .filter(|l| !l.is_empty() && !l.starts_with("-----") && !l.contains(':'))
            .map(str::to_owned)
            .collect(),
        PrivateKeyFormat::Ppk => {
            let mut lines = lines.skip_while(|l| !l.starts_with("Private-Lines:"));
            let count: usize = lines
                .next()
                .and_then(|l| l.split(':').nth(1))
                .and_then(|n| n.trim().parse().ok())
                .expect("a Private-Lines header");
            lines.take(count).map(str::to_owned).collect()
        }
    }
}

/// Every 40-character run of the file's private base64 that is not also part of the
/// public key (OpenSSH and PEM files carry the public key too, and that one is sent).
fn secret_windows(file: &str, format: PrivateKeyFormat, public_key: &str) -> HashSet<String> {
    let body: String = private_base64_lines(file, format).concat();
    let bytes = body.as_bytes();
    (0..bytes.len().saturating_sub(39))
        .map(|i| &body[i..i + 40])
        .filter(|w| !public_key.contains(w))
        .map(str::to_owned)
        .collect()
}

/// The secrets of `key` that occur in `haystack`, if any.
fn leaks(haystack: &str, windows: &HashSet<String>) -> Vec<String> {
    let bytes = haystack.as_bytes();
    let mut found = Vec::new();
    for i in 0..bytes.len().saturating_sub(39) {
        if let Ok(w) = std::str::from_utf8(&bytes[i..i + 40]) {
            if windows.contains(w) {
                found.push(w.to_owned());
            }
        }
    }
    found
}

// ---- tests ----------------------------------------------------------------------------------

struct Made {
    name: String,
    format: PrivateKeyFormat,
    windows: HashSet<String>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_type_and_format_opens_in_the_real_tools_and_stays_in_the_tab() {
    let _one = ONE_BROWSER.lock().await;
    let started = Instant::now();
    let server = start().await;
    let browser = Browser::start().await;
    browser.sign_in(&server.base, TOKEN).await;
    let work = tempfile::tempdir().unwrap();
    let mut made = Vec::new();
    let mut signed = HashSet::new();

    for key_type in KeyType::ALL {
        for format in PrivateKeyFormat::ALL {
            if format == PrivateKeyFormat::Pem && key_type.no_pem_reason().is_some() {
                continue;
            }
            for pass in ["", PASSPHRASE] {
                let name = format!(
                    "{}-{}-{}",
                    key_type.as_str(),
                    format.as_str(),
                    if pass.is_empty() { "plain" } else { "pass" }
                )
                .replace('_', "-");
                let case = Instant::now();
                browser.create_key(&name, key_type, format, pass).await;
                let outcome = browser.outcome().await;
                assert!(
                    outcome.contains("Keyrack does not keep it"),
                    "{name}: {outcome}"
                );
                let file_name = format.file_name(&name);
                let bytes = browser.downloaded(&file_name).await;
                browser.close_dialog().await;

                let registered = server.key_named(&name).await;
                assert_eq!(registered.origin, Origin::Generated, "{name}");
                assert_eq!(registered.comment, name, "the comment is the name");
                let public_key = registered.public_key;

                // ssh-keygen refuses private key files others may read.
                let file = work.path().join(&file_name);
                std::fs::write(&file, &bytes).unwrap();
                std::fs::set_permissions(
                    &file,
                    std::os::unix::fs::PermissionsExt::from_mode(0o600),
                )
                .unwrap();
                let read_back = public_key_of(&file, format, pass, work.path());
                assert_eq!(
                    key_body(&read_back),
                    key_body(&public_key),
                    "{name}: the file's public key differs from the registered one"
                );
                if format == PrivateKeyFormat::Openssh && pass.is_empty() && signed.insert(key_type)
                {
                    sign_and_verify(&file, &public_key, work.path());
                }
                let text = String::from_utf8(bytes).unwrap();
                let windows = secret_windows(&text, format, &public_key);
                assert!(!windows.is_empty(), "{name}: no private base64 found");
                assert!(
                    !leaks(&text, &windows).is_empty(),
                    "the detector finds the file itself"
                );
                made.push(Made {
                    name,
                    format,
                    windows,
                });
                eprintln!("{file_name}: ok in {:?}", case.elapsed());
            }
        }
    }
    assert_eq!(
        signed.len(),
        KeyType::ALL.len(),
        "one signature per key type"
    );

    // Nothing left the tab: every request (URL, headers, body), console line, storage
    // entry, IndexedDB database and the DOM, checked against every key made above.
    let requests: Vec<Value> = browser
        .log("performance")
        .await
        .into_iter()
        .filter_map(|e| serde_json::from_str::<Value>(e["message"].as_str()?).ok())
        .filter(|m| {
            m["message"]["method"]
                .as_str()
                .is_some_and(|m| m.starts_with("Network."))
        })
        .collect();
    let posts: Vec<&Value> = requests
        .iter()
        .filter(|m| m["message"]["method"] == "Network.requestWillBeSent")
        .filter(|m| m["message"]["params"]["request"]["method"] == "POST")
        .collect();
    assert_eq!(
        posts.len(),
        made.len(),
        "the capture saw one POST per key (so it sees request bodies)"
    );
    assert!(posts
        .iter()
        .all(|p| p["message"]["params"]["request"]["postData"]
            .as_str()
            .is_some_and(|body| body.contains("\"origin\":\"generated\""))));
    let network = serde_json::to_string(&requests).unwrap();
    let console = serde_json::to_string(&browser.log("browser").await).unwrap();
    let kept = browser.kept_by_page().await;
    for (what, haystack) in [
        ("a request", &network),
        ("the console", &console),
        ("the page's storage or DOM", &kept),
    ] {
        assert!(
            !haystack.contains(PASSPHRASE),
            "the passphrase is in {what}"
        );
        for key in &made {
            let found = leaks(haystack, &key.windows);
            assert!(
                found.is_empty(),
                "{} ({:?}): private key material is in {what}: {:?}",
                key.name,
                key.format,
                found.first()
            );
        }
    }
    // Control: a secret the page does send or log is caught by the same capture.
    let bait = made[0].windows.iter().next().unwrap().clone();
    browser
        .client
        .execute(
            "const bait = arguments[0];
             console.log('bait ' + bait);
             return fetch('/healthz', { method: 'POST', body: bait }).then(() => true);",
            vec![json!(bait)],
        )
        .await
        .unwrap();
    let network = serde_json::to_string(&browser.log("performance").await).unwrap();
    let console = serde_json::to_string(&browser.log("browser").await).unwrap();
    assert!(
        !leaks(&network, &made[0].windows).is_empty(),
        "the network capture works"
    );
    assert!(
        !leaks(&console, &made[0].windows).is_empty(),
        "the console capture works"
    );
    eprintln!(
        "{} keys made, read by the real tools and checked for leaks in {:?}",
        made.len(),
        started.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_name_downloads_nothing_and_download_again_saves_again() {
    let _one = ONE_BROWSER.lock().await;
    let server = start().await;
    let browser = Browser::start().await;
    browser.sign_in(&server.base, TOKEN).await;

    browser
        .create_key("twice", KeyType::Ed25519, PrivateKeyFormat::Openssh, "")
        .await;
    assert!(browser.outcome().await.contains("Keyrack does not keep it"));
    browser
        .snapshot("KEYRACK_TEST_SCREENSHOTS", "twice-saved")
        .await;
    assert!(
        browser
            .client
            .source()
            .await
            .unwrap()
            .contains("SSH key twice created."),
        "a toast says the key was created"
    );
    let first = browser.downloaded("twice").await;
    browser
        .find_button("Download again")
        .await
        .click()
        .await
        .unwrap();
    // Chromium names the second copy "twice (1)".
    let again = browser.downloaded("twice (1)").await;
    assert_eq!(first, again, "Download again saves the same file");
    browser.close_dialog().await;
    // The list shows the new key.
    browser.wait_for("a[href^='/keys/skey-']").await;
    assert!(browser.client.source().await.unwrap().contains(">twice<"));

    browser
        .create_key("twice", KeyType::Ed25519, PrivateKeyFormat::Openssh, "")
        .await;
    let outcome = browser.outcome().await;
    assert!(
        outcome.contains("Another key pair already has this name"),
        "{outcome}"
    );
    browser
        .snapshot("KEYRACK_TEST_SCREENSHOTS", "twice-refused")
        .await;
    // The form stays, OK usable again, and nothing new was saved.
    browser.find_button("OK").await;
    assert_eq!(browser.download_names(), vec!["twice", "twice (1)"]);

    // Mismatched passphrases are refused before anything is generated.
    browser.close_dialog().await;
    browser.find_button("New").await.click().await.unwrap();
    browser.wait_for("dialog[open] #key-passphrase").await;
    browser
        .type_into("dialog[open] #key-name", "mismatch")
        .await;
    browser
        .type_into("dialog[open] #key-passphrase", "one")
        .await;
    browser
        .type_into("dialog[open] #key-passphrase-confirm", "two")
        .await;
    browser.click_in_dialog("OK").await;
    browser
        .wait_dialog_text("The passphrases do not match.")
        .await;
    browser
        .snapshot("KEYRACK_TEST_SCREENSHOTS", "mismatch")
        .await;
    let list = server.key_pairs("").await;
    assert_eq!(
        list.total, 1,
        "only the first key was registered: {:?}",
        list.items
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generating_keys_never_blocks_the_main_thread_for_200_ms() {
    let _one = ONE_BROWSER.lock().await;
    let server = start().await;
    let browser = Browser::start().await;
    browser.sign_in(&server.base, TOKEN).await;
    browser
        .client
        .execute(
            "window.__longTasks = [];
             new PerformanceObserver((list) => {
                 for (const e of list.getEntries()) window.__longTasks.push([e.startTime, e.duration]);
             }).observe({ type: 'longtask', buffered: true });
             return true;",
            vec![],
        )
        .await
        .unwrap();
    for (name, key_type) in [
        ("long-rsa", KeyType::Rsa4096),
        ("long-ed", KeyType::Ed25519),
    ] {
        // Only tasks while this key is made count (not the page's own start).
        let since = browser
            .client
            .execute("return performance.now();", vec![])
            .await
            .unwrap()
            .as_f64()
            .unwrap();
        browser
            .create_key(name, key_type, PrivateKeyFormat::Openssh, PASSPHRASE)
            .await;
        assert!(browser.outcome().await.contains("Keyrack does not keep it"));
        browser.downloaded(name).await;
        let tasks = browser
            .client
            .execute("return window.__longTasks;", vec![])
            .await
            .unwrap();
        let during: Vec<(f64, f64)> = tasks
            .as_array()
            .unwrap()
            .iter()
            .map(|t| (t[0].as_f64().unwrap(), t[1].as_f64().unwrap()))
            .filter(|(start, _)| *start >= since)
            .collect();
        eprintln!("{name}: long tasks (start ms, duration ms) while generating: {during:?}");
        assert!(
            during.iter().all(|(_, duration)| *duration <= 200.0),
            "{name}: the main thread was blocked: {during:?}"
        );
        browser.close_dialog().await;
    }
    // Control: the observer does see a blocked main thread.
    let supported = browser
        .client
        .execute(
            "return PerformanceObserver.supportedEntryTypes.includes('longtask');",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(supported, json!(true), "this Chromium reports long tasks");
    browser
        .client
        .execute(
            // A page task (WebDriver's own script evaluation is not one).
            "setTimeout(() => { const t = performance.now(); while (performance.now() - t < 300) {} }, 0);
             return true;",
            vec![],
        )
        .await
        .unwrap();
    let deadline = Instant::now() + UI_TIMEOUT;
    loop {
        let longest = browser
            .client
            .execute(
                "return Math.max(0, ...window.__longTasks.map((t) => t[1]));",
                vec![],
            )
            .await
            .unwrap()
            .as_f64()
            .unwrap();
        if longest >= 290.0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the control long task was not seen"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
