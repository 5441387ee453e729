//! Regions, instances and images.

use std::time::Duration;

use keyrack_api::{
    CreateImage, CreateInstance, CreatedInstance, Image, Instance, InstanceQuery, InstanceState,
    List, Region,
};

use super::{page_limit, search_text, tokens};
use crate::error::AppError;
use crate::ids::random_token;
use crate::store::{InstanceFilter, NewInstance, PowerStep, Store};

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
    Ok(store.list_instances(&filter).await?)
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
        .ok_or_else(|| AppError::InstanceNotFound { id: id.to_owned() })
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
    Ok(store.delete_instance(id).await?)
}

/// `POST /instances/{id}/stop`: `RUNNING` becomes `STOPPING`, then `STOPPED` after `delay`.
/// Stopping an instance that is stopped or stopping changes nothing (200); one that is
/// starting is refused with `InstanceStateConflict`.
pub async fn stop_instance(store: &Store, id: &str, delay: Duration) -> Result<Instance, AppError> {
    Ok(store.change_power(id, delay, stop_step).await?)
}

/// `POST /instances/{id}/start`: the mirror image of [`stop_instance`].
pub async fn start_instance(
    store: &Store,
    id: &str,
    delay: Duration,
) -> Result<Instance, AppError> {
    Ok(store.change_power(id, delay, start_step).await?)
}

fn stop_step(state: InstanceState) -> PowerStep {
    match state {
        InstanceState::Running => PowerStep::Begin(InstanceState::Stopping),
        InstanceState::Stopping | InstanceState::Stopped => PowerStep::Keep,
        InstanceState::Starting => PowerStep::Conflict,
    }
}

fn start_step(state: InstanceState) -> PowerStep {
    match state {
        InstanceState::Stopped => PowerStep::Begin(InstanceState::Starting),
        InstanceState::Starting | InstanceState::Running => PowerStep::Keep,
        InstanceState::Stopping => PowerStep::Conflict,
    }
}

/// `GET /instances/{id}/authorized_keys` for the agent of `agent_instance_id`: one OpenSSH
/// line per bound key, `<algorithm> <base64> keyrack:<key id> <key name>`. Names are
/// `[A-Za-z0-9_.@-]`, so a line never holds anything sshd would read as an option.
pub async fn authorized_keys(
    store: &Store,
    id: &str,
    agent_instance_id: &str,
) -> Result<String, AppError> {
    if id != agent_instance_id {
        return Err(AppError::Forbidden(
            "an agent token reads only its own instance's authorized keys",
        ));
    }
    Ok(store
        .bound_keys(id)
        .await?
        .into_iter()
        .map(|(key_id, name, public_key)| format!("{public_key} keyrack:{key_id} {name}\n"))
        .collect())
}

/// `POST /images`.
pub async fn create_image(store: &Store, req: CreateImage) -> Result<Image, AppError> {
    req.validate()?;
    Ok(store.create_image(&req.name, &req.instance_id).await?)
}

/// `DELETE /images/{id}`.
pub async fn delete_image(store: &Store, id: &str) -> Result<(), AppError> {
    Ok(store.delete_image(id).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn power_rules() {
        use InstanceState::*;
        assert_eq!(stop_step(Running), PowerStep::Begin(Stopping));
        assert_eq!(stop_step(Stopped), PowerStep::Keep);
        assert_eq!(stop_step(Stopping), PowerStep::Keep);
        assert_eq!(stop_step(Starting), PowerStep::Conflict);
        assert_eq!(start_step(Stopped), PowerStep::Begin(Starting));
        assert_eq!(start_step(Running), PowerStep::Keep);
        assert_eq!(start_step(Starting), PowerStep::Keep);
        assert_eq!(start_step(Stopping), PowerStep::Conflict);
    }
}
