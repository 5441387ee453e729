//! Binding key pairs to instances and unbinding them (`docs/rules.md`, "Operations").
//!
//! Only `STOPPED` Linux instances qualify. With `force_stop`, an instance that is not
//! stopped counts as stopped for the call: it is stopped, changed, and started again if it
//! was running (or starting), all in the call's one transaction, so the call never waits for
//! a shutdown; it leaves the instance `STARTING`, and `RUNNING` after the transition delay.

use std::collections::HashSet;
use std::time::Duration;

use keyrack_api::{
    BindDirection, BindOutcome, BindRequest, BindResponse, InstanceState, Os, KEYS_PER_INSTANCE_MAX,
};

use crate::error::AppError;
use crate::store::{BindingFacts, BindingStep, Store};

/// `POST /key-pairs/{id}/bind` and `/unbind`.
pub async fn change(
    store: &Store,
    key_pair_id: &str,
    delay: Duration,
    req: BindRequest,
    direction: BindDirection,
) -> Result<BindResponse, AppError> {
    req.validate()?;
    // An id given twice is handled (and reported) once, at its first position, as in batch
    // delete.
    let mut seen = HashSet::new();
    let ids: Vec<String> = req
        .instance_ids
        .into_iter()
        .filter(|id| seen.insert(id.clone()))
        .collect();
    let force_stop = req.force_stop;
    let results = store
        .change_bindings(key_pair_id, &ids, direction, delay, |facts| {
            decide(direction, force_stop, facts)
        })
        .await?;
    Ok(BindResponse { results })
}

/// The rule for one instance.
fn decide(direction: BindDirection, force_stop: bool, facts: Option<&BindingFacts>) -> BindingStep {
    let refuse = |outcome, state| BindingStep {
        outcome,
        state,
        change: false,
        state_after: None,
    };
    let Some(facts) = facts else {
        return refuse(BindOutcome::NotFound, None);
    };
    if facts.os == Os::Windows {
        return refuse(BindOutcome::OsUnsupported, None);
    }
    // Nothing to change: say so without touching the instance, even with force_stop.
    let already = match direction {
        BindDirection::Bind => facts.bound,
        BindDirection::Unbind => !facts.bound,
    };
    if already {
        return refuse(direction.already(), None);
    }
    if direction == BindDirection::Bind && facts.key_count >= KEYS_PER_INSTANCE_MAX {
        return refuse(BindOutcome::KeyLimit, None);
    }
    if facts.state != InstanceState::Stopped && !force_stop {
        return refuse(BindOutcome::InstanceRunning, Some(facts.state));
    }
    BindingStep {
        outcome: direction.done(),
        state: None,
        change: true,
        state_after: match facts.state {
            InstanceState::Stopped => None,
            // Stopped for the change, then started again: it was meant to run.
            InstanceState::Running | InstanceState::Starting => Some(InstanceState::Starting),
            // It was shutting down anyway: it stays down.
            InstanceState::Stopping => Some(InstanceState::Stopped),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(os: Os, state: InstanceState, bound: bool, key_count: usize) -> BindingFacts {
        BindingFacts {
            os,
            state,
            bound,
            key_count,
        }
    }

    #[test]
    fn bind_outcomes() {
        use InstanceState::*;
        let bind = |f: Option<&BindingFacts>, force| decide(BindDirection::Bind, force, f);
        assert_eq!(bind(None, true).outcome, BindOutcome::NotFound);
        let windows = facts(Os::Windows, Stopped, false, 0);
        assert_eq!(
            bind(Some(&windows), true).outcome,
            BindOutcome::OsUnsupported
        );
        let bound = facts(Os::Linux, Running, true, 1);
        assert_eq!(
            bind(Some(&bound), true),
            BindingStep {
                outcome: BindOutcome::AlreadyBound,
                state: None,
                change: false,
                state_after: None
            }
        );
        let full = facts(Os::Linux, Stopped, false, KEYS_PER_INSTANCE_MAX);
        assert_eq!(bind(Some(&full), false).outcome, BindOutcome::KeyLimit);
        let fifteen = facts(Os::Linux, Stopped, false, KEYS_PER_INSTANCE_MAX - 1);
        assert_eq!(bind(Some(&fifteen), false).outcome, BindOutcome::Bound);
        for state in [Running, Starting, Stopping] {
            let f = facts(Os::Linux, state, false, 0);
            let step = bind(Some(&f), false);
            assert_eq!(
                (step.outcome, step.state),
                (BindOutcome::InstanceRunning, Some(state))
            );
            assert!(!step.change);
        }
        let running = facts(Os::Linux, Running, false, 0);
        assert_eq!(bind(Some(&running), true).state_after, Some(Starting));
        let stopping = facts(Os::Linux, Stopping, false, 0);
        assert_eq!(bind(Some(&stopping), true).state_after, Some(Stopped));
        let stopped = facts(Os::Linux, Stopped, false, 0);
        let step = bind(Some(&stopped), false);
        assert_eq!(
            (step.outcome, step.change, step.state_after),
            (BindOutcome::Bound, true, None)
        );
    }

    #[test]
    fn unbind_outcomes() {
        use InstanceState::*;
        let unbind = |f: Option<&BindingFacts>, force| decide(BindDirection::Unbind, force, f);
        assert_eq!(unbind(None, false).outcome, BindOutcome::NotFound);
        let not_bound = facts(Os::Linux, Running, false, 3);
        assert_eq!(
            unbind(Some(&not_bound), true).outcome,
            BindOutcome::NotBound
        );
        // A full instance can still lose a key.
        let full = facts(Os::Linux, Stopped, true, KEYS_PER_INSTANCE_MAX);
        assert_eq!(unbind(Some(&full), false).outcome, BindOutcome::Unbound);
        let running = facts(Os::Linux, Running, true, 1);
        assert_eq!(
            unbind(Some(&running), false).outcome,
            BindOutcome::InstanceRunning
        );
        assert_eq!(unbind(Some(&running), true).outcome, BindOutcome::Unbound);
    }
}
