//! Browser tests of the console's components: mounted into a fresh element, driven with
//! real DOM events, checked on the text a user sees.
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used)]

mod common;

use keyrack::key_pairs::batch_delete::{
    delete_in_chunks, BatchDeleteOutcome, BatchDeleteResults, DELETE_CHUNK,
};
use keyrack::key_pairs::create_key::CreateKeyForm;
use keyrack::key_pairs::create_pair_fields::GenerateKeyPair;
use keyrack::key_pairs::delete_key::DeleteKeyForm;
use keyrack::key_pairs::import_keys::ImportKeysForm;
use keyrack::key_pairs::modify_key::ModifyKeyForm;
use keyrack::pages::tokens::create_token::{CreateTokenForm, TokenCreated};
use keyrack::widgets::batch::BatchProgress;
use keyrack::widgets::dialog::Dialog;
use keyrack::widgets::tag_editor::{TagEditor, TagRows};
use keyrack_api::{
    ApiError, BatchDeleteResponse, BatchDeleteResult, CreateKeyPair, CreateToken, DeleteOutcome,
    ErrorCode, ImportName, ImportOutcome, ImportRequest, ImportResponse, ImportResult, KeyPair,
    KeyType, Origin, Policy, PrivateKeyFormat, Tag, Timestamp, TokenRole, UpdateKeyPair,
};
use leptos::prelude::*;
use leptos::task::tick;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{HtmlElement, HtmlInputElement, HtmlOptionElement, HtmlSelectElement};

use common::dom::{
    assert_shows, button, find, find_all, fire, form_request, mount, press, sleep, text, type_into,
};

wasm_bindgen_test_configure!(run_in_browser);

const ED25519: &str = include_str!("fixtures/ed25519.pub");
const ED25519_SHA256: &str = include_str!("fixtures/ed25519.sha256");
const DSA: &str = include_str!("fixtures/dsa.pub");
const RSA1024: &str = include_str!("fixtures/rsa1024.pub");
const RSA2048: &str = include_str!("fixtures/rsa2048.pub");
const PRIVATE_KEY: &str = include_str!("fixtures/rsa2048.key");

// ---- helpers ------------------------------------------------------------------------

/// A time written in a test, in the stored form.
fn at(text: &str) -> Timestamp {
    Timestamp::parse("at", text).expect("an RFC 3339 time")
}

fn sample_key() -> KeyPair {
    KeyPair {
        id: "skey-ab12cd34".into(),
        name: "web-prod".into(),
        description: "deploy key".into(),
        public_key: ED25519
            .split_whitespace()
            .take(2)
            .collect::<Vec<_>>()
            .join(" "),
        comment: "alice@example.com".into(),
        algorithm: keyrack_api::KeyAlgorithm::Ed25519,
        bits: 256,
        fingerprint_sha256: ED25519_SHA256.trim().into(),
        fingerprint_md5: "MD5:00".into(),
        origin: Origin::Imported,
        tags: vec![Tag::new("env", "prod")],
        instance_ids: vec![],
        image_ids: vec![],
        created_at: at("2026-11-28T01:00:00Z"),
        updated_at: at("2026-11-28T01:00:00Z"),
        version: 3,
        expires_at: None,
        allowed_by_policy: true,
        last_login: None,
    }
}

/// A Create form whose submissions land in the returned signal.
async fn mount_create_form(
    server_error: Option<ApiError>,
) -> (HtmlElement, RwSignal<Option<CreateKeyPair>>) {
    let submitted = RwSignal::new(None);
    let root = mount(move || {
        view! {
            <CreateKeyForm
                request=form_request(false, server_error)
                on_submit=move |req| submitted.set(Some(req))
                on_cancel=|()| {}
            />
        }
    });
    tick().await;
    (root, submitted)
}

/// Types a name and a public key into the Create form, as a user pastes them.
async fn enter_key(root: &HtmlElement, name: &str, public_key: &str) {
    type_into(&find(root, "#key-name"), name);
    type_into(&find(root, "#public-key"), public_key);
    tick().await;
}

// ---- Create an SSH key ---------------------------------------------------------------

#[wasm_bindgen_test]
async fn create_form_offers_both_methods_and_selects_import() {
    let (root, _) = mount_create_form(None).await;
    let page = text(&root);
    assert!(page.contains("Creation Method"), "{page}");
    assert!(page.contains("Create a key pair"));
    assert!(page.contains("Use an existing public key"));
    assert!(page.contains("Key Name"));
    assert!(page.contains("Tag (Optional)"));
    let radios = find_all(&root, "input[type=radio]");
    let create: &HtmlInputElement = radios[0].unchecked_ref();
    let import: &HtmlInputElement = radios[1].unchecked_ref();
    assert!(create.disabled(), "generation is not available yet");
    assert!(import.checked());
}

