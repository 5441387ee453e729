//! Steps a user takes in the console, named for what the user does, so that a browser test
//! reads as its story and keeps its assertions in view. Labels are English, said in the
//! browser's language.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Instant;

use fantoccini::key::Key;
use fantoccini::Locator;
use serde_json::json;

use super::browser::{Browser, UI_TIMEOUT};

impl Browser {
    /// Opens `path` (`/keys?q=web-prod`) of the console served at `base`.
    pub async fn visit(&self, base: &str, path: &str) {
        self.client
            .goto(&format!("{base}{path}"))
            .await
            .unwrap_or_else(|e| panic!("could not open {path}: {e}"));
    }

    /// The address the tab shows now.
    pub async fn url(&self) -> String {
        self.client.current_url().await.unwrap().to_string()
    }

    /// Waits until the address contains `needle` (a client-side navigation has happened).
    pub async fn wait_url(&self, needle: &str) {
        let deadline = Instant::now() + UI_TIMEOUT;
        while !self.url().await.contains(needle) {
            assert!(
                Instant::now() < deadline,
                "the address never held {needle}: {}",
                self.url().await
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }

    /// Waits for the element at `xpath` and clicks it; `what` says what it is if it never
    /// comes.
    pub async fn click_xpath(&self, xpath: &str, what: &str) {
        self.wait_for_element(Locator::XPath(xpath), what)
            .await
            .click()
            .await
            .unwrap();
    }

    /// Follows the menu's link to the page `label` (SSH Key, Instances, Policy, …).
    pub async fn open_page(&self, label: &str) {
        let label = self.words.say(label);
        let xpath = format!("//nav//a[normalize-space()='{label}']");
        self.click_xpath(&xpath, &format!("{label} in the menu"))
            .await;
    }

    /// Opens the details page of the key `name` through the link in its row of the list.
    pub async fn open_key_details(&self, name: &str) {
        let xpath = format!("{}//a", Self::row(name));
        self.click_xpath(&xpath, &format!("link in the row of {name}"))
            .await;
    }

    /// Clicks `label` in the row's More menu of `name`.
    pub async fn click_in_more(&self, name: &str, label: &str) {
        self.click_in_row(name, "More").await;
        self.click_in_row(name, label).await;
    }

    /// Presses `label` in the open dialog and waits until the dialog has closed.
    pub async fn close_dialog_with(&self, label: &str) {
        self.click_in_dialog(label).await;
        self.wait_gone("dialog[open]").await;
    }

    /// Waits for what matches `css` and clicks it.
    pub async fn click(&self, css: &str) {
        self.wait_for(css).await.click().await.unwrap();
    }

    /// Ticks the box that selects `name` (a key in the list, an instance in a dialog).
    pub async fn select(&self, name: &str) {
        let label = self.words.say_with("Select {name}", &[("name", name)]);
        self.click(&format!("input[aria-label='{label}']")).await;
    }

    /// Clicks the pencil that modifies the key `name`.
    pub async fn click_modify(&self, name: &str) {
        let label = self.words.say_with("Modify {name}", &[("name", name)]);
        self.click(&format!("button[aria-label='{label}']")).await;
    }

    /// Picks the option `value` of the menu matching `css`.
    pub async fn choose(&self, css: &str, value: &str) {
        self.wait_for(css)
            .await
            .select_by_value(value)
            .await
            .unwrap_or_else(|e| panic!("{css} has no option {value}: {e}"));
    }

    /// Clears the field matching `css` and types `text` into it.
    pub async fn type_into(&self, css: &str, text: &str) {
        let input = self.wait_for(css).await;
        input.clear().await.unwrap();
        input.send_keys(text).await.unwrap();
    }

    /// Types `query` into the SSH Key page's search box and presses Enter.
    pub async fn search_keys(&self, query: &str) {
        let search = "input[aria-label='Search SSH keys']";
        self.type_into(search, query).await;
        self.wait_for(search)
            .await
            .send_keys(&Key::Enter.to_string())
            .await
            .unwrap();
    }

    /// Presses New and picks how the key comes: "Create a key pair" or "Use an existing
    /// public key".
    pub async fn start_create(&self, method: &str) {
        self.find_button("New").await.click().await.unwrap();
        self.click_choice(method).await;
    }

    /// Clicks the radio button labelled `label` in the open dialog.
    pub async fn click_choice(&self, label: &str) {
        let label = self.words.say(label);
        let xpath = format!("//dialog[@open]//label[normalize-space()='{label}']/input");
        self.click_xpath(&xpath, &format!("choice {label} in the dialog"))
            .await;
    }

    /// In the open Create dialog, on "Use an existing public key": pastes `file` at once (as
    /// a paste does; typing 50 keys would take a minute), switches to importing it as an
    /// authorized_keys file and asks for the per-line preview.
    pub async fn preview_authorized_keys(&self, file: &str) {
        self.client
            .execute(
                "const t = document.querySelector('dialog[open] #public-key'); \
                 t.value = arguments[0]; t.dispatchEvent(new Event('input', {bubbles: true}));",
                vec![json!(file)],
            )
            .await
            .unwrap();
        // Below many lines of keys: scrolled to, as a user would, clear of the dialog's footer.
        self.wait_dialog_text("Import as an authorized_keys file")
            .await;
        self.client
            .execute(
                "[...document.querySelectorAll('dialog[open] button')] \
                 .find(b => b.textContent.trim() === arguments[0]) \
                 .scrollIntoView({block: 'center'});",
                vec![json!(self.words.say("Import as an authorized_keys file"))],
            )
            .await
            .unwrap();
        self.click_in_dialog("Import as an authorized_keys file")
            .await;
        self.click_in_dialog("Preview").await;
    }

    /// Clicks the toolbar's Delete, which deletes the selected keys (not a row's Delete).
    pub async fn click_batch_delete(&self) {
        let xpath = format!(
            "//main//button[normalize-space()='{}' and not(ancestor::tr)]",
            self.words.say("Delete")
        );
        self.click_xpath(&xpath, "Delete in the toolbar").await;
    }
}
