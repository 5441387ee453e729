//! `POST /key-pairs/import`: an `authorized_keys` file, line by line. Each line is skipped
//! (blank, comment, not selected), refused (what create would refuse: the key itself, or the
//! key policy), a duplicate (registered already, or on an earlier line), or new; new lines
//! are registered one by one through the same rules as `POST /key-pairs`, so a dry run and
//! the import itself agree, and a key another request registers meanwhile is reported as
//! refused rather than lost.

use std::collections::{HashMap, HashSet};

use keyrack_api::{
    name_from_comment, read_authorized_keys, unique_name, ApiError, CreateKeyPair, ErrorCode,
    ImportCode, ImportLine, ImportOutcome, ImportRequest, ImportResponse, ImportResult, Origin,
    Policy, PublicKeyInfo, SkipReason, Timestamp,
};

use super::key_pairs;
use crate::error::AppError;
use crate::store::{note_targets, Store};

/// Reads the file and, unless `dry_run`, registers the selected new keys.
pub async fn import(
    store: &Store,
    quota: u64,
    req: ImportRequest,
) -> Result<ImportResponse, AppError> {
    let expires_at = req.validate()?;
    // The expiry and the lifetime are the request's, checked once, as create checks them.
    let policy = store.policy().await?;
    let expires_at = key_pairs::new_expiry(&policy, expires_at)?;
    let mut run = Run {
        store,
        quota,
        req: &req,
        policy,
        expires_at,
        seen: HashMap::new(),
        named: HashSet::new(),
    };
    let mut results = Vec::new();
    for (line, read) in read_authorized_keys(&req.authorized_keys) {
        results.push(match read {
            ImportLine::Skipped { reason } => ImportResult {
                code: Some(ImportCode::Skipped(reason)),
                message: Some(reason.message().to_owned()),
                ..ImportResult::bare(line, ImportOutcome::Skipped)
            },
            ImportLine::Refused { code, message } => refused(line, code, message),
            ImportLine::Key {
                key,
                dropped_options,
            } => run.key_line(line, key, dropped_options).await?,
        });
    }
    Ok(ImportResponse { results })
}

/// One import: the request, what it checks against, and what earlier lines of the file
/// held.
struct Run<'a> {
    store: &'a Store,
    quota: u64,
    req: &'a ImportRequest,
    policy: Policy,
    expires_at: Option<Timestamp>,
    /// Keys of earlier lines: their line and name.
    seen: HashMap<String, (u32, String)>,
    /// Names (lower case) earlier lines take.
    named: HashSet<String>,
}