#[wasm_bindgen_test]
async fn create_form_explains_a_bad_name_once_touched() {
    let (root, submitted) = mount_create_form(None).await;
    assert!(
        !text(&root).contains("is not allowed"),
        "no message before the field is touched"
    );
    type_into(&find(&root, "#key-name"), "bad name");
    tick().await;
    let page = text(&root);
    assert!(
        page.contains("U+0020 is not allowed; use letters A–Z, digits and _ . @ -"),
        "{page}"
    );
    type_into(&find(&root, "#key-name"), "-lead");
    tick().await;
    assert!(text(&root).contains("The name must start with a letter or a digit"));
    press(&root, "OK").await;
    assert!(
        submitted.get_untracked().is_none(),
        "an invalid form is not submitted"
    );
}

#[wasm_bindgen_test]
async fn create_form_explains_a_bad_tag() {
    let (root, _) = mount_create_form(None).await;
    press(&root, "+ Add tag").await;
    type_into(&find(&root, "input[aria-label='Tag key']"), "keyrack:owner");
    tick().await;
    assert_shows(&root, "Tag keys starting with \"keyrack:\" are reserved");
    type_into(&find(&root, "input[aria-label='Tag key']"), "team;x");
    tick().await;
    assert_shows(&root, "';' is not allowed in a tag key");
}

#[wasm_bindgen_test]
async fn create_form_shows_every_message_on_submit() {
    let (root, submitted) = mount_create_form(None).await;
    press(&root, "OK").await;
    let page = text(&root);
    assert!(page.contains("The name is required"), "{page}");
    assert!(page.contains("No public key was given"), "{page}");
    assert!(submitted.get_untracked().is_none());
}

#[wasm_bindgen_test]
async fn create_form_previews_an_ed25519_key_and_submits_it() {
    let (root, submitted) = mount_create_form(None).await;
    type_into(&find(&root, "#public-key"), ED25519);
    type_into(&find(&root, "#key-name"), "alice-laptop");
    press(&root, "+ Add tag").await;
    type_into(&find(&root, "input[aria-label='Tag key']"), "env");
    type_into(&find(&root, "input[aria-label='Tag value']"), "prod");
    tick().await;
    let page = text(&root);
    assert!(
        page.contains(ED25519_SHA256.trim()),
        "fingerprint shown: {page}"
    );
    assert!(page.contains("Ed25519"));
    assert!(page.contains("alice@example.com"));
    press(&root, "OK").await;
    let req = submitted.get_untracked().expect("submitted");
    assert_eq!(req.name, "alice-laptop");
    assert_eq!(req.public_key, ED25519.trim());
    assert_eq!(req.tags, vec![Tag::new("env", "prod")]);
    assert_eq!(req.origin, Origin::Imported);
}

#[wasm_bindgen_test]
async fn create_form_refuses_dsa_with_the_exact_reason() {
    let (root, submitted) = mount_create_form(None).await;
    enter_key(&root, "old-dsa", DSA).await;
    assert_shows(&root, "DSA keys (ssh-dss) are not accepted: they are weak and OpenSSH disabled them; use Ed25519, ECDSA or RSA of at least 2048 bits");
    press(&root, "OK").await;
    assert!(submitted.get_untracked().is_none());
}

#[wasm_bindgen_test]
async fn create_form_refuses_short_rsa() {
    let (root, _) = mount_create_form(None).await;
    type_into(&find(&root, "#public-key"), RSA1024);
    tick().await;
    assert_shows(
        &root,
        "This RSA key has 1024 bits; at least 2048 are required",
    );
}

#[wasm_bindgen_test]
async fn create_form_refuses_a_private_key_without_echoing_it() {
    let (root, submitted) = mount_create_form(None).await;
    enter_key(&root, "oops", PRIVATE_KEY).await;
    assert_shows(&root, "This is a private key, not a public key");
    press(&root, "OK").await;
    assert!(submitted.get_untracked().is_none());
    // No line of the key's body may appear in the document (text or attributes).
    let html = document().document_element().unwrap().outer_html();
    for line in PRIVATE_KEY.lines().filter(|l| !l.starts_with("-----")) {
        assert!(
            !html.contains(line),
            "private key material rendered in the DOM"
        );
    }
}

#[wasm_bindgen_test]
async fn create_form_shows_server_refusals_in_the_form() {
    let duplicate = ApiError::new(ErrorCode::name_duplicate("web"), "name taken");
    let (root, _) = mount_create_form(Some(duplicate)).await;
    assert!(text(&root).contains("Another key pair already has this name"));
    let dup_key = ApiError::new(
        ErrorCode::public_key_duplicate("skey-00000001", "laptop"),
        "dup",
    );
    let (root, _) = mount_create_form(Some(dup_key)).await;
    assert_shows(&root, "already registered as laptop (skey-00000001)");
}

