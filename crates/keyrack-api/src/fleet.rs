//! Regions, instances and custom images.

use serde::{Deserialize, Serialize};

use crate::query_string::{number, spelled};

use crate::error::{FieldError, Rule};
use crate::limits::{FLEET_NAME_MAX_CHARS, REGION_ID_MAX_CHARS};
use crate::validate::clean_text;

/// A region such as `ap-guangzhou`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Region {
    /// Region id.
    pub id: String,
    /// Display name.
    pub name: String,
}

/// An instance's operating system family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Os {
    /// Linux: SSH keys can be bound.
    Linux,
    /// Windows: SSH keys cannot be bound.
    Windows,
}

/// An instance's power state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum InstanceState {
    /// Running.
    Running,
    /// Shut down: keys can be bound and unbound.
    Stopped,
    /// Starting.
    Starting,
    /// Shutting down.
    Stopping,
}

/// An instance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Instance {
    /// `ins-` and 8 characters.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Region id.
    pub region: String,
    /// Operating system family.
    pub os: Os,
    /// Power state.
    pub state: InstanceState,
    /// Private address.
    pub private_ip: String,
    /// Public address, if any.
    pub public_ip: Option<String>,
    /// Key pairs bound to it (at most 16).
    pub key_ids: Vec<String>,
    /// RFC 3339 UTC.
    pub created_at: crate::Timestamp,
}

/// A custom image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Image {
    /// `img-` and 8 characters.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Region id.
    pub region: String,
    /// Key pairs baked into the image.
    pub key_ids: Vec<String>,
    /// RFC 3339 UTC.
    pub created_at: crate::Timestamp,
}

/// `GET /instances` query.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
#[serde(default)]
pub struct InstanceQuery {
    /// Only this region.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Only this state.
    #[serde(deserialize_with = "spelled", skip_serializing_if = "Option::is_none")]
    pub state: Option<InstanceState>,
    /// Substring of name, id or an address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub q: Option<String>,
    /// Only the instances this key pair (`skey-…`) is bound to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_pair: Option<String>,
    /// Items to skip.
    #[serde(deserialize_with = "number", skip_serializing_if = "Option::is_none")]
    pub offset: Option<u32>,
    /// Page size, at most 100.
    #[serde(deserialize_with = "number", skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

/// `GET /instances/{id}/authorized_keys` query.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
#[serde(default)]
pub struct AuthorizedKeysQuery {
    /// Only the line of the bound key with this fingerprint, as sshd's `%f` and `ssh-keygen
    /// -l` write it: `SHA256:` and 43 base64 characters (URL-encode `+` and `/`). No such
    /// bound key: 200 with an empty body. Without it, every bound key.
    #[serde(
        deserialize_with = "sha256_fingerprint",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(
        feature = "openapi",
        param(
            pattern = "^SHA256:[A-Za-z0-9+/]{43}$",
            example = "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU"
        )
    )]
    pub fingerprint: Option<String>,
}

/// Characters after `SHA256:` in a fingerprint: 32 bytes of digest in unpadded base64.
const SHA256_FINGERPRINT_B64_CHARS: usize = 43;

/// Whether `text` is a SHA-256 key fingerprint as `ssh-keygen -l` and sshd's `%f` write it
/// (`SHA256:` and 43 characters of standard base64, unpadded), the form Keyrack stores.
pub fn is_sha256_fingerprint(text: &str) -> bool {
    text.strip_prefix("SHA256:").is_some_and(|b64| {
        b64.len() == SHA256_FINGERPRINT_B64_CHARS
            && b64
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/')
    })
}

/// `deserialize_with` for `fingerprint`: read exactly (not trimmed: a `+` sent unencoded
/// arrives as a space, and is refused rather than guessed back).
fn sha256_fingerprint<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    use serde::de::Error as _;
    Option::<String>::deserialize(d)?
        .map(|s| {
            if is_sha256_fingerprint(&s) {
                Ok(s)
            } else {
                Err(D::Error::custom(
                    "must be a SHA-256 key fingerprint: SHA256: and 43 base64 characters, \
                     with + and / URL-encoded",
                ))
            }
        })
        .transpose()
}

/// `POST /instances`: registers an instance (such as a real host whose sshd asks Keyrack for
/// its authorized keys).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateInstance {
    /// Display name: 1–64 characters, no control, bidirectional or zero-width characters.
    pub name: String,
    /// Region id, such as `ap-guangzhou`: 1–32 of `[a-z0-9-]`, starting with a letter or
    /// digit. An unknown region is created with its id as its name.
    pub region: String,
    /// Operating system family.
    pub os: Os,
    /// `RUNNING` (the default) or `STOPPED`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<InstanceState>,
    /// Private address, an IPv4 or IPv6 address; empty when not given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_ip: Option<String>,
    /// Public address, an IPv4 or IPv6 address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_ip: Option<String>,
}

impl CreateInstance {
    /// Checks every field.
    pub fn validate(&self) -> Result<(), FieldError> {
        validate_fleet_name("name", &self.name)?;
        validate_region_id(&self.region)?;
        if let Some(state) = self.state {
            if !matches!(state, InstanceState::Running | InstanceState::Stopped) {
                return Err(FieldError::new(
                    "state",
                    Rule::Format,
                    "a new instance is RUNNING or STOPPED",
                ));
            }
        }
        for (field, ip) in [
            ("private_ip", &self.private_ip),
            ("public_ip", &self.public_ip),
        ] {
            if let Some(ip) = ip {
                if ip.parse::<std::net::IpAddr>().is_err() {
                    return Err(FieldError::new(
                        field,
                        Rule::Format,
                        format!("{field} must be an IPv4 or IPv6 address"),
                    ));
                }
            }
        }
        Ok(())
    }
}

