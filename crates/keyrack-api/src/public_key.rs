//! Public-key parsing: OpenSSH lines and RFC 4716 blocks in, a normalised key with
//! `ssh-keygen`-identical fingerprints out, or the exact reason it is refused.

mod algorithm;
mod info;
mod refusal;
mod rfc4716;

use ssh_key::PublicKey;

pub(crate) use algorithm::looks_like_algorithm;
use algorithm::refuse_by_name;
pub use algorithm::KeyAlgorithm;
use info::describe;
pub use info::PublicKeyInfo;
pub use refusal::{KeyRefusal, PublicKeyError};
use rfc4716::{parse_rfc4716, RFC4716_BEGIN};

use crate::limits::PUBLIC_KEY_MAX_BYTES;

/// Parses one public key given as an OpenSSH line or an RFC 4716 block, and checks it
/// against the rules for accepted keys.
pub fn parse_public_key(input: &str) -> Result<PublicKeyInfo, PublicKeyError> {
    if input.len() > PUBLIC_KEY_MAX_BYTES {
        return Err(PublicKeyError::TooLarge { len: input.len() });
    }
    let text = input.trim();
    if text.is_empty() {
        return Err(PublicKeyError::Empty);
    }
    if looks_private(text) {
        return Err(PublicKeyError::PrivateKey);
    }
    let key = if text.starts_with(RFC4716_BEGIN) {
        parse_rfc4716(text)?
    } else {
        parse_openssh_line(text)?
    };
    describe(&key)
}

/// True when a line opens a private key's armour (PEM, OpenSSH, SSH.com) or the text is a
/// PuTTY key file. Only line starts count: a public key's comment may say "PRIVATE KEY", and
/// once cleaned of control characters it must still parse back as the same public key.
fn looks_private(text: &str) -> bool {
    text.starts_with("PuTTY-User-Key-File-")
        || text.lines().map(str::trim_start).any(|line| {
            (line.starts_with("-----BEGIN ") || line.starts_with("---- BEGIN "))
                && line.contains("PRIVATE KEY")
        })
}

