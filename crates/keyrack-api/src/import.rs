//! Bulk import of an `authorized_keys` file (`POST /key-pairs/import`): reading it line by
//! line, and the names given to the keys it holds. Which keys are new or duplicates is the
//! server's to say; everything here runs the same in the browser.

use serde::{Deserialize, Serialize};

use crate::error::{FieldError, Rule};
use crate::expiry::read_expiry;
use crate::limits::NAME_MAX_CHARS;
use crate::public_key::{looks_like_algorithm, parse_public_key, PublicKeyInfo};
use crate::timestamp::Timestamp;
use crate::validate::validate_name;

/// Most lines one import reads.
pub const IMPORT_MAX_LINES: usize = 1_000;

/// Largest `authorized_keys` text one import takes: 1,000 lines of the longest RSA keys.
pub const IMPORT_MAX_BYTES: usize = 1024 * 1024;

/// `POST /key-pairs/import`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportRequest {
    /// The file's text: one key per line; blank lines and `#` comments are skipped.
    pub authorized_keys: String,
    /// Only say what would happen; write nothing.
    #[serde(default)]
    pub dry_run: bool,
    /// The line numbers (from 1) to import; absent: every new key without options (a line
    /// with `authorized_keys` options such as `from=` or `command=` is imported only when
    /// named here, since Keyrack drops its options and with them its restrictions; a dry run
    /// reports such lines as new, with `dropped_options`, so that they can be chosen).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lines: Option<Vec<u32>>,
    /// Names chosen for some lines instead of the derived ones.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub names: Vec<ImportName>,
    /// An expiry for every imported key (RFC 3339), as in create.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
}

/// A name chosen for one line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportName {
    /// The line number.
    pub line: u32,
    /// The name for its key.
    pub name: String,
}

impl ImportRequest {
    /// Checks the size of the file, the chosen names and the expiry, answered read; each
    /// line is judged on its own.
    pub fn validate(&self) -> Result<Option<Timestamp>, FieldError> {
        if self.authorized_keys.len() > IMPORT_MAX_BYTES {
            return Err(FieldError::new(
                "authorized_keys",
                Rule::Length,
                format!(
                    "the file has {} bytes; at most 1 MiB is read at once",
                    self.authorized_keys.len()
                ),
            ));
        }
        let lines = self.authorized_keys.lines().count();
        if lines > IMPORT_MAX_LINES {
            return Err(FieldError::new(
                "authorized_keys",
                Rule::Count,
                format!("the file has {lines} lines; at most {IMPORT_MAX_LINES} are read at once"),
            ));
        }
        for (i, chosen) in self.names.iter().enumerate() {
            validate_name(&chosen.name)
                .map_err(|e| FieldError::new(format!("names[{i}].name"), e.rule, e.message))?;
        }
        read_expiry(self.expires_at.as_deref())
    }

    /// The name chosen for `line`, if any.
    pub fn name_for(&self, line: u32) -> Option<&str> {
        self.names
            .iter()
            .find(|n| n.line == line)
            .map(|n| n.name.as_str())
    }

    /// Whether `line` is to be imported; `has_options`: the line carries `authorized_keys`
    /// options, which only an explicit selection imports (without them).
    pub fn selects(&self, line: u32, has_options: bool) -> bool {
        match &self.lines {
            Some(lines) => lines.contains(&line),
            None => !has_options,
        }
    }
}

/// What happened, or would happen, to one line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ImportOutcome {
    /// A key not registered yet (dry run).
    New,
    /// Registered as a new key pair.
    Created,
    /// The key is registered already, or appears on an earlier line.
    Duplicate,
    /// Not a key Keyrack accepts, or not one the key policy allows.
    Refused,
    /// A blank line, a comment, or a line not selected.
    Skipped,
}

