//! A moment as Keyrack writes, stores and compares it: UTC with milliseconds and a `Z`
//! (`2027-01-31T00:00:00.000Z`). The form has a fixed width and a four-digit year, so text
//! order is time order: `Ord` is the string's, and the stores compare and sort the column as
//! text on both backends.

use core::fmt;

use serde::{Deserialize, Serialize};
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime, UtcOffset};

use crate::error::{FieldError, Rule};

/// The latest time accepted: the stored form has a four-digit year.
const LAST_YEAR: i32 = 9999;

/// A moment, as every time the API serves is written: RFC 3339 in UTC with milliseconds and
/// a `Z`, such as `2027-01-31T00:00:00.000Z`; sorting the text sorts by time.
// Made from a clock reading (`at`), from what a client typed (`parse`, any offset), or read
// from the wire or the store, where anything not already in the form is refused.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String")]
#[cfg_attr(
    feature = "openapi",
    derive(utoipa::ToSchema),
    schema(value_type = String, format = DateTime, example = "2027-01-31T00:00:00.000Z")
)]
pub struct Timestamp(String);

/// A value that is not a time in the stored form.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a time of the form 2027-01-31T00:00:00.000Z")]
pub struct NotStoredForm;

impl Timestamp {
    /// The earliest moment the form can write.
    const FIRST: &'static str = "0000-01-01T00:00:00.000Z";
    /// The latest moment the form can write.
    const LAST: &'static str = "9999-12-31T23:59:59.999Z";

    /// `at` in the stored form (milliseconds kept, finer parts dropped); a moment outside the
    /// form's years is written as its first or last moment.
    pub fn at(at: OffsetDateTime) -> Self {
        let Some(at) = at.checked_to_offset(UtcOffset::UTC) else {
            // Only a moment near the ends of `time`'s range has no UTC reading.
            return Self::edge(at.year() < 0);
        };
        if !(0..=LAST_YEAR).contains(&at.year()) {
            return Self::edge(at.year() < 0);
        }
        Self(format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
            at.year(),
            u8::from(at.month()),
            at.day(),
            at.hour(),
            at.minute(),
            at.second(),
            at.millisecond()
        ))
    }

    /// The form's first (`true`) or last moment.
    fn edge(first: bool) -> Self {
        Self(if first { Self::FIRST } else { Self::LAST }.to_owned())
    }

    /// Reads an RFC 3339 time a client gave as `field` (any offset, seconds with optional
    /// fractions), between the years 1970 and 9999.
    pub fn parse(field: &str, text: &str) -> Result<Self, FieldError> {
        let at = OffsetDateTime::parse(text.trim(), &Rfc3339).map_err(|_| {
            FieldError::new(
                field,
                Rule::Format,
                format!(
                    "{field} must be an RFC 3339 time such as 2027-01-31T00:00:00Z; got {:?}",
                    text.chars().take(40).collect::<String>()
                ),
            )
        })?;
        let year = at.checked_to_offset(UtcOffset::UTC).map(|at| at.year());
        if !year.is_some_and(|year| (1970..=LAST_YEAR).contains(&year)) {
            return Err(FieldError::new(
                field,
                Rule::Range,
                format!("{field} must be between the years 1970 and {LAST_YEAR}"),
            ));
        }
        Ok(Self::at(at))
    }

    /// The stored form.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The moment itself.
    pub fn time(&self) -> OffsetDateTime {
        // The form was checked when the value was made, so this parse cannot fail; the epoch
        // stands in rather than a panic should that ever change.
        OffsetDateTime::parse(&self.0, &Rfc3339).unwrap_or(OffsetDateTime::UNIX_EPOCH)
    }

    /// This moment moved by `by` (forward or back); past the form's first or last moment, that
    /// moment (a retention of a century reaches back before 1970, and must not wrap).
    pub fn shifted(&self, by: Duration) -> Self {
        Self::moved(self.time(), by)
    }

    /// `at` moved by `by`, as [`Timestamp::shifted`] moves a stored one: for a clock reading,
    /// which then needs no round trip through the text.
    pub fn moved(at: OffsetDateTime, by: Duration) -> Self {
        match at.checked_add(by) {
            Some(moved) => Self::at(moved),
            None => Self::edge(by.is_negative()),
        }
    }
}

/// Whether `text` has the stored form's shape: `dddd-dd-ddTdd:dd:dd.dddZ`. The shape is what
/// makes text order time order; the server only ever writes values made by [`Timestamp::at`].
fn is_stored_form(text: &str) -> bool {
    const SHAPE: &[u8; 24] = b"0000-00-00T00:00:00.000Z";
    text.len() == SHAPE.len()
        && text.bytes().zip(SHAPE).all(|(byte, &want)| match want {
            b'0' => byte.is_ascii_digit(),
            _ => byte == want,
        })
}