fn parse_openssh_line(text: &str) -> Result<PublicKey, PublicKeyError> {
    let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
    let line = lines.next().ok_or(PublicKeyError::Empty)?;
    if lines.next().is_some() {
        return Err(PublicKeyError::MultipleKeys);
    }
    let first = line.split_whitespace().next().unwrap_or_default();
    if !looks_like_algorithm(first) {
        // `from="10.0.0.1",no-pty ssh-ed25519 AAAA…` has its key type later in the line.
        return Err(
            if line.split_whitespace().skip(1).any(looks_like_algorithm) {
                PublicKeyError::Options
            } else {
                PublicKeyError::Malformed
            },
        );
    }
    refuse_by_name(first)?;
    let key = PublicKey::from_openssh(line).map_err(|_| PublicKeyError::Malformed)?;
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    use super::algorithm::ALGORITHM_MAX_LEN;
    use super::rfc4716::RFC4716_END;
    use crate::limits::RSA_MAX_BITS;
    use base64ct::{Base64, Encoding};
    const ED25519: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILM+rvN+ot98qgEN796jTiQfZfG1KaT0PtFDJ/XFSqti foo@bar.com";

    #[test]
    fn parses_an_openssh_line() {
        let key = parse_public_key(ED25519).unwrap();
        assert_eq!(key.algorithm, KeyAlgorithm::Ed25519);
        assert_eq!(key.bits, 256);
        assert_eq!(key.comment, "foo@bar.com");
        assert_eq!(
            key.public_key,
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILM+rvN+ot98qgEN796jTiQfZfG1KaT0PtFDJ/XFSqti"
        );
    }

    #[test]
    fn keeps_comments_with_spaces_and_ignores_surrounding_whitespace() {
        let key = parse_public_key(&format!("\n  {ED25519} laptop 2  \n")).unwrap();
        assert_eq!(key.comment, "foo@bar.com laptop 2");
    }

    #[test]
    fn refuses_options_multiple_keys_and_garbage() {
        let with_options = format!("from=\"10.0.0.1\",no-pty {ED25519}");
        assert_eq!(
            parse_public_key(&with_options),
            Err(PublicKeyError::Options)
        );
        assert_eq!(
            parse_public_key(&format!("{ED25519}\n{ED25519}")),
            Err(PublicKeyError::MultipleKeys)
        );
        assert_eq!(
            parse_public_key("hello world"),
            Err(PublicKeyError::Malformed)
        );
        assert_eq!(
            parse_public_key("ssh-ed25519 AAAA"),
            Err(PublicKeyError::Malformed)
        );
        assert_eq!(parse_public_key("   "), Err(PublicKeyError::Empty));
        assert_eq!(
            parse_public_key(&"a".repeat(PUBLIC_KEY_MAX_BYTES + 1)),
            Err(PublicKeyError::TooLarge {
                len: PUBLIC_KEY_MAX_BYTES + 1
            })
        );
    }

    #[test]
    fn refuses_a_key_whose_name_and_blob_disagree() {
        let swapped = ED25519.replacen("ssh-ed25519", "ssh-rsa", 1);
        assert_eq!(parse_public_key(&swapped), Err(PublicKeyError::Malformed));
    }

    #[test]
    fn private_keys_are_refused_without_echo() {
        let pem = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----";
        let err = parse_public_key(pem).unwrap_err();
        assert_eq!(err, PublicKeyError::PrivateKey);
        assert!(!err.to_string().contains("b3BlbnNzaC1rZXktdjEAAAAA"));
        for armour in [
            "-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----",
            "junk first\n-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----",
            "---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----\nAAAA\n---- END SSH2 ENCRYPTED PRIVATE KEY ----",
            "PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none",
        ] {
            assert_eq!(parse_public_key(armour), Err(PublicKeyError::PrivateKey), "{armour}");
        }
    }

    #[test]
    fn a_comment_that_mentions_a_private_key_is_only_a_comment() {
        // Found by the fuzzer: a NUL inside the comment is cleaned away, and the canonical
        // line must still parse.
        for comment in ["my PRIVATE KEY backup", "PRIVA\0TE KEY"] {
            let bare = ED25519.trim_end_matches(" foo@bar.com");
            let info = parse_public_key(&format!("{bare} {comment}")).unwrap();
            assert_eq!(info.comment, comment.replace('\0', ""));
            let line = format!("{} {}", info.public_key, info.comment);
            assert_eq!(parse_public_key(&line).unwrap().comment, info.comment);
        }
    }

    #[test]
    fn certificates_and_unknown_types_are_named() {
        assert_eq!(
            parse_public_key("ssh-ed25519-cert-v01@openssh.com AAAA x"),
            Err(PublicKeyError::Certificate {
                algorithm: "ssh-ed25519-cert-v01@openssh.com".into()
            })
        );
        assert_eq!(
            parse_public_key("ssh-xmss@openssh.com AAAA x"),
            Err(PublicKeyError::UnsupportedAlgorithm {
                algorithm: "ssh-xmss@openssh.com".into()
            })
        );
        assert_eq!(parse_public_key("ssh-dss AAAA x"), Err(PublicKeyError::Dsa));
    }

    #[test]
    fn refusals_never_echo_more_than_an_algorithm_name() {
        // Found by `cargo xtask fuzz`: a long name-shaped first word, or any string as the
        // name inside an RFC 4716 blob, came back in the message in full.
        let long = format!("ssh-{} AAAA", "b".repeat(ALGORITHM_MAX_LEN));
        assert_eq!(parse_public_key(&long), Err(PublicKeyError::Malformed));
        let name = "ssh-\u{202E}evil\nname";
        let mut blob = (name.len() as u32).to_be_bytes().to_vec();
        blob.extend_from_slice(name.as_bytes());
        let block = format!(
            "{RFC4716_BEGIN}\n{}\n{RFC4716_END}",
            Base64::encode_string(&blob)
        );
        assert_eq!(parse_public_key(&block), Err(PublicKeyError::Malformed));
    }

    /// An `ssh-rsa` line with e = 65537 and an odd modulus of exactly `bits` bits.
    fn rsa_line(bits: usize) -> String {
        let mut n = vec![0x5Au8; bits.div_ceil(8)];
        let top = bits - (n.len() - 1) * 8; // bits used in the first byte, 1–8
        n[0] = 0x80 >> (8 - top) | 1;
        if let Some(last) = n.last_mut() {
            *last |= 1;
        }
        if n[0] & 0x80 != 0 {
            n.insert(0, 0); // an mpint is signed
        }
        let mut blob = Vec::new();
        for part in [&b"ssh-rsa"[..], &[1, 0, 1], &n] {
            blob.extend_from_slice(&(part.len() as u32).to_be_bytes());
            blob.extend_from_slice(part);
        }
        format!("ssh-rsa {} big@host", Base64::encode_string(&blob))
    }

    #[test]
    fn rsa_keys_are_refused_above_16384_bits() {
        assert_eq!(parse_public_key(&rsa_line(2048)).map(|k| k.bits), Ok(2048));
        assert_eq!(
            parse_public_key(&rsa_line(16384)).map(|k| k.bits),
            Ok(RSA_MAX_BITS)
        );
        let err = parse_public_key(&rsa_line(16400)).unwrap_err();
        assert_eq!(err, PublicKeyError::RsaTooLong { bits: 16400 });
        assert_eq!(err.reason().as_str(), "rsa_too_long");
        assert_eq!(
            err.to_string(),
            "This RSA key has 16400 bits; at most 16384 are accepted (OpenSSH refuses larger keys)"
        );
        assert_eq!(
            parse_public_key(&rsa_line(16385)),
            Err(PublicKeyError::RsaTooLong { bits: 16385 })
        );
        assert_eq!(
            parse_public_key(&rsa_line(2047)),
            Err(PublicKeyError::RsaTooShort { bits: 2047 })
        );
    }

    #[test]
    fn comments_lose_control_bidi_and_invisible_characters() {
        let blob = ED25519.split(' ').nth(1).unwrap();
        let line =
            format!("ssh-ed25519 {blob} \u{202E}evil\u{1B}[2J\u{200B}@\u{FEFF}host\u{7F}\u{85}");
        assert_eq!(parse_public_key(&line).unwrap().comment, "evil[2J@host");
        // Only what is left is kept; a comment of nothing else is empty.
        let line = format!("ssh-ed25519 {blob} \u{200F}\u{2066}");
        assert_eq!(parse_public_key(&line).unwrap().comment, "");
        let line = format!("ssh-ed25519 {blob} \u{2067}a b\u{2069}");
        assert_eq!(parse_public_key(&line).unwrap().comment, "a b");
        // RFC 4716 Comment headers too.
        let block =
            format!("{RFC4716_BEGIN}\nComment: \"me\u{202E}@\u{1B}box\"\n{blob}\n{RFC4716_END}");
        assert_eq!(parse_public_key(&block).unwrap().comment, "me@box");
    }
}
