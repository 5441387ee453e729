//! The audit entry of the API request being answered, kept in a task-local scope so the
//! store's writes can commit it with their change.

use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};

use keyrack_api::TokenRole;

use super::NewAuditEntry;

/// Notes ids the current request touched (outside a request, nothing): written with its
/// audit entry when the change commits, or added to it once the answer is known.
pub fn note_targets<I: IntoIterator<Item = String>>(ids: I) {
    if let Some(scope) = AuditScope::current() {
        scope
            .entry
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .targets
            .extend(ids);
    }
}

/// The write an API request is making. The HTTP layer opens it around the handler; the
/// authenticating extractor fills in the actor; the store's write methods commit the entry
/// in the same transaction as the change ([`Store::commit_audited`]), so a change is never
/// applied without its entry. A request that changes nothing (a refusal) leaves it unused,
/// and the HTTP layer records the refusal itself.
#[derive(Debug, Default)]
pub struct AuditScope {
    entry: Mutex<NewAuditEntry>,
    recorded: Mutex<Option<(i64, usize)>>,
}

tokio::task_local! {
    static SCOPE: Arc<AuditScope>;
}

impl AuditScope {
    /// A scope for `entry`, whose `status` is the one a success of this route answers.
    pub fn new(entry: NewAuditEntry) -> Arc<Self> {
        Arc::new(Self {
            entry: Mutex::new(entry),
            recorded: Mutex::new(None),
        })
    }

    /// Runs `fut` (the handler) inside this scope.
    pub async fn run<F: Future>(self: &Arc<Self>, fut: F) -> F::Output {
        SCOPE.scope(Arc::clone(self), fut).await
    }

    /// Records who is making the request.
    pub fn set_actor(&self, id: &str, name: &str, role: TokenRole) {
        self.entry
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .actor = Some((id.to_owned(), name.to_owned(), role));
    }

    /// The entry as it stands.
    pub fn entry(&self) -> NewAuditEntry {
        self.entry
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The id of the entry a committed write wrote, if one did, and how many targets it was
    /// written with.
    pub fn recorded(&self) -> Option<i64> {
        self.written().map(|(id, _)| id)
    }

    /// [`Self::recorded`], with the number of targets the entry was written with.
    pub fn written(&self) -> Option<(i64, usize)> {
        *self.recorded.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The scope of the current task, if an API request opened one.
    pub(super) fn current() -> Option<Arc<Self>> {
        SCOPE.try_with(Arc::clone).ok()
    }

    /// Notes that a committed write wrote the entry as `id`, with `targets` targets.
    pub(super) fn set_written(&self, id: i64, targets: usize) {
        *self.recorded.lock().unwrap_or_else(PoisonError::into_inner) = Some((id, targets));
    }
}
