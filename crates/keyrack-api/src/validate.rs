//! Name and description rules (`docs/rules.md`), and the one rule for text that is shown to people.

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
    clean_text(field, name)?;
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

/// Checks a description: at most 255 Unicode scalar values and [`clean_text`] (so no line
/// breaks either).
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
    clean_text(field, description)
}

/// What makes text unfit to be shown: it can hide, reorder or restyle what people read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unclean {
    /// Unicode `Cc`: C0 (line breaks and tabs included, and ESC), DEL and C1.
    Control,
    /// Bidirectional embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069) and
    /// marks (U+200E, U+200F, U+061C).
    Bidi,
    /// Zero-width characters (U+200B–U+200D, U+2060) and U+FEFF.
    Invisible,
}

fn unclean(c: char) -> Option<Unclean> {
    match c {
        c if c.is_control() => Some(Unclean::Control),
        '\u{202A}'..='\u{202E}'
        | '\u{2066}'..='\u{2069}'
        | '\u{200E}'
        | '\u{200F}'
        | '\u{061C}' => Some(Unclean::Bidi),
        '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' => Some(Unclean::Invisible),
        _ => None,
    }
}

/// The one rule for text that is shown to people (names, descriptions, tag keys and values,
/// token names, instance and image names): no control characters (Unicode `Cc`: line breaks,
/// tabs, ESC, DEL, C1), no bidirectional controls (overrides, embeddings, isolates and
/// marks) and no zero-width characters or U+FEFF. The refusal names `field` and the rule
/// broken (`control_char`, `bidi_override` or `invisible_char`), and the character as `U+…`.
pub fn clean_text(field: &str, text: &str) -> Result<(), FieldError> {
    let Some((c, kind)) = text.chars().find_map(|c| unclean(c).map(|k| (c, k))) else {
        return Ok(());
    };
    let (rule, what) = match kind {
        Unclean::Control => (Rule::ControlChar, "control characters"),
        Unclean::Bidi => (Rule::BidiOverride, "bidirectional control characters"),
        Unclean::Invisible => (Rule::InvisibleChar, "zero-width and invisible characters"),
    };
    Err(FieldError::new(
        field,
        rule,
        format!("{what} such as {} are not allowed", describe_char(c)),
    ))
}

/// `text` without what [`clean_text`] refuses: for text that is kept rather than refused,
/// such as the comment of an imported public key.
pub fn strip_unclean(text: &str) -> String {
    text.chars().filter(|&c| unclean(c).is_none()).collect()
}

