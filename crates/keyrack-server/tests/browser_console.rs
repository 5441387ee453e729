//! Every operation of the SSH key guide, done as a user would in the real console
//! (`dist/`) in headless Chromium against the real server with demo data; plus keyboard-only
//! work and Escape on every dialog. `accessibility.rs` tours every page and dialog with
//! axe-core and takes the README's screenshots.
//!
//! Needs `/usr/bin/chromedriver` and Chromium; `cargo xtask test` builds `dist/` first.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;
use std::process::Command;

use common::browser::{Browser, ONE_BROWSER};
use common::{Server, TOKEN};
use fantoccini::key::Key;
use fantoccini::Locator;

async fn start() -> Server {
    common::browser::console_server(&["--transition-delay-ms", "300"]).await
}

/// A browser window of 1280×800.
async fn browser() -> Browser {
    Browser::start_with(&["--window-size=1280,800"]).await
}

/// Opens New, picks the creation method, names the key and, to import, pastes `public_key`.
async fn fill_create(b: &Browser, name: &str, public_key: Option<&str>) {
    b.start_create(if public_key.is_some() {
        "Use an existing public key"
    } else {
        "Create a key pair"
    })
    .await;
    b.type_into("dialog[open] #key-name", name).await;
    if let Some(key) = public_key {
        b.type_into("dialog[open] #public-key", key).await;
        b.wait_dialog_text("SHA256:").await;
    }
}