/// One line's outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportResult {
    /// The line number, from 1.
    pub line: u32,
    /// What happened.
    pub outcome: ImportOutcome,
    /// `new`, `created`: the key pair's name; `duplicate`: the name of the key pair (or the
    /// line) that holds the key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `created`: the new id; `duplicate`: the existing key pair's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// `refused` and `skipped`: why, as a stable code (`comment`, `not_selected`, `dsa`,
    /// `rsa_too_short`, `malformed`, `policy`, …, or an API error code such as
    /// `KeyPairNameDuplicate`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub code: Option<crate::ImportCode>,
    /// The reason in words (refusals, skips, duplicates).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The `authorized_keys` options the line had (`from=…,no-pty`), which Keyrack drops.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dropped_options: Option<String>,
    /// The key's type, for the preview.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub algorithm: Option<crate::KeyAlgorithm>,
    /// `SHA256:…`, for the preview.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fingerprint_sha256: Option<String>,
}

impl ImportResult {
    /// A result with nothing but its line and outcome.
    pub fn bare(line: u32, outcome: ImportOutcome) -> Self {
        Self {
            line,
            outcome,
            name: None,
            id: None,
            code: None,
            message: None,
            dropped_options: None,
            algorithm: None,
            fingerprint_sha256: None,
        }
    }
}

/// The answer: one result per line of the file, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportResponse {
    /// Per-line outcomes.
    pub results: Vec<ImportResult>,
}

/// One line of the file, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportLine {
    /// Blank or a `#` comment.
    Skipped {
        /// Why.
        reason: crate::SkipReason,
    },
    /// A key Keyrack accepts.
    Key {
        /// The parsed key.
        key: PublicKeyInfo,
        /// The options before the key, dropped.
        dropped_options: Option<String>,
    },
    /// Not an acceptable key.
    Refused {
        /// The public-key refusal reason.
        code: crate::KeyRefusal,
        /// In words.
        message: String,
    },
}

/// Reads every line of an `authorized_keys` text, numbered from 1.
pub fn read_authorized_keys(text: &str) -> Vec<(u32, ImportLine)> {
    text.lines()
        .zip(1u32..)
        .map(|(line, n)| (n, read_line(line)))
        .collect()
}

fn read_line(line: &str) -> ImportLine {
    let line = line.trim();
    if line.is_empty() {
        return ImportLine::Skipped {
            reason: crate::SkipReason::Blank,
        };
    }
    if line.starts_with('#') {
        return ImportLine::Skipped {
            reason: crate::SkipReason::Comment,
        };
    }
    let first = line.split_whitespace().next().unwrap_or_default();
    let (options, key) = if looks_like_algorithm(first) {
        (None, line)
    } else {
        match split_options(line) {
            Some((options, rest))
                if rest
                    .split_whitespace()
                    .next()
                    .is_some_and(looks_like_algorithm) =>
            {
                (Some(options.to_owned()), rest)
            }
            _ => (None, line),
        }
    };
    match parse_public_key(key) {
        Ok(key) => ImportLine::Key {
            key,
            dropped_options: options,
        },
        Err(e) => ImportLine::Refused {
            code: e.reason(),
            message: e.to_string(),
        },
    }
}

/// `from="10.0.0.1",command="echo a b" ssh-ed25519 …` → the options and the rest: the
/// options end at the first whitespace outside double quotes (sshd's own rule, `\"` escaping
/// a quote inside them).
fn split_options(line: &str) -> Option<(&str, &str)> {
    let (mut quoted, mut escaped) = (false, false);
    for (i, c) in line.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            c if c.is_whitespace() && !quoted => {
                return Some((&line[..i], line[i..].trim_start()));
            }
            _ => {}
        }
    }
    None
}

