//! `POST /key-pairs/import`: an `authorized_keys` file, line by line. Each line is skipped
//! (blank, comment, not selected), refused (what create would refuse: the key itself, or the
//! key policy), a duplicate (registered already, or on an earlier line), or new; new lines
//! are registered one by one through the same rules as `POST /key-pairs`, so a dry run and
//! the import itself agree, and a key another request registers meanwhile is reported as
//! refused rather than lost.

use std::collections::{HashMap, HashSet};

use keyrack_api::{
    name_from_comment, read_authorized_keys, unique_name, CreateKeyPair, ErrorCode, ImportLine,
    ImportOutcome, ImportRequest, ImportResponse, ImportResult, Origin,
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
    req.validate()?;
    // The expiry and the lifetime are the request's, checked once, as create checks them.
    let policy = store.policy().await?;
    let expires_at = key_pairs::new_expiry(&policy, req.expires_at.as_deref())?;

    // Keys and names of earlier lines of this file.
    let mut seen: HashMap<String, (u32, String)> = HashMap::new();
    let mut named: HashSet<String> = HashSet::new();
    let mut results = Vec::new();
    for (line, read) in read_authorized_keys(&req.authorized_keys) {
        let (key, dropped_options) = match read {
            ImportLine::Skipped { message } => {
                results.push(ImportResult {
                    message: Some(message.to_owned()),
                    ..ImportResult::bare(line, ImportOutcome::Skipped)
                });
                continue;
            }
            ImportLine::Refused { code, message } => {
                results.push(refused(line, code, message));
                continue;
            }
            ImportLine::Key {
                key,
                dropped_options,
            } => (key, dropped_options),
        };
        let mut result = ImportResult {
            dropped_options,
            algorithm: Some(key.algorithm),
            fingerprint_sha256: Some(key.fingerprint_sha256.clone()),
            ..ImportResult::bare(line, ImportOutcome::New)
        };
        if let Err(v) = policy.check_key(key.algorithm, key.bits) {
            results.push(ImportResult {
                outcome: ImportOutcome::Refused,
                code: Some("policy".into()),
                message: Some(v.message),
                ..result
            });
            continue;
        }
        if let Some((first, name)) = seen.get(&key.fingerprint_sha256) {
            results.push(ImportResult {
                outcome: ImportOutcome::Duplicate,
                name: Some(name.clone()),
                message: Some(format!("the same key as line {first}")),
                ..result
            });
            continue;
        }
        if let Some((id, name)) = store
            .key_pair_by_fingerprint(&key.fingerprint_sha256)
            .await?
        {
            results.push(ImportResult {
                outcome: ImportOutcome::Duplicate,
                message: Some(format!("registered already as {name} ({id})")),
                name: Some(name),
                id: Some(id),
                ..result
            });
            continue;
        }
        let name = match req.name_for(line) {
            Some(name) => {
                let lower = name.to_lowercase();
                if named.contains(&lower) || store.names_taken(&lower).await?.contains(&lower) {
                    results.push(refused_by(
                        line,
                        ErrorCode::name_duplicate(name).into(),
                        result,
                    ));
                    continue;
                }
                name.to_owned()
            }
            None => {
                let base = name_from_comment(&key.comment, line);
                let taken = store.names_taken(&base.to_lowercase()).await?;
                unique_name(&base, |n| taken.contains(n) || named.contains(n))
            }
        };
        seen.insert(key.fingerprint_sha256.clone(), (line, name.clone()));
        result.name = Some(name.clone());
        // A dry run offers lines with options for choosing; an import takes them only when
        // chosen.
        let has_options = result.dropped_options.is_some() && !req.dry_run;
        if !req.selects(line, has_options) {
            results.push(ImportResult {
                outcome: ImportOutcome::Skipped,
                message: Some(if has_options && req.lines.is_none() {
                    "not selected: it has options, which Keyrack would drop".into()
                } else {
                    "not selected".into()
                }),
                ..result
            });
            continue;
        }
        named.insert(name.to_lowercase());
        if req.dry_run {
            results.push(result);
            continue;
        }
        let create = CreateKeyPair {
            name,
            description: String::new(),
            public_key: format!("{} {}", key.public_key, key.comment),
            tags: Vec::new(),
            origin: Origin::Imported,
            expires_at: expires_at.clone(),
        };
        results.push(match key_pairs::create(store, quota, create).await {
            Ok(created) => {
                note_targets([created.id.clone()]);
                ImportResult {
                    outcome: ImportOutcome::Created,
                    id: Some(created.id),
                    ..result
                }
            }
            Err(AppError::Refused(e)) => refused_by(line, e, result),
            Err(other) => return Err(other),
        });
    }
    Ok(ImportResponse { results })
}

fn refused(line: u32, code: keyrack_api::KeyRefusal, message: String) -> ImportResult {
    ImportResult {
        code: Some(code.as_str().to_owned()),
        message: Some(message),
        ..ImportResult::bare(line, ImportOutcome::Refused)
    }
}

/// A line the API refused as it would refuse `POST /key-pairs`.
fn refused_by(line: u32, e: keyrack_api::ApiError, result: ImportResult) -> ImportResult {
    ImportResult {
        line,
        outcome: ImportOutcome::Refused,
        code: Some(e.code.name()),
        message: Some(e.message),
        ..result
    }
}
