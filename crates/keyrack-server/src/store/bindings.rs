//! Binding key pairs to instances and unbinding them: one transaction per call, whatever the
//! number of instances.

use std::time::Duration;

use keyrack_api::{BindDirection, BindOutcome, BindResult, ErrorCode, InstanceState, Os};

use super::fleet::{set_state, settle};
use super::key_pairs::bump;
use super::{AppError, Store};
use crate::clock;

/// What the store knows about one instance when the service decides what to do with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BindingFacts {
    /// Operating system family.
    pub os: Os,
    /// Power state as of now.
    pub state: InstanceState,
    /// Whether the key pair is bound to it.
    pub bound: bool,
    /// How many key pairs are bound to it.
    pub key_count: usize,
}

/// What the service decided for one instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BindingStep {
    /// The outcome reported.
    pub outcome: BindOutcome,
    /// The state reported with it (for `instance_running`).
    pub state: Option<InstanceState>,
    /// Whether the binding is added (bind) or removed (unbind).
    pub change: bool,
    /// The instance's state afterwards, when it changes; a transitional one ends after the
    /// call's delay.
    pub state_after: Option<InstanceState>,
}

impl Store {
    /// Applies `decide` to each instance of `instance_ids` (distinct, in order) for the key
    /// pair `key_pair_id`, all in one transaction; one result per id. `decide` gets `None`
    /// for an unknown instance. The key pair's version is bumped when any binding changed.
    pub async fn change_bindings(
        &self,
        key_pair_id: &str,
        instance_ids: &[String],
        direction: BindDirection,
        delay: Duration,
        decide: impl Fn(Option<&BindingFacts>) -> BindingStep,
    ) -> Result<Vec<BindResult>, AppError> {
        self.retry(|| {
            self.try_change_bindings(key_pair_id, instance_ids, direction, delay, &decide)
        })
        .await
    }

    async fn try_change_bindings(
        &self,
        key_pair_id: &str,
        instance_ids: &[String],
        direction: BindDirection,
        delay: Duration,
        decide: &impl Fn(Option<&BindingFacts>) -> BindingStep,
    ) -> Result<Vec<BindResult>, AppError> {
        let mut tx = self.begin_write().await?;
        settle(&mut tx).await?;
        // Lock order of every writer: the key pair, then its instances by id. The key pair's
        // lock keeps a delete from deciding on bindings this call is changing; each
        // instance's lock keeps its count of keys true until commit.
        let for_update = self.backend.for_update();
        let exists: Option<i64> = sqlx::query_scalar(&format!(
            "SELECT 1 FROM key_pairs WHERE id = $1{for_update}"
        ))
        .bind(key_pair_id)
        .fetch_optional(&mut *tx)
        .await?;
        if exists.is_none() {
            return Err(ErrorCode::KeyPairNotFound {
                id: key_pair_id.to_owned(),
            }
            .into());
        }
        self.backend
            .lock_rows(&mut tx, "instances", instance_ids)
            .await?;
        let mut changed = false;
        let mut results = Vec::with_capacity(instance_ids.len());
        for id in instance_ids {
            // A statement of its own, after the locks: on PostgreSQL it sees every binding
            // committed before them.
            let row: Option<(Os, InstanceState, i64, i64)> = sqlx::query_as(
                "SELECT i.os, i.state, \
                 CASE WHEN EXISTS (SELECT 1 FROM instance_keys b \
                         WHERE b.instance_id = i.id AND b.key_pair_id = $1) THEN 1 ELSE 0 END, \
                 (SELECT COUNT(*) FROM instance_keys b WHERE b.instance_id = i.id) \
                 FROM instances i WHERE i.id = $2",
            )
            .bind(key_pair_id)
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
            let facts = row.map(|(os, state, bound, key_count)| BindingFacts {
                os,
                state,
                bound: bound != 0,
                key_count: usize::try_from(key_count).unwrap_or(usize::MAX),
            });
            let step = decide(facts.as_ref());
            if step.change && facts.is_some() {
                match direction {
                    BindDirection::Bind => {
                        sqlx::query(
                            "INSERT INTO instance_keys (instance_id, key_pair_id, bound_at) \
                             VALUES ($1, $2, $3)",
                        )
                        .bind(id)
                        .bind(key_pair_id)
                        .bind(clock::now())
                        .execute(&mut *tx)
                        .await?;
                    }
                    BindDirection::Unbind => {
                        sqlx::query(
                            "DELETE FROM instance_keys WHERE instance_id = $1 AND key_pair_id = $2",
                        )
                        .bind(id)
                        .bind(key_pair_id)
                        .execute(&mut *tx)
                        .await?;
                    }
                }
                changed = true;
            }
            if let (Some(state), Some(_)) = (step.state_after, facts) {
                set_state(&mut tx, id, state, delay).await?;
            }
            results.push(BindResult {
                instance_id: id.clone(),
                outcome: step.outcome,
                state: step.state,
            });
        }
        if changed {
            bump(&mut tx, key_pair_id).await?;
        }
        self.commit_audited(tx, None).await?;
        Ok(results)
    }
}
