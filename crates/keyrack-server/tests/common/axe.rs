//! Accessibility checks with axe-core, in the page the browser shows.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use serde_json::Value;

use super::browser::Browser;

/// axe-core from npm (`cargo xtask setup` installs it into `.tools/`).
fn axe_source() -> String {
    let file =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.tools/node_modules/axe-core/axe.min.js");
    std::fs::read_to_string(&file).unwrap_or_else(|e| {
        panic!(
            "{} is missing ({e}): run `cargo xtask setup`",
            file.display()
        )
    })
}

/// Checks with axe-core.
impl Browser {
    /// What axe-core finds against WCAG 2.1 A and AA in the page as it is now (an open dialog
    /// included), one line per rule with up to three of the elements that break it.
    pub async fn axe_violations(&self) -> Vec<String> {
        let loaded = self
            .client
            .execute("return typeof window.axe === 'object';", vec![])
            .await
            .unwrap();
        if loaded != Value::Bool(true) {
            self.client.execute(&axe_source(), vec![]).await.unwrap();
        }
        let found = self
            .client
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 axe.run(document, { runOnly: { type: 'tag',
                     values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })
                   .then(r => done(r.violations.map(v => v.id + ' (' + v.impact + '): '
                       + v.help + ': ' + v.nodes.slice(0, 3)
                           .map(n => n.target.join(' ') + ' ' + n.failureSummary
                               .replace(/\\s+/g, ' ')).join(' | '))))
                   .catch(e => done(['axe failed: ' + e]));",
                vec![],
            )
            .await
            .unwrap();
        serde_json::from_value(found).unwrap()
    }
}