fn fresh_public_key(dir: &Path, name: &str) -> String {
    let file = dir.join(name);
    common::ssh_keygen(&["-t", "ed25519", "-C", "imported@keyrack"], &file);
    std::fs::read_to_string(file.with_extension("pub")).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_of_the_guide() {
    let _one = ONE_BROWSER.lock().await;
    let server = start().await;
    let b = browser().await;
    let work = tempfile::tempdir().unwrap();
    b.sign_in(&server.base, TOKEN).await;
    b.wait_text("web-prod").await;

    // Create a key pair: the private key downloads and ssh-keygen reads the registered key.
    fill_create(&b, "console-made", None).await;
    b.click_in_dialog("OK").await;
    b.wait_dialog_text("The private key has been downloaded")
        .await;
    let private = b.downloaded("console-made").await;
    let file = work.path().join("console-made");
    std::fs::write(&file, private).unwrap();
    Command::new("chmod")
        .arg("600")
        .arg(&file)
        .status()
        .unwrap();
    let out = Command::new("ssh-keygen")
        .arg("-y")
        .arg("-f")
        .arg(&file)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let made = server.key_named("console-made").await;
    let derived = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        derived.split_whitespace().take(2).collect::<Vec<_>>(),
        made.public_key
            .split_whitespace()
            .take(2)
            .collect::<Vec<_>>()
    );
    b.click("dialog[open] button[aria-label='Close']").await;
    b.wait_gone("dialog[open]").await;
    b.wait_text("console-made").await;

    // Import a public key made by ssh-keygen.
    let public = fresh_public_key(work.path(), "imported");
    fill_create(&b, "imported", Some(&public)).await;
    b.close_dialog_with("OK").await;
    b.wait_until("the imported key is listed", |t| {
        t.lines().any(|l| l.trim() == "imported")
    })
    .await;
    let imported = server.key_named("imported").await;
    let imported_id = imported.id.as_str().to_owned();

    // Shut web-gz-02 down on the Instances page; the row turns STOPPED without a reload.
    b.open_page("Instances").await;
    b.wait_text("web-gz-02").await;
    b.click_in_row("web-gz-02", "Shut down").await;
    row_saying(&b, "web-gz-02", "STOPPED").await;
    let gz02 = server.get("/instances?limit=100").await.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["name"] == "web-gz-02")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();

    // Bind the imported key to it.
    b.open_page("SSH Key").await;
    b.click_in_row("imported", "Bind instance").await;
    b.select("web-gz-02").await;
    b.click_in_dialog("Bind").await;
    b.wait_dialog_text("Bound to 1 of 1").await;
    b.close_dialog_with("Close").await;

    // Deleting it is refused while it is bound, and the dialog names the instance.
    b.click_in_more("imported", "Delete").await;
    let text = b
        .wait_dialog_text("cannot be deleted while it is in use")
        .await;
    assert!(text.contains(&gz02), "{text}");
    let ok = b
        .client
        .find(Locator::XPath(
            "//dialog[@open]//button[normalize-space()='OK']",
        ))
        .await
        .unwrap();
    assert!(!ok.is_enabled().await.unwrap());
    b.close_dialog_with("Cancel").await;

    // Unbind it.
    b.click_in_row("imported", "Unbind instance").await;
    b.select("web-gz-02").await;
    b.click_in_dialog("Unbind").await;
    b.wait_dialog_text("Unbound").await;
    b.close_dialog_with("Close").await;

    // Now Delete is accepted.
    b.click_in_more("imported", "Delete").await;
    b.wait_dialog_text("Delete the SSH key").await;
    b.close_dialog_with("OK").await;
    b.wait_until("the imported key is gone", |t| {
        !t.lines().any(|l| l.trim() == "imported")
    })
    .await;
    assert_eq!(
        server
            .get(&format!("/key-pairs/{imported_id}"))
            .await
            .status,
        404
    );

    // Modify name and description through the pencil.
    b.click_modify("console-made").await;
    b.type_into("dialog[open] #key-name", "console-renamed")
        .await;
    b.type_into("dialog[open] #key-description", "Made in the browser")
        .await;
    b.close_dialog_with("OK").await;
    b.wait_text("Made in the browser").await;
    b.wait_text("console-renamed").await;

    // Edit tags: add, then change, then remove.
    edit_tags(&b, "console-renamed", |b| async move {
        b.click_in_dialog("+ Add tag").await;
        b.type_into("dialog[open] input[aria-label='Tag key']", "stage")
            .await;
        b.type_into("dialog[open] input[aria-label='Tag value']", "beta")
            .await;
    })
    .await;
    b.wait_text("stage: beta").await;
    edit_tags(&b, "console-renamed", |b| async move {
        b.type_into("dialog[open] input[aria-label='Tag value']", "gold")
            .await;
    })
    .await;
    b.wait_text("stage: gold").await;
    edit_tags(&b, "console-renamed", |b| async move {
        b.click("dialog[open] button[aria-label='Remove tag']")
            .await;
    })
    .await;
    b.wait_until("the tag is gone", |t| !t.contains("stage: gold"))
        .await;
    assert!(server.key_named("console-renamed").await.tags.is_empty());

    // Batch delete: ci-deploy is bound, backup-agent is not: "Deleted 1 of 2" and why.
    for name in ["ci-deploy", "backup-agent"] {
        b.select(name).await;
    }
    b.click_batch_delete().await;
    b.wait_dialog_text("ci-deploy").await;
    b.click_in_dialog("OK").await;
    let text = b.wait_dialog_text("Deleted 1 of 2").await;
    assert!(
        text.contains("ci-deploy") && text.contains("bound"),
        "{text}"
    );
    b.close_dialog_with("Close").await;
    b.wait_until("backup-agent is gone", |t| !t.contains("backup-agent"))
        .await;

    // Search by name.
    b.search_keys("db-admin").await;
    b.wait_until("only db-admin is listed", |t| {
        t.contains("db-admin") && !t.contains("web-prod")
    })
    .await;
    assert!(b.url().await.contains("q=db-admin"), "{}", b.url().await);

    // Filter by tag: the URL carries the filter.
    b.search_keys("tag:team=ops").await;
    b.wait_until("only bastion is listed", |t| {
        t.contains("bastion") && !t.contains("db-admin")
    })
    .await;
    let here = b.url().await;
    assert!(here.contains("tag=team"), "{here}");

    // Paginate: 20 more keys make two pages of 20.
    for (i, key) in common::ed25519_keys(20).iter().enumerate() {
        server.create(&format!("bulk-{i:02}"), key).await;
    }
    let total = server.key_pairs("limit=1").await.total;
    b.visit(&server.base, "/keys").await;
    b.wait_text(&format!("Total {total}")).await;
    b.client
        .find(Locator::XPath(
            "//nav[@aria-label='Pages']//a[contains(., 'Next')]",
        ))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.wait_url("offset=20").await;
    let rows = |b: &Browser| {
        let client = b.client.clone();
        async move {
            client
                .find_all(Locator::Css("tbody tr"))
                .await
                .unwrap()
                .len()
        }
    };
    let deadline = std::time::Instant::now() + common::browser::UI_TIMEOUT;
    while rows(&b).await != (total as usize - 20) {
        assert!(
            std::time::Instant::now() < deadline,
            "page 2 never showed the rest"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }

    // Sign out, then sign in again by pasting the token.
    b.find_button("Sign out").await.click().await.unwrap();
    b.type_into("#token", TOKEN).await;
    b.find_button("Sign in").await.click().await.unwrap();
    b.find_button("New").await;
    assert!(!b.url().await.contains("sign-in"), "{}", b.url().await);

    // A deep link to a key's details loads again after a reload.
    let db_admin = server.key_named("db-admin").await;
    let id = db_admin.id.as_str();
    b.visit(&server.base, &format!("/keys/{id}")).await;
    b.wait_text("DBA access to database hosts").await;
    b.client.refresh().await.unwrap();
    b.wait_text("DBA access to database hosts").await;
    assert!(b.url().await.ends_with(&format!("/keys/{id}")));
}

