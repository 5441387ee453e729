//! Pages of results and the key-pair list query, including the search box's syntax.

use serde::{Deserialize, Serialize};

/// One page of a list and the total number of matches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct List<T> {
    /// Matches in all pages.
    pub total: u64,
    /// This page.
    pub items: Vec<T>,
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
}

impl KeyPairSort {
    /// The query-string spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::CreatedAsc => "created_at",
            Self::CreatedDesc => "-created_at",
            Self::NameAsc => "name",
            Self::NameDesc => "-name",
        }
    }

    /// Parses the query-string spelling.
    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::CreatedAsc,
            Self::CreatedDesc,
            Self::NameAsc,
            Self::NameDesc,
        ]
        .into_iter()
        .find(|v| v.as_str() == s)
    }
}

/// `GET /key-pairs` query.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct KeyPairQuery {
    /// Substring of the name or id, or a fingerprint (case-insensitive).
    pub q: Option<String>,
    /// `key` (has the tag) or `key:value` (has it with that value), split at the first `:`.
    pub tag: Option<String>,
    /// `created_at`, `-created_at` (default), `name` or `-name`.
    pub sort: Option<KeyPairSort>,
    /// Items to skip.
    pub offset: Option<u32>,
    /// Page size, 1–100 (default 20).
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

    #[test]
    fn sort_spellings_round_trip() {
        for s in ["created_at", "-created_at", "name", "-name"] {
            assert_eq!(KeyPairSort::parse(s).unwrap().as_str(), s);
        }
        assert_eq!(KeyPairSort::parse("bogus"), None);
    }
}
