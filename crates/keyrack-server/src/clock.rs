//! The server's clock, read as the API writes times.

use keyrack_api::Timestamp;
use time::OffsetDateTime;

/// Now.
pub fn now() -> Timestamp {
    Timestamp::at(OffsetDateTime::now_utc())
}

/// `delay` from now.
pub fn after(delay: std::time::Duration) -> Timestamp {
    let delay = time::Duration::try_from(delay).unwrap_or(time::Duration::ZERO);
    Timestamp::moved(OffsetDateTime::now_utc(), delay)
}

/// `age` ago.
pub fn before(age: std::time::Duration) -> Timestamp {
    let age = time::Duration::try_from(age).unwrap_or(time::Duration::ZERO);
    Timestamp::moved(OffsetDateTime::now_utc(), -age)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clock_reads_in_the_stored_form() {
        let t = OffsetDateTime::from_unix_timestamp(1_700_000_000).expect("valid timestamp");
        assert_eq!(Timestamp::at(t), "2023-11-14T22:13:20.000Z");
        assert!(before(std::time::Duration::from_secs(1)) < after(std::time::Duration::ZERO));
        // A retention of a century reaches back before 1970: still in the past, not now.
        let century = std::time::Duration::from_secs(36_500 * 86_400);
        assert!(before(century) < before(std::time::Duration::from_secs(86_400)));
    }
}