// ---- Create a key pair -------------------------------------------------------------------

/// A Create form that can generate; "Create a key pair" requests land in the signal.
fn mount_generate_form() -> (
    HtmlElement,
    StoredValue<Option<GenerateKeyPair>, LocalStorage>,
) {
    let asked = StoredValue::new_local(None);
    let root = mount(move || {
        view! {
            <CreateKeyForm
                request=form_request(false, None)
                on_submit=|_| {}
                on_generate=move |g| asked.set_value(Some(g))
                progress=Some("Generating…".to_owned())
                on_cancel=|()| {}
            />
        }
    });
    (root, asked)
}

fn choose(root: &HtmlElement, selector: &str, value: &str) {
    let select: HtmlSelectElement = find(root, selector).unchecked_into();
    select.set_value(value);
    fire(&select, "change");
}

#[wasm_bindgen_test]
async fn create_pair_is_the_default_with_its_fields_and_a_progress_line() {
    let (root, _) = mount_generate_form();
    tick().await;
    let page = text(&root);
    for label in [
        "Key type",
        "Passphrase",
        "Confirm passphrase",
        "Private key format",
    ] {
        assert!(page.contains(label), "{label} missing: {page}");
    }
    assert!(page.contains("Generating…"), "{page}");
    let create: HtmlInputElement = find_all(&root, "input[type=radio]")[0]
        .clone()
        .unchecked_into();
    assert!(create.checked() && !create.disabled());
    let key_type: HtmlSelectElement = find(&root, "#key-type").unchecked_into();
    assert_eq!(key_type.value(), "ed25519");
    assert_eq!(key_type.length(), KeyType::ALL.len() as u32);
    let format: HtmlSelectElement = find(&root, "#key-format").unchecked_into();
    assert_eq!(format.value(), "openssh");
    for id in ["#key-passphrase", "#key-passphrase-confirm"] {
        let input: HtmlInputElement = find(&root, id).unchecked_into();
        assert_eq!(input.type_(), "password");
    }
}

#[wasm_bindgen_test]
async fn create_pair_offers_pem_except_for_ed25519_and_says_why() {
    let (root, _) = mount_generate_form();
    tick().await;
    let pem: HtmlOptionElement = find(&root, "#key-format option[value=pem]").unchecked_into();
    assert!(pem.disabled());
    let reason = KeyType::Ed25519.no_pem_reason().unwrap();
    assert_shows(&root, reason);
    choose(&root, "#key-type", "rsa4096");
    tick().await;
    assert!(!pem.disabled());
    assert!(!text(&root).contains(reason));
    choose(&root, "#key-format", "pem");
    tick().await;
    // Back to Ed25519: PEM falls back to OpenSSH.
    choose(&root, "#key-type", "ed25519");
    tick().await;
    let format: HtmlSelectElement = find(&root, "#key-format").unchecked_into();
    assert_eq!(format.value(), "openssh");
}

#[wasm_bindgen_test]
async fn create_pair_refuses_different_passphrases_and_sends_a_valid_request() {
    let (root, asked) = mount_generate_form();
    tick().await;
    type_into(&find(&root, "#key-name"), "web-1");
    type_into(&find(&root, "#key-passphrase"), "one pass");
    type_into(&find(&root, "#key-passphrase-confirm"), "other");
    tick().await;
    assert!(text(&root).contains("The passphrases do not match."));
    press(&root, "OK").await;
    assert!(asked.with_value(Option::is_none), "nothing generated");
    type_into(&find(&root, "#key-passphrase-confirm"), "one pass");
    choose(&root, "#key-type", "ecdsa_p384");
    choose(&root, "#key-format", "ppk");
    tick().await;
    assert!(!text(&root).contains("The passphrases do not match."));
    press(&root, "OK").await;
    let GenerateKeyPair { key_pair, keygen } = asked
        .try_update_value(Option::take)
        .flatten()
        .expect("asked to generate");
    assert_eq!(key_pair.name, "web-1");
    assert_eq!(key_pair.origin, Origin::Generated);
    assert!(key_pair.public_key.is_empty());
    assert_eq!(keygen.key_type, KeyType::EcdsaP384);
    assert_eq!(keygen.format, PrivateKeyFormat::Ppk);
    assert_eq!(keygen.passphrase, "one pass");
    assert_eq!(keygen.comment, "web-1", "the comment is the key name");
}

// ---- Modify, tags, delete --------------------------------------------------------------