/// Names a character so that invisible ones are still readable in a message.
pub(crate) fn describe_char(c: char) -> String {
    if c.is_whitespace() || unclean(c).is_some() {
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
        assert_eq!(
            validate_description("zero\u{200B}width").unwrap_err().rule,
            Rule::InvisibleChar
        );
    }

    /// Every character [`clean_text`] refuses, with the rule it is refused by.
    const UNCLEAN: &[(char, Rule)] = &[
        ('\0', Rule::ControlChar),
        ('\t', Rule::ControlChar),
        ('\n', Rule::ControlChar),
        ('\r', Rule::ControlChar),
        ('\u{1B}', Rule::ControlChar), // ESC
        ('\u{1F}', Rule::ControlChar),
        ('\u{7F}', Rule::ControlChar), // DEL
        ('\u{80}', Rule::ControlChar), // C1
        ('\u{85}', Rule::ControlChar), // NEL
        ('\u{9B}', Rule::ControlChar), // CSI
        ('\u{9F}', Rule::ControlChar),
        ('\u{202A}', Rule::BidiOverride),
        ('\u{202B}', Rule::BidiOverride),
        ('\u{202C}', Rule::BidiOverride),
        ('\u{202D}', Rule::BidiOverride),
        ('\u{202E}', Rule::BidiOverride),
        ('\u{2066}', Rule::BidiOverride),
        ('\u{2067}', Rule::BidiOverride),
        ('\u{2068}', Rule::BidiOverride),
        ('\u{2069}', Rule::BidiOverride),
        ('\u{200E}', Rule::BidiOverride), // LRM
        ('\u{200F}', Rule::BidiOverride), // RLM
        ('\u{061C}', Rule::BidiOverride), // ALM
        ('\u{200B}', Rule::InvisibleChar),
        ('\u{200C}', Rule::InvisibleChar),
        ('\u{200D}', Rule::InvisibleChar),
        ('\u{2060}', Rule::InvisibleChar),
        ('\u{FEFF}', Rule::InvisibleChar),
    ];

    #[test]
    fn clean_text_refuses_each_class_naming_field_rule_and_character() {
        for &(c, rule) in UNCLEAN {
            for text in [format!("{c}"), format!("a{c}"), format!("web{c}01")] {
                let e = clean_text("tags[3].value", &text).expect_err("refused");
                assert_eq!((e.field.as_str(), e.rule), ("tags[3].value", rule), "{c:?}");
                let code = format!("U+{:04X}", c as u32);
                assert!(e.message.contains(&code), "{c:?}: {}", e.message);
                assert!(!e.message.contains(c), "{c:?} echoed: {}", e.message);
            }
        }
        // The first offending character decides.
        assert_eq!(
            clean_text("x", "\u{200B}\u{1B}").unwrap_err().rule,
            Rule::InvisibleChar
        );
        // The neighbours of the refused ranges, and other scripts, are fine.
        for ok in [
            "",
            "Ключ для 生产 servers ✓",
            "עברית and العربية",
            "a b\u{00A0}c\u{3000}d",
            "\u{2010}\u{2029}\u{202F}\u{2065}\u{206A}\u{20}\u{A0}\u{FEFE}\u{FF01}",
            "\u{061B}\u{061D}",
        ] {
            assert_eq!(clean_text("f", ok), Ok(()), "{ok:?}");
        }
    }

    #[test]
    fn strip_unclean_drops_exactly_what_clean_text_refuses() {
        let all: String = UNCLEAN.iter().map(|(c, _)| *c).collect();
        assert_eq!(strip_unclean(&all), "");
        assert_eq!(
            strip_unclean("\u{1B}[31mroot\u{202E}txt.exe\u{200B}@host\u{7F}"),
            "[31mroottxt.exe@host"
        );
        let kept = "Ключ 生产 ✓ a\u{00A0}b";
        assert_eq!(strip_unclean(kept), kept);
        for text in ["a\u{FEFF}b\u{2066}c\u{85}", "plain"] {
            assert_eq!(clean_text("f", &strip_unclean(text)), Ok(()));
        }
    }

    /// Every field shown to people goes through [`clean_text`]: each class is refused in
    /// each, naming the field.
    #[test]
    fn every_shown_field_refuses_each_class() {
        use crate::{validate_tags, validate_token_name, CreateImage, CreateInstance, Os, Tag};
        type Check = fn(&str) -> Result<(), FieldError>;
        let instance: Check = |name| {
            CreateInstance {
                name: name.into(),
                region: "ap-guangzhou".into(),
                os: Os::Linux,
                state: None,
                private_ip: None,
                public_ip: None,
            }
            .validate()
        };
        let image: Check = |name| {
            CreateImage {
                name: name.into(),
                instance_id: "ins-00000000".into(),
            }
            .validate()
        };
        let fields: [(&str, Check); 7] = [
            ("name", validate_name),
            ("description", validate_description),
            ("tags[0].key", |t| validate_tags(&[Tag::new(t, "v")])),
            ("tags[0].value", |t| validate_tags(&[Tag::new("k", t)])),
            ("name", validate_token_name),
            ("name", instance),
            ("name", image),
        ];
        for (i, (field, check)) in fields.iter().enumerate() {
            for &(c, rule) in UNCLEAN {
                let e = check(&format!("web{c}01")).expect_err("refused");
                assert_eq!((e.field.as_str(), e.rule), (*field, rule), "#{i} {c:?}");
            }
            assert_eq!(check("web01"), Ok(()), "#{i}");
        }
    }
}