/// A valid name from a key's comment (`alice@laptop` stays, `Alice's key` becomes
/// `Alice-s-key`), or `imported-<line>` when nothing of it is usable.
pub fn name_from_comment(comment: &str, line: u32) -> String {
    let mut name = String::new();
    for c in comment.chars() {
        let c = if c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '@' | '-') {
            c
        } else {
            '-'
        };
        // No runs of dashes from replaced characters.
        if !(c == '-' && name.ends_with('-')) {
            name.push(c);
        }
    }
    let name = name.trim_start_matches(|c: char| !c.is_ascii_alphanumeric());
    let name = name.trim_end_matches('-');
    // Room for a `-NNNN` suffix that makes it unique.
    let name: String = name.chars().take(NAME_MAX_CHARS - 5).collect();
    if name.is_empty() {
        format!("imported-{line}")
    } else {
        name
    }
}

/// `base`, or `base-2`, `base-3`, … : the first that `taken` (case-insensitive names in
/// lower case) does not hold.
pub fn unique_name(base: &str, taken: impl Fn(&str) -> bool) -> String {
    if !taken(&base.to_ascii_lowercase()) {
        return base.to_owned();
    }
    (2u32..)
        .map(|n| format!("{base}-{n}"))
        .find(|name| !taken(&name.to_ascii_lowercase()))
        .unwrap_or_else(|| base.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    const ED25519: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILM+rvN+ot98qgEN796jTiQfZfG1KaT0PtFDJ/XFSqti foo@bar.com";

    #[test]
    fn lines_are_skipped_read_or_refused() {
        let text = format!(
            "# team keys\n\n{ED25519}\nfrom=\"10.0.0.1,10.0.0.2\",command=\"echo a b\" {ED25519}\nssh-dss AAAA\ngarbage\n"
        );
        let lines = read_authorized_keys(&text);
        assert_eq!(lines.len(), 6);
        let skipped = |reason| ImportLine::Skipped { reason };
        assert_eq!(lines[0], (1, skipped(crate::SkipReason::Comment)));
        assert_eq!(lines[1], (2, skipped(crate::SkipReason::Blank)));
        assert!(matches!(
            &lines[2].1,
            ImportLine::Key {
                dropped_options: None,
                ..
            }
        ));
        match &lines[3].1 {
            ImportLine::Key {
                dropped_options,
                key,
            } => {
                assert_eq!(
                    dropped_options.as_deref(),
                    Some("from=\"10.0.0.1,10.0.0.2\",command=\"echo a b\"")
                );
                assert_eq!(key.comment, "foo@bar.com");
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            lines[4].1,
            ImportLine::Refused {
                code: crate::KeyRefusal::Dsa,
                ..
            }
        ));
        assert!(matches!(
            lines[5].1,
            ImportLine::Refused {
                code: crate::KeyRefusal::Malformed,
                ..
            }
        ));
    }

    #[test]
    fn names_come_from_comments_and_are_made_unique() {
        assert_eq!(name_from_comment("alice@laptop", 3), "alice@laptop");
        assert_eq!(name_from_comment("Alice's key (old)", 3), "Alice-s-key-old");
        assert_eq!(name_from_comment("", 7), "imported-7");
        assert_eq!(name_from_comment("--- ", 7), "imported-7");
        assert_eq!(name_from_comment("运维", 7), "imported-7");
        let long = name_from_comment(&"a".repeat(100), 1);
        assert!(validate_name(&format!("{long}-1000")).is_ok());
        let taken = ["alice", "alice-2"];
        assert_eq!(unique_name("Alice", |n| taken.contains(&n)), "Alice-3");
        assert_eq!(unique_name("bob", |n| taken.contains(&n)), "bob");
    }

    #[test]
    fn a_file_too_long_names_the_field() {
        let req = ImportRequest {
            authorized_keys: "\n".repeat(IMPORT_MAX_LINES + 1),
            ..ImportRequest::default()
        };
        let e = req.validate().unwrap_err();
        assert_eq!((e.field.as_str(), e.rule), ("authorized_keys", Rule::Count));
        let req = ImportRequest {
            names: vec![ImportName {
                line: 1,
                name: "-bad".into(),
            }],
            ..ImportRequest::default()
        };
        assert_eq!(req.validate().unwrap_err().field, "names[0].name");
    }
}
