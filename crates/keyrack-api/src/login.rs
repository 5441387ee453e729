//! Logins: what an instance reports when sshd lets a bound key in, and what the API shows of
//! them. Only a completed login is reported (sshd's `Accepted publickey` line, written after
//! the client proved it holds the private key), never a key merely offered.

use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use crate::error::{FieldError, Rule};
use crate::fleet::is_sha256_fingerprint;

/// The longest account name a report may carry (Linux allows 32 characters).
pub const LOGIN_USER_MAX_CHARS: usize = 32;

/// The most days `unused_for_days` may ask for (ten years).
pub const UNUSED_FOR_DAYS_MAX: u32 = 3650;

/// `POST /instances/{id}/logins`, sent by the instance's agent token: a bound key logged in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoginReport {
    /// The key's `SHA256:…` fingerprint, as sshd logs it.
    pub fingerprint: String,
    /// The account logged in to.
    pub user: String,
    /// The client's IP address, as sshd logs it.
    pub client_address: String,
}

impl LoginReport {
    /// Checks each field; the client address comes back in its canonical form.
    pub fn validate(&self) -> Result<IpAddr, FieldError> {
        if !is_sha256_fingerprint(&self.fingerprint) {
            return Err(FieldError::new(
                "fingerprint",
                Rule::Format,
                "fingerprint must be SHA256: and 43 base64 characters, as sshd logs it",
            ));
        }
        validate_user(&self.user)?;
        self.client_address.parse().map_err(|_| {
            FieldError::new(
                "client_address",
                Rule::Format,
                "client_address must be an IPv4 or IPv6 address",
            )
        })
    }
}

/// An account name as Linux accepts it: 1–32 characters of `[A-Za-z0-9._-]`, not starting
/// with `-`, optionally ending in `$`.
fn validate_user(user: &str) -> Result<(), FieldError> {
    let name = user.strip_suffix('$').unwrap_or(user);
    if name.is_empty() || user.chars().count() > LOGIN_USER_MAX_CHARS {
        return Err(FieldError::new(
            "user",
            Rule::Length,
            format!("user must be 1 to {LOGIN_USER_MAX_CHARS} characters"),
        ));
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
    {
        return Err(FieldError::new(
            "user",
            Rule::Charset,
            "user may hold only letters, digits, '.', '_' and '-' (and a final '$')",
        ));
    }
    if name.starts_with('-') {
        return Err(FieldError::new(
            "user",
            Rule::FirstChar,
            "user must not start with '-'",
        ));
    }
    Ok(())
}

/// The last login of a key on one instance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KeyLogin {
    /// RFC 3339 UTC, when Keyrack received the report.
    pub at: crate::Timestamp,
    /// The instance logged in to.
    pub instance_id: String,
    /// Its name at the time (kept if the instance is deleted later).
    pub instance_name: String,
    /// The account.
    pub user: String,
    /// The client's address.
    pub client_address: String,
}

/// `GET /key-pairs/{id}/logins`: the last login on each instance, newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KeyLogins {
    /// One per instance the key ever logged in to.
    pub items: Vec<KeyLogin>,
}

/// Checks `unused_for_days`: 1 to [`UNUSED_FOR_DAYS_MAX`].
pub fn check_unused_for_days(days: u32) -> Result<u32, FieldError> {
    if (1..=UNUSED_FOR_DAYS_MAX).contains(&days) {
        Ok(days)
    } else {
        Err(FieldError::new(
            "unused_for_days",
            Rule::Range,
            format!("unused_for_days is {days}; it must be between 1 and {UNUSED_FOR_DAYS_MAX}"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(fingerprint: &str, user: &str, address: &str) -> LoginReport {
        LoginReport {
            fingerprint: fingerprint.into(),
            user: user.into(),
            client_address: address.into(),
        }
    }

    const FP: &str = "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU";

    #[test]
    fn a_report_names_the_field_it_breaks() {
        assert_eq!(
            report(FP, "root", "::ffff:10.0.0.1").validate(),
            Ok("::ffff:10.0.0.1".parse().expect("address"))
        );
        assert!(report(FP, "deploy$", "10.0.0.1").validate().is_ok());
        for (bad, field, rule) in [
            (
                report("MD5:12", "root", "10.0.0.1"),
                "fingerprint",
                Rule::Format,
            ),
            (report(FP, "", "10.0.0.1"), "user", Rule::Length),
            (
                report(FP, &"a".repeat(33), "10.0.0.1"),
                "user",
                Rule::Length,
            ),
            (report(FP, "ro ot", "10.0.0.1"), "user", Rule::Charset),
            (report(FP, "-root", "10.0.0.1"), "user", Rule::FirstChar),
            (
                report(FP, "root", "10.0.0.1 port 22"),
                "client_address",
                Rule::Format,
            ),
        ] {
            let e = bad.validate().expect_err(field);
            assert_eq!((e.field.as_str(), e.rule), (field, rule), "{bad:?}");
        }
    }

    #[test]
    fn unused_for_days_is_bounded() {
        assert_eq!(check_unused_for_days(90), Ok(90));
        assert_eq!(check_unused_for_days(0).expect_err("0").rule, Rule::Range);
        assert!(check_unused_for_days(UNUSED_FOR_DAYS_MAX + 1).is_err());
    }
}
