//! Public-key parsing: OpenSSH lines and RFC 4716 blocks in, a normalised key with
//! `ssh-keygen`-identical fingerprints out, or the exact reason it is refused.

use base64ct::{Base64, Encoding};
use md5::{Digest, Md5};
use serde::{Deserialize, Serialize};
use ssh_key::public::KeyData;
use ssh_key::{EcdsaCurve, HashAlg, PublicKey};

use crate::limits::{PUBLIC_KEY_MAX_BYTES, RSA_MAX_BITS, RSA_MIN_BITS};
use crate::validate::strip_unclean;

/// A public key that Keyrack accepts, with what the console shows about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicKeyInfo {
    /// The SSH algorithm name, such as `ssh-ed25519`.
    pub algorithm: String,
    /// Key size in bits, as `ssh-keygen -l` prints it.
    pub bits: u32,
    /// The key as one OpenSSH line `<algorithm> <base64>`, without comment.
    pub public_key: String,
    /// The comment that came with the key (may be empty), without the characters
    /// [`crate::clean_text`] refuses (control, bidirectional and zero-width ones), which are
    /// dropped rather than refused, and without surrounding whitespace.
    pub comment: String,
    /// `SHA256:…` exactly as `ssh-keygen -l` prints it.
    pub fingerprint_sha256: String,
    /// `MD5:aa:bb:…` exactly as `ssh-keygen -l -E md5` prints it.
    pub fingerprint_md5: String,
}

/// Why a public key is refused. The messages are sentences shown to people as they are, and
/// never repeat the input, so a private key pasted by mistake is not echoed anywhere.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PublicKeyError {
    /// Nothing but whitespace.
    #[error("No public key was given")]
    Empty,
    /// Larger than 16 KiB.
    #[error("The input is {len} bytes; a public key is at most 16 KiB")]
    TooLarge {
        /// Input size in bytes.
        len: usize,
    },
    /// A private key pasted where the public one belongs.
    #[error("This is a private key, not a public key: paste the contents of the .pub file instead, and keep the private key to yourself")]
    PrivateKey,
    /// `ssh-dss`.
    #[error("DSA keys (ssh-dss) are not accepted: they are weak and OpenSSH disabled them; use Ed25519, ECDSA or RSA of at least 2048 bits")]
    Dsa,
    /// RSA below 2048 bits.
    #[error("This RSA key has {bits} bits; at least 2048 are required")]
    RsaTooShort {
        /// Modulus size in bits.
        bits: u32,
    },
    /// RSA above 16384 bits.
    #[error(
        "This RSA key has {bits} bits; at most 16384 are accepted (OpenSSH refuses larger keys)"
    )]
    RsaTooLong {
        /// Modulus size in bits.
        bits: u32,
    },
    /// An OpenSSH certificate.
    #[error("Certificates ({algorithm}) are not accepted: paste the plain public key")]
    Certificate {
        /// The certificate type.
        algorithm: String,
    },
    /// A line from `authorized_keys` that starts with options.
    #[error("Options from an authorized_keys line are not accepted: paste only the key type, the key and its comment")]
    Options,
    /// Several keys in one input.
    #[error("More than one key was given: import one key at a time")]
    MultipleKeys,
    /// A well-formed key of a type Keyrack does not accept.
    #[error("The key type {algorithm} is not supported; use ssh-ed25519, ecdsa-sha2-nistp256/384/521, ssh-rsa, or a security key (sk-…)")]
    UnsupportedAlgorithm {
        /// The algorithm name found.
        algorithm: String,
    },
    /// Not a public key at all, or a damaged one.
    #[error("This is not a valid public key: expected an OpenSSH line such as \"ssh-ed25519 AAAA… comment\" or an RFC 4716 block")]
    Malformed,
}

