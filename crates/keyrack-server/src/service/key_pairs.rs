//! Key-pair operations.

use std::collections::HashSet;

use keyrack_api::{
    check_new_expiry, check_unused_for_days, page_limit, parse_public_key, validate_tags,
    BatchDeleteRequest, BatchDeleteResponse, BatchDeleteResult, CreateKeyPair, DeleteOutcome,
    ErrorCode, FieldError, KeyPair, KeyPairQuery, List, Policy, ReplaceTags, Rule, StatusBounds,
    TagFilter, Timestamp, UpdateKeyPair,
};

use super::{policy, search_text};
use crate::clock;
use crate::error::AppError;
use crate::store::{Deletion, KeyPairChanges, KeyPairFilter, NewKeyPair, StatusAt, Store};

/// `GET /key-pairs`.
pub async fn list(store: &Store, query: KeyPairQuery) -> Result<List<KeyPair>, AppError> {
    let mut list = store.list_key_pairs(&filter(query)?).await?;
    policy::mark(&store.policy().await?, &mut list.items);
    Ok(list)
}

/// The key pair with `allowed_by_policy` set by the policy in force.
async fn marked(store: &Store, mut key_pair: KeyPair) -> Result<KeyPair, AppError> {
    policy::mark(&store.policy().await?, [&mut key_pair]);
    Ok(key_pair)
}

/// The store's filter for a list query, its parameters checked.
pub(crate) fn filter(query: KeyPairQuery) -> Result<KeyPairFilter, AppError> {
    let tag =
        match query.tag.as_deref() {
            Some(param) => Some(TagFilter::from_param(param).ok_or_else(|| {
                FieldError::new("tag", Rule::Format, "tag must be key or key:value")
            })?),
            None => None,
        };
    let status = query.status.map(|status| StatusAt {
        status,
        bounds: StatusBounds::at(clock::now()),
    });
    let unused_since = query
        .unused_for_days
        .map(check_unused_for_days)
        .transpose()?
        .map(|days| clock::before(std::time::Duration::from_secs(u64::from(days) * 86_400)));
    Ok(KeyPairFilter {
        text: search_text(query.q),
        tag,
        status,
        unused_since,
        sort: query.sort.unwrap_or_default(),
        offset: query.offset.unwrap_or(0),
        limit: page_limit(query.limit)?,
    })
}

/// `GET /key-pairs/{id}`.
pub async fn get(store: &Store, id: &str) -> Result<KeyPair, AppError> {
    let key_pair = store
        .key_pair(id)
        .await?
        .ok_or_else(|| ErrorCode::KeyPairNotFound { id: id.to_owned() })?;
    marked(store, key_pair).await
}

/// `POST /key-pairs`: checks every rule, parses the key, and registers it within `quota`.
pub async fn create(store: &Store, quota: u64, req: CreateKeyPair) -> Result<KeyPair, AppError> {
    let expires_at = req.validate()?;
    register(store, quota, req, expires_at).await
}

/// Registers `req`, its fields checked, with `expires_at` for its expiry (create's own, or
/// an import's for every line): parses the key and applies the policy.
pub(crate) async fn register(
    store: &Store,
    quota: u64,
    req: CreateKeyPair,
    expires_at: Option<Timestamp>,
) -> Result<KeyPair, AppError> {
    let key = parse_public_key(&req.public_key)?;
    let policy = store.policy().await?;
    let expires_at = new_expiry(&policy, expires_at)?;
    policy.check_key(key.algorithm, key.bits)?;
    let new = NewKeyPair {
        name: req.name,
        description: req.description,
        public_key: key.public_key,
        comment: key.comment,
        algorithm: key.algorithm,
        bits: key.bits,
        fingerprint_sha256: key.fingerprint_sha256,
        fingerprint_md5: key.fingerprint_md5,
        origin: req.origin,
        tags: req.tags,
        expires_at,
    };
    // Checked just now: a policy replaced meanwhile marks it on the next read.
    let mut key_pair = store.create_key_pair(new, quota).await?;
    policy::mark(&policy, [&mut key_pair]);
    Ok(key_pair)
}