/// The answer to `POST /instances`: the instance and its agent token, shown this once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreatedInstance {
    /// The new instance.
    pub instance: Instance,
    /// The bearer token with which this instance (and only it) reads its authorized keys.
    /// The server keeps only its hash; it is never shown again.
    pub agent_token: String,
}

/// `POST /images`: a custom image made from an instance, carrying its bound keys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateImage {
    /// Display name: 1–64 characters, no control, bidirectional or zero-width characters.
    pub name: String,
    /// The instance to make it from.
    pub instance_id: String,
}

impl CreateImage {
    /// Checks the name.
    pub fn validate(&self) -> Result<(), FieldError> {
        validate_fleet_name("name", &self.name)
    }
}

/// An instance or image name: 1–64 characters, not blank, and [`clean_text`].
fn validate_fleet_name(field: &str, name: &str) -> Result<(), FieldError> {
    let len = name.chars().count();
    if name.trim().is_empty() {
        return Err(FieldError::new(
            field,
            Rule::Required,
            format!("the {field} is required"),
        ));
    }
    if len > FLEET_NAME_MAX_CHARS {
        return Err(FieldError::new(
            field,
            Rule::Length,
            format!("the {field} has {len} characters; at most {FLEET_NAME_MAX_CHARS} are allowed"),
        ));
    }
    clean_text(field, name)
}

fn validate_region_id(region: &str) -> Result<(), FieldError> {
    let field = "region";
    if region.is_empty() {
        return Err(FieldError::new(
            field,
            Rule::Required,
            "the region is required",
        ));
    }
    if region.len() > REGION_ID_MAX_CHARS {
        return Err(FieldError::new(
            field,
            Rule::Length,
            format!("a region id has at most {REGION_ID_MAX_CHARS} characters"),
        ));
    }
    if !region
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return Err(FieldError::new(
            field,
            Rule::Charset,
            "a region id uses lowercase letters a–z, digits and -",
        ));
    }
    if region.starts_with('-') {
        return Err(FieldError::new(
            field,
            Rule::FirstChar,
            "a region id starts with a letter or a digit",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn instance(name: &str, region: &str) -> CreateInstance {
        CreateInstance {
            name: name.into(),
            region: region.into(),
            os: Os::Linux,
            state: None,
            private_ip: None,
            public_ip: None,
        }
    }

    #[test]
    fn create_instance_rules() {
        assert!(instance("web 01 (Guangzhou)", "ap-guangzhou")
            .validate()
            .is_ok());
        assert_eq!(
            instance(" ", "ap-x").validate().map_err(|e| e.rule),
            Err(Rule::Required)
        );
        assert_eq!(
            instance(&"x".repeat(65), "ap-x")
                .validate()
                .map_err(|e| e.rule),
            Err(Rule::Length)
        );
        assert_eq!(
            instance("a\tb", "ap-x").validate().map_err(|e| e.rule),
            Err(Rule::ControlChar)
        );
        assert_eq!(
            instance("a", "AP").validate().map_err(|e| e.field),
            Err("region".into())
        );
        assert_eq!(
            instance("a", "-ap").validate().map_err(|e| e.rule),
            Err(Rule::FirstChar)
        );
        let mut bad_ip = instance("a", "ap-x");
        bad_ip.private_ip = Some("10.0.0.300".into());
        assert_eq!(
            bad_ip.validate().map_err(|e| e.field),
            Err("private_ip".into())
        );
        let mut starting = instance("a", "ap-x");
        starting.state = Some(InstanceState::Starting);
        assert_eq!(
            starting.validate().map_err(|e| e.field),
            Err("state".into())
        );
    }

    #[test]
    fn the_fingerprint_parameter_is_a_sha256_fingerprint() {
        use crate::query_string::from_query_string;
        let fp = "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU";
        assert!(is_sha256_fingerprint(fp));
        let q: AuthorizedKeysQuery = from_query_string(
            "fingerprint=SHA256:47DEQpj8HBSa%2B%2FTImW%2B5JCeuQeRkm5NMpJWZG3hSuFU",
        )
        .expect("valid");
        assert_eq!(q.fingerprint.as_deref(), Some(fp));
        assert_eq!(
            from_query_string::<AuthorizedKeysQuery>(""),
            Ok(AuthorizedKeysQuery::default())
        );
        for bad in [
            // `+` sent unencoded arrives as a space.
            "fingerprint=SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU",
            "fingerprint=",
            "fingerprint=SHA256:",
            "fingerprint=MD5:12:f8:7e:78:61:b4:bf:e2:de:24:15:96:4e:d4:72:53",
            "fingerprint=SHA256:47DEQpj8HBSa%2B%2FTImW%2B5JCeuQeRkm5NMpJWZG3hSuFU%3D",
            "fingerprint=SHA256:47DEQpj8HBSa%2B%2FTImW%2B5JCeuQeRkm5NMpJWZG3hSuF",
            "fingerprint=sha256:47DEQpj8HBSa%2B%2FTImW%2B5JCeuQeRkm5NMpJWZG3hSuFU",
            "fingerprint=SHA256:47DEQpj8HBSa%2B%2FTImW%2B5JCeuQeRkm5NMpJWZG3hS%00U",
            "fingerprint=SHA256:47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU",
        ] {
            let e = from_query_string::<AuthorizedKeysQuery>(bad).expect_err(bad);
            assert_eq!(
                (e.field.as_str(), e.rule),
                ("fingerprint", Rule::Format),
                "{bad}"
            );
        }
    }
}