impl PublicKeyError {
    /// A stable snake_case reason, sent as `details.reason`.
    pub fn reason(&self) -> &'static str {
        match self {
            Self::Empty => "empty",
            Self::TooLarge { .. } => "too_large",
            Self::PrivateKey => "private_key",
            Self::Dsa => "dsa",
            Self::RsaTooShort { .. } => "rsa_too_short",
            Self::RsaTooLong { .. } => "rsa_too_long",
            Self::Certificate { .. } => "certificate",
            Self::Options => "options",
            Self::MultipleKeys => "multiple_keys",
            Self::UnsupportedAlgorithm { .. } => "unsupported_algorithm",
            Self::Malformed => "malformed",
        }
    }
}

impl From<PublicKeyError> for crate::ApiError {
    fn from(e: PublicKeyError) -> Self {
        let code = crate::ErrorCode::PublicKeyInvalid {
            field: "public_key".into(),
            reason: e.reason().into(),
        };
        crate::ApiError::new(code, e.to_string())
    }
}

const RFC4716_BEGIN: &str = "---- BEGIN SSH2 PUBLIC KEY ----";
const RFC4716_END: &str = "---- END SSH2 PUBLIC KEY ----";
const CERT_SUFFIX: &str = "-cert-v01@openssh.com";
/// Longest SSH algorithm name (RFC 4251 §6).
const ALGORITHM_MAX_LEN: usize = 64;

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

/// True for names shaped like SSH key types, accepted or not: at most 64 characters
/// (RFC 4251 §6) of `[A-Za-z0-9-@._]`. A refusal names the key type, so this bounds what of
/// the input its message can repeat.
pub(crate) fn looks_like_algorithm(token: &str) -> bool {
    token.len() <= ALGORITHM_MAX_LEN
        && ["ssh-", "ecdsa-", "sk-", "rsa-", "x509v3-"]
            .iter()
            .any(|p| token.starts_with(p))
        && token
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-@._".contains(c))
}

fn refuse_by_name(algorithm: &str) -> Result<(), PublicKeyError> {
    if algorithm.ends_with(CERT_SUFFIX) {
        return Err(PublicKeyError::Certificate {
            algorithm: algorithm.to_owned(),
        });
    }
    if algorithm == "ssh-dss" {
        return Err(PublicKeyError::Dsa);
    }
    if !ACCEPTED.contains(&algorithm) {
        return Err(PublicKeyError::UnsupportedAlgorithm {
            algorithm: algorithm.to_owned(),
        });
    }
    Ok(())
}

/// Every key type Keyrack accepts; a policy allows some of them.
pub(crate) const ACCEPTED: [&str; 7] = [
    "ssh-ed25519",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "ssh-rsa",
    "sk-ssh-ed25519@openssh.com",
    "sk-ecdsa-sha2-nistp256@openssh.com",
];

/// RFC 4716: header lines (`Tag: value`, continued with a trailing `\`), then base64.
fn parse_rfc4716(text: &str) -> Result<PublicKey, PublicKeyError> {
    let mut lines = text.lines().map(str::trim);
    lines.next(); // the BEGIN line
    let mut comment = String::new();
    let mut body = String::new();
    let mut ended = false;
    let mut in_header = true;
    let mut continued: Option<String> = None;
    for line in lines.by_ref() {
        if line == RFC4716_END {
            ended = true;
            break;
        }
        if let Some(mut header) = continued.take() {
            header.push_str(line.strip_suffix('\\').unwrap_or(line));
            if line.ends_with('\\') {
                continued = Some(header);
            } else {
                take_comment(&header, &mut comment);
            }
            continue;
        }
        if in_header && line.contains(':') {
            if let Some(start) = line.strip_suffix('\\') {
                continued = Some(start.to_owned());
            } else {
                take_comment(line, &mut comment);
            }
            continue;
        }
        in_header = false;
        body.push_str(line);
    }
    if !ended || lines.any(|l| !l.is_empty()) {
        return Err(PublicKeyError::Malformed);
    }
    let blob = Base64::decode_vec(&body).map_err(|_| PublicKeyError::Malformed)?;
    let algorithm = blob_algorithm(&blob)
        .filter(|a| looks_like_algorithm(a))
        .ok_or(PublicKeyError::Malformed)?;
    refuse_by_name(&algorithm)?;
    let mut key = PublicKey::from_bytes(&blob).map_err(|_| PublicKeyError::Malformed)?;
    key.set_comment(comment);
    Ok(key)
}

