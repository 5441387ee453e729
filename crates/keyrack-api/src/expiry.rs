//! When a key pair stops working: `expires_at`, its one written form, and the statuses the
//! list filters by. From `expires_at` on, the key is left out of every `authorized_keys`
//! answer; it stays listed (and deletable) until someone extends or clears the date.

use serde::{Deserialize, Serialize};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::error::{FieldError, Rule};

/// A key that expires within this many days is *expiring*.
pub const EXPIRING_WITHIN_DAYS: u32 = 14;

/// The latest expiry accepted: the stored form has a four-digit year.
const LAST_YEAR: i32 = 9999;

/// Where a key pair is in its life, as the list filters it (`status=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum KeyStatus {
    /// Not expired: no expiry, or one still ahead.
    Active,
    /// Not expired yet, but within [`EXPIRING_WITHIN_DAYS`] days.
    Expiring,
    /// Past its expiry: sshd no longer gets it.
    Expired,
}

impl KeyStatus {
    /// The status of a key expiring at `expires_at` (the stored form) when it is `now`,
    /// with `soon` being `now` plus [`EXPIRING_WITHIN_DAYS`] days, both in the stored form
    /// (which sorts in time order as text). An expiring key is also active.
    pub fn of(expires_at: Option<&str>, now: &str, soon: &str) -> Self {
        match expires_at {
            Some(at) if at <= now => Self::Expired,
            Some(at) if at <= soon => Self::Expiring,
            _ => Self::Active,
        }
    }
}

/// Reads an RFC 3339 time given as `field` (any offset, seconds optional fractions) and
/// returns it in the stored form: UTC with milliseconds and a `Z`, as every timestamp of the
/// API is written.
pub fn parse_expires_at(field: &str, text: &str) -> Result<String, FieldError> {
    let refuse = || {
        FieldError::new(
            field,
            Rule::Format,
            format!(
                "{field} must be an RFC 3339 time such as 2027-01-31T00:00:00Z; got {:?}",
                text.chars().take(40).collect::<String>()
            ),
        )
    };
    let at = OffsetDateTime::parse(text.trim(), &Rfc3339).map_err(|_| refuse())?;
    let at = at.to_offset(time::UtcOffset::UTC);
    if !(1970..=LAST_YEAR).contains(&at.year()) {
        return Err(FieldError::new(
            field,
            Rule::Range,
            format!("{field} must be between the years 1970 and {LAST_YEAR}"),
        ));
    }
    Ok(stored_form(at))
}

/// A new key (create, import) must work for a while: its expiry, in the stored form, must be
/// later than `now`. Modify may set a past time, which retires a key at once.
pub fn check_new_expiry(expires_at: &str, now: &str) -> Result<(), FieldError> {
    if expires_at > now {
        Ok(())
    } else {
        Err(FieldError::new(
            "expires_at",
            Rule::Range,
            format!("the expiry {expires_at} has passed; a new key must expire later than now"),
        ))
    }
}

/// UTC with milliseconds and a `Z`; fixed width, so the text sorts in time order.
pub fn stored_form(at: OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second(),
        at.millisecond()
    )
}

/// OpenSSH's `expiry-time` option for a key expiring at `expires_at` (the stored form), as
/// `authorized_keys` serves it: `expiry-time="YYYYMMDDHHMMSSZ"`, so sshd refuses the key after
/// that time whatever copy of the line it reads (a host's cache included). sshd counts whole
/// seconds and refuses only once the named second is over (`valid_before < now`), so the
/// option names the last second that ends by the expiry: one second before it, floored. Never
/// later than Keyrack, at most a second earlier (none for a whole-second expiry).
/// `None` when `expires_at` is not a time.
pub fn sshd_expiry_time(expires_at: &str) -> Option<String> {
    let at = OffsetDateTime::parse(expires_at, &Rfc3339).ok()?;
    let last = at
        .to_offset(time::UtcOffset::UTC)
        .replace_nanosecond(0)
        .ok()?
        .checked_sub(time::Duration::SECOND)?;
    Some(format!(
        "expiry-time=\"{:04}{:02}{:02}{:02}{:02}{:02}Z\"",
        last.year(),
        u8::from(last.month()),
        last.day(),
        last.hour(),
        last.minute(),
        last.second()
    ))
}

/// `deserialize_with` for a field that may be absent (keep), `null` (clear) or a value.
pub(crate) fn present<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(d).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_offset_is_stored_as_utc_with_milliseconds() {
        assert_eq!(
            parse_expires_at("expires_at", "2027-01-31T08:00:00+08:00").unwrap(),
            "2027-01-31T00:00:00.000Z"
        );
        assert_eq!(
            parse_expires_at("expires_at", "2027-01-31T00:00:00.123456Z").unwrap(),
            "2027-01-31T00:00:00.123Z"
        );
    }

    #[test]
    fn a_bad_time_names_the_field_and_the_rule() {
        for bad in ["", "tomorrow", "2027-01-31", "2027-02-30T00:00:00Z"] {
            let e = parse_expires_at("expires_at", bad).unwrap_err();
            assert_eq!(
                (e.field.as_str(), e.rule),
                ("expires_at", Rule::Format),
                "{bad}"
            );
        }
        let e = parse_expires_at("expires_at", "1969-12-31T23:59:59Z").unwrap_err();
        assert_eq!(e.rule, Rule::Range);
    }

    #[test]
    fn sshd_gets_the_last_whole_second_before_the_expiry() {
        for (stored, option) in [
            ("2027-01-01T00:00:00.000Z", "20261231235959Z"),
            ("2027-01-01T00:00:00.999Z", "20261231235959Z"),
            ("2027-01-01T00:00:01.000Z", "20270101000000Z"),
            ("2026-03-01T12:34:56.500Z", "20260301123455Z"),
        ] {
            assert_eq!(
                sshd_expiry_time(stored).as_deref(),
                Some(format!("expiry-time=\"{option}\"").as_str()),
                "{stored}"
            );
        }
        assert_eq!(sshd_expiry_time("soon"), None);
    }

    #[test]
    fn a_new_key_expires_in_the_future() {
        let now = "2027-01-01T00:00:00.000Z";
        assert!(check_new_expiry("2027-01-01T00:00:00.001Z", now).is_ok());
        let e = check_new_expiry(now, now).unwrap_err();
        assert_eq!((e.field.as_str(), e.rule), ("expires_at", Rule::Range));
    }

    #[test]
    fn statuses_follow_the_clock() {
        let (now, soon) = ("2027-01-01T00:00:00.000Z", "2027-01-15T00:00:00.000Z");
        assert_eq!(KeyStatus::of(None, now, soon), KeyStatus::Active);
        assert_eq!(
            KeyStatus::of(Some("2027-03-01T00:00:00.000Z"), now, soon),
            KeyStatus::Active
        );
        assert_eq!(
            KeyStatus::of(Some("2027-01-10T00:00:00.000Z"), now, soon),
            KeyStatus::Expiring
        );
        assert_eq!(KeyStatus::of(Some(now), now, soon), KeyStatus::Expired);
    }
}
