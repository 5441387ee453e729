//! Fingerprints and sizes must equal what the real `ssh-keygen -l` prints, byte for byte.
//! The fixtures and `expected.txt` come from `fixtures/make-fixtures.sh`.

// Test helpers may unwrap: a failure is the test failing.
#![allow(clippy::unwrap_used)]

use keyrack_api::{parse_public_key, PublicKeyError};

fn fixture(name: &str) -> &'static str {
    match name {
        "ed25519.pub" => include_str!("fixtures/ed25519.pub"),
        "rsa2048.pub" => include_str!("fixtures/rsa2048.pub"),
        "rsa3072.pub" => include_str!("fixtures/rsa3072.pub"),
        "rsa4096.pub" => include_str!("fixtures/rsa4096.pub"),
        "ecdsa256.pub" => include_str!("fixtures/ecdsa256.pub"),
        "ecdsa384.pub" => include_str!("fixtures/ecdsa384.pub"),
        "ecdsa521.pub" => include_str!("fixtures/ecdsa521.pub"),
        "sk-ed25519.pub" => include_str!("fixtures/sk-ed25519.pub"),
        "ecdsa384.rfc4716" => include_str!("fixtures/ecdsa384.rfc4716"),
        other => panic!("no fixture {other}"),
    }
}

#[test]
fn fingerprints_match_ssh_keygen() {
    let expected = include_str!("fixtures/expected.txt");
    let mut checked = 0;
    for line in expected.lines() {
        let [file, bits, sha256, md5] = line.split(' ').collect::<Vec<_>>()[..] else {
            panic!("bad line in expected.txt: {line}");
        };
        let key = parse_public_key(fixture(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(key.bits.to_string(), bits, "{file}");
        assert_eq!(key.fingerprint_sha256, sha256, "{file}");
        assert_eq!(key.fingerprint_md5, md5, "{file}");
        checked += 1;
    }
    assert_eq!(checked, 9);
}

#[test]
fn algorithms_and_comments_are_reported() {
    let rsa = parse_public_key(fixture("rsa3072.pub")).unwrap();
    assert_eq!(rsa.algorithm.as_str(), "ssh-rsa");
    assert_eq!(rsa.comment, "rsa3072@fixtures");
    let sk = parse_public_key(fixture("sk-ed25519.pub")).unwrap();
    assert_eq!(sk.algorithm.as_str(), "sk-ssh-ed25519@openssh.com");
    let p521 = parse_public_key(fixture("ecdsa521.pub")).unwrap();
    assert_eq!(p521.algorithm.as_str(), "ecdsa-sha2-nistp521");
}

#[test]
fn rfc4716_block_equals_its_openssh_line() {
    let block = parse_public_key(fixture("ecdsa384.rfc4716")).unwrap();
    let line = parse_public_key(fixture("ecdsa384.pub")).unwrap();
    assert_eq!(block.public_key, line.public_key);
    assert!(
        block.comment.starts_with("384-bit ECDSA"),
        "{}",
        block.comment
    );
}

#[test]
fn refused_keys_get_their_specific_reason() {
    assert_eq!(
        parse_public_key(include_str!("fixtures/dsa.pub")),
        Err(PublicKeyError::Dsa)
    );
    assert_eq!(
        parse_public_key(include_str!("fixtures/rsa1024.pub")),
        Err(PublicKeyError::RsaTooShort { bits: 1024 })
    );
    assert_eq!(
        parse_public_key(include_str!("fixtures/ed25519-cert.pub")),
        Err(PublicKeyError::Certificate {
            algorithm: "ssh-ed25519-cert-v01@openssh.com".into()
        })
    );
}

/// Fresh keys from the ssh-keygen on this machine, so the comparison is not only against
/// keys made once.
#[test]
fn fresh_ssh_keygen_keys_match() {
    let dir = std::env::temp_dir().join(format!("keyrack-api-keygen-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (name, args) in [
        ("ed", &["-t", "ed25519"][..]),
        ("rsa", &["-t", "rsa", "-b", "2048"][..]),
        ("ec", &["-t", "ecdsa", "-b", "521"][..]),
    ] {
        let path = dir.join(name);
        let status = std::process::Command::new("ssh-keygen")
            .args(["-q", "-N", "", "-C", "fresh key", "-f"])
            .arg(&path)
            .args(args)
            .status()
            .expect("ssh-keygen must be installed (cargo xtask setup installs it)");
        assert!(status.success());
        let pub_path = path.with_extension("pub");
        let text = std::fs::read_to_string(&pub_path).unwrap();
        let key = parse_public_key(&text).unwrap();
        let printed = |extra: &[&str]| {
            let out = std::process::Command::new("ssh-keygen")
                .arg("-l")
                .args(extra)
                .arg("-f")
                .arg(&pub_path)
                .output()
                .unwrap();
            let out = String::from_utf8(out.stdout).unwrap();
            out.split(' ').nth(1).unwrap().to_owned()
        };
        assert_eq!(key.fingerprint_sha256, printed(&[]), "{name}");
        assert_eq!(key.fingerprint_md5, printed(&["-E", "md5"]), "{name}");
        assert_eq!(key.comment, "fresh key");
    }
    std::fs::remove_dir_all(&dir).ok();
}
