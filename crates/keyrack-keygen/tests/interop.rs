//! Every file this crate writes must be read by the real tools and give back exactly the
//! public key: `ssh-keygen -y` for OpenSSH and PEM (plus `openssl pkey` for PEM), and
//! `puttygen` for PPK, with and without a passphrase.

// Test helpers may unwrap: a failure is the test failing.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

use keyrack_api::{KeyType, PrivateKeyFormat};
use keyrack_keygen::{
    export, from_ec_components, from_rsa_components, generate, public_line, to_rsa,
};
use ssh_key::PrivateKey;

const PASSPHRASE: &str = "correct horse battery staple";

fn tool(name: &str) -> Command {
    Command::new(name)
}

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| {
        panic!("{cmd:?} could not start ({e}); `cargo xtask setup` installs it")
    });
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

/// `<algorithm> <base64>` of an OpenSSH public line, without the comment.
fn key_part(line: &str) -> String {
    line.split_whitespace()
        .take(2)
        .collect::<Vec<_>>()
        .join(" ")
}

fn write_private(dir: &Path, name: &str, contents: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join(name);
    std::fs::write(&path, contents).unwrap();
    // ssh-keygen refuses private keys that others can read.
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    path
}

/// Checks one key in every format, with and without a passphrase.
fn check_all_formats(key: &PrivateKey, label: &str) {
    let dir = tempfile::tempdir().unwrap();
    let expected = key_part(&public_line(key).unwrap());
    let pass_file = dir.path().join("pass");
    std::fs::write(&pass_file, PASSPHRASE).unwrap();
    for format in PrivateKeyFormat::ALL {
        for passphrase in ["", PASSPHRASE] {
            let case = format!("{label} {format:?} passphrase={}", !passphrase.is_empty());
            let file = match export(key, format, passphrase) {
                Ok(file) => file,
                Err(e) => {
                    assert_eq!(format, PrivateKeyFormat::Pem, "{case}: {e}");
                    assert!(key.public_key().key_data().is_ed25519(), "{case}: {e}");
                    continue;
                }
            };
            let path = write_private(dir.path(), "key", &file);
            eprintln!("checking {case}");
            match format {
                PrivateKeyFormat::Openssh | PrivateKeyFormat::Pem => {
                    let printed = run(tool("ssh-keygen")
                        .args(["-y", "-P", passphrase, "-f"])
                        .arg(&path));
                    assert_eq!(key_part(&printed), expected, "{case}");
                    if format == PrivateKeyFormat::Pem {
                        run(tool("openssl")
                            .args(["pkey", "-noout", "-passin"])
                            .arg(format!("pass:{passphrase}"))
                            .arg("-in")
                            .arg(&path));
                    }
                }
                PrivateKeyFormat::Ppk => {
                    assert!(file.starts_with("PuTTY-User-Key-File-3: "), "{case}");
                    let out = dir.path().join("out.pub");
                    let mut cmd = tool("puttygen");
                    cmd.arg(&path)
                        .args(["-O", "public-openssh", "-o"])
                        .arg(&out);
                    if !passphrase.is_empty() {
                        cmd.arg("--old-passphrase").arg(&pass_file);
                    }
                    run(&mut cmd);
                    let printed = std::fs::read_to_string(&out).unwrap();
                    assert_eq!(key_part(&printed), expected, "{case}");
                }
            }
        }
    }
}

/// A key made by the real ssh-keygen, read back with ssh-key.
fn ssh_keygen_key(args: &[&str]) -> PrivateKey {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("k");
    run(tool("ssh-keygen")
        .args(["-q", "-N", "", "-C", "made-by-ssh-keygen", "-f"])
        .arg(&path)
        .args(args));
    PrivateKey::read_openssh_file(&path).unwrap()
}

#[test]
fn generated_ed25519_and_ecdsa_keys_are_read_by_the_real_tools() {
    for key_type in [
        KeyType::Ed25519,
        KeyType::EcdsaP256,
        KeyType::EcdsaP384,
        KeyType::EcdsaP521,
    ] {
        let key = generate(key_type, "web-prod").unwrap();
        assert_eq!(key.comment(), "web-prod");
        check_all_formats(&key, key_type.as_str());
    }
}

