//! Key pairs on the wire, and the requests that change them.

use serde::{Deserialize, Serialize};

use crate::capped::capped;
use crate::error::{FieldError, Rule};
use crate::expiry::{present, read_expiry};
use crate::limits::{BATCH_MAX, TAGS_MAX};
use crate::tag::{validate_tags, Tag};
use crate::timestamp::Timestamp;
use crate::validate::{validate_description, validate_name};

/// Where a key pair came from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Origin {
    /// Made in the browser by "Create a key pair".
    Generated,
    /// An existing public key, pasted or loaded from a file.
    #[default]
    Imported,
}

/// A key pair as the API serves it. Only the public half ever exists on the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KeyPair {
    /// `skey-` and 8 characters of `[0-9a-z]`.
    pub id: String,
    /// Unique case-insensitively.
    pub name: String,
    /// Free text, possibly empty.
    pub description: String,
    /// `<algorithm> <base64>`.
    pub public_key: String,
    /// The comment that came with the public key.
    pub comment: String,
    /// SSH algorithm name.
    pub algorithm: crate::KeyAlgorithm,
    /// Key size in bits.
    pub bits: u32,
    /// `SHA256:…` as `ssh-keygen -l` prints it.
    pub fingerprint_sha256: String,
    /// `MD5:…` as `ssh-keygen -l -E md5` prints it.
    pub fingerprint_md5: String,
    /// Generated in the browser or imported.
    pub origin: Origin,
    /// Tags in the order they were given.
    pub tags: Vec<Tag>,
    /// Instances the key is bound to.
    pub instance_ids: Vec<String>,
    /// Custom images that carry the key.
    pub image_ids: Vec<String>,
    /// RFC 3339 UTC: from then on sshd no longer gets the key. `null`: never.
    #[serde(default)]
    pub expires_at: Option<Timestamp>,
    /// Whether the key's type and size meet the key policy now. A key registered before a
    /// stricter policy stays, marked `false`; when the policy enforces it at login, sshd no
    /// longer gets it.
    #[serde(default = "allowed")]
    pub allowed_by_policy: bool,
    /// The most recent completed sshd login with the key on any instance; `null`: never.
    #[serde(default)]
    pub last_login: Option<crate::KeyLogin>,
    /// RFC 3339 UTC.
    pub created_at: Timestamp,
    /// RFC 3339 UTC.
    pub updated_at: Timestamp,
    /// Bumped on every change; the `ETag`.
    pub version: i64,
}

fn allowed() -> bool {
    true
}

/// `POST /key-pairs`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateKeyPair {
    /// The new key pair's name.
    pub name: String,
    /// Optional description.
    #[serde(default)]
    pub description: String,
    /// An OpenSSH line or an RFC 4716 block.
    pub public_key: String,
    /// Optional tags.
    #[serde(default, deserialize_with = "capped::<_, _, TAGS_MAX>")]
    pub tags: Vec<Tag>,
    /// `generated` or `imported` (the default).
    #[serde(default)]
    pub origin: Origin,
    /// Optional RFC 3339 time from which sshd no longer gets the key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
}

impl CreateKeyPair {
    /// Checks every field rule except the public key, which [`crate::parse_public_key`]
    /// checks, and uniqueness, which is the server's; answers the expiry, read.
    pub fn validate(&self) -> Result<Option<Timestamp>, FieldError> {
        validate_name(&self.name)?;
        validate_description(&self.description)?;
        validate_tags(&self.tags)?;
        read_expiry(self.expires_at.as_deref())
    }
}

/// `PATCH /key-pairs/{id}`: at least one of the three.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdateKeyPair {
    /// A new name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// A new description (empty clears it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// A new expiry, RFC 3339; `null` clears it (the key never expires); absent keeps it.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, nullable))]
    pub expires_at: Option<Option<String>>,
}

impl UpdateKeyPair {
    /// Checks that something changes and that each given field follows its rule; answers
    /// the expiry change, read (`Some(None)` clears it).
    pub fn validate(&self) -> Result<Option<Option<Timestamp>>, FieldError> {
        if self.name.is_none() && self.description.is_none() && self.expires_at.is_none() {
            return Err(FieldError::new(
                "name",
                Rule::Required,
                "give a name, a description, an expiry or several of them",
            ));
        }
        if let Some(name) = &self.name {
            validate_name(name)?;
        }
        if let Some(description) = &self.description {
            validate_description(description)?;
        }
        self.expires_at
            .as_ref()
            .map(|at| read_expiry(at.as_deref()))
            .transpose()
    }
}

/// `PUT /key-pairs/{id}/tags`: the whole new tag set.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReplaceTags {
    /// The tags after the change.
    #[serde(deserialize_with = "capped::<_, _, TAGS_MAX>")]
    pub tags: Vec<Tag>,
}

/// `POST /key-pairs/batch-delete`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BatchDeleteRequest {
    /// 1–100 key-pair ids.
    #[serde(deserialize_with = "capped::<_, _, BATCH_MAX>")]
    pub ids: Vec<String>,
}

impl BatchDeleteRequest {
    /// Checks the batch size.
    pub fn validate(&self) -> Result<(), FieldError> {
        if self.ids.is_empty() {
            return Err(FieldError::new(
                "ids",
                Rule::Required,
                "select at least one key pair",
            ));
        }
        if self.ids.len() > BATCH_MAX {
            return Err(FieldError::new(
                "ids",
                Rule::Count,
                format!("at most {BATCH_MAX} ids per call"),
            ));
        }
        Ok(())
    }
}

/// What happened to one key pair of a batch delete.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum DeleteOutcome {
    /// Deleted.
    Deleted,
    /// There was no such key pair.
    NotFound,
    /// Kept: bound to instances.
    InUse,
    /// Kept: referenced by custom images.
    ReferencedByImage,
}

/// One key pair's outcome in a batch delete.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BatchDeleteResult {
    /// The id as given.
    pub id: String,
    /// The key pair's name, when it exists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// What happened.
    pub outcome: DeleteOutcome,
    /// For `in_use`: the instances holding the key.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub instance_ids: Vec<String>,
    /// For `referenced_by_image`: the images carrying the key.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub image_ids: Vec<String>,
}

/// The answer to a batch delete, one result per id in the order given.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BatchDeleteResponse {
    /// Per-key outcomes.
    pub results: Vec<BatchDeleteResult>,
}

impl BatchDeleteResponse {
    /// How many were deleted.
    pub fn deleted(&self) -> usize {
        self.results
            .iter()
            .filter(|r| r.outcome == DeleteOutcome::Deleted)
            .count()
    }
}
