//! What the console says about an API refusal. The server's message is kept where it is
//! the most precise text available (field rules, public-key reasons).

use keyrack_api::{ApiError, ErrorCode};

/// One sentence for the user.
pub fn describe(e: &ApiError) -> String {
    use ErrorCode::*;
    let detail = |k: &str| e.details.get(k).and_then(|v| v.as_str()).map(str::to_owned);
    let ids = |k: &str| {
        e.details
            .get(k)
            .and_then(|v| v.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .filter(|s| !s.is_empty())
    };
    match e.code {
        KeyPairNameDuplicate => {
            "Another key pair already has this name; choose another one.".into()
        }
        PublicKeyDuplicate => {
            let name = detail("name").or_else(|| detail("key_pair_name"));
            let id = detail("id").or_else(|| detail("key_pair_id"));
            match (name, id) {
                (Some(n), Some(i)) => {
                    format!("This public key is already registered as {n} ({i}).")
                }
                _ => format!("This public key is already registered: {}", e.message),
            }
        }
        KeyPairInUse => match ids("instance_ids") {
            Some(list) => format!("The key is bound to instances {list}; unbind it first."),
            None => "The key is bound to instances; unbind it first.".into(),
        },
        KeyPairReferencedByImage => match ids("image_ids") {
            Some(list) => format!("Custom images {list} carry this key; delete them first."),
            None => "Custom images carry this key; delete them first.".into(),
        },
        KeyPairLimitExceeded => "This deployment holds as many key pairs as it may.".into(),
        KeyPairNotFound => "This key pair no longer exists.".into(),
        InstanceNotFound => "This instance no longer exists.".into(),
        ImageNotFound => "This custom image no longer exists.".into(),
        InstanceStateConflict => match detail("state") {
            Some(state) => {
                format!("The instance is {state}; wait until it has finished, then retry.")
            }
            None => "The instance is changing state; wait a moment, then retry.".into(),
        },
        PreconditionFailed => {
            "Someone changed this key pair meanwhile. It has been reloaded: review and try again."
                .into()
        }
        Unauthorized => "Your session has ended; please sign in again.".into(),
        LastAdminToken => {
            "This is the last admin token: make another admin token first, then revoke this one."
                .into()
        }
        Forbidden if e.message.is_empty() => "Your token may not do this.".into(),
        Forbidden => format!(
            "Your token may not do this: {}.",
            e.message.trim_end_matches('.')
        ),
        RateLimited => "Too many requests; wait a moment and retry.".into(),
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

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The form field a refusal is about, when the server names one.
pub fn field_of(e: &ApiError) -> Option<&str> {
    match e.code {
        ErrorCode::KeyPairNameDuplicate => Some("name"),
        ErrorCode::PublicKeyDuplicate | ErrorCode::PublicKeyInvalid => Some("public_key"),
        _ => e.details.get("field").and_then(|v| v.as_str()),
    }
}