/// A Modify form of `key` (under `policy`), rendered; the change it sends lands in the
/// returned signal.
async fn mount_modify_form(
    key: KeyPair,
    policy: Option<Policy>,
) -> (HtmlElement, RwSignal<Option<UpdateKeyPair>>) {
    let sent = RwSignal::new(None);
    let root = mount(move || {
        view! {
            <ModifyKeyForm
                key=Signal::stored(key)
                policy=policy
                request=form_request(false, None)
                on_submit=move |c| sent.set(Some(c))
                on_cancel=|()| {}
            />
        }
    });
    tick().await;
    (root, sent)
}

#[wasm_bindgen_test]
async fn modify_form_validates_and_sends_only_changes() {
    let (root, sent) = mount_modify_form(sample_key(), None).await;
    let name: HtmlInputElement = find(&root, "#key-name").unchecked_into();
    assert_eq!(name.value(), "web-prod");
    type_into(&name, "");
    tick().await;
    assert_shows(&root, "The name is required");
    type_into(&name, "x".repeat(65).as_str());
    tick().await;
    assert!(text(&root).contains("The name has 65 characters; at most 64 are allowed"));
    type_into(&find(&root, "#key-description"), "bad\u{202E}txt");
    tick().await;
    assert!(text(&root).contains("Bidirectional control characters such as U+202E are not allowed"));
    press(&root, "OK").await;
    assert!(sent.get_untracked().is_none());

    type_into(&name, "web-prod-2");
    type_into(&find(&root, "#key-description"), "deploy key");
    press(&root, "OK").await;
    assert_eq!(
        sent.get_untracked(),
        Some(UpdateKeyPair {
            name: Some("web-prod-2".into()),
            description: None,
            expires_at: None,
        })
    );
}

// ---- Expires (issue #13) -----------------------------------------------------------------

/// Days from now to an RFC 3339 time, as the browser reads it.
fn days_from_now(at: &str) -> f64 {
    (js_sys::Date::parse(at) - js_sys::Date::now()) / 86_400_000.0
}

#[wasm_bindgen_test]
async fn create_form_sends_the_expiry_preset_and_refuses_a_missing_or_past_date() {
    let (root, submitted) = mount_create_form(None).await;
    type_into(&find(&root, "#public-key"), ED25519);
    type_into(&find(&root, "#key-name"), "alice-laptop");
    let expiry: HtmlSelectElement = find(&root, "#key-expiry").unchecked_into();
    assert_eq!(
        expiry.value(),
        "never",
        "a new key never expires unless chosen"
    );
    let date: HtmlInputElement = find(&root, "#key-expiry-date").unchecked_into();
    assert!(date.hidden(), "the date input only for \"On a date\"");

    choose(&root, "#key-expiry", "date");
    tick().await;
    assert!(!date.hidden());
    press(&root, "OK").await;
    assert!(submitted.get_untracked().is_none());
    assert_shows(&root, "Pick the date the key expires");
    type_into(&date, "2020-01-31");
    tick().await;
    assert_shows(&root, "The expiry 2020-01-31T00:00:00.000Z has passed");
    press(&root, "OK").await;
    assert!(
        submitted.get_untracked().is_none(),
        "a past date is not sent"
    );

    choose(&root, "#key-expiry", "90");
    tick().await;
    assert!(!text(&root).contains("has passed"));
    press(&root, "OK").await;
    let req = submitted.get_untracked().expect("submitted");
    let at = req.expires_at.expect("an expiry");
    let days = days_from_now(&at);
    assert!((89.99..=90.0).contains(&days), "{at} is {days} days away");
}

#[wasm_bindgen_test]
async fn modify_form_keeps_changes_or_clears_the_expiry() {
    let key = KeyPair {
        expires_at: Some(at("2031-05-01T00:00:00.000Z")),
        ..sample_key()
    };
    let (root, sent) = mount_modify_form(key, None).await;
    let expiry: HtmlSelectElement = find(&root, "#key-expiry").unchecked_into();
    assert_eq!(expiry.value(), "keep");
    assert_shows(&root, "Keep 2031-05-01 00:00 UTC");

    // A past date is allowed here: it retires the key at once.
    choose(&root, "#key-expiry", "date");
    type_into(&find(&root, "#key-expiry-date"), "2020-01-31");
    press(&root, "OK").await;
    assert_eq!(
        sent.get_untracked().and_then(|c| c.expires_at),
        Some(Some("2020-01-31T00:00:00.000Z".into()))
    );

    choose(&root, "#key-expiry", "never");
    press(&root, "OK").await;
    assert_eq!(
        sent.get_untracked(),
        Some(UpdateKeyPair {
            expires_at: Some(None),
            ..UpdateKeyPair::default()
        })
    );
}

fn strict_policy() -> Policy {
    Policy {
        allowed_algorithms: vec!["ssh-ed25519".into(), "ssh-rsa".into()],
        min_rsa_bits: 3072,
        max_lifetime_days: Some(60),
        enforce_on_login: false,
    }
}

