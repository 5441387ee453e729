//! What the load bench asks of the server, scenario by scenario: reads from the seed's
//! manifest, writes, and hostile requests that must be refused.

use anyhow::{Context, Result};
use serde_json::Value;

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Read,
    Create,
    Bind,
    /// A hostile GET every answer of which must be a refusal (issue #23 item 2).
    HostileQuery,
    /// A hostile POST body, likewise.
    HostileBody,
    /// The same POST with a body of ordinary size, refused for the same rule: what a hostile
    /// body's cost is compared with (a refused write is audited, which is most of its cost).
    RefusedBody,
}

pub struct Scenario {
    pub name: &'static str,
    pub kind: Kind,
    /// Path and query for reads (filled from the manifest); unused for writes.
    pub path: String,
}

/// The scenarios, with the probe key's id and fingerprint from the seed's manifest.
pub fn scenarios(manifest: &Value, keys: u32) -> Result<Vec<Scenario>> {
    let probe_id = manifest["probe_key_id"]
        .as_str()
        .context("the manifest has no probe key")?;
    let fingerprint = manifest["probe_fingerprint"]
        .as_str()
        .context("the manifest has no probe fingerprint")?;
    // `SHA256:` and the first 10 characters of the base64 digest.
    let prefix: String = fingerprint.chars().take("SHA256:".len() + 10).collect();
    let last_page = keys.saturating_sub(20);
    let read = |name, path: String| Scenario {
        name,
        kind: Kind::Read,
        path,
    };
    let list = "/api/v1/key-pairs";
    Ok(vec![
        read("list, first page", format!("{list}?limit=20")),
        read("list, page 100", format!("{list}?limit=20&offset=1980")),
        read(
            "list, last page",
            format!("{list}?limit=20&offset={last_page}"),
        ),
        read("list, sort by name", format!("{list}?limit=20&sort=name")),
        read(
            "search name (q=load-0123)",
            format!("{list}?limit=20&q=load-0123"),
        ),
        read(
            "search fingerprint prefix",
            format!("{list}?limit=20&q={}", percent_encode(&prefix)),
        ),
        read(
            "tag filter (team:team-07)",
            format!("{list}?limit=20&tag=team%3Ateam-07"),
        ),
        // One key in 20 of the seed expires, within 200 days either side of now.
        read("status=expired", format!("{list}?limit=20&status=expired")),
        read(
            "status=expiring",
            format!("{list}?limit=20&status=expiring"),
        ),
        read("status=active", format!("{list}?limit=20&status=active")),
        read("get one key", format!("{list}/{probe_id}")),
        Scenario {
            name: "create (POST)",
            kind: Kind::Create,
            path: list.to_owned(),
        },
        Scenario {
            name: "bind (POST …/bind)",
            kind: Kind::Bind,
            path: String::new(),
        },
        // 64 KB of distinct parameter names: refused at the 65th, before any database work.
        Scenario {
            name: "hostile query (64 KB, 13,000 names)",
            kind: Kind::HostileQuery,
            path: format!("{list}?{}", hostile_query(64_000)),
        },
        Scenario {
            name: "refused batch delete (101 ids)",
            kind: Kind::RefusedBody,
            path: format!("{list}/batch-delete"),
        },
        // 6,000 ids where 100 are allowed, and JSON nested 30,000 deep, both within 64 KiB.
        Scenario {
            name: "hostile bodies (6,000 ids; depth 30,000)",
            kind: Kind::HostileBody,
            path: format!("{list}/batch-delete"),
        },
    ])
}

/// About `bytes` of distinct, empty parameters (`a=&b=&…`, names counting in base 36): at 64
/// KB, about 13,000 of them.
fn hostile_query(bytes: usize) -> String {
    let mut query = String::with_capacity(bytes + 8);
    let mut n: u32 = 0;
    while query.len() < bytes {
        if !query.is_empty() {
            query.push('&');
        }
        let mut name = Vec::new();
        let mut rest = n;
        loop {
            name.push(char::from_digit(rest % 36, 36).unwrap_or('z'));
            rest /= 36;
            if rest == 0 {
                break;
            }
        }
        query.extend(name.iter().rev());
        query.push('=');
        n += 1;
    }
    query
}

/// Everything but unreserved characters, percent-encoded.
fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}
