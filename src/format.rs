//! Display helpers for wire values.

/// A short name for an SSH algorithm, with its size: "Ed25519", "ECDSA P-384", "RSA 4096".
pub fn key_type(algorithm: &str, bits: u32) -> String {
    match algorithm {
        "ssh-ed25519" => "Ed25519".into(),
        "sk-ssh-ed25519@openssh.com" => "Ed25519-SK".into(),
        "sk-ecdsa-sha2-nistp256@openssh.com" => "ECDSA-SK P-256".into(),
        "ssh-rsa" => format!("RSA {bits}"),
        other => match other.strip_prefix("ecdsa-sha2-nistp") {
            Some(curve) => format!("ECDSA P-{curve}"),
            None => format!("{other} {bits}"),
        },
    }
}

/// `2026-11-28T01:34:56Z` -> `2026-11-28 01:34 UTC`; anything else is shown as is.
pub fn timestamp(rfc3339: &str) -> String {
    match (rfc3339.get(..10), rfc3339.get(11..16)) {
        (Some(date), Some(time)) if rfc3339.get(10..11) == Some("T") => {
            format!("{date} {time} UTC")
        }
        _ => rfc3339.to_owned(),
    }
}

/// The date of an RFC 3339 time (`2026-11-28`), for narrow columns; the whole time belongs in
/// a `title`.
pub fn date(rfc3339: &str) -> &str {
    rfc3339.get(..10).unwrap_or(rfc3339)
}

/// How long ago an RFC 3339 time was: "just now", "5 minutes ago", "3 hours ago", "12 days
/// ago".
pub fn ago(at: &str) -> String {
    ago_from(js_sys::Date::now() - js_sys::Date::parse(at)).unwrap_or_else(|| at.to_owned())
}

/// [`ago`] from the milliseconds passed; `None` for a time that could not be read.
pub fn ago_from(past_ms: f64) -> Option<String> {
    const MINUTE: f64 = 60_000.0;
    const HOUR: f64 = 60.0 * MINUTE;
    const DAY: f64 = 24.0 * HOUR;
    let (unit, name) = match past_ms {
        ms if ms.is_nan() => return None,
        ms if ms < MINUTE => return Some("just now".into()),
        ms if ms < HOUR => (MINUTE, "minute"),
        ms if ms < DAY => (HOUR, "hour"),
        _ => (DAY, "day"),
    };
    let n = (past_ms / unit).floor() as u64;
    Some(format!("{n} {name}{} ago", if n == 1 { "" } else { "s" }))
}

/// How an expiry reads in a list: "Never", "in 12 days", "in 5 hours", or "Expired", with the
/// badge class that goes with it (a warning within
/// [`keyrack_api::EXPIRING_WITHIN_DAYS`] days).
pub fn expiry(expires_at: Option<&str>) -> (String, &'static str) {
    let left = expires_at.map(|at| js_sys::Date::parse(at) - js_sys::Date::now());
    expiry_from(left)
}

/// [`expiry`] from the milliseconds left (`None`: never expires).
pub fn expiry_from(left_ms: Option<f64>) -> (String, &'static str) {
    const HOUR: f64 = 3_600_000.0;
    const DAY: f64 = 24.0 * HOUR;
    let Some(left) = left_ms.filter(|ms| !ms.is_nan()) else {
        return ("Never".into(), "");
    };
    let warn = if left <= f64::from(keyrack_api::EXPIRING_WITHIN_DAYS) * DAY {
        "badge badge-warning"
    } else {
        ""
    };
    // Days to the nearest (a 30-day preset reads "in 30 days" seconds later), hours and
    // minutes rounded down ("in 1 hour" means at least an hour is left).
    let count = |unit: f64, one: &str, many: &str| {
        let n = if unit == DAY {
            (left / unit).round()
        } else {
            (left / unit).floor().max(1.0)
        } as u64;
        format!("in {n} {}", if n == 1 { one } else { many })
    };
    match left {
        l if l <= 0.0 => ("Expired".into(), "badge badge-danger"),
        l if l < HOUR => (count(60_000.0, "minute", "minutes"), warn),
        l if l < DAY => (count(HOUR, "hour", "hours"), warn),
        _ => (count(DAY, "day", "days"), warn),
    }
}