#[wasm_bindgen_test]
async fn create_form_follows_the_key_policy() {
    let submitted = RwSignal::new(None::<CreateKeyPair>);
    let policy = RwSignal::new(None::<Policy>);
    let root = mount(move || {
        view! {
            <CreateKeyForm
                policy=policy
                request=form_request(false, None)
                on_submit=move |req| submitted.set(Some(req))
                on_cancel=|()| {}
            />
        }
    });
    tick().await;
    let expiry: HtmlSelectElement = find(&root, "#key-expiry").unchecked_into();
    assert_eq!(expiry.value(), "never");
    // The policy arrives after the dialog opened: the expiry moves to its maximum.
    policy.set(Some(strict_policy()));
    tick().await;
    assert_eq!(
        expiry.value(),
        "60",
        "a new key starts at the policy's maximum"
    );
    let option = |value: &str| -> HtmlOptionElement {
        find(&root, &format!("#key-expiry option[value='{value}']")).unchecked_into()
    };
    assert_eq!(option("60").text(), "60 days (policy maximum)");
    assert!(!option("30").disabled());
    assert!(option("90").disabled() && option("365").disabled() && option("never").disabled());

    // A short RSA key is refused before anything is sent, with the policy's words.
    enter_key(&root, "old-rsa", RSA2048).await;
    assert!(
        text(&root)
            .contains("The key policy requires RSA keys of at least 3072 bits; this one has 2048"),
        "{}",
        text(&root)
    );
    press(&root, "OK").await;
    assert!(submitted.get_untracked().is_none());

    // A date past the lifetime is refused too; the maximum is sent.
    type_into(&find(&root, "#public-key"), ED25519);
    choose(&root, "#key-expiry", "date");
    type_into(&find(&root, "#key-expiry-date"), "2099-01-01");
    press(&root, "OK").await;
    assert!(submitted.get_untracked().is_none());
    assert_shows(&root, "The key policy allows keys to live at most 60 days");
    choose(&root, "#key-expiry", "60");
    press(&root, "OK").await;
    let req = submitted.get_untracked().expect("submitted");
    let days = days_from_now(&req.expires_at.expect("an expiry"));
    assert!((59.99..=60.0).contains(&days), "{days} days away");
}

#[wasm_bindgen_test]
async fn modify_form_keeps_a_key_without_expiry_but_changes_fit_the_policy() {
    let (root, sent) = mount_modify_form(sample_key(), Some(strict_policy())).await;
    let expiry: HtmlSelectElement = find(&root, "#key-expiry").unchecked_into();
    assert_eq!(
        expiry.value(),
        "never",
        "Modify does not choose an expiry for the user"
    );
    type_into(&find(&root, "#key-name"), "renamed");
    press(&root, "OK").await;
    assert_eq!(
        sent.get_untracked().map(|c| (c.name, c.expires_at)),
        Some((Some("renamed".into()), None)),
        "a rename leaves the expiry alone"
    );
    choose(&root, "#key-expiry", "date");
    type_into(&find(&root, "#key-expiry-date"), "2099-01-01");
    sent.set(None);
    press(&root, "OK").await;
    assert!(sent.get_untracked().is_none(), "{}", text(&root));
    assert_shows(&root, "at most 60 days");
}

fn import_result(line: u32, outcome: ImportOutcome, name: Option<&str>) -> ImportResult {
    ImportResult {
        name: name.map(str::to_owned),
        ..ImportResult::bare(line, outcome)
    }
}

