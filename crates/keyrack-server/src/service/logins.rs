//! Logins reported by instances, and each key's last login per instance.

use keyrack_api::{ErrorCode, KeyLogin, KeyLogins, LoginReport};

use crate::clock;
use crate::error::AppError;
use crate::store::{NewLogin, Store};

/// `POST /instances/{id}/logins`, from the instance's own agent token (`agent_of`): records
/// the login at the time it arrives. Only a key bound to the instance can have logged in
/// through Keyrack; any other fingerprint is refused and nothing is written.
pub async fn report(
    store: &Store,
    instance_id: &str,
    agent_of: &str,
    report: LoginReport,
) -> Result<KeyLogin, AppError> {
    if agent_of != instance_id {
        return Err(AppError::refuse(
            ErrorCode::Forbidden,
            "an agent token reports logins only for its own instance",
        ));
    }
    let address = report.validate()?.to_canonical().to_string();
    let login = NewLogin {
        instance_id,
        fingerprint: &report.fingerprint,
        user: &report.user,
        client_address: &address,
        at: &clock::now(),
    };
    store.record_login(&login).await?.ok_or_else(|| {
        AppError::refuse(
            ErrorCode::KeyPairNotFound {
                id: report.fingerprint.clone(),
            },
            format!(
                "no key pair with fingerprint {} is bound to {instance_id}",
                report.fingerprint
            ),
        )
    })
}

/// `GET /key-pairs/{id}/logins`.
pub async fn of_key(store: &Store, id: &str) -> Result<KeyLogins, AppError> {
    let items = store
        .key_logins(id)
        .await?
        .ok_or_else(|| ErrorCode::KeyPairNotFound { id: id.to_owned() })?;
    Ok(KeyLogins { items })
}
