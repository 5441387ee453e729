//! The list queries (`KeyPairQuery`, `InstanceQuery`, `AuditQuery`) as query strings: one
//! serde definition read by the server's extractor, written by the SPA's client, and kept in
//! the SPA's URLs. Each parameter is read trimmed and, when it is not text, parsed by
//! `FromStr`; a refusal says what the parameter must be.

use std::str::FromStr;

use serde::de::{DeserializeOwned, Error as _};
use serde::{Deserialize, Deserializer, Serialize};

use crate::error::{FieldError, Rule};
use crate::spelling::SpellingError;

/// `deserialize_with` for an enum parameter, such as `sort` or `state`.
pub(crate) fn spelled<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: FromStr<Err = SpellingError>,
{
    Option::<String>::deserialize(d)?
        .map(|s| {
            s.trim()
                .parse()
                .map_err(|e| D::Error::custom(format!("must be {e}")))
        })
        .transpose()
}

/// `deserialize_with` for a count, such as `offset` or `limit`.
pub(crate) fn number<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    Option::<String>::deserialize(d)?
        .map(|s| {
            s.trim()
                .parse()
                .map_err(|_| D::Error::custom("must be a non-negative whole number"))
        })
        .transpose()
}

/// The query string of `query`, with only the parameters that are set.
pub fn to_query_string<T: Serialize>(query: &T) -> String {
    // A list query is a flat struct of optional scalars, which always encodes.
    serde_urlencoded::to_string(query).unwrap_or_default()
}

/// Reads a query string, refusing the first bad parameter by name (rule `format`). Unknown
/// parameters are ignored; a repeated one keeps its last value.
pub fn from_query_string<T: DeserializeOwned>(query: &str) -> Result<T, FieldError> {
    let pairs = last_values(query);
    if let Some((name, message)) = pairs.iter().find_map(|(k, v)| refusal::<T>(k, v)) {
        return Err(FieldError::new(
            name.clone(),
            Rule::Format,
            format!("{name} {message}"),
        ));
    }
    // Each parameter is valid alone, and they are independent.
    serde_urlencoded::from_str(&serde_urlencoded::to_string(&pairs).unwrap_or_default())
        .map_err(|e| FieldError::new("query", Rule::Format, e.to_string()))
}

/// Reads a query string that people may have edited by hand: a bad parameter is left out,
/// so it takes its default.
pub fn from_query_string_lenient<T: DeserializeOwned + Default>(query: &str) -> T {
    let mut pairs = last_values(query);
    pairs.retain(|(k, v)| refusal::<T>(k, v).is_none());
    serde_urlencoded::from_str(&serde_urlencoded::to_string(&pairs).unwrap_or_default())
        .unwrap_or_default()
}

fn last_values(query: &str) -> Vec<(String, String)> {
    let all: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap_or_default();
    let mut last: Vec<(String, String)> = Vec::with_capacity(all.len());
    for (k, v) in all {
        last.retain(|(seen, _)| *seen != k);
        last.push((k, v));
    }
    last
}

/// Why `name=value` alone is refused, if it is.
fn refusal<T: DeserializeOwned>(name: &str, value: &str) -> Option<(String, String)> {
    let alone = serde_urlencoded::to_string([(name, value)]).ok()?;
    serde_urlencoded::from_str::<T>(&alone)
        .err()
        .map(|e| (name.to_owned(), e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{AuditQuery, InstanceQuery, InstanceState, KeyPairQuery, KeyPairSort, KeyStatus};

    #[test]
    fn queries_round_trip_with_only_what_is_set() {
        let q = KeyPairQuery {
            q: Some("web 01".into()),
            tag: Some("env:prod".into()),
            status: Some(KeyStatus::Expiring),
            unused_for_days: Some(90),
            sort: Some(KeyPairSort::LastLoginDesc),
            offset: Some(40),
            limit: Some(20),
        };
        let text = to_query_string(&q);
        assert_eq!(
            text,
            "q=web+01&tag=env%3Aprod&status=expiring&unused_for_days=90&sort=-last_login&offset=40\
             &limit=20"
        );
        assert_eq!(from_query_string(&text), Ok(q));
        assert_eq!(to_query_string(&InstanceQuery::default()), "");
    }

    #[test]
    fn values_are_trimmed_any_case_and_last_wins() {
        let q: InstanceQuery =
            from_query_string("state=%20running&limit=5&limit=%207&zzz=1").expect("valid");
        assert_eq!(q.state, Some(InstanceState::Running));
        assert_eq!(q.limit, Some(7));
    }

    #[test]
    fn refusals_name_the_parameter_and_what_it_must_be() {
        let e = from_query_string::<InstanceQuery>("q=x&state=ON").expect_err("bad state");
        assert_eq!((e.field.as_str(), e.rule), ("state", Rule::Format));
        assert_eq!(
            e.message,
            "state must be RUNNING, STOPPED, STARTING or STOPPING"
        );
        let e = from_query_string::<KeyPairQuery>("offset=-5").expect_err("negative");
        assert_eq!(e.message, "offset must be a non-negative whole number");
        let e = from_query_string::<AuditQuery>("limit=ten").expect_err("not a number");
        assert_eq!(e.field, "limit");
    }

    #[test]
    fn lenient_reading_drops_only_the_bad_parameters() {
        let q: KeyPairQuery = from_query_string_lenient("q=a&sort=size&limit=x&offset=20");
        assert_eq!(q.q.as_deref(), Some("a"));
        assert_eq!((q.sort, q.limit, q.offset), (None, None, Some(20)));
        let odd: KeyPairQuery = from_query_string_lenient("%%%&&=&sort");
        assert_eq!(odd.sort, None);
    }
}