#[wasm_bindgen_test]
async fn import_form_previews_each_line_and_imports_the_selected_ones() {
    let sent = RwSignal::new(Vec::<ImportRequest>::new());
    let results = RwSignal::new(None::<ImportResponse>);
    let file = format!(
        "# team\n{ED25519}\n{ED25519}\nfrom=\"10.0.0.1\" {}\n{DSA}\n",
        RSA2048.trim()
    );
    let initial = file.clone();
    let root = mount(move || {
        view! {
            <ImportKeysForm
                initial
                request=form_request(false, None)
                results=results
                on_submit=move |r| sent.update(|s| s.push(r))
                on_cancel=|()| {}
            />
        }
    });
    tick().await;
    press(&root, "Preview").await;
    let preview = sent.get_untracked().pop().expect("a preview was asked");
    assert!(preview.dry_run && preview.lines.is_none() && preview.authorized_keys == file);

    // The server's answer, as a dry run gives it.
    let mut options_line = import_result(4, ImportOutcome::New, Some("pasted@example.com"));
    options_line.dropped_options = Some("from=\"10.0.0.1\"".into());
    let mut duplicate = import_result(3, ImportOutcome::Duplicate, Some("alice@example.com"));
    duplicate.message = Some("the same key as line 2".into());
    let mut refused = import_result(5, ImportOutcome::Refused, None);
    refused.code = Some(keyrack_api::ImportCode::Key(keyrack_api::KeyRefusal::Dsa));
    refused.message = Some("DSA keys (ssh-dss) are not accepted".into());
    results.set(Some(ImportResponse {
        results: vec![
            import_result(1, ImportOutcome::Skipped, None),
            import_result(2, ImportOutcome::New, Some("alice@example.com")),
            duplicate,
            options_line,
            refused,
        ],
    }));
    tick().await;
    let page = text(&root);
    for needle in [
        "2 new, 1 duplicate, 1 refused, 1 skipped",
        "the same key as line 2",
        "not selected: imported, it would lose its options and log in without these \
         restrictions: from=\"10.0.0.1\"",
        "DSA keys (ssh-dss) are not accepted",
    ] {
        assert!(page.contains(needle), "{needle}: {page}");
    }
    // A line with options would lose its restrictions: not ticked until someone chooses it.
    let ticked = |line: u32| {
        find(&root, &format!("input[aria-label='Import line {line}']"))
            .unchecked_into::<HtmlInputElement>()
    };
    assert!(ticked(2).checked() && !ticked(4).checked());
    assert_eq!(
        button(&root, "Import 1 selected").text_content().unwrap(),
        "Import 1 selected"
    );

    // Untick line 2, tick and rename line 4, import.
    ticked(2).click();
    ticked(4).click();
    type_into(
        &find(&root, "input[aria-label='Name for line 4']"),
        "ops-rsa",
    );
    tick().await;
    press(&root, "Import 1 selected").await;
    let import = sent.get_untracked().pop().expect("the import was asked");
    assert!(!import.dry_run);
    assert_eq!(import.lines, Some(vec![4]));
    assert_eq!(
        import.names,
        vec![ImportName {
            line: 4,
            name: "ops-rsa".into()
        }]
    );
}

#[wasm_bindgen_test]
async fn create_form_offers_to_import_several_pasted_keys() {
    let bulk = RwSignal::new(None::<String>);
    let root = mount(move || {
        view! {
            <CreateKeyForm
                request=form_request(false, None)
                on_submit=|_| {}
                on_cancel=|()| {}
                on_bulk=move |t| bulk.set(Some(t))
            />
        }
    });
    tick().await;
    let two = format!("{ED25519}\n{}", RSA2048.trim());
    type_into(&find(&root, "#public-key"), &two);
    tick().await;
    press(&root, "Import as an authorized_keys file").await;
    assert_eq!(bulk.get_untracked(), Some(two));
}

#[wasm_bindgen_test]
async fn tag_editor_reports_duplicates_and_reserved_keys() {
    let rows = TagRows::new(&[Tag::new("env", "a"), Tag::new("env", "b")]);
    let root = mount(move || view! { <TagEditor rows show_all=Signal::stored(true) /> });
    tick().await;
    assert_shows(&root, "The tag key \"env\" is used twice");
    // The message sits on the second row, the one that repeats the key.
    let row_errors = find_all(&root, ".tag-row-error");
    assert!(row_errors[0].has_attribute("hidden"));
    assert!(!row_errors[1].has_attribute("hidden"));

    let keys = find_all(&root, "input[aria-label='Tag key']");
    type_into(&keys[1], "KeyRack:owner");
    tick().await;
    assert!(text(&root).contains("Tag keys starting with \"keyrack:\" are reserved"));
    button(&root, "×").click(); // removes the first row
    tick().await;
    assert_eq!(find_all(&root, ".tag-row").len(), 1);
    assert_eq!(
        untrack(|| rows.tags()),
        vec![Tag::new("KeyRack:owner", "b")]
    );
}

#[wasm_bindgen_test]
async fn delete_form_refuses_a_bound_key() {
    let mut key = sample_key();
    key.instance_ids = vec!["ins-aaaa1111".into()];
    key.image_ids = vec!["img-bbbb2222".into()];
    let root = mount(move || {
        view! {
            <DeleteKeyForm
                key
                request=form_request(false, None)
                on_confirm=|()| {}
                on_cancel=|()| {}
            />
        }
    });
    tick().await;
    let page = text(&root);
    assert!(page.contains("web-prod"), "{page}");
    assert!(page.contains("bound to instances ins-aaaa1111"));
    assert!(page.contains("carried by custom images img-bbbb2222"));
    assert!(button(&root, "OK").disabled());
}

