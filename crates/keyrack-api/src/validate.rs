//! Name and description rules (DESIGN §2).

use crate::error::{FieldError, Rule};
use crate::limits::{DESCRIPTION_MAX_CHARS, NAME_MAX_CHARS};

/// Checks a key-pair name: 1–64 characters of `[A-Za-z0-9_.@-]`, starting with a letter or
/// digit. Uniqueness is the server's to check.
pub fn validate_name(name: &str) -> Result<(), FieldError> {
    let field = "name";
    let len = name.chars().count();
    if len == 0 {
        return Err(FieldError::new(
            field,
            Rule::Required,
            "the name is required",
        ));
    }
    if len > NAME_MAX_CHARS {
        return Err(FieldError::new(
            field,
            Rule::Length,
            format!("the name has {len} characters; at most {NAME_MAX_CHARS} are allowed"),
        ));
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '@' | '-')))
    {
        return Err(FieldError::new(
            field,
            Rule::Charset,
            format!(
                "{} is not allowed; use letters A–Z, digits and _ . @ -",
                describe_char(bad)
            ),
        ));
    }
    if !name.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        return Err(FieldError::new(
            field,
            Rule::FirstChar,
            "the name must start with a letter or a digit",
        ));
    }
    Ok(())
}

/// Checks a description: at most 255 Unicode scalar values, no control characters and no
/// bidirectional overrides (they can make text display differently from what it is).
pub fn validate_description(description: &str) -> Result<(), FieldError> {
    let field = "description";
    let len = description.chars().count();
    if len > DESCRIPTION_MAX_CHARS {
        return Err(FieldError::new(
            field,
            Rule::Length,
            format!(
                "the description has {len} characters; at most {DESCRIPTION_MAX_CHARS} are allowed"
            ),
        ));
    }
    check_text(field, description)
}

/// Rejects control characters and bidi overrides in free text.
pub(crate) fn check_text(field: &str, text: &str) -> Result<(), FieldError> {
    if let Some(c) = text.chars().find(|c| c.is_control()) {
        return Err(FieldError::new(
            field,
            Rule::ControlChar,
            format!(
                "control characters such as {} are not allowed",
                describe_char(c)
            ),
        ));
    }
    if let Some(c) = text.chars().find(|c| is_bidi_override(*c)) {
        return Err(FieldError::new(
            field,
            Rule::BidiOverride,
            format!(
                "bidirectional override characters such as {} are not allowed",
                describe_char(c)
            ),
        ));
    }
    Ok(())
}

fn is_bidi_override(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Names a character so that invisible ones are still readable in a message.
pub(crate) fn describe_char(c: char) -> String {
    if c.is_control() || c.is_whitespace() || is_bidi_override(c) {
        format!("U+{:04X}", c as u32)
    } else {
        format!("'{c}'")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_rule() {
        for ok in [
            "a",
            "web-prod_01",
            "0key",
            "me@host.example",
            &"x".repeat(64),
        ] {
            assert!(validate_name(ok).is_ok(), "{ok}");
        }
        let rule = |n: &str| validate_name(n).unwrap_err().rule;
        assert_eq!(rule(""), Rule::Required);
        assert_eq!(rule(&"x".repeat(65)), Rule::Length);
        assert_eq!(rule("has space"), Rule::Charset);
        assert_eq!(rule("ключ"), Rule::Charset);
        assert_eq!(rule("-lead"), Rule::FirstChar);
        assert_eq!(rule(".lead"), Rule::FirstChar);
    }

    #[test]
    fn name_errors_name_the_field_and_the_character() {
        let e = validate_name("a b").unwrap_err();
        assert_eq!(e.field, "name");
        assert!(e.message.contains("U+0020"), "{}", e.message);
    }

    #[test]
    fn descriptions_follow_the_rule() {
        assert!(validate_description("").is_ok());
        assert!(validate_description("Ключ для 生产 servers ✓").is_ok());
        assert!(validate_description(&"é".repeat(255)).is_ok());
        assert_eq!(
            validate_description(&"é".repeat(256)).unwrap_err().rule,
            Rule::Length
        );
        assert_eq!(
            validate_description("line\nbreak").unwrap_err().rule,
            Rule::ControlChar
        );
        assert_eq!(
            validate_description("evil\u{202E}txt").unwrap_err().rule,
            Rule::BidiOverride
        );
        assert_eq!(
            validate_description("isolate\u{2066}").unwrap_err().rule,
            Rule::BidiOverride
        );
    }
}
