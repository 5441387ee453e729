//! Administration: bearer tokens and the audit log.

use serde::{Deserialize, Serialize};

use crate::query_string::number;

use crate::validate::clean_text;
use crate::{FieldError, Rule};

/// Longest token name, in characters.
pub const TOKEN_NAME_MAX_CHARS: usize = 64;

/// What a token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum TokenRole {
    /// Everything, including managing tokens and reading the audit log.
    Admin,
    /// Reads only.
    Viewer,
    /// An instance agent: reads only its own instance's authorized keys.
    Agent,
}

/// A registered token, without the token itself (only its hash is kept).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TokenInfo {
    /// `tok-…`.
    pub id: String,
    /// A label for people.
    pub name: String,
    /// What it may do.
    pub role: TokenRole,
    /// For an agent token, its instance.
    pub instance_id: Option<String>,
    /// RFC 3339 UTC.
    pub created_at: crate::Timestamp,
    /// When it was revoked (RFC 3339 UTC), or `null` while it is valid.
    pub revoked_at: Option<crate::Timestamp>,
}

/// Who a token is: the part of a [`TokenInfo`] a console shows and decides by. The console
/// reads `GET /me` into it (the other fields are skipped), which keeps their decoding off its
/// first load.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenIdentity {
    /// `tok-…`.
    pub id: String,
    /// A label for people.
    pub name: String,
    /// What it may do.
    pub role: TokenRole,
}

/// `POST /tokens`: a new admin or viewer token. Agent tokens come with their instance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateToken {
    /// A label for people: 1–64 characters, no control, bidirectional or zero-width
    /// characters; unique (ASCII case-insensitively) among valid admin and viewer tokens.
    pub name: String,
    /// `admin` or `viewer`.
    pub role: TokenRole,
}

impl CreateToken {
    /// Checks the name (see [`validate_token_name`]) and that the role is admin or viewer.
    pub fn validate(&self) -> Result<(), FieldError> {
        validate_token_name(&self.name)?;
        if self.role == TokenRole::Agent {
            return Err(FieldError::new(
                "role",
                Rule::Format,
                "role must be admin or viewer; agent tokens come with their instance",
            ));
        }
        Ok(())
    }
}

/// A token name, once trimmed: 1–64 characters, and [`clean_text`]. Uniqueness among valid
/// admin and viewer tokens is the server's to check.
pub fn validate_token_name(name: &str) -> Result<(), FieldError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(FieldError::new(
            "name",
            Rule::Required,
            "a token needs a name",
        ));
    }
    if name.chars().count() > TOKEN_NAME_MAX_CHARS {
        return Err(FieldError::new(
            "name",
            Rule::Length,
            format!("a token name has at most {TOKEN_NAME_MAX_CHARS} characters"),
        ));
    }
    clean_text("name", name)
}

/// The answer to `POST /tokens`: the only time the token is shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreatedToken {
    /// The bearer token. Keyrack keeps only its hash; it cannot be shown again.
    pub token: String,
    /// The registered token.
    #[serde(flatten)]
    pub info: TokenInfo,
}

/// One recorded write (or refused write) in the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEntry {
    /// Position in the log; higher is newer.
    pub id: i64,
    /// When the answer was given, RFC 3339 UTC.
    pub at: crate::Timestamp,
    /// The token's id, or `null` when no valid token was presented.
    pub actor_id: Option<String>,
    /// The token's name at the time, or `null`.
    pub actor_name: Option<String>,
    /// The token's role, or `null`.
    pub actor_role: Option<TokenRole>,
    /// `METHOD route`, such as `PATCH /api/v1/key-pairs/{id}`.
    pub action: String,
    /// The id the write was about (from the path, or the `Location` of what it created).
    pub target: Option<String>,
    /// The HTTP status of the answer.
    pub status: u16,
    /// The error code of a refusal, or `null` on success.
    pub error_code: Option<String>,
    /// The client's address (the peer, or `X-Forwarded-For` behind a trusted proxy), when
    /// known.
    #[serde(default)]
    pub client: Option<String>,
    /// How many requests this entry stands for: 1, or for requests refused without a valid
    /// token, which are counted per client and interval rather than written one by one.
    #[serde(default = "one")]
    pub repeats: u64,
    /// Every id the request touched, when there were several: the key pairs an import
    /// created or a batch delete deleted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub targets: Vec<String>,
    /// What a recorded read ran with: an export's format and filter, as a query string.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

fn one() -> u64 {
    1
}

/// `GET /audit` query.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
#[serde(default)]
pub struct AuditQuery {
    /// The token's id or name, exactly.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
    /// A substring of the action (`METHOD route`), case-insensitive, such as `bind` or `DELETE`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// The target id, exactly.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// `success` (2xx), `failure` (4xx and 5xx), a status such as `403`, or an error code such
    /// as `Forbidden`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
    /// Only entries at or after this RFC 3339 time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub since: Option<String>,
    /// Only entries before this RFC 3339 time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
    /// Items to skip.
    #[serde(deserialize_with = "number", skip_serializing_if = "Option::is_none")]
    pub offset: Option<u32>,
    /// Page size, 1–100 (default 20).
    #[serde(deserialize_with = "number", skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn create(name: &str, role: TokenRole) -> CreateToken {
        CreateToken {
            name: name.into(),
            role,
        }
    }

    #[test]
    fn token_names_and_roles_follow_their_rules() {
        assert!(create("ci reader", TokenRole::Viewer).validate().is_ok());
        assert!(create(&"x".repeat(64), TokenRole::Admin).validate().is_ok());
        let rule = |name: &str, role| create(name, role).validate().map_err(|e| (e.field, e.rule));
        assert_eq!(
            rule("   ", TokenRole::Viewer),
            Err(("name".into(), Rule::Required))
        );
        assert_eq!(
            rule(&"x".repeat(65), TokenRole::Viewer),
            Err(("name".into(), Rule::Length))
        );
        assert_eq!(
            rule("a\u{7}b", TokenRole::Viewer),
            Err(("name".into(), Rule::ControlChar))
        );
        assert_eq!(
            rule("host", TokenRole::Agent),
            Err(("role".into(), Rule::Format))
        );
    }
}
