//! Binding key pairs to instances and unbinding them: the two directions, the request and
//! the outcome per instance.

use serde::{Deserialize, Serialize};

use crate::capped::capped;
use crate::error::{FieldError, Rule};
use crate::fleet::InstanceState;
use crate::limits::BIND_INSTANCES_MAX;

/// Which way a call changes bindings: `POST /key-pairs/{id}/bind` or `/unbind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BindDirection {
    /// Add the key pair to instances.
    Bind,
    /// Remove it from them.
    Unbind,
}

impl BindDirection {
    /// Both, in the console's order.
    pub const ALL: [BindDirection; 2] = [BindDirection::Bind, BindDirection::Unbind];

    /// The last segment of the route: `bind` or `unbind`.
    pub fn verb(self) -> &'static str {
        match self {
            BindDirection::Bind => "bind",
            BindDirection::Unbind => "unbind",
        }
    }

    /// The route under `/api/v1` for key pair `id` (already URL-encoded by the caller).
    pub fn path(self, id: &str) -> String {
        format!("/key-pairs/{id}/{}", self.verb())
    }

    /// The outcome of an instance the call changed.
    pub fn done(self) -> BindOutcome {
        match self {
            BindDirection::Bind => BindOutcome::Bound,
            BindDirection::Unbind => BindOutcome::Unbound,
        }
    }

    /// The outcome of an instance that was that way already.
    pub fn already(self) -> BindOutcome {
        match self {
            BindDirection::Bind => BindOutcome::AlreadyBound,
            BindDirection::Unbind => BindOutcome::NotBound,
        }
    }
}

/// `POST /key-pairs/{id}/bind` and `/unbind`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BindRequest {
    /// 1–100 instance ids.
    #[serde(deserialize_with = "capped::<_, _, BIND_INSTANCES_MAX>")]
    pub instance_ids: Vec<String>,
    /// Stop running instances first and start them again afterwards.
    #[serde(default)]
    pub force_stop: bool,
}

impl BindRequest {
    /// Checks the number of instance ids given (1–100, repeats counted).
    pub fn validate(&self) -> Result<(), FieldError> {
        if self.instance_ids.is_empty() {
            return Err(FieldError::new(
                "instance_ids",
                Rule::Required,
                "select at least one instance",
            ));
        }
        if self.instance_ids.len() > BIND_INSTANCES_MAX {
            return Err(FieldError::new(
                "instance_ids",
                Rule::Count,
                format!("at most {BIND_INSTANCES_MAX} instance ids per call"),
            ));
        }
        Ok(())
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bind_request_counts_ids() {
        let req = |n: usize| BindRequest {
            instance_ids: (0..n).map(|i| format!("ins-{i:08}")).collect(),
            force_stop: false,
        };
        assert_eq!(req(0).validate().map_err(|e| e.rule), Err(Rule::Required));
        assert!(req(1).validate().is_ok());
        assert!(req(BIND_INSTANCES_MAX).validate().is_ok());
        let too_many = req(BIND_INSTANCES_MAX + 1).validate().expect_err("101 ids");
        assert_eq!(
            (too_many.field.as_str(), too_many.rule),
            ("instance_ids", Rule::Count)
        );
    }

    #[test]
    fn each_direction_has_its_route_and_outcomes() {
        assert_eq!(BindDirection::Bind.path("kp-1"), "/key-pairs/kp-1/bind");
        assert_eq!(BindDirection::Unbind.path("kp-1"), "/key-pairs/kp-1/unbind");
        assert_eq!(
            BindDirection::ALL.map(|d| (d.done(), d.already())),
            [
                (BindOutcome::Bound, BindOutcome::AlreadyBound),
                (BindOutcome::Unbound, BindOutcome::NotBound)
            ]
        );
    }
}
