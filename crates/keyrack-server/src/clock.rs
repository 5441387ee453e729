//! Timestamps as the API serves them.

use time::OffsetDateTime;

/// Now, as RFC 3339 UTC with milliseconds.
pub fn now() -> String {
    rfc3339(OffsetDateTime::now_utc())
}

/// `delay` from now, in the same form.
pub fn after(delay: std::time::Duration) -> String {
    let delay = time::Duration::try_from(delay).unwrap_or(time::Duration::ZERO);
    let now = OffsetDateTime::now_utc();
    rfc3339(now.checked_add(delay).unwrap_or(now))
}

/// `age` ago, in the same form.
pub fn before(age: std::time::Duration) -> String {
    let age = time::Duration::try_from(age).unwrap_or(time::Duration::ZERO);
    let now = OffsetDateTime::now_utc();
    rfc3339(now.checked_sub(age).unwrap_or(now))
}

/// RFC 3339 UTC with milliseconds and a `Z`. The fixed width makes the text sort in time
/// order, which the store relies on; expiry times given to the API are stored in it too.
pub fn rfc3339(t: OffsetDateTime) -> String {
    keyrack_api::stored_form(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_fixed_width_utc() {
        let t = OffsetDateTime::from_unix_timestamp(1_700_000_000).expect("valid timestamp");
        assert_eq!(rfc3339(t), "2023-11-14T22:13:20.000Z");
    }
}
