//! RFC 4716 (SSH2) public-key blocks: headers, the `Comment:` among them, and the base64 body.

use base64ct::{Base64, Encoding};
use ssh_key::PublicKey;

use super::algorithm::{looks_like_algorithm, refuse_by_name};
use super::refusal::PublicKeyError;

pub(super) const RFC4716_BEGIN: &str = "---- BEGIN SSH2 PUBLIC KEY ----";
pub(super) const RFC4716_END: &str = "---- END SSH2 PUBLIC KEY ----";

/// RFC 4716: header lines (`Tag: value`, continued with a trailing `\`), then base64.
pub(super) fn parse_rfc4716(text: &str) -> Result<PublicKey, PublicKeyError> {
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
