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

/// The language dates and relative times are written in. (English until the console
/// speaks another.)
const LANGUAGE: &str = "en";

/// How far an RFC 3339 time is from now, in words: "3 hours ago", "yesterday", "in 12 days".
pub fn ago(at: &str) -> String {
    let past = js_sys::Date::parse(at) - js_sys::Date::now();
    if past.is_nan() {
        return at.to_owned();
    }
    // A time a moment ahead (the browser's clock behind the server's) is now, not "in 1 minute".
    relative(past.min(0.0))
}

/// `ms` from now (negative: past) in the browser's own words for [`LANGUAGE`]: minutes and
/// hours rounded down ("in 1 hour" means at least an hour), days to the nearest (a 30-day
/// expiry reads "in 30 days" seconds later), and "now" within a minute of the past.
fn relative(ms: f64) -> String {
    use js_sys::Intl::{RelativeTimeFormat, RelativeTimeFormatNumeric, RelativeTimeFormatOptions};
    const MINUTE: f64 = 60_000.0;
    const HOUR: f64 = 60.0 * MINUTE;
    const DAY: f64 = 24.0 * HOUR;
    let size = ms.abs();
    let (n, unit) = match size {
        s if s < MINUTE && ms <= 0.0 => (0.0, "second"),
        s if s < HOUR => ((s / MINUTE).floor().max(1.0), "minute"),
        s if s < DAY => ((s / HOUR).floor(), "hour"),
        s => ((s / DAY).round(), "day"),
    };
    let options = RelativeTimeFormatOptions::new();
    options.set_numeric(RelativeTimeFormatNumeric::Auto);
    let languages = js_sys::Array::of1(&LANGUAGE.into());
    RelativeTimeFormat::new(&languages, &options)
        .format(n.copysign(ms), unit)
        .into()
}

/// How an expiry reads in a list: "Never", "in 12 days", "in 5 hours", or "Expired", with the
/// badge class that goes with it (a warning within
/// [`keyrack_api::EXPIRING_WITHIN_DAYS`] days).
pub fn expiry(expires_at: Option<&str>) -> (String, &'static str) {
    let left = expires_at
        .map(|at| js_sys::Date::parse(at) - js_sys::Date::now())
        .filter(|ms| !ms.is_nan());
    let Some(left) = left else {
        return ("Never".into(), "");
    };
    if left <= 0.0 {
        return ("Expired".into(), "badge badge-danger");
    }
    let within = f64::from(keyrack_api::EXPIRING_WITHIN_DAYS) * 86_400_000.0;
    let class = if left <= within {
        "badge badge-warning"
    } else {
        ""
    };
    (relative(left), class)
}
