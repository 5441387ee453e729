//! Random identifiers and secrets.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;

const ID_ALPHABET: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";

/// `prefix` and 8 random characters of `[0-9a-z]`, such as `skey-k3x9a0qz`.
pub fn random_id(prefix: &str) -> String {
    let mut id = String::with_capacity(prefix.len() + 8);
    id.push_str(prefix);
    let mut filled = 0;
    while filled < 8 {
        for b in random_bytes::<16>() {
            // 252 is the largest multiple of 36 below 256: rejecting the rest keeps every
            // character equally likely.
            if b < 252 && filled < 8 {
                id.push(char::from(ID_ALPHABET[usize::from(b % 36)]));
                filled += 1;
            }
        }
    }
    id
}

/// A new bearer token: `kr_` and 32 random bytes in URL-safe base64.
pub fn random_token() -> String {
    format!("kr_{}", URL_SAFE_NO_PAD.encode(random_bytes::<32>()))
}

fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    // The OS random source failing is not something a server can work around.
    #[allow(clippy::expect_used)]
    getrandom::getrandom(&mut bytes).expect("the operating system's random source failed");
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_have_the_documented_shape() {
        let id = random_id("skey-");
        assert_eq!(id.len(), 13);
        assert!(id[5..]
            .chars()
            .all(|c| c.is_ascii_digit() || c.is_ascii_lowercase()));
        assert_ne!(random_id("skey-"), id);
    }

    #[test]
    fn tokens_are_long_and_url_safe() {
        let t = random_token();
        assert!(t.starts_with("kr_") && t.len() >= 40);
        assert!(t[3..]
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
    }
}
