//! The key policy: reading and replacing it, and marking key pairs by it.

use keyrack_api::{KeyPair, Policy};

use crate::error::AppError;
use crate::store::Store;

/// `GET /policy`.
pub async fn get(store: &Store) -> Result<Policy, AppError> {
    store.policy().await
}

/// `PUT /policy`: checks the policy and replaces the saved one. Keys already registered are
/// kept; the next read marks those it no longer allows.
pub async fn put(store: &Store, policy: Policy) -> Result<Policy, AppError> {
    policy.validate()?;
    store.put_policy(&policy).await?;
    Ok(policy)
}

/// Sets `allowed_by_policy` on each key pair.
pub fn mark<'a>(policy: &Policy, key_pairs: impl IntoIterator<Item = &'a mut KeyPair>) {
    for key_pair in key_pairs {
        key_pair.allowed_by_policy = policy.allows(key_pair.algorithm, key_pair.bits);
    }
}
