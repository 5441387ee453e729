//! The browser harness: chromedriver on a free port and headless Chromium with a fresh
//! profile and download folder, plus the waits every browser test needs.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};
use tempfile::TempDir;

use super::words::Words;

pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// The real server serving the built console (`dist/`) with demo data; `extra` adds flags.
pub async fn console_server(extra: &[&str]) -> super::Server {
    let dist = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../dist");
    assert!(
        dist.join("index.html").is_file(),
        "{} has no built console: run `trunk build --release` (or `cargo xtask test`)",
        dist.display()
    );
    let dist = dist.to_string_lossy().into_owned();
    let mut args = vec!["--dist", dist.as_str(), "--demo"];
    args.extend_from_slice(extra);
    super::Server::start(&args).await
}
/// Generous: RSA-4096 with a passphrase on a busy 2-core machine.
pub const UI_TIMEOUT: Duration = Duration::from_secs(90);

/// The browser tests share the machine's two cores: one at a time (per test binary).
pub static ONE_BROWSER: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// chromedriver on a free port; killed (by its pid) when dropped.
pub struct Chromedriver {
    child: Child,
    pub url: String,
}

impl Chromedriver {
    pub fn start() -> Self {
        assert!(
            Path::new(CHROMEDRIVER).exists(),
            "{CHROMEDRIVER} is missing: apt-get install chromium chromium-driver"
        );
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let driver = Self {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while raw_http(port, "GET", "/status").is_none_or(|s| !s.contains("\"ready\":true")) {
            assert!(Instant::now() < deadline, "chromedriver did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        driver
    }

    pub fn port(&self) -> u16 {
        self.url.rsplit(':').next().unwrap().parse().unwrap()
    }
}

impl Drop for Chromedriver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A blocking HTTP/1.1 request to chromedriver (used from `Drop`, where nothing can await).
/// chromedriver keeps the connection open, so the answer ends at its `Content-Length`.
pub fn raw_http(port: u16, method: &str, path: &str) -> Option<String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .ok()?;
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut answer = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = stream.read(&mut chunk).ok()?;
        answer.extend_from_slice(&chunk[..n]);
        let text = String::from_utf8_lossy(&answer).into_owned();
        if let Some(end) = text.find("\r\n\r\n") {
            let length = text[..end]
                .lines()
                .find_map(|l| {
                    let (name, value) = l.split_once(':')?;
                    name.eq_ignore_ascii_case("content-length")
                        .then(|| value.trim().parse::<usize>().ok())?
                })
                .unwrap_or(0);
            if answer.len() >= end + 4 + length {
                return Some(text);
            }
        }
        if n == 0 {
            return Some(text);
        }
    }
}

/// Headless Chromium with a fresh profile and download folder. Dropping it ends the
/// WebDriver session (which quits Chromium) and then chromedriver.
pub struct Browser {
    pub client: Client,
    pub session: String,
    pub downloads: TempDir,
    _profile: TempDir,
    pub driver: Chromedriver,
    pub http: reqwest::Client,
    /// The console's words in the browser's language (`--accept-lang=zh-CN`: Chinese).
    pub words: Words,
}

impl Browser {
    pub async fn start() -> Self {
        Self::start_with(&[]).await
    }

    /// Like [`Browser::start`], with extra Chromium flags (say, `--force-dark-mode`).
    pub async fn start_with(extra: &[&str]) -> Self {
        Self::launch(extra, Value::Null).await
    }

    /// Like [`Browser::start_with`], with a viewport of exactly `width`×`height` CSS pixels
    /// (a window cannot be narrower than 500 px; a phone is). `phone` also emulates touch.
    pub async fn start_viewport(width: u32, height: u32, phone: bool, extra: &[&str]) -> Self {
        let metrics = json!({
            "deviceMetrics": {
                "width": width,
                "height": height,
                "pixelRatio": 1.0,
                "mobile": phone,
                "touch": phone,
            }
        });
        Self::launch(extra, metrics).await
    }