/// Keeps the value of a `Comment:` header, without surrounding quotes.
fn take_comment(header: &str, comment: &mut String) {
    if let Some((tag, value)) = header.split_once(':') {
        if tag.trim().eq_ignore_ascii_case("comment") {
            let value = value.trim();
            let value = value
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .unwrap_or(value);
            *comment = value.to_owned();
        }
    }
}

/// The algorithm name at the start of an SSH wire-format key blob.
fn blob_algorithm(blob: &[u8]) -> Option<String> {
    let len = u32::from_be_bytes(blob.get(..4)?.try_into().ok()?) as usize;
    let name = blob.get(4..4usize.checked_add(len)?)?;
    String::from_utf8(name.to_vec()).ok()
}

fn describe(key: &PublicKey) -> Result<PublicKeyInfo, PublicKeyError> {
    let bits = match key.key_data() {
        KeyData::Ed25519(_) | KeyData::SkEd25519(_) | KeyData::SkEcdsaSha2NistP256(_) => 256,
        KeyData::Ecdsa(ecdsa) => match ecdsa.curve() {
            EcdsaCurve::NistP256 => 256,
            EcdsaCurve::NistP384 => 384,
            EcdsaCurve::NistP521 => 521,
        },
        KeyData::Rsa(rsa) => {
            let bits = rsa.n.as_positive_bytes().map_or(0, bit_length);
            if bits < RSA_MIN_BITS {
                return Err(PublicKeyError::RsaTooShort { bits });
            }
            if bits > RSA_MAX_BITS {
                return Err(PublicKeyError::RsaTooLong { bits });
            }
            bits
        }
        KeyData::Dsa(_) => return Err(PublicKeyError::Dsa),
        other => {
            return Err(PublicKeyError::UnsupportedAlgorithm {
                algorithm: other.algorithm().to_string(),
            })
        }
    };
    let blob = key.to_bytes().map_err(|_| PublicKeyError::Malformed)?;
    let md5 = Md5::digest(&blob);
    let fingerprint_md5 = format!(
        "MD5:{}",
        md5.iter()
            .map(|b| format!("{b:02x}"))
            .collect::<Vec<_>>()
            .join(":")
    );
    let algorithm = key.algorithm().as_str().to_owned();
    Ok(PublicKeyInfo {
        public_key: format!("{algorithm} {}", Base64::encode_string(&blob)),
        algorithm,
        bits,
        comment: strip_unclean(key.comment()).trim().to_owned(),
        fingerprint_sha256: key.fingerprint(HashAlg::Sha256).to_string(),
        fingerprint_md5,
    })
}

/// Bit length of a big-endian unsigned integer.
fn bit_length(bytes: &[u8]) -> u32 {
    let bytes = match bytes.iter().position(|&b| b != 0) {
        Some(i) => &bytes[i..],
        None => return 0,
    };
    (bytes.len() as u32 - 1) * 8 + (8 - bytes[0].leading_zeros())
}

#[cfg(test)]
mod tests {
    use super::*;

    const ED25519: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILM+rvN+ot98qgEN796jTiQfZfG1KaT0PtFDJ/XFSqti foo@bar.com";

    #[test]
    fn parses_an_openssh_line() {
        let key = parse_public_key(ED25519).unwrap();
        assert_eq!(key.algorithm, "ssh-ed25519");
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
        assert_eq!(err.reason(), "rsa_too_long");
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

    #[test]
    fn bit_length_counts_significant_bits() {
        assert_eq!(bit_length(&[0, 0x80, 0]), 16);
        assert_eq!(bit_length(&[0x01]), 1);
        assert_eq!(bit_length(&[0, 0]), 0);
    }
}
