//! Display helpers for wire values.

/// A short name for an SSH algorithm, with its size: "Ed25519", "ECDSA P-384", "RSA 4096".
pub fn key_type(algorithm: &str, bits: u32) -> String {
    match algorithm {
        "ssh-ed25519" => "Ed25519".into(),
        "sk-ssh-ed25519@openssh.com" => "Ed25519-SK".into(),
        "sk-ecdsa-sha2-nistp256@openssh.com" => "ECDSA-SK P-256".into(),
        "ssh-rsa" => format!("RSA {bits}"),
        other => match other.strip_prefix("ecdsa-sha2-nistp") {
            Some(curve) => format!("ECDSA P-{curve}"),
            None => format!("{other} {bits}"),
        },
    }
}

/// `2026-11-28T01:34:56Z` -> `2026-11-28 01:34 UTC`; anything else is shown as is.
pub fn timestamp(rfc3339: &str) -> String {
    match (rfc3339.get(..10), rfc3339.get(11..16)) {
        (Some(date), Some(time)) if rfc3339.get(10..11) == Some("T") => {
            format!("{date} {time} UTC")
        }
        _ => rfc3339.to_owned(),
    }
}
