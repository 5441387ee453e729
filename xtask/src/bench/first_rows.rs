//! Time to first rows of the pages that are their own chunk: from the click on a link of the
//! SSH Key page until the page shows its data (the Audit page's first row, a key's details).
//! Each run starts from a fresh load of `/keys`, so the page's chunk is fetched (from the
//! HTTP cache after the first run) and compiled again, as a user meets it. Twice: on
//! loopback, and with Chromium's network emulation adding [`WAN_LATENCY_MS`] to every
//! request, as a console across a WAN meets the server (there a page whose read waits for
//! its chunk pays the round trip after the chunk, not beside it).

use anyhow::{anyhow, bail, Result};
use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::Client;
use serde_json::json;

use super::{median, range, wait_until, RUNS};
use crate::process::admin_token;

/// `(label, link clicked on /keys, what shows the page's data)`.
const PAGES: [(&str, &str, &str); 2] = [
    ("/audit", "nav a[href='/audit']", "table.audit tbody tr"),
    ("/keys/{id}", "table a.id-link", "dl.details"),
];

/// The added latency of the second measurement, per request.
pub const WAN_LATENCY_MS: u32 = 40;

/// Milliseconds per run, per page of [`PAGES`]: on loopback, then with [`WAN_LATENCY_MS`].
pub async fn measure(client: &Client, base: &str) -> Result<Vec<Vec<f64>>> {
    open_keys(client, base).await?;
    // The Audit page needs entries: one tag write on each key of the first page.
    let written = client
        .execute(WRITE_SCRIPT, vec![json!(admin_token())])
        .await?;
    if written.as_u64().unwrap_or(0) == 0 {
        bail!("no audit entries for the bench: {written}");
    }
    let mut all = measure_pages(client, base).await?;
    client
        .issue_cmd(NetworkLatency(WAN_LATENCY_MS))
        .await
        .map_err(|e| anyhow!("chromedriver's network emulation: {e}"))?;
    all.extend(measure_pages(client, base).await?);
    Ok(all)
}

/// Milliseconds per run, per page of [`PAGES`], as the network is now.
async fn measure_pages(client: &Client, base: &str) -> Result<Vec<Vec<f64>>> {
    let mut all = Vec::new();
    for (label, link, shown) in PAGES {
        let mut runs = Vec::with_capacity(RUNS);
        // One unmeasured run: the first fetches the chunk over the network, later ones from
        // the HTTP cache, like a user's second visit.
        for run in 0..=RUNS {
            open_keys(client, base).await?;
            let ms = client
                .execute(CLICK_SCRIPT, vec![json!(link), json!(shown)])
                .await?;
            let ms = ms
                .as_f64()
                .ok_or_else(|| anyhow!("{label}: the page answered {ms}"))?;
            if run > 0 {
                runs.push(ms);
            }
        }
        eprintln!("first rows {label}: {runs:.1?} ms");
        all.push(runs);
    }
    Ok(all)
}

/// A fresh load of `/keys`, signed in, once its table shows key pairs.
async fn open_keys(client: &Client, base: &str) -> Result<()> {
    client
        .goto(&format!("{base}/keys#token={}", admin_token()))
        .await?;
    wait_until(
        client,
        "return !!document.querySelector('table a.id-link');",
        "the SSH Key page showed no key pairs",
    )
    .await
}

pub fn print(pages: &[Vec<f64>]) {
    println!();
    println!(
        "Time to first rows, median of {RUNS} (headless Chromium, a fresh load of /keys each \
         run, from the click on a link until the page shows its data, chunk from the HTTP \
         cache):"
    );
    println!(
        "  {:<12} {:>12} {:>8} {:>17}",
        "page", "latency", "ms", "(min–max)"
    );
    let wan = format!("+{WAN_LATENCY_MS} ms");
    let latencies = ["loopback", wan.as_str()];
    let labels = latencies
        .iter()
        .flat_map(|latency| PAGES.iter().map(move |(label, _, _)| (label, latency)));
    for ((label, latency), runs) in labels.zip(pages) {
        println!(
            "  {label:<12} {latency:>12} {:>8.1} {:>17}",
            median(runs),
            range(runs)
        );
    }
}

/// chromedriver's `network_conditions` (not W3C WebDriver): every request waits this many
/// milliseconds, with throughput left unthrottled.
#[derive(Debug)]
struct NetworkLatency(u32);

impl WebDriverCompatibleCommand for NetworkLatency {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        let session = session_id.unwrap_or_default();
        base_url.join(&format!("session/{session}/chromium/network_conditions"))
    }

    fn method_and_body(&self, _request_url: &url::Url) -> (http::Method, Option<String>) {
        let unthrottled = 1024 * 1024 * 1024;
        let body = json!({ "network_conditions": {
            "offline": false,
            "latency": self.0,
            "download_throughput": unthrottled,
            "upload_throughput": unthrottled,
        }});
        (http::Method::POST, Some(body.to_string()))
    }
}

/// Rewrites the tags of each key pair on the first page (as they are), one audit entry each;
/// answers how many writes succeeded.
const WRITE_SCRIPT: &str = "
    const headers = {
        Authorization: `Bearer ${arguments[0]}`,
        Accept: 'application/json',
        'Content-Type': 'application/json',
    };
    return (async () => {
        const list = await (await fetch('/api/v1/key-pairs?limit=20', { headers })).json();
        let ok = 0;
        for (const key of list.items) {
            const body = JSON.stringify({ tags: key.tags });
            const r = await fetch(`/api/v1/key-pairs/${key.id}/tags`, { method: 'PUT', headers, body });
            ok += r.ok ? 1 : 0;
        }
        return ok;
    })();
";

/// Clicks `arguments[0]` and answers the milliseconds until `arguments[1]` is in the page.
const CLICK_SCRIPT: &str = "
    const [link, shown] = arguments;
    return new Promise((resolve, reject) => {
        const target = document.querySelector(link);
        if (!target) { reject(new Error(`no ${link}`)); return; }
        const observer = new MutationObserver(() => {
            if (document.querySelector(shown)) {
                observer.disconnect();
                resolve(performance.now() - start);
            }
        });
        observer.observe(document.body, { childList: true, subtree: true });
        const start = performance.now();
        target.click();
        setTimeout(() => { observer.disconnect(); reject(new Error(`no ${shown}`)); }, 30000);
    });
";
