//! Issue #13 item 4: `POST /key-pairs/import` reads an `authorized_keys` file line by line:
//! a dry run previews each line's outcome and writes nothing; the import registers exactly
//! the selected new keys, with a reason for every other line.

mod common;

use common::{assert_invalid, random_ed25519_line, App, Resp};
use keyrack_api::ImportOutcome::{self, Created, Duplicate, New, Refused, Skipped};
use keyrack_api::{
    AuditEntry, ErrorCode, ImportResponse, ImportResult, KeyPair, List, Origin, Rule,
};
use reqwest::Method;
use serde_json::json;

const DSA: &str = include_str!("fixtures/dsa.pub");
const RSA1024: &str = include_str!("fixtures/rsa1024.pub");
const CERT: &str = include_str!("fixtures/ed25519-cert.pub");

fn ecdsa_key() -> String {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("ecdsa");
    common::ssh_keygen(&["-t", "ecdsa", "-b", "256", "-C", "tablet"], &file);
    std::fs::read_to_string(file.with_extension("pub")).expect("public key file")
}

/// The result of each line, by line number.
fn results(r: &Resp) -> Vec<ImportResult> {
    r.ok::<ImportResponse>().results
}

/// `(line, outcome, name, code)` of each line, by line number; `""` for no name or code.
fn outcomes(r: &Resp) -> Vec<(u32, ImportOutcome, String, String)> {
    results(r)
        .into_iter()
        .map(|r| {
            (
                r.line,
                r.outcome,
                r.name.unwrap_or_default(),
                r.code.map(|c| c.as_str().to_owned()).unwrap_or_default(),
            )
        })
        .collect()
}

