//! A tour of every page and dialog of the console (`dist/`, demo data) in English and in
//! Chinese, in light and dark, at 1280×720 and on a 390×844 phone: axe-core finds no
//! violation of WCAG 2.1 A or AA at any stop, and in Chinese no stop shows an English
//! message of the catalogue. With `KEYRACK_SCREENSHOTS=<dir>`, the stops are also saved as
//! the README's screenshots (`keys-light.png`, `dialog-create-phone-dark-zh.png`, …).
//!
//! Needs Chromium, chromedriver and axe-core (`cargo xtask setup`) and a built `dist/`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::browser::{Browser, ONE_BROWSER};
use common::TOKEN;
use fantoccini::key::Key;
use fantoccini::Locator;

const SHOTS: &str = "KEYRACK_SCREENSHOTS";
/// The stops the README shows on a phone too; every stop is saved in light and dark.
const PHONE_SHOTS: &[&str] = &["keys", "dialog-create", "dialog-bind", "key-details"];

/// One walk through the console in one colour scheme and window size.
struct Tour<'a> {
    b: &'a Browser,
    base: &'a str,
    /// `light`, `dark`, `phone-light`, `phone-dark`, then `-zh` in Chinese: the
    /// screenshots' suffix.
    look: String,
    /// Width and height in CSS pixels.
    viewport: (u32, u32),
    found: Vec<String>,
}