/// A new key's `expires_at`, checked: not past, and within the policy's lifetime. Create and
/// import share it.
pub(crate) fn new_expiry(
    policy: &Policy,
    expires_at: Option<Timestamp>,
) -> Result<Option<Timestamp>, AppError> {
    let now = clock::now();
    if let Some(at) = &expires_at {
        check_new_expiry(at, &now)?;
    }
    policy.check_expiry(expires_at.as_ref(), &now)?;
    Ok(expires_at)
}

/// `PATCH /key-pairs/{id}`.
pub async fn update(
    store: &Store,
    id: &str,
    expected_version: Option<i64>,
    req: UpdateKeyPair,
) -> Result<KeyPair, AppError> {
    let expires_at = req.validate()?;
    let changes = KeyPairChanges {
        name: req.name,
        description: req.description,
        expires_at,
    };
    let policy = store.policy().await?;
    if let Some(expires_at) = &changes.expires_at {
        // A past time retires the key at once, which any lifetime allows.
        policy.check_expiry(expires_at.as_ref(), &clock::now())?;
    }
    let mut key_pair = store.update_key_pair(id, expected_version, changes).await?;
    policy::mark(&policy, [&mut key_pair]);
    Ok(key_pair)
}

/// `PUT /key-pairs/{id}/tags`.
pub async fn replace_tags(
    store: &Store,
    id: &str,
    expected_version: Option<i64>,
    req: ReplaceTags,
) -> Result<KeyPair, AppError> {
    validate_tags(&req.tags)?;
    let key_pair = store
        .replace_key_pair_tags(id, expected_version, &req.tags)
        .await?;
    marked(store, key_pair).await
}

/// `DELETE /key-pairs/{id}`: refused while instances or images reference the key pair;
/// bindings are reported first, as they are what the user can change here.
pub async fn delete(store: &Store, id: &str) -> Result<(), AppError> {
    match store.delete_unreferenced_key_pair(id).await? {
        Deletion::Deleted { .. } => Ok(()),
        Deletion::NotFound => Err(ErrorCode::KeyPairNotFound { id: id.to_owned() }.into()),
        Deletion::Kept {
            instance_ids,
            image_ids,
            ..
        } => Err(if instance_ids.is_empty() {
            ErrorCode::KeyPairReferencedByImage { image_ids }.into()
        } else {
            ErrorCode::KeyPairInUse { instance_ids }.into()
        }),
    }
}

/// `POST /key-pairs/batch-delete`: deletes the deletable ones in one transaction. An id
/// given twice is handled (and reported) once, at its first position.
pub async fn batch_delete(
    store: &Store,
    req: BatchDeleteRequest,
) -> Result<BatchDeleteResponse, AppError> {
    req.validate()?;
    let mut seen = HashSet::new();
    let ids: Vec<String> = req
        .ids
        .into_iter()
        .filter(|id| seen.insert(id.clone()))
        .collect();
    let deletions = store.delete_unreferenced_key_pairs(&ids).await?;
    let results = ids
        .into_iter()
        .zip(deletions)
        .map(|(id, deletion)| match deletion {
            Deletion::Deleted { name } => BatchDeleteResult {
                id,
                name: Some(name),
                outcome: DeleteOutcome::Deleted,
                instance_ids: Vec::new(),
                image_ids: Vec::new(),
            },
            Deletion::NotFound => BatchDeleteResult {
                id,
                name: None,
                outcome: DeleteOutcome::NotFound,
                instance_ids: Vec::new(),
                image_ids: Vec::new(),
            },
            Deletion::Kept {
                name,
                instance_ids,
                image_ids,
            } => BatchDeleteResult {
                id,
                name: Some(name),
                outcome: if instance_ids.is_empty() {
                    DeleteOutcome::ReferencedByImage
                } else {
                    DeleteOutcome::InUse
                },
                instance_ids,
                image_ids,
            },
        })
        .collect();
    Ok(BatchDeleteResponse { results })
}
