//! What the console says about an API refusal. The server's message is kept where it is
//! the most precise text available (field rules, public-key reasons).

use keyrack_api::{ApiError, ErrorCode};

/// One sentence for the user.
pub fn describe(e: &ApiError) -> String {
    use ErrorCode::*;
    match &e.code {
        KeyPairNameDuplicate { .. } => {
            "Another key pair already has this name; choose another one.".into()
        }
        TokenNameDuplicate { .. } => {
            "Another valid token already has this name; choose another one.".into()
        }
        PublicKeyDuplicate { id, name, .. } => {
            format!("This public key is already registered as {name} ({id}).")
        }
        KeyPairInUse { instance_ids } => match listed(instance_ids) {
            Some(list) => format!("The key is bound to instances {list}; unbind it first."),
            None => "The key is bound to instances; unbind it first.".into(),
        },
        KeyPairReferencedByImage { image_ids } => match listed(image_ids) {
            Some(list) => format!("Custom images {list} carry this key; delete them first."),
            None => "Custom images carry this key; delete them first.".into(),
        },
        KeyPairLimitExceeded { .. } => "This deployment holds as many key pairs as it may.".into(),
        KeyPairNotFound { .. } => "This key pair no longer exists.".into(),
        InstanceNotFound { .. } => "This instance no longer exists.".into(),
        ImageNotFound { .. } => "This custom image no longer exists.".into(),
        InstanceStateConflict { state } => {
            format!("The instance is {state}; wait until it has finished, then retry.")
        }
        PreconditionFailed { .. } => {
            "Someone changed this key pair meanwhile. It has been reloaded: review and try again."
                .into()
        }
        LastAdminToken => {
            "This is the last admin token: make another admin token first, then revoke this one."
                .into()
        }
        _ => describe_common(e),
    }
}

/// What the console says about a refusal that any request can meet: a lost session, a
/// limit, the server itself; otherwise the server's own message. Loading a list needs only
/// these, so the first load carries only these (the rest come with the dialogs).
pub fn describe_common(e: &ApiError) -> String {
    use ErrorCode::*;
    match &e.code {
        Unauthorized => "Your session has ended; please sign in again.".into(),
        Forbidden if e.message.is_empty() => "Your token may not do this.".into(),
        Forbidden => format!(
            "Your token may not do this: {}.",
            e.message.trim_end_matches('.')
        ),
        RateLimited { .. } => "Too many requests; wait a moment and retry.".into(),
        RequestTimeout => {
            "The server took too long to answer. Refresh to see whether the change was made, then retry."
                .into()
        }
        InternalError | Unknown if e.message.is_empty() => {
            "Something went wrong on the server.".into()
        }
        _ => capitalise(&e.message),
    }
}

/// `a, b, c`, or nothing for an empty list.
fn listed(ids: &[String]) -> Option<String> {
    (!ids.is_empty()).then(|| ids.join(", "))
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The form field a refusal is about, when the server names one.
pub fn field_of(e: &ApiError) -> Option<&str> {
    use ErrorCode::*;
    match &e.code {
        InvalidParameter { field, .. }
        | PublicKeyInvalid { field, .. }
        | KeyPairNameDuplicate { field, .. }
        | TokenNameDuplicate { field, .. }
        | PublicKeyDuplicate { field, .. }
        | PolicyViolation { field, .. } => Some(field),
        _ => None,
    }
}

/// A field rule broken, as a sentence under the field in the console's language.
pub fn field_error(e: &keyrack_api::FieldError) -> String {
    capitalise(&e.message)
}

/// A key policy refusal, as a sentence in the console's language.
pub fn policy_violation(v: &keyrack_api::PolicyViolation) -> String {
    capitalise(&v.message)
}

/// Why a public key is refused, as a sentence in the console's language.
pub fn public_key_refusal(e: &keyrack_api::PublicKeyError) -> String {
    e.to_string()
}
