//! Pages of results and the key-pair list query, including the search box's syntax.

use serde::{Deserialize, Serialize};

use crate::error::{FieldError, Rule};
use crate::expiry::KeyStatus;
use crate::limits::{LIST_LIMIT_DEFAULT, LIST_LIMIT_MAX};
use crate::query_string::{number, spelled};

/// One page of a list and the total number of matches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct List<T> {
    /// Matches in all pages.
    pub total: u64,
    /// This page.
    pub items: Vec<T>,
}

/// The page size asked for (`limit`), or the default; 1–100.
pub fn page_limit(limit: Option<u32>) -> Result<u32, FieldError> {
    let limit = limit.unwrap_or(LIST_LIMIT_DEFAULT);
    if (1..=LIST_LIMIT_MAX).contains(&limit) {
        Ok(limit)
    } else {
        Err(FieldError::new(
            "limit",
            Rule::Range,
            format!("limit is {limit}; it must be between 1 and {LIST_LIMIT_MAX}"),
        ))
    }
}

/// Orders of the key-pair list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum KeyPairSort {
    /// Oldest first.
    #[serde(rename = "created_at")]
    CreatedAsc,
    /// Newest first (the default).
    #[default]
    #[serde(rename = "-created_at")]
    CreatedDesc,
    /// By name, A–Z, case-insensitively.
    #[serde(rename = "name")]
    NameAsc,
    /// By name, Z–A.
    #[serde(rename = "-name")]
    NameDesc,
    /// Least recently used first: keys that never logged in, then the oldest last login.
    #[serde(rename = "last_login")]
    LastLoginAsc,
    /// Most recently used first; keys that never logged in last.
    #[serde(rename = "-last_login")]
    LastLoginDesc,
}

/// `GET /key-pairs` query.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
#[serde(default)]
pub struct KeyPairQuery {
    /// Substring of the name or id, or a fingerprint (case-insensitive).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub q: Option<String>,
    /// `key` (has the tag) or `key:value` (has it with that value), split at the first `:`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
    /// `active` (not expired), `expiring` (within 14 days) or `expired`.
    #[serde(deserialize_with = "spelled", skip_serializing_if = "Option::is_none")]
    pub status: Option<KeyStatus>,
    /// Only keys with no login for this many days (1–3650) that are at least that old: a
    /// key that never logged in counts from its creation.
    #[serde(deserialize_with = "number", skip_serializing_if = "Option::is_none")]
    pub unused_for_days: Option<u32>,
    /// `created_at`, `-created_at` (default), `name`, `-name`, `last_login` (least recently
    /// used first) or `-last_login`.
    #[serde(deserialize_with = "spelled", skip_serializing_if = "Option::is_none")]
    pub sort: Option<KeyPairSort>,
    /// Items to skip.
    #[serde(deserialize_with = "number", skip_serializing_if = "Option::is_none")]
    pub offset: Option<u32>,
    /// Page size, 1–100 (default 20).
    #[serde(deserialize_with = "number", skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

/// A tag filter: a key, and optionally the value it must have.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TagFilter {
    /// Tag key.
    pub key: String,
    /// Required value; any value when `None`.
    pub value: Option<String>,
}

impl TagFilter {
    /// Parses the `tag` query parameter `key[:value]`.
    pub fn from_param(param: &str) -> Option<Self> {
        let (key, value) = match param.split_once(':') {
            Some((k, v)) => (k, Some(v.to_owned())),
            None => (param, None),
        };
        (!key.is_empty()).then(|| Self {
            key: key.to_owned(),
            value,
        })
    }

    /// The `tag` query parameter.
    pub fn to_param(&self) -> String {
        match &self.value {
            Some(v) => format!("{}:{v}", self.key),
            None => self.key.clone(),
        }
    }
}

/// What a user typed in the search box: free text plus an optional `tag:key=value` term.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchQuery {
    /// Free text (name, id or fingerprint).
    pub text: String,
    /// The tag term, if one was typed.
    pub tag: Option<TagFilter>,
}

impl SearchQuery {
    /// Splits the search box's text: a word `tag:key` or `tag:key=value` (split at the first
    /// `=`) becomes the tag filter; the rest is free text.
    pub fn parse(input: &str) -> Self {
        let mut text = Vec::new();
        let mut tag = None;
        for word in input.split_whitespace() {
            match word.strip_prefix("tag:") {
                Some(term) if !term.is_empty() && tag.is_none() => {
                    let (key, value) = match term.split_once('=') {
                        Some((k, v)) => (k, Some(v.to_owned())),
                        None => (term, None),
                    };
                    tag = Some(TagFilter {
                        key: key.to_owned(),
                        value,
                    });
                }
                _ => text.push(word),
            }
        }
        Self {
            text: text.join(" "),
            tag,
        }
    }

    /// The search box text for this query (the inverse of [`SearchQuery::parse`]).
    pub fn to_input(&self) -> String {
        let tag = self.tag.as_ref().map(|t| match &t.value {
            Some(v) => format!("tag:{}={v}", t.key),
            None => format!("tag:{}", t.key),
        });
        [tag.unwrap_or_default(), self.text.clone()]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_box_splits_tag_terms_from_text() {
        let q = SearchQuery::parse("  web tag:env=prod  01 ");
        assert_eq!(q.text, "web 01");
        assert_eq!(
            q.tag,
            Some(TagFilter {
                key: "env".into(),
                value: Some("prod".into())
            })
        );
        assert_eq!(SearchQuery::parse(&q.to_input()), q);
        assert_eq!(SearchQuery::parse("tag:team").tag.unwrap().value, None);
    }

    #[test]
    fn tag_param_round_trips() {
        let f = TagFilter::from_param("env:prod:eu").unwrap();
        assert_eq!(f.key, "env");
        assert_eq!(f.value.as_deref(), Some("prod:eu"));
        assert_eq!(TagFilter::from_param(&f.to_param()), Some(f));
        assert_eq!(TagFilter::from_param(""), None);
    }
}