    async fn launch(extra: &[&str], emulation: Value) -> Self {
        // The console follows the browser's language on a first visit.
        let words = if extra.iter().any(|a| a.starts_with("--accept-lang=zh")) {
            Words::chinese()
        } else {
            Words::english()
        };
        let driver = Chromedriver::start();
        let profile = tempfile::tempdir().unwrap();
        let downloads = tempfile::tempdir().unwrap();
        let mut args: Vec<String> = [
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--window-size=1280,1000",
        ]
        .iter()
        .map(|a| (*a).to_owned())
        .collect();
        args.push(format!("--user-data-dir={}", profile.path().display()));
        // A later flag wins over an earlier one (say, another `--window-size`).
        args.extend(extra.iter().map(|a| (*a).to_owned()));
        let capabilities = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": "/usr/bin/chromium",
                "args": args,
                "prefs": {
                    "download.default_directory": downloads.path(),
                    "download.prompt_for_download": false,
                    "download.directory_upgrade": true,
                    "safebrowsing.enabled": false,
                    "profile.default_content_setting_values.automatic_downloads": 1,
                },
            },
            "goog:loggingPrefs": { "browser": "ALL", "performance": "ALL" },
        });
        let mut capabilities = capabilities;
        if !emulation.is_null() {
            capabilities["goog:chromeOptions"]["mobileEmulation"] = emulation;
        }
        let Value::Object(capabilities) = capabilities else {
            unreachable!()
        };
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let client = ClientBuilder::new(connector)
            .capabilities(capabilities)
            .connect(&driver.url)
            .await
            .expect("a WebDriver session in headless Chromium");
        let session = client.session_id().await.unwrap().unwrap();
        Self {
            client,
            session,
            downloads,
            _profile: profile,
            driver,
            http: reqwest::Client::new(),
            words,
        }
    }

    /// Opens the SSH Key page signed in, and waits until the console is up and knows the
    /// token's role (until then it offers no write action).
    pub async fn sign_in(&self, base: &str, token: &str) {
        self.client
            .goto(&format!("{base}/keys#token={token}"))
            .await
            .unwrap();
        self.find_button("New").await;
        self.wait_for(".console[data-role]").await;
    }

    /// Waits (at most [`UI_TIMEOUT`]) for what `locator` finds; `what` names it if it never
    /// comes.
    pub async fn wait_for_element(
        &self,
        locator: Locator<'_>,
        what: &str,
    ) -> fantoccini::elements::Element {
        self.client
            .wait()
            .at_most(UI_TIMEOUT)
            .for_element(locator)
            .await
            .unwrap_or_else(|e| panic!("{what} never appeared: {e}"))
    }

    pub async fn wait_for(&self, css: &str) -> fantoccini::elements::Element {
        self.wait_for_element(Locator::Css(css), css).await
    }

    pub async fn find_button(&self, label: &str) -> fantoccini::elements::Element {
        let label = self.words.say(label);
        let xpath = format!("//button[normalize-space()='{label}']");
        self.wait_for_element(Locator::XPath(&xpath), &format!("button {label}"))
            .await
    }

    /// Saves a screenshot as `<$var>/<name>.png` when the environment variable `var` is set.
    pub async fn snapshot(&self, var: &str, name: &str) {
        if let Some(dir) = std::env::var_os(var) {
            let png = self.client.screenshot().await.unwrap();
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(Path::new(&dir).join(format!("{name}.png")), png).unwrap();
        }
    }

    /// Text of the open dialog.
    pub async fn dialog_text(&self) -> String {
        match self.client.find(Locator::Css("dialog[open]")).await {
            Ok(d) => d.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        }
    }

    /// Waits until `name` is completely downloaded and returns its bytes.
    pub async fn downloaded(&self, name: &str) -> Vec<u8> {
        let path = self.downloads.path().join(name);
        let deadline = Instant::now() + UI_TIMEOUT;
        loop {
            let partial = std::fs::read_dir(self.downloads.path())
                .unwrap()
                .filter_map(Result::ok)
                .any(|e| e.file_name().to_string_lossy().ends_with(".crdownload"));
            if !partial {
                if let Ok(bytes) = std::fs::read(&path) {
                    if !bytes.is_empty() {
                        return bytes;
                    }
                }
            }
            assert!(
                Instant::now() < deadline,
                "{name} was not downloaded; the folder holds {:?}",
                self.download_names()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub fn download_names(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.downloads.path())
            .unwrap()
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    /// Drains one of chromedriver's logs (`browser` or `performance`) through the legacy
    /// log endpoint, which W3C WebDriver lacks.
    pub async fn log(&self, kind: &str) -> Vec<Value> {
        let url = format!("{}/session/{}/se/log", self.driver.url, self.session);
        let answer: Value = self
            .http
            .post(url)
            .json(&json!({ "type": kind }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        answer["value"]
            .as_array()
            .unwrap_or_else(|| panic!("no {kind} log: {answer}"))
            .clone()
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Ends the session so chromedriver quits Chromium before it is killed itself.
        let _ = raw_http(
            self.driver.port(),
            "DELETE",
            &format!("/session/{}", self.session),
        );
    }
}

/// Waits for what a user sees.
impl Browser {
    /// Waits until `check` holds on the page's visible text; returns that text.
    pub async fn wait_until(&self, what: &str, check: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + UI_TIMEOUT;
        loop {
            let text = match self.client.find(Locator::Css("body")).await {
                Ok(body) => body.text().await.unwrap_or_default(),
                Err(_) => String::new(),
            };
            if check(&text) {
                return text;
            }
            assert!(
                Instant::now() < deadline,
                "{what} never happened; the page says:\n{text}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits until the page shows `needle`.
    pub async fn wait_text(&self, needle: &str) -> String {
        let needle = self.words.say(needle);
        self.wait_until(&needle, |t| t.contains(needle.as_str()))
            .await
    }

    /// Waits until nothing matches `css`.
    pub async fn wait_gone(&self, css: &str) {
        let deadline = Instant::now() + UI_TIMEOUT;
        while self.client.find(Locator::Css(css)).await.is_ok() {
            assert!(Instant::now() < deadline, "{css} never went away");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The XPath of the table row that shows `name`.
    pub fn row(name: &str) -> String {
        format!("//tr[.//*[normalize-space()='{name}']]")
    }

    /// Waits for the button `label` inside the row of `name` and clicks it.
    pub async fn click_in_row(&self, name: &str, label: &str) {
        let label = self.words.say(label);
        let xpath = format!(
            "{}//*[self::button or self::summary][normalize-space()='{label}']",
            Self::row(name)
        );
        self.click_xpath(&xpath, &format!("{label} in the row of {name}"))
            .await;
    }

    /// Clicks the button `label` in the open dialog.
    pub async fn click_in_dialog(&self, label: &str) {
        let label = self.words.say(label);
        let xpath = format!("//dialog[@open]//button[normalize-space()='{label}']");
        self.click_xpath(&xpath, &format!("{label} in the dialog"))
            .await;
    }

    /// Waits until the open dialog says `needle`; returns its text.
    pub async fn wait_dialog_text(&self, needle: &str) -> String {
        let needle = self.words.say(needle);
        let needle = needle.as_str();
        let deadline = Instant::now() + UI_TIMEOUT;
        loop {
            let text = self.dialog_text().await;
            if text.contains(needle) {
                return text;
            }
            assert!(
                Instant::now() < deadline,
                "the dialog never said {needle}: {text}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Accessible label of the focused element: `aria-label` or its text.
    pub async fn focused(&self) -> String {
        let v = self
            .client
            .execute(
                "const e = document.activeElement; \
                 return e ? (e.getAttribute('aria-label') || e.textContent.trim()) : '';",
                vec![],
            )
            .await
            .unwrap();
        v.as_str().unwrap_or_default().to_owned()
    }
}

/// Things that show only for a moment.
impl Browser {
    /// From now on, notes whether anything matching `css` appears, however briefly.
    pub async fn watch_for(&self, css: &str) {
        self.client
            .execute(
                "const css = arguments[0]; window.keyrackSeen = false;
                 new MutationObserver(() => {
                     if (document.querySelector(css)) window.keyrackSeen = true;
                 }).observe(document.body, {childList: true, subtree: true});",
                vec![json!(css)],
            )
            .await
            .unwrap();
    }

    /// Whether what [`Browser::watch_for`] watches has appeared since.
    pub async fn seen(&self) -> bool {
        let seen = self
            .client
            .execute("return window.keyrackSeen === true;", vec![])
            .await
            .unwrap();
        seen == Value::Bool(true)
    }
}