#[wasm_bindgen_test]
async fn batch_delete_results_count_and_explain() {
    let response = BatchDeleteResponse {
        results: vec![
            BatchDeleteResult {
                id: "skey-00000001".into(),
                name: Some("old".into()),
                outcome: DeleteOutcome::Deleted,
                instance_ids: vec![],
                image_ids: vec![],
            },
            BatchDeleteResult {
                id: "skey-00000002".into(),
                name: Some("web".into()),
                outcome: DeleteOutcome::InUse,
                instance_ids: vec!["ins-aaaa1111".into(), "ins-cccc3333".into()],
                image_ids: vec![],
            },
            BatchDeleteResult {
                id: "skey-00000003".into(),
                name: Some("golden".into()),
                outcome: DeleteOutcome::ReferencedByImage,
                instance_ids: vec![],
                image_ids: vec!["img-bbbb2222".into()],
            },
        ],
    };
    let outcome = BatchDeleteOutcome {
        results: response.results,
        not_attempted: 0,
        error: None,
    };
    let root = mount(move || view! { <BatchDeleteResults outcome on_close=|()| {} /> });
    tick().await;
    let page = text(&root);
    assert!(page.contains("Deleted 1 of 3"), "{page}");
    assert!(!page.contains("not deleted"), "{page}");
    assert!(
        page.contains("web (skey-00000002): bound to instances ins-aaaa1111, ins-cccc3333"),
        "{page}"
    );
    assert!(
        page.contains("golden (skey-00000003): carried by custom images img-bbbb2222"),
        "{page}"
    );
    assert!(
        !page.contains("old (skey-00000001)"),
        "deleted keys are not listed as left"
    );
}

#[wasm_bindgen_test]
async fn dialog_opens_modal_and_reports_closing() {
    let closed = RwSignal::new(false);
    let root = mount(move || {
        view! { <Dialog title="Modify" on_close=move |()| closed.set(true)><p>"body"</p></Dialog> }
    });
    tick().await;
    let dialog: web_sys::HtmlDialogElement = find(&root, "dialog").unchecked_into();
    assert!(dialog.open(), "shown as a modal");
    assert!(text(&root).contains("Modify"));
    button(&root, "×").click();
    // The `close` event is queued as a task, so wait a little longer than one tick.
    sleep(50).await;
    assert!(closed.get_untracked());
}

#[wasm_bindgen_test]
async fn token_form_defaults_to_viewer_and_names_the_rule_it_breaks() {
    let sent = RwSignal::new(None::<CreateToken>);
    let root = mount(move || {
        view! {
            <CreateTokenForm
                request=form_request(false, None)
                on_submit=move |c| sent.set(Some(c))
                on_cancel=move |()| {}
            />
        }
    });
    tick().await;
    press(&root, "OK").await;
    assert_shows(&root, "A token needs a name");
    assert!(sent.get_untracked().is_none());

    let name = find(&root, "#token-name");
    type_into(&name, &"x".repeat(65));
    press(&root, "OK").await;
    assert_shows(&root, "at most 64 characters");
    assert!(sent.get_untracked().is_none());

    type_into(&name, "  ci reader ");
    press(&root, "OK").await;
    assert_eq!(
        sent.get_untracked(),
        Some(CreateToken {
            name: "ci reader".into(),
            role: TokenRole::Viewer
        })
    );

    let role: HtmlSelectElement = find(&root, "#token-role").unchecked_into();
    role.set_value("admin");
    fire(&role, "change");
    press(&root, "OK").await;
    assert_eq!(sent.get_untracked().map(|c| c.role), Some(TokenRole::Admin));
}

#[wasm_bindgen_test]
async fn a_new_token_is_shown_once_with_a_warning_and_a_copy_button() {
    let root = mount(move || {
        view! { <TokenCreated token="kr_secret_value".to_owned() name="ci".to_owned() on_close=move |()| {} /> }
    });
    tick().await;
    let field: HtmlInputElement = find(&root, "#new-token").unchecked_into();
    assert_eq!(field.value(), "kr_secret_value");
    assert!(field.read_only());
    assert_shows(&root, "cannot show it again");
    find(&root, "button[aria-label='Copy token']");
}

/// `ids` as the server answers a batch delete that deletes every one.
fn all_deleted(ids: &[String]) -> BatchDeleteResponse {
    BatchDeleteResponse {
        results: ids
            .iter()
            .map(|id| BatchDeleteResult {
                id: id.clone(),
                name: None,
                outcome: DeleteOutcome::Deleted,
                instance_ids: vec![],
                image_ids: vec![],
            })
            .collect(),
    }
}

fn deleted(results: &[BatchDeleteResult]) -> usize {
    results
        .iter()
        .filter(|r| r.outcome == DeleteOutcome::Deleted)
        .count()
}

fn key_ids(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("skey-{i:08}")).collect()
}