#[tokio::test]
async fn an_authorized_keys_file_of_50_lines_imports_exactly_its_new_keys() {
    let server = App::start(&[]).await;
    let registered = random_ed25519_line("old@laptop");
    let old = server.create("old-laptop", &registered).await;
    server
        .create("ops@bastion", &random_ed25519_line("x"))
        .await;
    let r = server.allow_only_ed25519_and_rsa(false).await;
    assert_eq!(r.status, 200, "{}", r.text);

    // The file: every kind of line, then fresh keys up to 50 lines.
    let repeated = random_ed25519_line("alice@desk");
    let mut lines: Vec<String> = vec![
        "# keys of the ops team".into(),
        String::new(),
        random_ed25519_line("ops@bastion"),
        random_ed25519_line("ops@bastion"),
        random_ed25519_line(""),
        format!("from=\"10.0.0.1,10.0.0.2\",command=\"echo hi there\",no-pty {repeated}"),
        repeated.clone(),
        registered.trim().to_owned(),
        DSA.trim().to_owned(),
        RSA1024.trim().to_owned(),
        CERT.trim().to_owned(),
        "not a key at all".into(),
        "-----BEGIN OPENSSH PRIVATE KEY-----".into(),
        ecdsa_key().trim().to_owned(),
        "   ".into(),
    ];
    while lines.len() < 50 {
        lines.push(random_ed25519_line(&format!("user{}@fleet", lines.len())));
    }
    let file = lines.join("\n") + "\n";

    let preview = server
        .post(
            "/key-pairs/import",
            json!({"authorized_keys": file, "dry_run": true}),
        )
        .await;
    assert_eq!(preview.status, 200, "{}", preview.text);
    let results = results(&preview);
    let got = outcomes(&preview);
    assert_eq!(got.len(), 50);
    let at = |line: u32| got[usize::try_from(line - 1).expect("small")].clone();
    let row = |outcome: ImportOutcome, name: &str, code: &str| {
        (outcome, name.to_owned(), code.to_owned())
    };
    let strip = |t: (u32, ImportOutcome, String, String)| (t.1, t.2, t.3);
    assert_eq!(strip(at(1)), row(Skipped, "", "comment"));
    assert_eq!(strip(at(2)), row(Skipped, "", "blank"));
    // Names from comments, made unique against the fleet and the file.
    assert_eq!(strip(at(3)), row(New, "ops@bastion-2", ""));
    assert_eq!(strip(at(4)), row(New, "ops@bastion-3", ""));
    assert_eq!(strip(at(5)), row(New, "imported-5", ""));
    assert_eq!(strip(at(6)), row(New, "alice@desk", ""));
    assert_eq!(
        results[5].dropped_options.as_deref(),
        Some("from=\"10.0.0.1,10.0.0.2\",command=\"echo hi there\",no-pty")
    );
    assert_eq!(strip(at(7)), row(Duplicate, "alice@desk", ""));
    assert_eq!(
        results[6].message.as_deref(),
        Some("the same key as line 6")
    );
    assert_eq!(strip(at(8)), row(Duplicate, "old-laptop", ""));
    assert_eq!(results[7].id.as_ref(), Some(&old.id));
    assert_eq!(strip(at(9)), row(Refused, "", "dsa"));
    assert_eq!(strip(at(10)), row(Refused, "", "rsa_too_short"));
    assert_eq!(strip(at(11)), row(Refused, "", "certificate"));
    assert_eq!(strip(at(12)), row(Refused, "", "malformed"));
    assert_eq!(strip(at(13)), row(Refused, "", "private_key"));
    assert_eq!(strip(at(14)), row(Refused, "", "policy"));
    assert!(
        results[13]
            .message
            .as_deref()
            .is_some_and(|m| m.contains("ecdsa-sha2-nistp256")),
        "{}",
        preview.text
    );
    assert_eq!(strip(at(15)), row(Skipped, "", "blank"));
    for line in 16..=50 {
        assert_eq!(at(line).1, New, "line {line}");
    }
    assert_eq!(
        server.key_pairs("").await.total,
        2,
        "a dry run writes nothing"
    );

    // Import every new line but 50, and line 16 under a chosen name.
    let selected: Vec<u32> = (3..=49).filter(|l| at(*l).1 == New).collect();
    assert_eq!(selected.len(), 4 + 34);
    let r = server
        .post(
            "/key-pairs/import",
            json!({
                "authorized_keys": file,
                "lines": selected,
                "names": [{"line": 16, "name": "chosen-name"}],
            }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let done = outcomes(&r);
    let created: Vec<u32> = done
        .iter()
        .filter(|d| d.1 == Created)
        .map(|d| d.0)
        .collect();
    assert_eq!(created, selected);
    assert_eq!(done[15].2, "chosen-name");
    assert_eq!((done[49].1, done[49].3.as_str()), (Skipped, "not_selected"));
    assert_eq!(server.key_pairs("").await.total, 2 + 38);
    let r = server.get("/key-pairs?q=ops%40bastion-3").await;
    let found = &r.ok::<List<KeyPair>>().items[0];
    assert_eq!(found.comment, "ops@bastion", "{}", r.text);
    assert_eq!(found.origin, Origin::Imported, "{}", r.text);

    // Again: the imported lines are duplicates now, and line 50 is still new.
    let again = server
        .post(
            "/key-pairs/import",
            json!({"authorized_keys": file, "dry_run": true}),
        )
        .await;
    let again = outcomes(&again);
    for line in &selected {
        assert_eq!(
            again[usize::try_from(*line - 1).expect("small")].1,
            Duplicate
        );
    }
    assert_eq!(again[49].1, New);
}

#[tokio::test]
async fn an_import_refuses_a_file_too_long_and_takes_a_large_one() {
    let server = App::start(&[]).await;
    let r = server
        .post(
            "/key-pairs/import",
            json!({"authorized_keys": "\n".repeat(1_001), "dry_run": true}),
        )
        .await;
    assert_invalid(&r, "authorized_keys", Rule::Count);

    // 1,000 lines of 700 bytes: far above the 64 KiB of other requests, all refused.
    let line = format!("ssh-rsa {}", "A".repeat(692));
    let file = vec![line; 1_000].join("\n");
    let r = server
        .post(
            "/key-pairs/import",
            json!({"authorized_keys": file, "dry_run": true}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", &r.text[..r.text.len().min(300)]);
    assert_eq!(outcomes(&r).len(), 1_000);
    assert!(outcomes(&r).iter().all(|o| o.1 == Refused));

    // A lifetime policy needs an expiry for the whole import, checked before any line.
    let r = server
        .api(
            Method::PUT,
            "/policy",
            Some(json!({
                "allowed_algorithms": ["ssh-ed25519"],
                "min_rsa_bits": 2048,
                "max_lifetime_days": 30,
                "enforce_on_login": false,
            })),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let key = random_ed25519_line("a@b");
    let r = server
        .post("/key-pairs/import", json!({"authorized_keys": key}))
        .await;
    assert!(
        matches!(r.refusal().code, ErrorCode::PolicyViolation { .. }),
        "{}",
        r.text
    );
    let in_10_days = keyrack_server::clock::after(std::time::Duration::from_secs(10 * 86_400));
    let r = server
        .post(
            "/key-pairs/import",
            json!({"authorized_keys": key, "expires_at": in_10_days}),
        )
        .await;
    assert_eq!(outcomes(&r)[0].1, Created, "{}", r.text);
    let listed = server.key_pairs("").await;
    assert_eq!(
        listed.items[0].expires_at.as_ref().map(|at| at.as_str()),
        Some(in_10_days.as_str())
    );

    // A viewer may not import.
    let viewer = server.viewer_token().await;
    let r = server
        .as_token(
            &viewer,
            Method::POST,
            "/key-pairs/import",
            Some(json!({"authorized_keys": key, "dry_run": true})),
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.text);
}

/// Issue #23 item 7: Keyrack drops `authorized_keys` options, so a line with `from=` or
/// `command=` would become an unrestricted login once bound. An import without a selection
/// leaves such lines out (a dry run still offers them, with the options named); only a line
/// chosen by number is imported. Imports, batch deletes and exports are audited with the ids
/// they touched, or the filter they ran with.
#[tokio::test]
async fn lines_with_options_are_imported_only_when_chosen_and_audited_with_their_ids() {
    let server = App::start(&[]).await;
    let plain = random_ed25519_line("plain@desk");
    let restricted = format!(
        "from=\"10.0.0.1\",command=\"/usr/bin/backup\" {}",
        random_ed25519_line("backup@host")
    );
    let file = format!("{plain}\n{restricted}\n");

    let preview = server
        .post(
            "/key-pairs/import",
            json!({"authorized_keys": file, "dry_run": true}),
        )
        .await;
    let got = outcomes(&preview);
    assert_eq!((got[0].1, got[1].1), (New, New));
    assert_eq!(
        results(&preview)[1].dropped_options.as_deref(),
        Some("from=\"10.0.0.1\",command=\"/usr/bin/backup\"")
    );

    let r = server
        .post("/key-pairs/import", json!({"authorized_keys": file}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let done = outcomes(&r);
    assert_eq!((done[0].1, done[1].1), (Created, Skipped));
    let results_now = results(&r);
    assert_eq!(
        results_now[1].message.as_deref(),
        Some("not selected: it has options, which Keyrack would drop")
    );
    let plain_id = results_now[0].id.clone().expect("id");

    let r = server
        .post(
            "/key-pairs/import",
            json!({"authorized_keys": file, "lines": [2]}),
        )
        .await;
    assert_eq!(outcomes(&r)[1].1, Created, "{}", r.text);
    let restricted_id = results(&r)[1].id.clone().expect("id");

    let r = server
        .post(
            "/key-pairs/batch-delete",
            json!({"ids": [plain_id, restricted_id, "skey-nothere0"]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = server.get("/key-pairs/export.csv?q=backup&sort=name").await;
    assert_eq!(r.status, 200, "{}", r.text);

    let log = server.get("/audit?limit=10").await;
    let entries = log.ok::<List<AuditEntry>>().items;
    let entry = |action: &str| -> &AuditEntry {
        entries
            .iter()
            .find(|e| e.action == action)
            .unwrap_or_else(|| panic!("no {action} in {}", log.text))
    };
    let export = entry("GET /api/v1/key-pairs/export.csv");
    assert_eq!(export.detail.as_deref(), Some("q=backup&sort=name"));
    assert_eq!(export.status, 200);
    let deleted = entry("POST /api/v1/key-pairs/batch-delete");
    assert_eq!(deleted.targets, [plain_id.clone(), restricted_id.clone()]);
    let imports: Vec<&AuditEntry> = entries
        .iter()
        .filter(|e| e.action == "POST /api/v1/key-pairs/import")
        .collect();
    // Newest first: the chosen line, the import of every plain line, the dry run.
    assert_eq!(imports.len(), 3, "{}", log.text);
    assert_eq!(imports[0].targets, [restricted_id]);
    assert_eq!(imports[1].targets, [plain_id]);
    assert!(imports[2].targets.is_empty(), "a dry run touches nothing");
}
