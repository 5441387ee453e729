//! Keyboard-only driving: real key presses (WebDriver actions) go to whatever has focus.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::key::Key;
use serde_json::json;

use super::browser::Browser;

impl Browser {
    /// Presses and releases `keys` in order (each a character or a [`Key`]).
    pub async fn press(&self, keys: &[char]) {
        let mut actions = KeyActions::new("keyboard".to_owned());
        for &value in keys {
            actions = actions
                .then(KeyAction::Down { value })
                .then(KeyAction::Up { value });
        }
        self.client.perform_actions(actions).await.unwrap();
    }

    /// Types `text` into the focused element, key by key.
    pub async fn type_keys(&self, text: &str) {
        self.press(&text.chars().collect::<Vec<_>>()).await;
    }

    /// Whether `predicate` (a JS expression over `e`, the focused element) holds.
    pub async fn focused_is(&self, predicate: &str) -> bool {
        let script = format!("const e = document.activeElement; return !!(e && ({predicate}));");
        self.client.execute(&script, vec![]).await.unwrap() == json!(true)
    }

    /// Presses Tab (Shift+Tab when `back`) until `predicate` (a JS expression over `e`, the
    /// focused element) holds; at most 120 presses.
    pub async fn tab_to(&self, predicate: &str, back: bool) {
        for _ in 0..120 {
            if self.focused_is(predicate).await {
                return;
            }
            if back {
                let shift: char = Key::Shift.into();
                let tab: char = Key::Tab.into();
                let actions = KeyActions::new("keyboard".to_owned())
                    .then(KeyAction::Down { value: shift })
                    .then(KeyAction::Down { value: tab })
                    .then(KeyAction::Up { value: tab })
                    .then(KeyAction::Up { value: shift });
                self.client.perform_actions(actions).await.unwrap();
            } else {
                self.press(&[Key::Tab.into()]).await;
            }
        }
        panic!(
            "Tab never reached {predicate}; focus is on {}",
            self.focused().await
        );
    }
}