#[test]
fn rsa_keys_of_every_size_are_read_by_the_real_tools() {
    for bits in ["2048", "3072", "4096"] {
        let key = ssh_keygen_key(&["-t", "rsa", "-b", bits]);
        check_all_formats(&key, &format!("rsa{bits}"));
    }
}

#[test]
fn rsa_from_webcrypto_style_components_matches_the_original() {
    let original = ssh_keygen_key(&["-t", "rsa", "-b", "2048"]);
    let rsa = to_rsa(original.key_data().rsa().unwrap()).unwrap();
    use rsa::traits::{PrivateKeyParts, PublicKeyParts};
    let rebuilt = from_rsa_components(
        &rsa.n().to_bytes_be(),
        &rsa.e().to_bytes_be(),
        &rsa.d().to_bytes_be(),
        &rsa.primes()[0].to_bytes_be(),
        &rsa.primes()[1].to_bytes_be(),
        "rebuilt",
    )
    .unwrap();
    assert_eq!(
        key_part(&public_line(&rebuilt).unwrap()),
        key_part(&public_line(&original).unwrap())
    );
    check_all_formats(&rebuilt, "rsa-from-components");
}

/// An ECDSA key of ssh-keygen's as a JWK would carry it: `d`, `x`, `y`.
fn ec_components(key: &PrivateKey) -> (Vec<u8>, Vec<u8>, Vec<u8>) {
    let ssh_key::private::KeypairData::Ecdsa(pair) = key.key_data() else {
        panic!("not an ECDSA key");
    };
    let public = pair.public_key_bytes();
    // Uncompressed SEC1: 0x04, then x and y of equal length.
    assert_eq!(public[0], 4);
    let (x, y) = public[1..].split_at((public.len() - 1) / 2);
    (pair.private_key_bytes().to_vec(), x.to_vec(), y.to_vec())
}

#[test]
fn ecdsa_from_webcrypto_style_components_matches_the_original() {
    use ssh_key::EcdsaCurve::{NistP256, NistP384, NistP521};
    // The originals come from the Rust path, not ssh-keygen: ssh-key 0.6 cannot read every
    // P-521 file ssh-keygen writes (a private scalar with a short mpint fails with
    // `Encoding(Length)`). The real tools check every rebuilt file below.
    for (curve, key_type, bits) in [
        (NistP256, KeyType::EcdsaP256, "256"),
        (NistP384, KeyType::EcdsaP384, "384"),
        (NistP521, KeyType::EcdsaP521, "521"),
    ] {
        let original = generate(key_type, "original").unwrap();
        let (d, x, y) = ec_components(&original);
        let rebuilt = from_ec_components(curve, &d, &x, &y, "rebuilt").unwrap();
        assert_eq!(
            key_part(&public_line(&rebuilt).unwrap()),
            key_part(&public_line(&original).unwrap())
        );
        check_all_formats(&rebuilt, &format!("ecdsa{bits}-from-components"));
        // A point off the curve, or a part of the wrong size, is refused.
        let mut off = y.clone();
        off[0] ^= 1;
        assert!(from_ec_components(curve, &d, &x, &off, "off").is_err());
        assert!(from_ec_components(curve, &d[1..], &x, &y, "short").is_err());
    }
}

#[test]
fn mismatched_rsa_components_are_refused() {
    let a = ssh_keygen_key(&["-t", "rsa", "-b", "2048"]);
    let b = ssh_keygen_key(&["-t", "rsa", "-b", "2048"]);
    let a = to_rsa(a.key_data().rsa().unwrap()).unwrap();
    let b = to_rsa(b.key_data().rsa().unwrap()).unwrap();
    use rsa::traits::{PrivateKeyParts, PublicKeyParts};
    let mixed = from_rsa_components(
        &a.n().to_bytes_be(),
        &a.e().to_bytes_be(),
        &a.d().to_bytes_be(),
        &b.primes()[0].to_bytes_be(),
        &b.primes()[1].to_bytes_be(),
        "mixed",
    );
    assert!(mixed.is_err());
}

#[test]
fn pure_rust_rsa_fallback_makes_a_valid_key() {
    let key = generate(KeyType::Rsa2048, "fallback").unwrap();
    assert_eq!(key.comment(), "fallback");
    let line = public_line(&key).unwrap();
    let parsed = keyrack_api::parse_public_key(&line).unwrap();
    assert_eq!(parsed.bits, 2048);
}