impl Run<'_> {
    /// The outcome of a line holding a key: refused by the policy, a duplicate, not
    /// selected, or new (created, unless a dry run).
    async fn key_line(
        &mut self,
        line: u32,
        key: PublicKeyInfo,
        dropped_options: Option<String>,
    ) -> Result<ImportResult, AppError> {
        let mut result = ImportResult {
            dropped_options,
            algorithm: Some(key.algorithm),
            fingerprint_sha256: Some(key.fingerprint_sha256.clone()),
            ..ImportResult::bare(line, ImportOutcome::New)
        };
        if let Err(v) = self.policy.check_key(key.algorithm, key.bits) {
            return Ok(ImportResult {
                outcome: ImportOutcome::Refused,
                code: Some(ImportCode::Policy),
                message: Some(v.message),
                ..result
            });
        }
        if let Some(duplicate) = self.duplicate(&key, &result).await? {
            return Ok(duplicate);
        }
        let name = match self.name(line, &key).await? {
            Ok(name) => name,
            Err(e) => return Ok(refused_by(line, e, result)),
        };
        self.seen
            .insert(key.fingerprint_sha256.clone(), (line, name.clone()));
        result.name = Some(name.clone());
        // A dry run offers lines with options for choosing; an import takes them only when
        // chosen.
        let has_options = result.dropped_options.is_some() && !self.req.dry_run;
        if !self.req.selects(line, has_options) {
            let reason = if has_options && self.req.lines.is_none() {
                SkipReason::HasOptions
            } else {
                SkipReason::NotSelected
            };
            return Ok(ImportResult {
                outcome: ImportOutcome::Skipped,
                code: Some(ImportCode::Skipped(reason)),
                message: Some(reason.message().into()),
                ..result
            });
        }
        self.named.insert(name.to_lowercase());
        if self.req.dry_run {
            return Ok(result);
        }
        self.create(line, name, &key, result).await
    }

    /// `result` as a duplicate, when an earlier line or a registered key pair holds the key.
    async fn duplicate(
        &self,
        key: &PublicKeyInfo,
        result: &ImportResult,
    ) -> Result<Option<ImportResult>, AppError> {
        if let Some((first, name)) = self.seen.get(&key.fingerprint_sha256) {
            return Ok(Some(ImportResult {
                outcome: ImportOutcome::Duplicate,
                name: Some(name.clone()),
                message: Some(format!("the same key as line {first}")),
                ..result.clone()
            }));
        }
        let registered = self
            .store
            .key_pair_by_fingerprint(&key.fingerprint_sha256)
            .await?;
        Ok(registered.map(|(id, name)| ImportResult {
            outcome: ImportOutcome::Duplicate,
            message: Some(format!("registered already as {name} ({id})")),
            name: Some(name),
            id: Some(id),
            ..result.clone()
        }))
    }

    /// The line's name: the one the request gives it (refused when taken), else one made
    /// from the key's comment, unique among key pairs and earlier lines.
    async fn name(
        &self,
        line: u32,
        key: &PublicKeyInfo,
    ) -> Result<Result<String, ApiError>, AppError> {
        match self.req.name_for(line) {
            Some(name) => {
                let lower = name.to_lowercase();
                if self.named.contains(&lower)
                    || self.store.names_taken(&lower).await?.contains(&lower)
                {
                    return Ok(Err(ErrorCode::name_duplicate(name).into()));
                }
                Ok(Ok(name.to_owned()))
            }
            None => {
                let base = name_from_comment(&key.comment, line);
                let taken = self.store.names_taken(&base.to_lowercase()).await?;
                Ok(Ok(unique_name(&base, |n| {
                    taken.contains(n) || self.named.contains(n)
                })))
            }
        }
    }

    /// Registers the line's key through the same rules as `POST /key-pairs`.
    async fn create(
        &self,
        line: u32,
        name: String,
        key: &PublicKeyInfo,
        result: ImportResult,
    ) -> Result<ImportResult, AppError> {
        let create = CreateKeyPair {
            name,
            description: String::new(),
            public_key: format!("{} {}", key.public_key, key.comment),
            tags: Vec::new(),
            origin: Origin::Imported,
            expires_at: None,
        };
        // The line's own fields are checked as create checks them; the expiry is the
        // request's, read once.
        let registered = match create.validate() {
            Ok(_) => {
                let expires_at = self.expires_at.clone();
                key_pairs::register(self.store, self.quota, create, expires_at).await
            }
            Err(e) => Err(e.into()),
        };
        match registered {
            Ok(created) => {
                note_targets([created.id.clone()]);
                Ok(ImportResult {
                    outcome: ImportOutcome::Created,
                    id: Some(created.id),
                    ..result
                })
            }
            Err(AppError::Refused(e)) => Ok(refused_by(line, e, result)),
            Err(other) => Err(other),
        }
    }
}

fn refused(line: u32, code: keyrack_api::KeyRefusal, message: String) -> ImportResult {
    ImportResult {
        code: Some(ImportCode::Key(code)),
        message: Some(message),
        ..ImportResult::bare(line, ImportOutcome::Refused)
    }
}

/// A line the API refused as it would refuse `POST /key-pairs`.
fn refused_by(line: u32, e: ApiError, result: ImportResult) -> ImportResult {
    ImportResult {
        line,
        outcome: ImportOutcome::Refused,
        code: Some(ImportCode::from(&e.code)),
        message: Some(e.message),
        ..result
    }
}
