//! Display helpers for wire values, in the console's language.

use std::sync::OnceLock;

use keyrack_api::{KeyAlgorithm, Timestamp, TokenRole};

use crate::i18n::{t, Language, Msg};
use crate::preferences;

/// A token's role, as the console names it everywhere.
pub fn role(role: TokenRole) -> &'static str {
    t(match role {
        TokenRole::Admin => Msg::RolesAdmin,
        TokenRole::Viewer => Msg::RolesViewer,
        TokenRole::Agent => Msg::RolesAgent,
    })
}

/// A short name for an SSH algorithm, with its size: "Ed25519", "ECDSA P-384", "RSA 4096".
// i18n: not text: algorithm names are the same in every language.
pub fn key_type(algorithm: KeyAlgorithm, bits: u32) -> String {
    match algorithm {
        KeyAlgorithm::Ed25519 => "Ed25519".into(), // i18n: not text: algorithm
        KeyAlgorithm::EcdsaP256 => "ECDSA P-256".into(), // i18n: not text: algorithm
        KeyAlgorithm::EcdsaP384 => "ECDSA P-384".into(), // i18n: not text: algorithm
        KeyAlgorithm::EcdsaP521 => "ECDSA P-521".into(), // i18n: not text: algorithm
        KeyAlgorithm::Rsa => format!("RSA {bits}"), // i18n: not text: algorithm
        KeyAlgorithm::SkEd25519 => "Ed25519-SK".into(), // i18n: not text: algorithm
        KeyAlgorithm::SkEcdsaP256 => "ECDSA-SK P-256".into(), // i18n: not text: algorithm
    }
}

/// Where the console shows times: in UTC (the default, as servers log them) or in the
/// browser's time zone. Chosen in the header; kept in localStorage.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeZone {
    Utc,
    Local,
}

const TIME_ZONE_KEY: &str = "keyrack.time-zone";

/// The zone chosen, read once: choosing another reloads the page.
static TIME_ZONE: OnceLock<TimeZone> = OnceLock::new();

impl TimeZone {
    /// Reads the chosen zone as the page starts, before the first timestamp is shown.
    pub fn start() {
        Self::current();
    }

    /// The one chosen, UTC unless Local was.
    pub fn current() -> TimeZone {
        *TIME_ZONE.get_or_init(|| match preferences::stored(TIME_ZONE_KEY).as_deref() {
            Some("local") => TimeZone::Local,
            _ => TimeZone::Utc,
        })
    }

    /// Keeps `zone` and reloads the page, so every time on it is shown in it.
    pub fn choose(zone: TimeZone) {
        let value = match zone {
            TimeZone::Utc => "utc",
            TimeZone::Local => "local",
        };
        preferences::keep_and_reload(TIME_ZONE_KEY, value);
    }
}

/// An RFC 3339 time to the minute, in the console's language and time zone, with the zone:
/// `2026-11-28 01:34 UTC` in English (ISO order, as operators read it in logs),
/// `2026/11/28 09:34 UTC+08:00` in Chinese local time. Anything else is shown as is.
pub fn timestamp(at: &Timestamp) -> String {
    let rfc3339 = at.as_str();
    let Some(date) = parse(rfc3339) else {
        return rfc3339.to_owned();
    };
    let utc = TimeZone::current() == TimeZone::Utc;
    let shown = match crate::i18n::language() {
        Language::English => {
            let (y, mo, d, h, mi) = fields(&date, utc);
            format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}")
        }
        Language::Chinese => {
            use js_sys::Intl::{DateTimeFormatOptions, HourCycle, NumericFormat};
            let options = calendar_date(utc);
            options.set_hour(NumericFormat::TwoDigit);
            options.set_minute(NumericFormat::TwoDigit);
            options.set_hour_cycle(HourCycle::H23);
            let options: &DateTimeFormatOptions = &options;
            date.to_locale_string("zh-CN", options).into()
        }
    };
    format!("{shown} {}", zone(&date, utc))
}

