//! The load bench's verdicts: the table of scenarios against their targets, and the agent
//! flood's lines.

use super::args::{BackendKind, LoadArgs};
use super::flood::{FloodMeasured, REPORTS_PER_SEC};
use super::scenarios::{Kind, Scenario};
use super::wrk::{Measured, CONNECTIONS, THREADS};

/// Target of every read: p99 at most this many milliseconds.
const READ_P99_MS: f64 = 10.0;
/// Goal of the agent flood: the admin's flooded p50 at most this many times the quiet one.
const FLOOD_RATIO: f64 = 1.5;
/// Target of create on PostgreSQL: at least this many a second.
const CREATE_PER_SEC: f64 = 1000.0;

/// Goal of the hostile requests: each costs at most this many times a first-page list
/// (cost = the inverse of the requests served a second at the same concurrency).
const HOSTILE_COST_RATIO: f64 = 1.5;

/// Whether a scenario met its target on a backend: `None` when it has none there.
fn verdict(kind: Kind, backend: BackendKind, m: &Measured) -> Option<bool> {
    match (kind, backend) {
        // Every answer a refusal; the cost is judged against the first page in the table.
        (Kind::HostileQuery | Kind::HostileBody | Kind::RefusedBody, _) => {
            Some(m.requests > 0 && m.non_2xx == m.requests)
        }
        (Kind::Read, _) => Some(m.p99_ms <= READ_P99_MS && m.non_2xx == 0),
        (Kind::Create, BackendKind::Postgres) => {
            Some(m.per_sec >= CREATE_PER_SEC && m.non_2xx == 0)
        }
        _ => None,
    }
}

pub fn print_table(
    args: &LoadArgs,
    scenarios: &[Scenario],
    results: &[(BackendKind, Vec<Measured>)],
) {
    println!(
        "\nLoad: {} key pairs, {} instances; wrk -t{THREADS} -c{CONNECTIONS} -d{}s --latency on \
         loopback (2 cores shared by wrk, the server and the database).",
        args.keys, args.instances, args.duration
    );
    println!(
        "Targets: every read p99 ≤ {READ_P99_MS:.0} ms; create ≥ {CREATE_PER_SEC:.0}/s on \
         PostgreSQL; a hostile request refused (every answer a 400) at ≤ \
         {HOSTILE_COST_RATIO}× the cost of a first-page list (a query) or of the smallest body \
         refused for the same rule (a body). ✓ met, ✗ missed (a read with \
         non-2xx answers misses too)."
    );
    let mut header = vec!["scenario".to_owned()];
    for (backend, _) in results {
        let l = backend.label();
        header.extend([
            format!("{l} p50 ms"),
            "p99 ms".into(),
            "req/s".into(),
            "non-2xx".into(),
        ]);
    }
    header.push("target".into());
    let mut rows = vec![header];
    for (i, scenario) in scenarios.iter().enumerate() {
        let mut row = vec![scenario.name.to_owned()];
        let mut all_met = None::<bool>;
        for (backend, measured) in results {
            let (v, backend_cells) = cells(scenarios, i, *backend, measured);
            if let Some(v) = v {
                all_met = Some(all_met.unwrap_or(true) && v);
            }
            row.extend(backend_cells);
        }
        row.push(
            match all_met {
                None => "–",
                Some(true) => "met",
                Some(false) => "MISSED",
            }
            .to_owned(),
        );
        rows.push(row);
    }
    print_rows(&rows);
    let total: u64 = results
        .iter()
        .flat_map(|(_, m)| m.iter().map(|m| m.requests))
        .sum();
    println!("\n({total} measured requests in all.)");
}

