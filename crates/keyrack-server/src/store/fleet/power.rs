//! Power transitions are stored, not timed: `stop` writes `STOPPING` and a `transition_until`
//! deadline, and the first read or write after the deadline settles the row to `STOPPED`
//! (likewise `STARTING` to `RUNNING`). There is no timer task to lose on a crash or restart,
//! and every reader sees the same state; the price is one small write by the first reader
//! after a deadline.

use std::time::Duration;

use keyrack_api::{ErrorCode, Instance, InstanceState, PowerChange};
use sqlx::AnyConnection;

use super::rows::fetch_instance;
use crate::clock;
use crate::error::AppError;
use crate::store::{commit, Store};

impl Store {
    /// Finishes every transition whose deadline has passed. Cheap when there is none: one
    /// indexed read, and the write lock only when something is due.
    pub async fn settle_transitions(&self) -> Result<(), AppError> {
        let now = clock::now();
        let due: Option<i64> = sqlx::query_scalar(
            "SELECT 1 FROM instances WHERE transition_until IS NOT NULL AND transition_until <= $1 \
             LIMIT 1",
        )
        .bind(&now)
        .fetch_optional(&self.pool)
        .await?;
        if due.is_some() {
            let mut tx = self.begin_write().await?;
            settle(&mut tx).await?;
            commit(tx).await?;
        }
        Ok(())
    }

    /// Starts or stops an instance as `decide` says for its current state; a transition
    /// lasts `delay`.
    pub async fn change_power(
        &self,
        id: &str,
        delay: Duration,
        decide: impl Fn(InstanceState) -> PowerChange,
    ) -> Result<Instance, AppError> {
        self.retry(|| self.try_change_power(id, delay, &decide))
            .await
    }

    async fn try_change_power(
        &self,
        id: &str,
        delay: Duration,
        decide: &impl Fn(InstanceState) -> PowerChange,
    ) -> Result<Instance, AppError> {
        let mut tx = self.begin_write().await?;
        settle(&mut tx).await?;
        let state: Option<InstanceState> = sqlx::query_scalar(&format!(
            "SELECT state FROM instances WHERE id = $1{}",
            self.backend.for_update()
        ))
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(state) = state else {
            return Err(ErrorCode::InstanceNotFound { id: id.to_owned() }.into());
        };
        match decide(state) {
            PowerChange::Keep => {}
            PowerChange::Conflict => return Err(ErrorCode::InstanceStateConflict { state }.into()),
            PowerChange::Begin(next) => set_state(&mut tx, id, next, delay).await?,
        }
        let instance = fetch_instance(&mut tx, id)
            .await?
            .ok_or_else(|| ErrorCode::InstanceNotFound { id: id.to_owned() })?;
        self.commit_audited(tx, None).await?;
        Ok(instance)
    }
}

/// Finishes every transition whose deadline has passed; the row's `updated_at` becomes the
/// deadline, when the transition really ended.
pub(in crate::store) async fn settle(conn: &mut AnyConnection) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE instances SET \
         state = CASE state WHEN 'STOPPING' THEN 'STOPPED' WHEN 'STARTING' THEN 'RUNNING' \
         ELSE state END, \
         updated_at = transition_until, transition_until = NULL, version = version + 1 \
         WHERE transition_until IS NOT NULL AND transition_until <= $1",
    )
    .bind(clock::now())
    .execute(conn)
    .await?;
    Ok(())
}

/// Sets an instance's state; a transitional one (`STOPPING`, `STARTING`) ends after `delay`.
pub(in crate::store) async fn set_state(
    conn: &mut AnyConnection,
    id: &str,
    state: InstanceState,
    delay: Duration,
) -> Result<(), sqlx::Error> {
    let until = matches!(state, InstanceState::Stopping | InstanceState::Starting)
        .then(|| clock::after(delay));
    sqlx::query(
        "UPDATE instances SET state = $1, transition_until = $2, updated_at = $3, \
         version = version + 1 WHERE id = $4",
    )
    .bind(state)
    .bind(until)
    .bind(clock::now())
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}
