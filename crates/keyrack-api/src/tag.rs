//! Tags: key/value labels on a key pair (`docs/rules.md`).

use serde::{Deserialize, Serialize};

use crate::error::{FieldError, Rule};
use crate::limits::{RESERVED_TAG_PREFIX, TAGS_MAX, TAG_KEY_MAX_CHARS, TAG_VALUE_MAX_CHARS};
use crate::validate::{clean_text, describe_char};

/// One tag. The value may be empty.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Tag {
    /// 1–127 characters, unique on its key pair.
    pub key: String,
    /// 0–255 characters.
    #[serde(default)]
    pub value: String,
}

impl Tag {
    /// A tag.
    pub fn new(key: impl Into<String>, value: impl Into<String>) -> Self {
        Self {
            key: key.into(),
            value: value.into(),
        }
    }
}

/// Checks a whole tag set: at most 50 tags, each key 1–127 and each value 0–255 characters
/// of letters (any script), digits, space and `+-=._:/@`, keys unique, `keyrack:` reserved.
pub fn validate_tags(tags: &[Tag]) -> Result<(), FieldError> {
    if tags.len() > TAGS_MAX {
        return Err(FieldError::new(
            "tags",
            Rule::Count,
            format!("at most {TAGS_MAX} tags are allowed"),
        ));
    }
    for (i, tag) in tags.iter().enumerate() {
        let key_field = format!("tags[{i}].key");
        let len = tag.key.chars().count();
        if len == 0 {
            return Err(FieldError::new(
                key_field,
                Rule::Required,
                "the tag key is required",
            ));
        }
        if len > TAG_KEY_MAX_CHARS {
            return Err(FieldError::new(
                key_field,
                Rule::Length,
                format!(
                    "the tag key has {len} characters; at most {TAG_KEY_MAX_CHARS} are allowed"
                ),
            ));
        }
        check_tag_chars(&key_field, "tag key", &tag.key)?;
        if tag
            .key
            .get(..RESERVED_TAG_PREFIX.len())
            .is_some_and(|p| p.eq_ignore_ascii_case(RESERVED_TAG_PREFIX))
        {
            return Err(FieldError::new(
                key_field,
                Rule::Reserved,
                format!("tag keys starting with \"{RESERVED_TAG_PREFIX}\" are reserved"),
            ));
        }
        if tags[..i].iter().any(|t| t.key == tag.key) {
            return Err(FieldError::new(
                key_field,
                Rule::Unique,
                format!("the tag key \"{}\" is used twice", tag.key),
            ));
        }
        let value_field = format!("tags[{i}].value");
        let len = tag.value.chars().count();
        if len > TAG_VALUE_MAX_CHARS {
            return Err(FieldError::new(
                value_field,
                Rule::Length,
                format!(
                    "the tag value has {len} characters; at most {TAG_VALUE_MAX_CHARS} are allowed"
                ),
            ));
        }
        check_tag_chars(&value_field, "tag value", &tag.value)?;
    }
    Ok(())
}

/// [`clean_text`] first, so an invisible character is refused by its own rule, then the
/// tag character set.
fn check_tag_chars(field: &str, what: &str, text: &str) -> Result<(), FieldError> {
    clean_text(field, text)?;
    match text
        .chars()
        .find(|&c| !(c.is_alphanumeric() || c == ' ' || "+-=._:/@".contains(c)))
    {
        Some(bad) => Err(FieldError::new(
            field,
            Rule::Charset,
            format!(
                "{} is not allowed in a {what}; use letters, digits, spaces and + - = . _ : / @",
                describe_char(bad)
            ),
        )),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(tags: &[Tag]) -> (String, Rule) {
        let e = validate_tags(tags).unwrap_err();
        (e.field, e.rule)
    }

    #[test]
    fn valid_tags_pass() {
        assert!(validate_tags(&[]).is_ok());
        assert!(validate_tags(&[
            Tag::new("env", "prod"),
            Tag::new("团队", "基础设施"),
            Tag::new("owner", ""),
            Tag::new("path", "/srv/app:8080 a+b=c@d"),
        ])
        .is_ok());
    }

    #[test]
    fn each_rule_names_its_field() {
        assert_eq!(
            rule(&[Tag::new("", "v")]),
            ("tags[0].key".into(), Rule::Required)
        );
        assert_eq!(
            rule(&[Tag::new("a", ""), Tag::new("k".repeat(128), "")]),
            ("tags[1].key".into(), Rule::Length)
        );
        assert_eq!(
            rule(&[Tag::new("a", "v".repeat(256))]),
            ("tags[0].value".into(), Rule::Length)
        );
        assert_eq!(
            rule(&[Tag::new("a!", "")]),
            ("tags[0].key".into(), Rule::Charset)
        );
        assert_eq!(
            rule(&[Tag::new("a", "x;y")]),
            ("tags[0].value".into(), Rule::Charset)
        );
        assert_eq!(
            rule(&[Tag::new("KeyRack:owner", "")]),
            ("tags[0].key".into(), Rule::Reserved)
        );
        assert_eq!(
            rule(&[Tag::new("env", "a"), Tag::new("env", "b")]),
            ("tags[1].key".into(), Rule::Unique)
        );
        let many: Vec<Tag> = (0..51).map(|i| Tag::new(format!("k{i}"), "")).collect();
        assert_eq!(rule(&many), ("tags".into(), Rule::Count));
    }
}