#[wasm_bindgen_test]
async fn a_long_batch_delete_goes_in_chunks_and_reports_progress() {
    let sent = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
    let progress = RwSignal::new(None);
    let stop = RwSignal::new(false);
    let log = sent.clone();
    let send = move |chunk: Vec<String>| {
        log.borrow_mut().push(chunk.len());
        let answer = all_deleted(&chunk);
        async move { Ok(answer) }
    };
    let done = delete_in_chunks(key_ids(45), send, progress, stop)
        .await
        .unwrap();
    assert_eq!(*sent.borrow(), vec![DELETE_CHUNK, DELETE_CHUNK, 5]);
    assert_eq!(deleted(&done.results), 45);
    assert_eq!(done.not_attempted, 0);
    // The bar showed while requests remained.
    assert_eq!(
        progress.get_untracked(),
        Some(BatchProgress {
            done: 40,
            total: 45
        })
    );
}

#[wasm_bindgen_test]
async fn stop_ends_a_batch_delete_after_the_request_in_flight_and_says_what_is_left() {
    let progress = RwSignal::new(None);
    let stop = RwSignal::new(false);
    // Stop is pressed while the first request is under way.
    let send = move |chunk: Vec<String>| {
        stop.set(true);
        let answer = all_deleted(&chunk);
        async move { Ok(answer) }
    };
    let outcome = delete_in_chunks(key_ids(45), send, progress, stop)
        .await
        .unwrap();
    assert_eq!(deleted(&outcome.results), DELETE_CHUNK);
    assert_eq!(outcome.not_attempted, 45 - DELETE_CHUNK);
    let root = mount(move || view! { <BatchDeleteResults outcome on_close=|()| {} /> });
    tick().await;
    let page = text(&root);
    assert!(page.contains("Deleted 20 of 45"), "{page}");
    assert!(
        page.contains("Stopped. 25 selected keys were not deleted."),
        "{page}"
    );
}

#[wasm_bindgen_test]
async fn a_refusal_part_way_keeps_what_was_deleted_and_names_the_refusal() {
    let progress = RwSignal::new(None);
    let stop = RwSignal::new(false);
    let calls = std::rc::Rc::new(std::cell::Cell::new(0));
    let counter = calls.clone();
    let send = move |chunk: Vec<String>| {
        counter.set(counter.get() + 1);
        let answer = if counter.get() == 1 {
            Ok(all_deleted(&chunk))
        } else {
            Err(ApiError::new(
                ErrorCode::RateLimited {
                    retry_after_secs: 1,
                },
                "slow down",
            ))
        };
        async move { answer }
    };
    let outcome = delete_in_chunks(key_ids(45), send, progress, stop)
        .await
        .unwrap();
    assert_eq!(calls.get(), 2, "no request after the refusal");
    assert_eq!(outcome.not_attempted, 25);
    let root = mount(move || view! { <BatchDeleteResults outcome on_close=|()| {} /> });
    tick().await;
    let page = text(&root);
    assert!(page.contains("Deleted 20 of 45"), "{page}");
    assert!(page.contains("Too many requests"), "{page}");
    assert!(
        page.contains("25 more have no answer: refresh to see where they stand."),
        "{page}"
    );

    // A refusal of the first request changes nothing: the form shows it.
    let refused = delete_in_chunks(
        key_ids(45),
        |_chunk: Vec<String>| async {
            Err::<BatchDeleteResponse, _>(ApiError::new(ErrorCode::Forbidden, ""))
        },
        RwSignal::new(None),
        RwSignal::new(false),
    )
    .await;
    assert!(refused.is_err());
}

#[wasm_bindgen_test]
fn messages_fill_their_values_and_count_in_english_plurals() {
    use keyrack::i18n::msg;
    // English is compiled in: a page that never chose Chinese speaks it.
    assert_eq!(keyrack::i18n::language(), keyrack::i18n::Language::English);
    assert_eq!(
        msg::errors_public_key_duplicate("web-prod", "skey-1"),
        "This public key is already registered as web-prod (skey-1)."
    );
    // A value that looks like a placeholder is shown as given.
    assert_eq!(msg::keys_sort_by("{name}"), "Sort by {name}");
    // The number picks the English form.
    assert_eq!(msg::dialogs_imported(1), "1 SSH key imported.");
    assert_eq!(msg::dialogs_imported(0), "0 SSH keys imported.");
    assert_eq!(msg::dialogs_imported(3), "3 SSH keys imported.");
    assert_eq!(msg::keys_filter_unused(1), "Unused for 1 day");
    assert_eq!(msg::keys_filter_unused(90), "Unused for 90 days");
    assert_eq!(msg::bind_bound_summary("1", 1), "Bound to 1 of 1 instance");
    assert_eq!(
        msg::bind_bound_summary("2", 12),
        "Bound to 2 of 12 instances"
    );
}
