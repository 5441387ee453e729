//! `parse_public_key` on arbitrary input: it never panics, what it accepts is a well-formed
//! key whose canonical line parses back to the same key, and what it refuses is refused with
//! a message that does not repeat the input (docs/rules.md: "do not echo" a pasted private key).

#![no_main]

use keyrack_api::{
    clean_text, parse_public_key, PublicKeyError, PublicKeyInfo, RSA_MAX_BITS, RSA_MIN_BITS,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let input = String::from_utf8_lossy(data);
    match parse_public_key(&input) {
        Ok(info) => check_accepted(&info),
        Err(err) => check_refused(&input, &err),
    }
});

fn check_accepted(info: &PublicKeyInfo) {
    let bits_ok = match info.algorithm.as_str() {
        "ssh-ed25519"
        | "sk-ssh-ed25519@openssh.com"
        | "ecdsa-sha2-nistp256"
        | "sk-ecdsa-sha2-nistp256@openssh.com" => info.bits == 256,
        "ecdsa-sha2-nistp384" => info.bits == 384,
        "ecdsa-sha2-nistp521" => info.bits == 521,
        "ssh-rsa" => (RSA_MIN_BITS..=RSA_MAX_BITS).contains(&info.bits),
        other => panic!("accepted a key of type {other:?}"),
    };
    assert!(bits_ok, "{} with {} bits", info.algorithm, info.bits);
    assert!(info.fingerprint_sha256.starts_with("SHA256:"), "{info:?}");
    assert!(info.fingerprint_md5.starts_with("MD5:"), "{info:?}");
    assert_eq!(
        info.fingerprint_md5.len(),
        "MD5:".len() + 16 * 3 - 1,
        "{info:?}"
    );

    // The stored line is `<algorithm> <base64>` and nothing else: it goes verbatim into
    // authorized_keys, so a stray space or line break would be read as more than one key.
    let (algorithm, blob) = info
        .public_key
        .split_once(' ')
        .unwrap_or_else(|| panic!("no space in {:?}", info.public_key));
    assert_eq!(algorithm, info.algorithm.as_str());
    assert!(
        !blob.is_empty()
            && blob
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=')),
        "{:?}",
        info.public_key
    );
    assert!(!info.comment.contains('\n'), "{:?}", info.comment);
    // Control, bidirectional and zero-width characters are dropped from the comment.
    assert_eq!(
        clean_text("comment", &info.comment),
        Ok(()),
        "{:?}",
        info.comment
    );
    assert_eq!(info.comment, info.comment.trim(), "{:?}", info.comment);

    // The canonical line parses back to the same key, without a comment.
    let again = parse_public_key(&info.public_key)
        .unwrap_or_else(|e| panic!("canonical line {:?} refused: {e}", info.public_key));
    assert_eq!(again.algorithm, info.algorithm);
    assert_eq!(again.bits, info.bits);
    assert_eq!(again.public_key, info.public_key);
    assert_eq!(again.fingerprint_sha256, info.fingerprint_sha256);
    assert_eq!(again.fingerprint_md5, info.fingerprint_md5);
    assert_eq!(again.comment, "");

    // And with its comment, as a `.pub` file holds it (the input is trimmed, so trailing
    // whitespace, which a quoted RFC 4716 comment may have, is not kept).
    if !info.comment.is_empty() {
        let line = format!("{} {}", info.public_key, info.comment);
        let with_comment = parse_public_key(&line)
            .unwrap_or_else(|e| panic!("canonical line with comment {line:?} refused: {e}"));
        assert_eq!(with_comment.fingerprint_sha256, info.fingerprint_sha256);
        assert_eq!(with_comment.comment, info.comment.trim_end());
    }
}

fn check_refused(input: &str, err: &PublicKeyError) {
    let message = err.to_string();
    // Every refusal has a reason of its own, never the catch-all a newer server may send.
    assert_ne!(err.reason(), keyrack_api::KeyRefusal::Unknown);
    assert!(!message.is_empty());
    assert!(!message.contains(char::is_control), "{message:?}");

    // Only certificates and unknown key types name something from the input: the key type.
    // It must look like an SSH algorithm name (RFC 4251 §6: at most 64 printable ASCII
    // characters), so the message stays short and says nothing else about what was pasted.
    let names_key_type = match err {
        PublicKeyError::Certificate { algorithm }
        | PublicKeyError::UnsupportedAlgorithm { algorithm } => {
            assert!(
                !algorithm.is_empty()
                    && algorithm.len() <= 64
                    && algorithm
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "-@._".contains(c)),
                "echoed key type {algorithm:?}"
            );
            true
        }
        _ => false,
    };

    // Every other refusal repeats nothing of the input.
    let trimmed = input.trim();
    if !names_key_type && trimmed.len() > 16 && message.contains(trimmed) {
        // Only acceptable if the input happens to be a piece of the fixed wording.
        assert!(
            fixed_wording().iter().any(|m| m.contains(trimmed)),
            "the message {message:?} repeats the input {trimmed:?}"
        );
    }
}

/// Every message with its variable parts empty or zero.
fn fixed_wording() -> Vec<String> {
    let algorithm = String::new();
    [
        PublicKeyError::Empty,
        PublicKeyError::TooLarge { len: 0 },
        PublicKeyError::PrivateKey,
        PublicKeyError::Dsa,
        PublicKeyError::RsaTooShort { bits: 0 },
        PublicKeyError::RsaTooLong { bits: 0 },
        PublicKeyError::Certificate {
            algorithm: algorithm.clone(),
        },
        PublicKeyError::Options,
        PublicKeyError::MultipleKeys,
        PublicKeyError::UnsupportedAlgorithm { algorithm },
        PublicKeyError::Malformed,
    ]
    .iter()
    .map(ToString::to_string)
    .collect()
}
