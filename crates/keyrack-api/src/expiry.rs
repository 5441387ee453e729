//! When a key pair stops working: `expires_at`, its one written form, and the statuses the
//! list filters by. From `expires_at` on, the key is left out of every `authorized_keys`
//! answer; it stays listed (and deletable) until someone extends or clears the date.

use serde::{Deserialize, Serialize};

use crate::error::{FieldError, Rule};
use crate::timestamp::Timestamp;

/// A key that expires within this many days is *expiring*.
pub const EXPIRING_WITHIN_DAYS: u32 = 14;

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

/// The two moments that divide the statuses at one time: a key expiring at or before `now`
/// is expired, one expiring after `now` and at or before `soon` is expiring.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusBounds {
    now: Timestamp,
    soon: Timestamp,
}

impl StatusBounds {
    /// The bounds when it is `now`.
    pub fn at(now: Timestamp) -> Self {
        let soon = now.shifted(time::Duration::days(i64::from(EXPIRING_WITHIN_DAYS)));
        Self { now, soon }
    }

    /// The time of the question.
    pub fn now(&self) -> &Timestamp {
        &self.now
    }

    /// [`EXPIRING_WITHIN_DAYS`] days after [`StatusBounds::now`]: the end of the *expiring*
    /// window.
    pub fn soon(&self) -> &Timestamp {
        &self.soon
    }
}

impl KeyStatus {
    /// The status of a key expiring at `expires_at` (`None`: never) within `bounds`. An
    /// expiring key is also active.
    pub fn of(expires_at: Option<&Timestamp>, bounds: &StatusBounds) -> Self {
        match expires_at {
            Some(at) if *at <= bounds.now => Self::Expired,
            Some(at) if *at <= bounds.soon => Self::Expiring,
            _ => Self::Active,
        }
    }
}

/// A new key (create, import) must work for a while: its expiry must be later than `now`.
/// Modify may set a past time, which retires a key at once.
pub fn check_new_expiry(expires_at: &Timestamp, now: &Timestamp) -> Result<(), FieldError> {
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

/// OpenSSH's `expiry-time` option for a key expiring at `expires_at`, as `authorized_keys`
/// serves it: `expiry-time="YYYYMMDDHHMMSSZ"`, so sshd refuses the key after that time
/// whatever copy of the line it reads (a host's cache included). sshd counts whole seconds
/// and refuses only once the named second is over (`valid_before < now`), so the option names
/// the last second that ends by the expiry: one second before it, floored. Never later than
/// Keyrack, at most a second earlier (none for a whole-second expiry).
pub fn sshd_expiry_time(expires_at: &Timestamp) -> String {
    let at = expires_at.time();
    let last = at
        .replace_nanosecond(0)
        .unwrap_or(at)
        .checked_sub(time::Duration::SECOND)
        .unwrap_or(at);
    format!(
        "expiry-time=\"{:04}{:02}{:02}{:02}{:02}{:02}Z\"",
        last.year(),
        u8::from(last.month()),
        last.day(),
        last.hour(),
        last.minute(),
        last.second()
    )
}

/// `deserialize_with` for a field that may be absent (keep), `null` (clear) or a value.
pub(crate) fn present<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(d).map(Some)
}

/// An `expires_at` as a client wrote it (any RFC 3339 offset), as a [`Timestamp`].
pub fn read_expiry(expires_at: Option<&str>) -> Result<Option<Timestamp>, FieldError> {
    expires_at
        .map(|at| Timestamp::parse("expires_at", at))
        .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        Timestamp::parse("at", text).unwrap()
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
                sshd_expiry_time(&at(stored)),
                format!("expiry-time=\"{option}\""),
                "{stored}"
            );
        }
    }

    #[test]
    fn a_new_key_expires_in_the_future() {
        let now = at("2027-01-01T00:00:00.000Z");
        assert!(check_new_expiry(&at("2027-01-01T00:00:00.001Z"), &now).is_ok());
        let e = check_new_expiry(&now, &now).unwrap_err();
        assert_eq!((e.field.as_str(), e.rule), ("expires_at", Rule::Range));
    }

    #[test]
    fn statuses_follow_the_clock() {
        let bounds = StatusBounds::at(at("2027-01-01T00:00:00.000Z"));
        assert_eq!(bounds.soon, "2027-01-15T00:00:00.000Z");
        assert_eq!(KeyStatus::of(None, &bounds), KeyStatus::Active);
        assert_eq!(
            KeyStatus::of(Some(&at("2027-03-01T00:00:00Z")), &bounds),
            KeyStatus::Active
        );
        assert_eq!(
            KeyStatus::of(Some(&at("2027-01-10T00:00:00Z")), &bounds),
            KeyStatus::Expiring
        );
        assert_eq!(
            KeyStatus::of(Some(&bounds.now), &bounds),
            KeyStatus::Expired
        );
    }
}
