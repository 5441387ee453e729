//! Fingerprints served by the API equal `ssh-keygen -l`'s, byte for byte, for keys made by
//! the real `ssh-keygen` now.

mod common;

use std::process::Command;

use common::{ssh_keygen, App};

/// The second field of `ssh-keygen -l [-E md5] -f file`.
fn keygen_fingerprint(file: &std::path::Path, md5: bool) -> String {
    let mut command = Command::new("ssh-keygen");
    command.arg("-l");
    if md5 {
        command.args(["-E", "md5"]);
    }
    let output = command
        .arg("-f")
        .arg(file)
        .output()
        .expect("run ssh-keygen -l");
    assert!(output.status.success());
    String::from_utf8(output.stdout)
        .expect("utf-8")
        .split_whitespace()
        .nth(1)
        .expect("fingerprint field")
        .to_owned()
}

#[tokio::test]
async fn fingerprints_match_ssh_keygen() {
    let server = App::start(&[]).await;
    let dir = tempfile::tempdir().expect("temp dir");
    for (name, args, bits) in [
        ("ed25519", &["-t", "ed25519"][..], 256),
        ("rsa2048", &["-t", "rsa", "-b", "2048"][..], 2048),
        ("ecdsa521", &["-t", "ecdsa", "-b", "521"][..], 521),
    ] {
        let file = dir.path().join(name);
        ssh_keygen(args, &file);
        let public = file.with_extension("pub");
        let text = std::fs::read_to_string(&public).expect("public key");
        let key = server.create(name, &text).await;
        assert_eq!(
            key.fingerprint_sha256,
            keygen_fingerprint(&public, false).as_str(),
            "{name}"
        );
        assert_eq!(
            key.fingerprint_md5,
            keygen_fingerprint(&public, true).as_str(),
            "{name}"
        );
        assert_eq!(key.bits, bits, "{name}");
    }
}
