//! Property tests: the validators and the parser never panic, whatever the input, and what
//! they accept round-trips.

// Test helpers may unwrap: a failure is the test failing.
#![allow(clippy::unwrap_used)]

use keyrack_api::{
    parse_public_key, validate_description, validate_name, validate_tags, SearchQuery, Tag,
};
use proptest::prelude::*;

const KEYS: [&str; 4] = [
    include_str!("fixtures/ed25519.pub"),
    include_str!("fixtures/rsa2048.pub"),
    include_str!("fixtures/ecdsa521.pub"),
    include_str!("fixtures/ecdsa384.rfc4716"),
];

proptest! {
    #[test]
    fn parser_never_panics_on_arbitrary_text(input in "\\PC*") {
        let _ = parse_public_key(&input);
    }

    #[test]
    fn parser_never_panics_on_damaged_keys(which in 0..KEYS.len(), pos in any::<prop::sample::Index>(), byte in any::<u8>()) {
        let mut bytes = KEYS[which].as_bytes().to_vec();
        let i = pos.index(bytes.len());
        bytes[i] = byte;
        if let Ok(text) = String::from_utf8(bytes) {
            let _ = parse_public_key(&text);
        }
    }

    #[test]
    fn parser_never_panics_on_key_like_lines(alg in "(ssh-rsa|ssh-ed25519|ecdsa-sha2-nistp256|sk-ssh-ed25519@openssh.com|ssh-dss)", b64 in "[A-Za-z0-9+/]{0,600}={0,2}", comment in "[ -~]{0,40}") {
        let _ = parse_public_key(&format!("{alg} {b64} {comment}"));
    }

    #[test]
    fn accepted_keys_round_trip(which in 0..KEYS.len(), comment in "[A-Za-z0-9@._-]{0,30}") {
        let first = parse_public_key(KEYS[which]).unwrap();
        let again = parse_public_key(&format!("{} {comment}", first.public_key)).unwrap();
        prop_assert_eq!(&again.public_key, &first.public_key);
        prop_assert_eq!(&again.fingerprint_sha256, &first.fingerprint_sha256);
        prop_assert_eq!(&again.fingerprint_md5, &first.fingerprint_md5);
        prop_assert_eq!(again.bits, first.bits);
        prop_assert_eq!(again.comment, comment);
    }

    #[test]
    fn name_validator_accepts_exactly_the_rule(name in "\\PC{0,80}") {
        let expected = (1..=64).contains(&name.chars().count())
            && name.chars().all(|c| c.is_ascii_alphanumeric() || "_.@-".contains(c))
            && name.starts_with(|c: char| c.is_ascii_alphanumeric());
        prop_assert_eq!(validate_name(&name).is_ok(), expected);
    }

    #[test]
    fn valid_names_are_accepted(name in "[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}") {
        prop_assert!(validate_name(&name).is_ok());
    }

    #[test]
    fn description_validator_never_panics(text in "\\PC{0,300}|[\\x00-\\x1f\u{202a}-\u{202e}a-z]{0,20}") {
        let _ = validate_description(&text);
    }

    #[test]
    fn tag_validator_never_panics(tags in prop::collection::vec(("\\PC{0,130}", "\\PC{0,260}"), 0..55)) {
        let tags: Vec<Tag> = tags.into_iter().map(|(k, v)| Tag::new(k, v)).collect();
        let _ = validate_tags(&tags);
    }

    #[test]
    fn accepted_tags_survive_json(key in "[a-z\u{4e00}-\u{4e10}][a-z0-9 ._:/@+=-]{0,20}", value in "[a-zA-Z0-9 ._:/@+=-]{0,30}") {
        let tags = vec![Tag::new(key, value)];
        prop_assert!(validate_tags(&tags).is_ok());
        let json = serde_json::to_string(&tags).unwrap();
        let back: Vec<Tag> = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(back, tags);
    }

    #[test]
    fn search_box_round_trips(text in "[a-z0-9-]{0,10}( [a-z0-9-]{1,10}){0,2}", key in "[a-z]{1,8}", value in proptest::option::of("[a-z0-9]{0,8}")) {
        let input = match &value {
            Some(v) => format!("tag:{key}={v} {text}"),
            None => format!("tag:{key} {text}"),
        };
        let parsed = SearchQuery::parse(&input);
        prop_assert_eq!(SearchQuery::parse(&parsed.to_input()), parsed);
    }
}
