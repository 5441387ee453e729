//! Roles in the real console: an admin makes a viewer token on the Tokens page, the viewer
//! sees no write action anywhere, the admin reads both in the Audit page's filters and
//! revokes the token. Every page is loaded under the server's strict CSP, and the browser
//! reports no violation of it.
//!
//! Needs `/usr/bin/chromedriver` and Chromium; `cargo xtask test` builds `dist/` first.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::browser::{Browser, ONE_BROWSER};
use common::TOKEN;
use fantoccini::Locator;
use reqwest::Method;
use serde_json::json;

/// With `KEYRACK_SCREENSHOTS=<dir>`, the README's screenshot of the viewer's SSH Key page
/// is saved there.
const SHOTS: &str = "KEYRACK_SCREENSHOTS";

/// Whether any element matching `xpath` is displayed.
async fn any_displayed(b: &Browser, xpath: &str) -> bool {
    for e in b.client.find_all(Locator::XPath(xpath)).await.unwrap() {
        if e.is_displayed().await.unwrap_or(false) {
            return true;
        }
    }
    false
}

/// Asserts that none of these buttons (or menu summaries) is displayed.
async fn assert_no_write_action(b: &Browser, labels: &[&str], page: &str) {
    for label in labels {
        let xpath = format!(
            "//main//*[self::button or self::summary][normalize-space()='{label}' or @aria-label='{label}']"
        );
        assert!(
            !any_displayed(b, &xpath).await,
            "a viewer sees {label} on {page}"
        );
    }
}

async fn assert_no_csp_violation(b: &Browser) {
    let log = b.log("browser").await;
    let violations: Vec<_> = log
        .iter()
        .filter(|e| {
            let m = e["message"].as_str().unwrap_or_default();
            m.contains("Content Security Policy") || m.contains("Content-Security-Policy")
        })
        .collect();
    assert!(violations.is_empty(), "CSP violations: {violations:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admins_manage_tokens_and_read_the_audit_log_and_viewers_only_read() {
    let _one = ONE_BROWSER.lock().await;
    let server = common::browser::console_server(&[]).await;
    let b = Browser::start().await;
    b.sign_in(&server.base, TOKEN).await;
    b.wait_text("web-prod").await;
    let text = b.wait_text("Admin").await;
    assert!(
        text.contains("bootstrap"),
        "the menu names the token: {text}"
    );

    // Tokens: make a viewer token; it is shown once, in the dialog.
    b.open_page("Tokens").await;
    b.wait_text("bootstrap").await;
    b.find_button("New token").await.click().await.unwrap();
    b.type_into("dialog[open] #token-name", "auditor").await;
    b.click_in_dialog("OK").await;
    b.wait_dialog_text("cannot show it again").await;
    let viewer = b
        .wait_for("dialog[open] #new-token")
        .await
        .prop("value")
        .await
        .unwrap()
        .unwrap();
    assert!(viewer.len() >= 32, "a token: {viewer}");
    b.close_dialog_with("Done").await;
    let page = b.wait_text("auditor").await;
    assert!(!page.contains(&viewer), "the list never shows a token");
    let listed = server.get("/tokens").await;
    let auditor = listed.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "auditor")
        .cloned()
        .unwrap();
    assert_eq!(auditor["role"], "viewer", "Viewer is the default role");
    let auditor_id = auditor["id"].as_str().unwrap().to_owned();

    // A refused write by the viewer, straight at the API, lands in the log.
    let r = server
        .as_token(
            &viewer,
            Method::POST,
            "/key-pairs/batch-delete",
            Some(json!({"ids": []})),
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.text);

    // The viewer signs in: it reads everything and is offered no write action.
    b.find_button("Sign out").await.click().await.unwrap();
    b.wait_for("#token").await;
    b.sign_in(&server.base, &viewer).await;
    let text = b.wait_text("web-prod").await;
    assert!(text.contains("Viewer · read only"), "{text}");
    b.snapshot(SHOTS, "keys-viewer-light").await;
    assert!(!any_displayed(&b, "//nav//a[normalize-space()='Tokens']").await);
    assert!(!any_displayed(&b, "//nav//a[normalize-space()='Audit']").await);
    assert_no_write_action(
        &b,
        &[
            "New",
            "Delete",
            "Bind instance",
            "Unbind instance",
            "More",
            "Modify web-prod",
        ],
        "the SSH Key page",
    )
    .await;
    assert!(
        !any_displayed(&b, "//input[@type='checkbox']").await,
        "no selection"
    );
    // Search still works for a viewer.
    b.wait_for("a.id-link").await;
    b.open_page("Instances").await;
    b.wait_text("web-gz-02").await;
    assert_no_write_action(&b, &["Start", "Shut down"], "the Instances page").await;
    let key = server.key_named("db-admin").await;
    b.visit(&server.base, &format!("/keys/{}", key.id)).await;
    b.wait_text("DBA access to database hosts").await;
    assert_no_write_action(
        &b,
        &[
            "Bind instance",
            "Unbind instance",
            "Modify",
            "Edit tags",
            "Delete",
        ],
        "the key details page",
    )
    .await;
    // A hand-typed admin page says why it shows nothing.
    b.visit(&server.base, "/audit").await;
    b.wait_text("this needs an admin token").await;
    assert_no_csp_violation(&b).await;

    // The admin reads the log: everything, then only failures, then only the viewer's.
    b.find_button("Sign out").await.click().await.unwrap();
    b.wait_for("#token").await;
    b.sign_in(&server.base, TOKEN).await;
    b.open_page("Audit").await;
    let text = b.wait_text("POST /api/v1/tokens").await;
    assert_read_starts_with_chunk(&b, "/api/v1/audit").await;
    assert!(text.contains("201"), "{text}");
    assert!(
        text.contains("POST /api/v1/key-pairs/batch-delete"),
        "{text}"
    );
    let result = b.wait_for("form[role='search'] select").await;
    result.select_by_value("failure").await.unwrap();
    b.find_button("Apply").await.click().await.unwrap();
    let text = b
        .wait_until("only failures are listed", |t| {
            !t.contains("POST /api/v1/tokens")
        })
        .await;
    assert!(text.contains("403 Forbidden"), "{text}");
    assert!(text.contains("auditor"), "{text}");
    let url = b.url().await;
    assert!(
        url.contains("outcome=failure"),
        "the filter is in the URL: {url}"
    );
    // The filtered view survives a reload, as a shared link would.
    b.client.refresh().await.unwrap();
    b.wait_text("403 Forbidden").await;
    b.type_into("input[placeholder='Token name or ID']", "bootstrap")
        .await;
    b.find_button("Apply").await.click().await.unwrap();
    b.wait_text("No recorded write matches these filters.")
        .await;

    // The console's own token is the last admin token: the dialog warns, the server refuses
    // and the dialog says what to do; the admin stays signed in.
    b.open_page("Tokens").await;
    b.click("button[aria-label='Revoke bootstrap']").await;
    b.wait_dialog_text("you will be signed out").await;
    b.click_in_dialog("OK").await;
    b.wait_dialog_text("make another admin token first").await;
    b.close_dialog_with("Cancel").await;
    assert_eq!(server.get("/me").await.status, 200);

    // Revoke the viewer token: it stops working at once.
    b.click("button[aria-label='Revoke auditor']").await;
    b.wait_dialog_text("Revoke the token auditor").await;
    b.close_dialog_with("OK").await;
    b.wait_text("Revoked").await;
    let r = server
        .as_token(&viewer, Method::GET, "/key-pairs", None)
        .await;
    assert_eq!(r.status, 401, "{}", r.text);
    let listed = server.get("/tokens").await;
    assert!(listed.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|t| t["id"] == auditor_id.as_str() && t["revoked_at"].is_string()));
    assert_no_csp_violation(&b).await;
}