/// Scenario `i`'s verdict on one backend and its four cells: p50, p99, rate, non-2xx.
fn cells(
    scenarios: &[Scenario],
    i: usize,
    backend: BackendKind,
    measured: &[Measured],
) -> (Option<bool>, [String; 4]) {
    let scenario = &scenarios[i];
    let m = &measured[i];
    let hostile = matches!(scenario.kind, Kind::HostileQuery | Kind::HostileBody);
    // A hostile query's cost over a first-page list's (the first scenario); a hostile
    // body's over the ordinary refused body's.
    let reference = match scenario.kind {
        Kind::HostileBody => scenarios
            .iter()
            .position(|s| s.kind == Kind::RefusedBody)
            .map_or(&measured[0], |r| &measured[r]),
        _ => &measured[0],
    };
    let ratio = reference.per_sec / m.per_sec.max(f64::MIN_POSITIVE);
    let v = verdict(scenario.kind, backend, m)
        .map(|ok| ok && (!hostile || ratio <= HOSTILE_COST_RATIO));
    let mark = |ok: bool| if ok { " ✓" } else { " ✗" };
    let (p99_mark, rate_mark) = match (scenario.kind, v) {
        (Kind::Read, Some(_)) => (mark(m.p99_ms <= READ_P99_MS), String::new()),
        (Kind::Create, Some(_)) => ("", mark(m.per_sec >= CREATE_PER_SEC).to_owned()),
        (Kind::HostileQuery | Kind::HostileBody, Some(_)) => (
            "",
            format!(
                " ({ratio:.2}× the cost of {}{})",
                if scenario.kind == Kind::HostileQuery {
                    "a list"
                } else {
                    "101 ids"
                },
                mark(ratio <= HOSTILE_COST_RATIO)
            ),
        ),
        _ => ("", String::new()),
    };
    let mut non_2xx = m.non_2xx.to_string();
    if m.socket_errors > 0 {
        non_2xx.push_str(&format!(" +{} socket errors", m.socket_errors));
    }
    if m.unexpected > 0 {
        non_2xx.push_str(&format!(" ({} 2xx not bound)", m.unexpected));
    }
    (
        v,
        [
            format!("{:.2}", m.p50_ms),
            format!("{:.2}{p99_mark}", m.p99_ms),
            format!("{:.0}{rate_mark}", m.per_sec),
            non_2xx,
        ],
    )
}

/// A Markdown table, each column as wide as its widest cell, the header ruled off.
fn print_rows(rows: &[Vec<String>]) {
    let widths: Vec<usize> = (0..rows[0].len())
        .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    println!();
    for (n, row) in rows.iter().enumerate() {
        let cells: Vec<String> = row
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(c, (cell, &w))| {
                let pad = " ".repeat(w - cell.chars().count());
                // The scenario column reads left to right; numbers line up on the right.
                if c == 0 {
                    format!("{cell}{pad}")
                } else {
                    format!("{pad}{cell}")
                }
            })
            .collect();
        println!("| {} |", cells.join(" | "));
        if n == 0 {
            let rule: Vec<String> = widths.iter().map(|&w| "-".repeat(w)).collect();
            println!("|-{}-|", rule.join("-|-"));
        }
    }
}

/// Issue #23 item 4: an admin's creates while an agent floods login reports, against a quiet
/// run on the same server.
pub fn print_floods(floods: &[(BackendKind, FloodMeasured)]) {
    println!(
        "\nAn agent's flood of {REPORTS_PER_SEC} refused login reports a second against an \
         admin's creates, one at a time (goal: the flooded p50 at most {FLOOD_RATIO}× the quiet \
         one; the flood adds a handful of audit entries, not one per report):"
    );
    for (backend, f) in floods {
        let ok = f.ratio() <= FLOOD_RATIO && f.audit_rows_added <= 10 && f.reports_other == 0;
        println!(
            "  {:<10} quiet p50 {:.2} ms p99 {:.2} ms; flooded p50 {:.2} ms p99 {:.2} ms \
             ({:.2}×); {:.0} reports/s answered: {} refused by the store (404), {} held off \
             by the reports' rate limit (429), {} otherwise; {} reports added {} audit \
             entries {}",
            backend.label(),
            f.quiet_p50_ms,
            f.quiet_p99_ms,
            f.flood_p50_ms,
            f.flood_p99_ms,
            f.ratio(),
            f.reports_per_sec,
            f.reports_404,
            f.reports_429,
            f.reports_other,
            f.reports,
            f.audit_rows_added,
            if ok { "✓" } else { "✗" }
        );
    }
}
