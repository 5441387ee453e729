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

/// Most parameters one query string may carry; every list query has fewer than ten, so more
/// can only be an attempt to make the server work.
pub const MAX_QUERY_PARAMETERS: usize = 64;

/// Longest search text (`q`), in characters.
pub const MAX_SEARCH_CHARS: usize = 256;

/// Longest value of any other parameter, in characters: a `tag` filter of the longest key
/// and value (127 + 1 + 255) fits.
pub const MAX_PARAMETER_CHARS: usize = 400;

/// The name-value pairs of a query string, decoded in one pass and refused, naming the
/// parameter and the rule, when there are more than [`MAX_QUERY_PARAMETERS`], when one
/// appears twice (every parameter of this API takes one value), or when a value is longer
/// than its limit. Linear in the length of the query, whatever it holds; the server checks
/// this before any other work on a request.
pub fn query_pairs(query: &str) -> Result<Vec<(String, String)>, FieldError> {
    let mut pairs: Vec<(String, String)> = Vec::new();
    for (name, value) in form_urlencoded::parse(query.as_bytes()) {
        if pairs.len() == MAX_QUERY_PARAMETERS {
            return Err(FieldError::new(
                "query",
                Rule::Count,
                format!("a query string may carry at most {MAX_QUERY_PARAMETERS} parameters"),
            ));
        }
        // At most 64 names to compare: bounded, and cheaper than hashing them.
        if pairs.iter().any(|(seen, _)| *seen == name) {
            return Err(FieldError::new(
                name.clone(),
                Rule::Unique,
                format!("{name} may appear only once"),
            ));
        }
        let limit = if name == "q" {
            MAX_SEARCH_CHARS
        } else {
            MAX_PARAMETER_CHARS
        };
        if value.chars().nth(limit).is_some() {
            return Err(FieldError::new(
                name.clone(),
                Rule::Length,
                format!("{name} must be at most {limit} characters"),
            ));
        }
        pairs.push((name.into_owned(), value.into_owned()));
    }
    Ok(pairs)
}

/// Reads a query string, refusing the first bad parameter by name: the bounds of
/// [`query_pairs`], then each parameter's own rule (`format`). Unknown parameters are
/// ignored.
pub fn from_query_string<T: DeserializeOwned>(query: &str) -> Result<T, FieldError> {
    let pairs = query_pairs(query)?;
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
/// so it takes its default, and a repeated one keeps its last value. Only the first
/// [`MAX_QUERY_PARAMETERS`] count.
pub fn from_query_string_lenient<T: DeserializeOwned + Default>(query: &str) -> T {
    let mut pairs: Vec<(String, String)> = Vec::new();
    for (name, value) in form_urlencoded::parse(query.as_bytes()).take(MAX_QUERY_PARAMETERS) {
        pairs.retain(|(seen, _)| *seen != name);
        pairs.push((name.into_owned(), value.into_owned()));
    }
    pairs.retain(|(k, v)| refusal::<T>(k, v).is_none());
    serde_urlencoded::from_str(&serde_urlencoded::to_string(&pairs).unwrap_or_default())
        .unwrap_or_default()
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
    fn values_are_trimmed_any_case() {
        let q: InstanceQuery =
            from_query_string("state=%20running&limit=%207&zzz=1").expect("valid");
        assert_eq!(q.state, Some(InstanceState::Running));
        assert_eq!(q.limit, Some(7));
    }

    #[test]
    fn bounds_name_the_parameter_and_the_rule() {
        let e = from_query_string::<InstanceQuery>("limit=5&q=a&limit=7").expect_err("twice");
        assert_eq!((e.field.as_str(), e.rule), ("limit", Rule::Unique));
        assert_eq!(e.message, "limit may appear only once");

        let many: Vec<String> = (0..=MAX_QUERY_PARAMETERS)
            .map(|i| format!("p{i}=1"))
            .collect();
        let e = from_query_string::<KeyPairQuery>(&many.join("&")).expect_err("65 parameters");
        assert_eq!((e.field.as_str(), e.rule), ("query", Rule::Count));
        assert!(from_query_string::<KeyPairQuery>(&many[1..].join("&")).is_ok());

        let long = "é".repeat(MAX_SEARCH_CHARS + 1);
        let e = from_query_string::<KeyPairQuery>(&format!("q={long}")).expect_err("long q");
        assert_eq!((e.field.as_str(), e.rule), ("q", Rule::Length));
        assert_eq!(e.message, "q must be at most 256 characters");
        let q: KeyPairQuery =
            from_query_string(&format!("q={}", &long[2..])).expect("256 characters");
        assert_eq!(q.q.map(|q| q.chars().count()), Some(MAX_SEARCH_CHARS));
        // The longest tag filter the rules allow passes.
        let tag = format!("tag={}:{}", "k".repeat(127), "v".repeat(255));
        assert!(from_query_string::<KeyPairQuery>(&tag).is_ok());
    }

    #[test]
    fn a_hostile_query_is_refused_after_the_first_bad_pair() {
        // 13,000 distinct names in 64 KB: refused at the 65th, without reading the rest.
        let names: Vec<String> = (0..13_000).map(|i| format!("n{i}=")).collect();
        let query = names.join("&");
        assert!(query.len() > 60_000);
        let e = from_query_string::<KeyPairQuery>(&query).expect_err("too many");
        assert_eq!(e.rule, Rule::Count);
        let lenient: KeyPairQuery = from_query_string_lenient(&format!("q=x&{query}"));
        assert_eq!(lenient.q.as_deref(), Some("x"));
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
        let last: KeyPairQuery = from_query_string_lenient("limit=5&limit=7");
        assert_eq!(last.limit, Some(7));
    }
}