/// The menu's identity: the signed-in token's name and role.
async fn identity(b: &Browser) -> String {
    b.wait_for(".identity").await.text().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sign_in_link_on_a_signed_in_tab_asks_before_switching() {
    let _one = ONE_BROWSER.lock().await;
    let server = common::browser::console_server(&[]).await;
    let r = server
        .post(
            "/tokens",
            json!({"name": "on-call viewer", "role": "viewer"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let viewer = r.body["token"].as_str().unwrap().to_owned();
    let b = Browser::start().await;
    b.sign_in(&server.base, TOKEN).await;
    b.wait_text("web-prod").await;
    assert!(identity(&b).await.contains("bootstrap"));

    // A link opened in this tab: the dialog names both tokens; Cancel keeps the session.
    b.visit(&server.base, &format!("/instances#token={viewer}"))
        .await;
    let text = b.wait_dialog_text("on-call viewer").await;
    assert!(text.contains("bootstrap"), "{text}");
    assert!(
        !text.contains(&viewer),
        "the dialog never shows the token: {text}"
    );
    b.close_dialog_with("Cancel").await;
    let url = b.client.current_url().await.unwrap();
    assert!(
        !url.as_str().contains("token="),
        "the fragment is gone: {url}"
    );
    b.visit(&server.base, "/keys").await;
    b.wait_text("web-prod").await;
    let who = identity(&b).await;
    assert!(who.contains("bootstrap") && who.contains("Admin"), "{who}");

    // Only the fragment changes (no reload): asked again; Switch signs in as the viewer.
    b.client
        .execute(&format!("location.hash = 'token={viewer}'"), vec![])
        .await
        .unwrap();
    b.wait_dialog_text("on-call viewer").await;
    b.close_dialog_with("Switch").await;
    let who = b.wait_text("Viewer · read only").await;
    assert!(who.contains("on-call viewer"), "{who}");

    // A link with a token the server refuses says so, and the session stays.
    b.client
        .execute("location.hash = 'token=kr_not-a-valid-token'", vec![])
        .await
        .unwrap();
    b.wait_dialog_text("not accepted").await;
    b.close_dialog_with("OK").await;
    assert!(identity(&b).await.contains("on-call viewer"));
    assert_no_csp_violation(&b).await;
}

/// The page's first read (`read`, an API path) went out while the page's chunk, the last
/// wasm file fetched, was still on its way: the route starts both, not one after the other.
async fn assert_read_starts_with_chunk(b: &Browser, read: &str) {
    let timing = b
        .client
        .execute(
            "const entries = performance.getEntriesByType('resource');
             const read = entries.filter((e) => new URL(e.name).pathname === arguments[0]).pop();
             const chunk = entries.filter((e) => new URL(e.name).pathname.endsWith('.wasm')).pop();
             return read && chunk ? [read.startTime, chunk.startTime, chunk.responseEnd] : null;",
            vec![json!(read)],
        )
        .await
        .unwrap();
    let [read_start, chunk_start, chunk_end] =
        serde_json::from_value::<[f64; 3]>(timing.clone()).expect("Resource Timing entries");
    assert!(
        read_start < chunk_end && chunk_start > 0.0,
        "{read} started at {read_start} ms, its chunk {chunk_start}–{chunk_end} ms"
    );
}