/// Opens Edit tags on `name`, lets `change` edit the rows, and presses OK.
async fn edit_tags<'a, F, Fut>(b: &'a Browser, name: &str, change: F)
where
    F: FnOnce(&'a Browser) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    b.click_in_more(name, "Edit tags").await;
    b.wait_dialog_text("Tags of").await;
    change(b).await;
    b.close_dialog_with("OK").await;
}

/// Presses Escape and checks that the dialog closed and focus is back on `opener` (English
/// words, said in the browser's language).
async fn escape_returns_focus(b: &Browser, opener: &str) {
    let opener = &b.words.say(opener);
    b.wait_for("dialog[open]").await;
    b.press(&[Key::Escape.into()]).await;
    b.wait_gone("dialog[open]").await;
    let deadline = std::time::Instant::now() + common::browser::UI_TIMEOUT;
    loop {
        let focused = b.focused().await;
        if &focused == opener {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "focus went to {focused:?}, not {opener:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// JS: the focused element `e` is in the row of `name` and reads `label` (in the browser's
/// language).
fn in_row(b: &Browser, name: &str, label: &str) -> String {
    let label = b.words.say(label);
    format!(
        "e.closest('tr') && [...e.closest('tr').querySelectorAll('span')].some(s => s.textContent.trim() === '{name}') \
         && (e.getAttribute('aria-label') || e.textContent.trim()) === '{label}'"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keyboard_only_and_escape_on_every_dialog() {
    keyboard_walk(&[]).await;
}

/// The same walk in a browser whose language is Chinese: the console starts in Chinese, and
/// every step is found by its Chinese words.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keyboard_only_and_escape_on_every_dialog_in_chinese() {
    keyboard_walk(&["--accept-lang=zh-CN"]).await;
}

async fn keyboard_walk(flags: &[&str]) {
    let _one = ONE_BROWSER.lock().await;
    let server = start().await;
    let b = Browser::start_with(&[&["--window-size=1280,800"], flags].concat()).await;
    let w = &b.words;
    let work = tempfile::tempdir().unwrap();
    b.sign_in(&server.base, TOKEN).await;
    b.wait_text("web-prod").await;

    // Every dialog closes on Escape and gives focus back to what opened it.
    b.find_button("New").await.click().await.unwrap();
    escape_returns_focus(&b, "New").await;
    b.click_modify("web-prod").await;
    escape_returns_focus(&b, &w.say_with("Modify {name}", &[("name", "web-prod")])).await;
    for item in ["Edit tags", "Delete"] {
        b.click_in_more("web-prod", item).await;
        escape_returns_focus(&b, "More").await;
    }
    for item in ["Bind instance", "Unbind instance"] {
        b.click_in_row("web-prod", item).await;
        escape_returns_focus(&b, item).await;
    }
    b.select("legacy-ops").await;
    b.click_batch_delete().await;
    escape_returns_focus(&b, "Delete").await;

    // Import a key with the keyboard alone: focus is on the toolbar's Delete; New is before it.
    let public = fresh_public_key(work.path(), "keyboard");
    let is = |label: &str| format!("e.textContent.trim() === '{}'", w.say(label));
    b.tab_to(&is("New"), true).await;
    b.press(&[Key::Enter.into()]).await;
    b.wait_for("dialog[open]").await;
    b.tab_to("e.type === 'radio'", false).await;
    if !b
        .focused_is(&format!(
            "e.parentElement.textContent.includes('{}')",
            w.say("Use an existing public key")
        ))
        .await
    {
        b.press(&[Key::Down.into()]).await;
    }
    b.wait_for("dialog[open] #public-key").await;
    b.tab_to("e.id === 'key-name'", false).await;
    b.type_keys("typed-in").await;
    b.tab_to("e.id === 'public-key'", false).await;
    b.type_keys(public.trim()).await;
    b.wait_dialog_text("SHA256:").await;
    b.tab_to(&is("OK"), false).await;
    b.press(&[Key::Enter.into()]).await;
    b.wait_gone("dialog[open]").await;
    b.wait_until("typed-in is listed", |t| {
        t.lines().any(|l| l.trim() == "typed-in")
    })
    .await;
    server.key_named("typed-in").await;

    // Delete it with the keyboard alone: More, then Delete, then OK.
    b.tab_to(&in_row(&b, "typed-in", "More"), false).await;
    b.press(&[Key::Enter.into()]).await;
    b.tab_to(&in_row(&b, "typed-in", "Delete"), false).await;
    b.press(&[Key::Enter.into()]).await;
    b.wait_dialog_text("Delete the SSH key").await;
    b.tab_to(&is("OK"), false).await;
    b.press(&[' ']).await;
    b.wait_gone("dialog[open]").await;
    b.wait_until("typed-in is gone", |t| {
        !t.lines().any(|l| l.trim() == "typed-in")
    })
    .await;
}

/// The text of the table row that shows `name`, once it says `needle`.
async fn row_saying(b: &Browser, name: &str, needle: &str) -> String {
    let row = Browser::row(name);
    let deadline = std::time::Instant::now() + common::browser::UI_TIMEOUT;
    loop {
        let text = match b.client.find(Locator::XPath(&row)).await {
            Ok(row) => row.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        if text.contains(needle) {
            return text;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the row of {name} never said {needle}: {text}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// Issue #13: the Expires column, the presets of Create and Modify, the status filter and
/// the details page, on the demo data (legacy-ops expires in 10 days).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expiry_presets_the_expires_column_and_the_status_filter() {
    let _one = ONE_BROWSER.lock().await;
    let server = start().await;
    let dir = tempfile::tempdir().unwrap();
    let b = browser().await;
    b.sign_in(&server.base, TOKEN).await;
    row_saying(&b, "legacy-ops", "in 10 days").await;
    row_saying(&b, "web-prod", "Never").await;

    // Create with the 30-day preset.
    let key = fresh_public_key(dir.path(), "monthly");
    fill_create(&b, "monthly", Some(&key)).await;
    b.choose("dialog[open] #key-expiry", "30").await;
    b.close_dialog_with("OK").await;
    row_saying(&b, "monthly", "in 30 days").await;

    // Modify: a past date retires it at once.
    b.click_modify("monthly").await;
    b.choose("dialog[open] #key-expiry", "date").await;
    b.client
        .execute(
            "const d = document.querySelector('dialog[open] #key-expiry-date'); \
             d.value = '2020-01-31'; d.dispatchEvent(new Event('input', {bubbles: true}));",
            vec![],
        )
        .await
        .unwrap();
    b.close_dialog_with("OK").await;
    row_saying(&b, "monthly", "Expired").await;

    // The filter: only expired keys, then only those expiring within 14 days.
    b.choose("select.status-filter", "expired").await;
    let page = b
        .wait_until("the expired keys alone", |t| {
            t.contains("monthly") && !t.contains("web-prod")
        })
        .await;
    assert!(!page.contains("legacy-ops"), "{page}");
    assert!(b.url().await.contains("status=expired"));
    b.choose("select.status-filter", "expiring").await;
    b.wait_until("the expiring keys alone", |t| {
        t.contains("legacy-ops") && !t.contains("monthly") && !t.contains("web-prod")
    })
    .await;

    // Details: when it expired, and what that means.
    b.visit(&server.base, "/keys?status=expired").await;
    b.open_key_details("monthly").await;
    b.wait_text("Expired on 2020-01-31 00:00 UTC: sshd no longer gets this key")
        .await;
}

/// Clicks the Last login header, scrolled to the middle of the table first: at the edge of
/// the view the sticky Operation column covers it.
async fn sort_by_last_login(b: &Browser) {
    let link = b.wait_for("a[aria-label='Sort by Last login']").await;
    b.client
        .execute(
            "arguments[0].scrollIntoView({block: 'center', inline: 'center'});",
            vec![serde_json::to_value(&link).unwrap()],
        )
        .await
        .unwrap();
    link.click().await.unwrap();
}

/// Issue #13 item 3: the Last login column, its order, the *Unused for 90 days* filter and
/// the details page's last login per instance, on the demo data (web-prod logged in 3 hours
/// ago on web-gz-01, ci-deploy 50 hours ago, db-admin 40 days ago, the others never).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn last_login_column_order_filter_and_details() {
    let _one = ONE_BROWSER.lock().await;
    let server = start().await;
    let b = browser().await;
    b.sign_in(&server.base, TOKEN).await;
    row_saying(&b, "web-prod", "3 hours ago on web-gz-01").await;
    row_saying(&b, "ci-deploy", "2 days ago on web-sh-01").await;
    row_saying(&b, "bastion", "Never").await;
    // On a 1280-px screen every column shows, Last login included: nothing scrolls sideways.
    let widths = b
        .client
        .execute(
            "const t = document.querySelector('.table-wrap'); return [t.scrollWidth, t.clientWidth];",
            vec![],
        )
        .await
        .unwrap();
    assert!(widths[0].as_u64() <= widths[1].as_u64(), "{widths}");

    // Least recently used first, then most recently used first.
    sort_by_last_login(&b).await;
    // Never used (legacy-ops among them), then the oldest login: no other order has this.
    b.wait_until("the least used first", |t| {
        let at = |name: &str| t.find(name).unwrap_or(usize::MAX);
        at("legacy-ops") < at("db-admin")
            && at("db-admin") < at("ci-deploy")
            && at("ci-deploy") < at("web-prod")
    })
    .await;
    assert!(b.url().await.contains("sort=last_login"));
    sort_by_last_login(&b).await;
    let page = b
        .wait_until("the most recently used first", |t| {
            let at = |name: &str| t.find(name).unwrap_or(usize::MAX);
            at("web-prod") < at("ci-deploy") && at("ci-deploy") < at("db-admin")
        })
        .await;
    assert!(page.find("db-admin") < page.find("bastion"), "{page}");

    // Keys neither made nor used in the last 90 days.
    b.choose("select.status-filter", "unused").await;
    b.wait_until("the unused key alone", |t| {
        t.contains("legacy-ops") && !t.contains("web-prod") && !t.contains("bastion")
    })
    .await;
    assert!(b.url().await.contains("unused_for_days=90"));

    // Details: the last login on each instance.
    b.visit(&server.base, "/keys?q=web-prod").await;
    b.open_key_details("web-prod").await;
    let page = b.wait_text("203.0.113.7").await;
    assert!(
        page.contains("web-gz-01") && page.contains("3 hours ago"),
        "{page}"
    );
}

/// Issue #13 item 2: an admin tightens the key policy on the Policy page; keys registered
/// before are marked in the list and the details, and Create starts at the new lifetime.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_policy_page_marks_old_keys_and_sets_the_lifetime_of_new_ones() {
    let _one = ONE_BROWSER.lock().await;
    let server = start().await;
    let b = browser().await;
    b.sign_in(&server.base, TOKEN).await;
    b.open_page("Policy").await;
    b.wait_text("Allowed key types").await;
    // ECDSA P-384 off, RSA from 4096 bits, 60 days at most.
    b.click("#policy-alg-ecdsa-sha2-nistp384").await;
    b.choose("#policy-rsa", "4096").await;
    b.click("#policy-limited").await;
    b.type_into("#policy-days", "60").await;
    b.find_button("Save").await.click().await.unwrap();
    b.wait_text("Key policy saved.").await;
    let r = server.get("/policy").await.body;
    assert_eq!(r["min_rsa_bits"], 4096, "{r}");
    assert_eq!(r["max_lifetime_days"], 60, "{r}");
    assert!(
        !r["allowed_algorithms"]
            .as_array()
            .unwrap()
            .contains(&serde_json::json!("ecdsa-sha2-nistp384")),
        "{r}"
    );

    // The list marks what the policy no longer allows, and only that.
    b.visit(&server.base, "/keys").await;
    for name in ["db-admin", "legacy-ops", "backup-agent"] {
        row_saying(&b, name, "Not allowed by policy").await;
    }
    for name in ["web-prod", "bastion"] {
        let row = row_saying(&b, name, name).await;
        assert!(!row.contains("Not allowed"), "{row}");
    }
    // A new key starts at the policy's maximum.
    b.find_button("New").await.click().await.unwrap();
    b.wait_for("dialog[open] #key-expiry option[value='60']")
        .await;
    let chosen = b
        .wait_for("dialog[open] #key-expiry")
        .await
        .prop("value")
        .await
        .unwrap();
    assert_eq!(chosen.as_deref(), Some("60"));
    b.press(&[Key::Escape.into()]).await;
    b.wait_gone("dialog[open]").await;
    // The details page says why.
    b.open_key_details("db-admin").await;
    b.wait_text("Registered before the key policy changed")
        .await;
}

/// Issue #13 item 4: a pasted authorized_keys file of 50 lines is previewed line by line in
/// the Create dialog, and exactly its new keys are imported.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pasted_authorized_keys_file_of_50_lines_imports_its_new_keys() {
    let _one = ONE_BROWSER.lock().await;
    let server = start().await;
    let b = browser().await;
    b.sign_in(&server.base, TOKEN).await;
    b.wait_text("web-prod").await;
    let total = || async { server.key_pairs("").await.total };
    let before = total().await;
    let fresh = common::random_ed25519_line("dev@laptop");
    let mut lines = vec![
        "# exported from the bastion".to_owned(),
        include_str!("../src/demo/web-prod.pub").trim().to_owned(),
        fresh.clone(),
        fresh,
        include_str!("fixtures/dsa.pub").trim().to_owned(),
        include_str!("fixtures/rsa1024.pub").trim().to_owned(),
        "not a key".to_owned(),
    ];
    while lines.len() < 50 {
        lines.push(common::random_ed25519_line(&format!(
            "user{}@fleet",
            lines.len() + 1
        )));
    }
    let file = lines.join("\n");

    b.start_create("Use an existing public key").await;
    b.wait_for("dialog[open] #public-key").await;
    b.preview_authorized_keys(&file).await;
    let preview = b
        .wait_dialog_text("44 new, 2 duplicate, 3 refused, 1 skipped")
        .await;
    for reason in [
        "registered already as web-prod",
        "the same key as line 3",
        "DSA keys (ssh-dss) are not accepted",
        "This RSA key has 1024 bits",
    ] {
        assert!(preview.contains(reason), "{reason}: {preview}");
    }
    assert_eq!(total().await, before, "a preview writes nothing");
    b.click_in_dialog("Import 44 selected").await;
    b.wait_dialog_text("44 imported, 2 duplicate, 3 refused, 1 skipped")
        .await;
    assert_eq!(total().await, before + 44);
    b.close_dialog_with("Close").await;
    b.wait_text(&format!("Total {}", before + 44)).await;
}

/// Opens the SSH Key page's Export menu and picks `label`.
async fn export_as(b: &Browser, label: &str) {
    b.client
        .wait()
        .for_element(Locator::XPath("//summary[normalize-space()='Export']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.find_button(label).await.click().await.unwrap();
}

/// Issue #13: the exports save exactly what the server holds: an instance's
/// authorized_keys (the bytes sshd's script gets), the SSH Key page's filtered view as CSV
/// and JSON, and a key's `.pub` line with its comment.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exports_save_what_the_server_holds() {
    let _one = ONE_BROWSER.lock().await;
    let server = start().await;
    let b = browser().await;
    b.sign_in(&server.base, TOKEN).await;
    b.wait_text("web-prod").await;

    export_as(&b, "Export CSV").await;
    let csv = String::from_utf8(b.downloaded("keyrack-key-pairs.csv").await).unwrap();
    assert!(csv.starts_with("id,name,description,"), "{csv}");
    let rows = csv::Reader::from_reader(csv.as_bytes())
        .records()
        .map(Result::unwrap)
        .count();
    assert_eq!(rows, 6, "the 6 demo keys: {csv}");
    b.visit(&server.base, "/keys?status=expiring").await;
    b.wait_until("the expiring keys alone", |t| {
        t.contains("legacy-ops") && !t.contains("web-prod")
    })
    .await;
    export_as(&b, "Export JSON").await;
    let json: serde_json::Value =
        serde_json::from_slice(&b.downloaded("keyrack-key-pairs.json").await).unwrap();
    let names: Vec<&str> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["legacy-ops"]);

    let web_prod = server.key_named("web-prod").await;
    b.visit(&server.base, &format!("/keys/{}", web_prod.id.as_str()))
        .await;
    b.find_button("Download .pub").await.click().await.unwrap();
    let line = String::from_utf8(b.downloaded("web-prod.pub").await).unwrap();
    assert_eq!(
        line,
        format!(
            "{} {}\n",
            web_prod.public_key.as_str(),
            web_prod.comment.as_str()
        )
    );

    let instances = server.get("/instances?limit=100").await;
    let host = instances.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["name"] == "web-gz-01")
        .unwrap()
        .clone();
    let expected = server
        .as_token(
            TOKEN,
            reqwest::Method::GET,
            &format!(
                "/instances/{}/authorized_keys",
                host["id"].as_str().unwrap()
            ),
            None,
        )
        .await
        .text;
    assert!(expected.lines().count() >= 1, "{expected}");
    b.visit(&server.base, "/instances").await;
    b.click_in_row("web-gz-01", "Download authorized_keys")
        .await;
    assert_eq!(
        String::from_utf8(b.downloaded("authorized_keys").await).unwrap(),
        expected,
        "byte for byte what sshd gets"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_45_selected_keys_shows_progress_and_deletes_them_all() {
    let _one = ONE_BROWSER.lock().await;
    let server = start().await;
    let file: Vec<String> = (1..=45)
        .map(|i| common::random_ed25519_line(&format!("bulk{i}@fleet")))
        .collect();
    let r = server
        .post(
            "/key-pairs/import",
            serde_json::json!({"authorized_keys": file.join("\n")}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let count = |q: &'static str| {
        let server = &server;
        async move { server.key_pairs(&format!("q={q}")).await.total }
    };
    assert_eq!(count("bulk").await, 45);
    let total_before = count("").await;

    let b = browser().await;
    b.sign_in(&server.base, TOKEN).await;
    b.visit(&server.base, "/keys?q=bulk&limit=100").await;
    b.wait_text("bulk45").await;
    b.click("input[aria-label='Select all on this page']").await;
    b.click_batch_delete().await;
    b.wait_dialog_text("45 of 45 selected keys can be deleted")
        .await;
    b.watch_for("dialog[open] progress").await;
    b.click_in_dialog("OK").await;
    b.wait_dialog_text("Deleted 45 of 45").await;
    assert!(b.seen().await, "a bar showed how far it was");
    assert_eq!(count("bulk").await, 0);
    assert_eq!(count("").await, total_before - 45);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn binding_a_key_to_12_instances_shows_progress_and_binds_them_all() {
    let _one = ONE_BROWSER.lock().await;
    let server = start().await;
    for i in 1..=12 {
        let r = server
            .post(
                "/instances",
                serde_json::json!({"name": format!("bulk-{i:02}"), "region": "ap-guangzhou",
                                   "os": "linux", "state": "STOPPED"}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
    }
    let b = browser().await;
    b.sign_in(&server.base, TOKEN).await;
    b.wait_text("backup-agent").await;
    b.click_in_row("backup-agent", "Bind instance").await;
    b.type_into("dialog[open] input[type='search']", "bulk")
        .await;
    // The search has answered: only the 12 are listed.
    b.wait_dialog_text("1–12 of 12").await;
    b.wait_for("dialog[open] .pick-box:not([aria-busy])").await;
    for i in 1..=12 {
        b.select(&format!("bulk-{i:02}")).await;
    }
    b.wait_dialog_text("12 selected").await;
    b.watch_for("dialog[open] progress").await;
    b.click_in_dialog("Bind").await;
    b.wait_dialog_text("Bound to 12 of 12 instances").await;
    assert!(b.seen().await, "a bar showed how far it was");
    let keys = server.get("/key-pairs?q=backup-agent").await;
    assert_eq!(
        keys.body["items"][0]["instance_ids"]
            .as_array()
            .unwrap()
            .len(),
        12
    );
}

/// Picks `value` in the header's menu labelled `label` (as shown: Language, 语言, …); the
/// page reloads.
async fn choose_in_header(b: &Browser, label: &str, value: &str) {
    b.choose(&format!(".header select[aria-label='{label}']"), value)
        .await;
}

async fn page_language(b: &Browser) -> serde_json::Value {
    b.client
        .execute(
            "return [document.documentElement.lang, localStorage.getItem('keyrack.language')];",
            vec![],
        )
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_language_menu_turns_the_console_chinese_with_its_errors_and_times_and_back() {
    let _one = ONE_BROWSER.lock().await;
    let server = start().await;
    let work = tempfile::tempdir().unwrap();
    // An English browser: the console starts in English.
    let b = browser().await;
    b.sign_in(&server.base, TOKEN).await;
    assert_eq!(page_language(&b).await, serde_json::json!(["en", null]));

    choose_in_header(&b, "Language", "zh-CN").await;
    let zh = common::words::Words::chinese();
    b.client
        .wait()
        .for_element(Locator::XPath("//button[normalize-space()='新建']"))
        .await
        .unwrap();
    assert_eq!(
        page_language(&b).await,
        serde_json::json!(["zh-CN", "zh-CN"])
    );
    let page = b.wait_text("SSH密钥").await;
    for english in ["New", "Bind instance", "Description", "Created"] {
        assert!(!page.contains(english), "{english} is still shown:\n{page}");
    }

    // A rule broken in a field, then a refusal by the server, both in Chinese.
    // The browser is English: the console's Chinese is spelled out.
    b.find_button("新建").await.click().await.unwrap();
    b.click_choice("使用已有公钥").await;
    b.type_into("dialog[open] #key-name", "-bad").await;
    let public = fresh_public_key(work.path(), "chinese");
    b.type_into("dialog[open] #public-key", &public).await;
    b.click_in_dialog(&zh.say("OK")).await;
    b.wait_dialog_text("名称必须以字母或数字开头。").await;
    b.type_into("dialog[open] #key-name", "web-prod").await;
    b.click_in_dialog(&zh.say("OK")).await;
    b.wait_dialog_text(&zh.say("Another key pair already has this name; choose another one."))
        .await;
    b.press(&[Key::Escape.into()]).await;
    b.wait_gone("dialog[open]").await;

    // Times in UTC by default; in the browser's zone (UTC here, so +00:00) once chosen.
    b.visit(&server.base, "/audit").await;
    let audit = b.wait_text(" UTC").await;
    assert!(!audit.contains("UTC+"), "{audit}");
    choose_in_header(&b, &zh.say("Times in"), "local").await;
    b.wait_text("UTC+00:00").await;

    // Back to English: chosen, it stays so after a reload, whatever the browser's language.
    choose_in_header(&b, &zh.say("Language"), "en").await;
    b.wait_text("Sign out").await;
    b.client.refresh().await.unwrap();
    b.wait_text("Sign out").await;
    assert_eq!(page_language(&b).await, serde_json::json!(["en", "en"]));
    b.wait_text("UTC+00:00").await;
}
