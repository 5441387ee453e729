//! Regions, instances (with their power transitions and agent tokens) and custom images.
//!
//! Power transitions are stored, not timed: see `power`.

mod authorized_keys;
mod images;
mod instances;
mod power;
mod rows;

use keyrack_api::{InstanceState, Os, Timestamp};

pub(super) use power::{set_state, settle};

/// An instance to register, already validated by the service.
#[derive(Debug, Clone)]
pub struct NewInstance {
    /// Display name.
    pub name: String,
    /// Region id; created (named after its id) when unknown.
    pub region: String,
    /// Operating system family.
    pub os: Os,
    /// `RUNNING` or `STOPPED`.
    pub state: InstanceState,
    /// Private address, or empty.
    pub private_ip: String,
    /// Public address.
    pub public_ip: Option<String>,
}

/// Which instances to list.
#[derive(Debug, Clone, Default)]
pub struct InstanceFilter {
    /// Only this region.
    pub region: Option<String>,
    /// Only this state.
    pub state: Option<InstanceState>,
    /// Substring of name, id or an address (case-insensitive).
    pub text: Option<String>,
    /// Only instances this key pair is bound to.
    pub key_pair: Option<String>,
    /// Rows to skip.
    pub offset: u32,
    /// Rows to return.
    pub limit: u32,
}

/// A key bound to an instance, as `authorized_keys` serves it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct BoundKey {
    /// The key pair's id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// `<algorithm> <base64>`.
    pub public_key: String,
    /// For the key policy.
    pub algorithm: keyrack_api::KeyAlgorithm,
    /// For the key policy.
    pub bits: i64,
    /// The stored form, which the line carries as sshd's `expiry-time`.
    pub expires_at: Option<Timestamp>,
}
