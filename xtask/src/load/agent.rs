//! The instance agent that the flood and the lookups act as: the admin registers a stopped
//! bench instance, and the answer carries the agent's own token.

use anyhow::{Context, Result};
use serde_json::{json, Value};

/// The body of `POST /api/v1/instances` for a bench instance named `name`.
pub fn instance_body(name: &str, private_ip: &str) -> Value {
    json!({"name": name, "region": "bench", "os": "linux",
           "state": "STOPPED", "private_ip": private_ip})
}

/// A registered instance and its agent's token.
pub struct Agent {
    pub instance: String,
    pub token: String,
}

impl Agent {
    /// Read from the answer to [`instance_body`]'s POST.
    pub fn from_created(created: &Value) -> Result<Self> {
        let instance = created["instance"]["id"]
            .as_str()
            .context("no instance id")?
            .to_owned();
        let token = created["agent_token"]
            .as_str()
            .context("no agent token")?
            .to_owned();
        Ok(Self { instance, token })
    }
}