impl TryFrom<String> for Timestamp {
    type Error = NotStoredForm;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        if is_stored_form(&text) {
            Ok(Self(text))
        } else {
            Err(NotStoredForm)
        }
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for Timestamp {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl PartialEq<str> for Timestamp {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for Timestamp {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

// Stored as text on both backends (through sqlx's `Any` driver); a stored value that is not
// in the form is an error, not a silently misordered time.
#[cfg(all(feature = "sqlx", not(target_arch = "wasm32")))]
mod store {
    use super::Timestamp;

    impl sqlx::Type<sqlx::Any> for Timestamp {
        fn type_info() -> sqlx::any::AnyTypeInfo {
            <str as sqlx::Type<sqlx::Any>>::type_info()
        }

        fn compatible(ty: &sqlx::any::AnyTypeInfo) -> bool {
            <str as sqlx::Type<sqlx::Any>>::compatible(ty)
        }
    }

    impl<'q> sqlx::Encode<'q, sqlx::Any> for Timestamp {
        fn encode_by_ref(
            &self,
            buf: &mut <sqlx::Any as sqlx::Database>::ArgumentBuffer<'q>,
        ) -> Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
            <String as sqlx::Encode<'q, sqlx::Any>>::encode_by_ref(&self.0, buf)
        }
    }

    impl<'r> sqlx::Decode<'r, sqlx::Any> for Timestamp {
        fn decode(value: sqlx::any::AnyValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
            let text = <String as sqlx::Decode<'r, sqlx::Any>>::decode(value)?;
            Ok(Self::try_from(text)?)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_offset_is_stored_as_utc_with_milliseconds() {
        assert_eq!(
            Timestamp::parse("expires_at", "2027-01-31T08:00:00+08:00").unwrap(),
            "2027-01-31T00:00:00.000Z"
        );
        assert_eq!(
            Timestamp::parse("expires_at", "2027-01-31T00:00:00.123456Z").unwrap(),
            "2027-01-31T00:00:00.123Z"
        );
    }

    #[test]
    fn a_bad_time_names_the_field_and_the_rule() {
        for bad in ["", "tomorrow", "2027-01-31", "2027-02-30T00:00:00Z"] {
            let e = Timestamp::parse("expires_at", bad).unwrap_err();
            assert_eq!(
                (e.field.as_str(), e.rule),
                ("expires_at", Rule::Format),
                "{bad}"
            );
        }
        let e = Timestamp::parse("expires_at", "1969-12-31T23:59:59Z").unwrap_err();
        assert_eq!(e.rule, Rule::Range);
    }

    #[test]
    fn order_is_time_order() {
        let parse = |text| Timestamp::parse("at", text).unwrap();
        assert!(parse("2027-01-01T00:00:00+08:00") < parse("2026-12-31T17:00:00Z"));
        assert!(parse("2027-01-01T00:00:00.001Z") > parse("2027-01-01T00:00:00Z"));
    }

    #[test]
    fn only_the_stored_form_is_read_from_the_wire() {
        let ok: Timestamp = serde_json::from_str("\"2027-01-31T00:00:00.000Z\"").unwrap();
        assert_eq!(
            serde_json::to_string(&ok).unwrap(),
            "\"2027-01-31T00:00:00.000Z\""
        );
        for bad in [
            "\"2027-01-31T00:00:00Z\"",
            "\"2027-01-31T08:00:00.000+08:00\"",
            "\"2027-01-31 00:00:00.000Z\"",
            "\"٢٠٢٧-01-31T00:00:00.000Z\"",
            "17",
        ] {
            assert!(serde_json::from_str::<Timestamp>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn shifting_moves_by_the_duration() {
        let at = Timestamp::parse("at", "2027-01-01T00:00:00Z").unwrap();
        assert_eq!(at.shifted(Duration::days(14)), "2027-01-15T00:00:00.000Z");
        assert_eq!(at.shifted(-Duration::DAY), "2026-12-31T00:00:00.000Z");
    }

    #[test]
    fn far_moves_stop_at_the_ends_of_the_form() {
        let at = Timestamp::parse("at", "2027-01-01T00:00:00Z").unwrap();
        let century = Duration::days(36_500);
        assert_eq!(at.shifted(-century), "1927-01-26T00:00:00.000Z");
        assert_eq!(at.shifted(-century * 30), "0000-01-01T00:00:00.000Z");
        assert_eq!(at.shifted(century * 80), "9999-12-31T23:59:59.999Z");
        assert!(at.shifted(-century * 30) < at && at < at.shifted(century * 80));
    }

    #[test]
    fn a_time_past_the_last_year_in_utc_is_refused_not_a_panic() {
        let e = Timestamp::parse("expires_at", "9999-12-31T23:00:00-05:00").unwrap_err();
        assert_eq!(e.rule, Rule::Range);
    }
}