/// The date of an RFC 3339 time in the console's language and time zone (`2026-11-28`,
/// `2026/11/28`), for narrow columns; the whole time belongs in a `title`.
pub fn date(at: &Timestamp) -> String {
    let rfc3339 = at.as_str();
    let Some(date) = parse(rfc3339) else {
        return rfc3339.to_owned();
    };
    let utc = TimeZone::current() == TimeZone::Utc;
    match crate::i18n::language() {
        Language::English => {
            let (y, mo, d, _, _) = fields(&date, utc);
            format!("{y:04}-{mo:02}-{d:02}")
        }
        Language::Chinese => date
            .to_locale_date_string("zh-CN", &calendar_date(utc))
            .into(),
    }
}

fn parse(rfc3339: &str) -> Option<js_sys::Date> {
    let date = js_sys::Date::new(&rfc3339.into());
    (!date.get_time().is_nan()).then_some(date)
}

/// Year, month, day, hour and minute in UTC or in the browser's zone.
fn fields(date: &js_sys::Date, utc: bool) -> (u32, u32, u32, u32, u32) {
    if utc {
        let y = date.get_utc_full_year();
        (
            y,
            date.get_utc_month() + 1,
            date.get_utc_date(),
            date.get_utc_hours(),
            date.get_utc_minutes(),
        )
    } else {
        (
            date.get_full_year(),
            date.get_month() + 1,
            date.get_date(),
            date.get_hours(),
            date.get_minutes(),
        )
    }
}

/// Options for year, month and day as digits, in UTC unless local time was chosen.
fn calendar_date(utc: bool) -> js_sys::Intl::DateTimeFormatOptions {
    use js_sys::Intl::{DateTimeFormatOptions, DayFormat, MonthFormat, YearFormat};
    let options = DateTimeFormatOptions::new();
    options.set_year(YearFormat::Numeric);
    options.set_month(MonthFormat::TwoDigit);
    options.set_day(DayFormat::TwoDigit);
    if utc {
        options.set_time_zone("UTC");
    }
    options
}

/// `UTC`, or the browser's offset from it on that date: `UTC+08:00`, `UTC-03:30`.
// i18n: not text: zone names are the same in every language.
fn zone(date: &js_sys::Date, utc: bool) -> String {
    if utc {
        return "UTC".into(); // i18n: not text: see above
    }
    let east = -(date.get_timezone_offset() as i32);
    let sign = if east < 0 { '-' } else { '+' };
    format!("UTC{sign}{:02}:{:02}", east.abs() / 60, east.abs() % 60) // i18n: not text: see above
}

/// A count as the console's language writes it (100,000).
pub fn number(n: impl Into<f64>) -> String {
    js_sys::Number::from(n.into())
        .to_locale_string(crate::i18n::language().tag())
        .into()
}

/// How far an RFC 3339 time is from now, in words: "3 hours ago", "yesterday", "in 12 days".
pub fn ago(at: &Timestamp) -> String {
    // A time a moment ahead (the browser's clock behind the server's) is now, not "in 1 minute".
    ms_from_now(at).map_or_else(|| at.to_string(), |ms| relative(ms.min(0.0)))
}

/// Milliseconds from now to an RFC 3339 time (negative: past); `None` if it is not a time.
fn ms_from_now(at: &Timestamp) -> Option<f64> {
    let ms = js_sys::Date::parse(at.as_str()) - js_sys::Date::now();
    (!ms.is_nan()).then_some(ms)
}

/// `ms` from now (negative: past) in the browser's own words for the console's language: minutes and
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
    let languages = js_sys::Array::of1(&crate::i18n::language().tag().into());
    RelativeTimeFormat::new(&languages, &options)
        .format(n.copysign(ms), unit)
        .into()
}

/// How an expiry reads in a list: "Never", "in 12 days", "in 5 hours", or "Expired", with the
/// badge class that goes with it (a warning within
/// [`keyrack_api::EXPIRING_WITHIN_DAYS`] days).
pub fn expiry(expires_at: Option<&Timestamp>) -> (String, &'static str) {
    let Some(left) = expires_at.and_then(ms_from_now) else {
        return (t(Msg::FormatNever).into(), "");
    };
    if left <= 0.0 {
        return (t(Msg::FormatExpired).into(), "badge badge-danger");
    }
    let within = f64::from(keyrack_api::EXPIRING_WITHIN_DAYS) * 86_400_000.0;
    let class = if left <= within {
        "badge badge-warning"
    } else {
        ""
    };
    (relative(left), class)
}
