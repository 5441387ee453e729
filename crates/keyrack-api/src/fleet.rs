//! Regions, instances and custom images, and binding keys to instances.

use serde::{Deserialize, Serialize};

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

impl InstanceState {
    /// The state as the API spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Running => "RUNNING",
            Self::Stopped => "STOPPED",
            Self::Starting => "STARTING",
            Self::Stopping => "STOPPING",
        }
    }
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
    pub created_at: String,
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
    pub created_at: String,
}

/// `GET /instances` query.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct InstanceQuery {
    /// Only this region.
    pub region: Option<String>,
    /// Only this state.
    pub state: Option<InstanceState>,
    /// Substring of name, id or an address.
    pub q: Option<String>,
    /// Items to skip.
    pub offset: Option<u32>,
    /// Page size, at most 100.
    pub limit: Option<u32>,
}

/// `POST /key-pairs/{id}/bind` and `/unbind`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BindRequest {
    /// 1–100 instance ids.
    pub instance_ids: Vec<String>,
    /// Stop running instances first and start them again afterwards.
    #[serde(default)]
    pub force_stop: bool,
}

/// What happened to one instance of a bind or unbind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum BindOutcome {
    /// Now bound.
    Bound,
    /// Was bound already.
    AlreadyBound,
    /// Now unbound.
    Unbound,
    /// Was not bound.
    NotBound,
    /// Not shut down; `state` says what it is.
    InstanceRunning,
    /// Windows instances take no SSH keys.
    OsUnsupported,
    /// No such instance.
    NotFound,
    /// The instance already holds 16 keys.
    KeyLimit,
}

/// One instance's outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BindResult {
    /// The instance id as given.
    pub instance_id: String,
    /// What happened.
    pub outcome: BindOutcome,
    /// The instance's state, for `instance_running`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<InstanceState>,
}

/// The answer to a bind or unbind.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BindResponse {
    /// Per-instance outcomes, in the order given.
    pub results: Vec<BindResult>,
}
