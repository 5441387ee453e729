//! Regions, instances and images.

use std::time::Duration;

use keyrack_api::{
    page_limit, sshd_expiry_time, AuthorizedKeysQuery, CreateImage, CreateInstance,
    CreatedInstance, ErrorCode, Image, Instance, InstanceQuery, InstanceState, List, PowerAction,
    Region,
};

use super::{search_text, tokens};
use crate::error::AppError;
use crate::ids::random_token;
use crate::store::{BoundKey, InstanceFilter, NewInstance, Store};

/// `GET /regions`.
pub async fn list_regions(store: &Store) -> Result<List<Region>, AppError> {
    Ok(whole(store.list_regions().await?))
}

/// `GET /instances`.
pub async fn list_instances(
    store: &Store,
    query: InstanceQuery,
) -> Result<List<Instance>, AppError> {
    let filter = InstanceFilter {
        region: search_text(query.region),
        state: query.state,
        text: search_text(query.q),
        key_pair: search_text(query.key_pair),
        offset: query.offset.unwrap_or(0),
        limit: page_limit(query.limit)?,
    };
    store.list_instances(&filter).await
}

/// `GET /images`.
pub async fn list_images(store: &Store) -> Result<List<Image>, AppError> {
    Ok(whole(store.list_images().await?))
}

fn whole<T>(items: Vec<T>) -> List<T> {
    List {
        total: items.len() as u64,
        items,
    }
}

/// `GET /instances/{id}`.
pub async fn get_instance(store: &Store, id: &str) -> Result<Instance, AppError> {
    store
        .instance(id)
        .await?
        .ok_or_else(|| ErrorCode::InstanceNotFound { id: id.to_owned() }.into())
}

/// `POST /instances`: registers an instance and makes its agent token, which is returned
/// this once and kept only as a hash.
pub async fn create_instance(
    store: &Store,
    req: CreateInstance,
) -> Result<CreatedInstance, AppError> {
    req.validate()?;
    let token = random_token();
    let new = NewInstance {
        name: req.name,
        region: req.region,
        os: req.os,
        state: req.state.unwrap_or(InstanceState::Running),
        private_ip: req.private_ip.unwrap_or_default(),
        public_ip: req.public_ip,
    };
    let instance = store.create_instance(new, tokens::hash(&token)).await?;
    Ok(CreatedInstance {
        instance,
        agent_token: token,
    })
}

/// `DELETE /instances/{id}`: whatever its state; its bindings and agent token go with it.
pub async fn delete_instance(store: &Store, id: &str) -> Result<(), AppError> {
    store.delete_instance(id).await
}

/// `POST /instances/{id}/start` and `/stop`.
pub async fn change_power(
    store: &Store,
    id: &str,
    delay: Duration,
    power: PowerAction,
) -> Result<Instance, AppError> {
    store
        .change_power(id, delay, move |s| power.change(s))
        .await
}

/// `GET /instances/{id}/authorized_keys`: one OpenSSH line per bound key that has not
/// expired (and, when the key policy is enforced at login, that the policy allows),
/// `<algorithm> <base64> keyrack:<key id> <key name>`, led by `expiry-time="…" ` when the key
/// has an `expires_at`, so sshd refuses it from then on even when it reads a copy (the
/// host's cache). That is the only option a line ever has: names are `[A-Za-z0-9_.@-]`, so
/// the rest never holds anything sshd would read as one. `agent_of`: the instance of
/// the agent token asking, which must be this one; `None` for an admin, who may read any
/// instance's (an unknown one is 404).
///
/// With `query.fingerprint` (sshd's `%f`, validated by the extractor), only the line of the
/// bound key with that fingerprint, or nothing: one indexed lookup however many keys are
/// bound, since sshd asks once for every key a client offers.
pub async fn authorized_keys(
    store: &Store,
    id: &str,
    agent_of: Option<&str>,
    query: AuthorizedKeysQuery,
) -> Result<String, AppError> {
    match agent_of {
        Some(own) if own != id => {
            return Err(AppError::refuse(
                ErrorCode::Forbidden,
                "an agent token reads only its own instance's authorized keys",
            ));
        }
        Some(_) => {}
        // An agent's own instance exists; an admin may name any.
        None => {
            get_instance(store, id).await?;
        }
    }
    let keys = match query.fingerprint {
        Some(fingerprint) => store
            .bound_key_by_fingerprint(id, &fingerprint)
            .await?
            .into_iter()
            .collect(),
        None => store.bound_keys(id).await?,
    };
    let policy = store.policy().await?;
    Ok(keys
        .into_iter()
        .filter(|key| {
            !policy.enforce_on_login
                || policy.allows(key.algorithm, u32::try_from(key.bits).unwrap_or(0))
        })
        .map(|key| authorized_keys_line(&key))
        .collect())
}

/// A bound key's line, with its expiry for sshd.
fn authorized_keys_line(key: &BoundKey) -> String {
    let options = match &key.expires_at {
        Some(at) => format!("{} ", sshd_expiry_time(at)),
        None => String::new(),
    };
    format!(
        "{options}{} keyrack:{} {}\n",
        key.public_key, key.id, key.name
    )
}

/// `POST /images`.
pub async fn create_image(store: &Store, req: CreateImage) -> Result<Image, AppError> {
    req.validate()?;
    store.create_image(&req.name, &req.instance_id).await
}

/// `DELETE /images/{id}`.
pub async fn delete_image(store: &Store, id: &str) -> Result<(), AppError> {
    store.delete_image(id).await
}