impl Tour<'_> {
    /// Checks the page as it is now (and saves its screenshot).
    async fn stop(&mut self, what: &str) {
        let name = format!("{what}-{}", self.look);
        for violation in self.b.axe_violations().await {
            self.found.push(format!("{name}: {violation}"));
        }
        if self.b.words.is_chinese() {
            for leftover in self.b.words.leftovers(&self.shown().await) {
                self.found.push(format!("{name}: untranslated {leftover}"));
            }
        }
        if !self.look.starts_with("phone") || PHONE_SHOTS.contains(&what) {
            self.b.snapshot(SHOTS, &name).await;
        }
    }

    /// Every text of the page and of its labels (`aria-label`, `title`, `placeholder`).
    async fn shown(&self) -> Vec<String> {
        let texts = self
            .b
            .client
            .execute(
                "const out = [];
                 const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
                 while (walk.nextNode()) {
                     const n = walk.currentNode;
                     if (!n.parentElement.closest('script, style') && n.textContent.trim())
                         out.push(n.textContent);
                 }
                 for (const a of ['aria-label', 'title', 'placeholder'])
                     for (const e of document.querySelectorAll(`[${a}]`)) out.push(e.getAttribute(a));
                 return out;",
                vec![],
            )
            .await
            .unwrap();
        serde_json::from_value(texts).unwrap()
    }

    /// Checks the open dialog, then closes it with Escape. Its buttons must be on screen
    /// however long the form (a sticky footer), at 720 px high and on a phone.
    async fn dialog(&mut self, what: &str) {
        self.stop(what).await;
        let buttons = self
            .b
            .client
            .execute(
                "const f = document.querySelector('dialog[open] .form-buttons');
                 if (!f) return 'none';
                 const r = f.getBoundingClientRect();
                 const d = f.closest('dialog').getBoundingClientRect();
                 return r.top >= Math.max(d.top, 0) && r.bottom <= Math.min(d.bottom, innerHeight)
                     ? 'in view'
                     : `at ${r.top}..${r.bottom} in a dialog at ${d.top}..${d.bottom} of ${innerHeight}`;",
                vec![],
            )
            .await
            .unwrap();
        if buttons != "in view" && buttons != "none" {
            self.found.push(format!(
                "{what}-{}: the dialog's buttons are {buttons}",
                self.look
            ));
        }
        self.b.press(&[Key::Escape.into()]).await;
        self.b.wait_gone("dialog[open]").await;
    }

    async fn page(&mut self, path: &str, shows: &str, what: &str) {
        self.b.visit(self.base, path).await;
        self.b.wait_text(shows).await;
        self.stop(what).await;
    }

    async fn walk(&mut self) {
        let b = self.b;
        let words = &b.words;
        self.page("/sign-in", "API token", "sign-in").await;
        let size = b
            .client
            .execute("return [innerWidth, innerHeight];", vec![])
            .await
            .unwrap();
        let (width, height) = self.viewport;
        assert_eq!(size, serde_json::json!([width, height]), "the viewport");
        b.sign_in(self.base, TOKEN).await;
        b.wait_text("web-prod").await;
        self.stop("keys").await;
        // Every column (or, on a phone, every card) fits: no sideways scrolling.
        let widths = b
            .client
            .execute(
                "const e = document.querySelector('.table-wrap');
                 return [e.scrollWidth, e.clientWidth, document.documentElement.scrollWidth,
                     innerWidth];",
                vec![],
            )
            .await
            .unwrap();
        let w: Vec<u64> = serde_json::from_value(widths).unwrap();
        if w[0] > w[1] || w[2] > w[3] {
            self.found.push(format!(
                "keys-{}: the list scrolls sideways (table {} of {} px, page {} of {} px)",
                self.look, w[0], w[1], w[2], w[3]
            ));
        }

        b.find_button("New").await.click().await.unwrap();
        b.wait_for("dialog[open] #key-name").await;
        self.stop("dialog-create").await;
        b.click_choice("Use an existing public key").await;
        b.wait_for("dialog[open] #public-key").await;
        self.stop("dialog-create-existing").await;
        // A pasted authorized_keys file: the per-line import preview, with a line whose
        // options would be dropped (offered, not ticked).
        let file = [
            include_str!("../src/demo/web-prod.pub").trim().to_owned(),
            common::random_ed25519_line("dev@laptop"),
            format!(
                "from=\"10.0.0.0/8\",no-pty {}",
                common::random_ed25519_line("backup@db-01")
            ),
            "not a key".to_owned(),
        ]
        .join("\n");
        b.preview_authorized_keys(&file).await;
        b.wait_dialog_text(&words.say_with("{count} new", &[("count", "2")]))
            .await;
        self.dialog("dialog-import").await;

        b.click_modify("web-prod").await;
        b.wait_for("dialog[open] #key-name").await;
        self.dialog("dialog-modify").await;
        for (item, what) in [("Edit tags", "dialog-tags"), ("Delete", "dialog-delete")] {
            b.click_in_more("web-prod", item).await;
            b.wait_for("dialog[open]").await;
            self.dialog(what).await;
        }
        for (item, what) in [
            ("Bind instance", "dialog-bind"),
            ("Unbind instance", "dialog-unbind"),
        ] {
            b.click_in_row("web-prod", item).await;
            // The first page has arrived, not just the dialog.
            b.wait_for("dialog[open] .pick-box:not([aria-busy]) .pick-row")
                .await;
            self.dialog(what).await;
        }
        for name in ["legacy-ops", "web-prod"] {
            b.select(name).await;
        }
        b.click_batch_delete().await;
        b.wait_dialog_text("legacy-ops").await;
        self.dialog("dialog-batch-delete").await;

        let export = b
            .client
            .find(Locator::XPath(&format!(
                "//summary[normalize-space()='{}']",
                words.say("Export")
            )))
            .await
            .unwrap();
        export.click().await.unwrap();
        b.wait_for("details[open] .menu-items").await;
        self.stop("menu-export").await;
        export.click().await.unwrap();

        b.visit(self.base, "/keys?q=web-prod").await;
        b.open_key_details("web-prod").await;
        b.wait_text("203.0.113.7").await;
        self.stop("key-details").await;

        self.page("/instances", "web-gz-01", "instances").await;
        self.page("/images", "Region", "images").await;
        self.page("/audit", "Result", "audit").await;
        self.page("/policy", "Allowed key types", "policy").await;
        self.page("/tokens", "bootstrap", "tokens").await;
        b.find_button("New token").await.click().await.unwrap();
        b.wait_for("dialog[open] #token-name").await;
        self.dialog("dialog-new-token").await;
        let revoke = words.say_with("Revoke {name}", &[("name", "bootstrap")]);
        b.click(&format!("button[aria-label='{revoke}']")).await;
        b.wait_for("dialog[open]").await;
        self.dialog("dialog-revoke-token").await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn axe_finds_no_wcag_violation_on_any_page_or_dialog() {
    let _one = ONE_BROWSER.lock().await;
    let server = common::browser::console_server(&[]).await;
    let mut found = Vec::new();
    let looks = [
        ("light", (1280, 720), false),
        ("dark", (1280, 720), true),
        ("phone-light", (390, 844), false),
        ("phone-dark", (390, 844), true),
    ];
    for ((look, (width, height), dark), chinese) in looks
        .into_iter()
        .flat_map(|look| [(look, false), (look, true)])
    {
        let mut flags = Vec::new();
        if dark {
            flags.extend([
                "--force-dark-mode",
                "--blink-settings=preferredColorScheme=0",
            ]);
        }
        // A browser in Chinese: the console starts in Chinese, as a first visit does.
        if chinese {
            flags.push("--accept-lang=zh-CN");
        }
        let b = Browser::start_viewport(width, height, width < 500, &flags).await;
        let mut tour = Tour {
            b: &b,
            base: &server.base,
            look: if chinese {
                format!("{look}-zh")
            } else {
                look.to_owned()
            },
            viewport: (width, height),
            found: Vec::new(),
        };
        tour.walk().await;
        found.append(&mut tour.found);
    }
    assert!(
        found.is_empty(),
        "axe-core found {} violations:\n{}",
        found.len(),
        found.join("\n")
    );
}
