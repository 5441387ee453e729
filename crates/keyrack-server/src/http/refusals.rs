//! Refusals that would grow the audit log a row per request if written one by one are
//! counted instead: requests without a valid token (by client address), and requests an
//! instance agent's token had refused (by token: an agent runs unattended, and a broken or
//! hostile host can send thousands a second). Each interval (a minute by default) becomes
//! at most one entry per client or agent token, and at most [`MAX_CLIENTS`] + 1 entries in
//! all, each saying how many requests it stands for.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use keyrack_api::TokenRole;

use crate::store::NewAuditEntry;

/// Clients (or agent tokens) counted one by one in an interval; the rest share one entry.
pub const MAX_CLIENTS: usize = 100;

/// The client of the shared entry.
const OTHER_CLIENTS: &str = "other clients";

/// Whose refusals an entry counts.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Counted {
    /// A client address without a valid token ("" when unknown, as in-process).
    Client(String),
    /// An instance agent's token, by id.
    Agent(String),
    /// Everyone past [`MAX_CLIENTS`].
    Others,
}

/// The refusals of the current interval, by client or agent token.
#[derive(Debug, Default)]
pub struct RefusalCounter {
    counts: Mutex<HashMap<Counted, NewAuditEntry>>,
}

impl RefusalCounter {
    /// Counts one refusal of a request without a valid token. The entry of a client keeps
    /// the first refusal's action and outcome.
    pub fn count(&self, client: Option<String>, action: &str, status: u16, error_code: &str) {
        let entry = NewAuditEntry {
            actor: None,
            action: action.to_owned(),
            target: None,
            status,
            error_code: Some(error_code.to_owned()),
            client,
            repeats: 1,
            ..NewAuditEntry::default()
        };
        let key = Counted::Client(entry.client.clone().unwrap_or_default());
        self.count_entry(key, entry);
    }

    /// Counts `entry`, a refused request of an instance agent's token (its actor), into the
    /// token's entry of this interval, which keeps the first refusal's action, target and
    /// outcome.
    pub fn count_agent(&self, entry: NewAuditEntry) {
        let key = match &entry.actor {
            Some((id, _, TokenRole::Agent)) => Counted::Agent(id.clone()),
            // Not an agent's: counted with the clients rather than lost.
            _ => Counted::Client(entry.client.clone().unwrap_or_default()),
        };
        self.count_entry(key, entry);
    }

    fn count_entry(&self, mut key: Counted, mut entry: NewAuditEntry) {
        let mut counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        if counts.len() >= MAX_CLIENTS && !counts.contains_key(&key) {
            key = Counted::Others;
            entry.actor = None;
            entry.target = None;
            entry.client = Some(OTHER_CLIENTS.to_owned());
        }
        counts
            .entry(key)
            .and_modify(|counted| counted.repeats += 1)
            .or_insert_with(|| {
                entry.action = entry
                    .action
                    .chars()
                    .take(crate::store::TEXT_MAX_CHARS)
                    .collect();
                entry.repeats = 1;
                entry
            });
    }

    /// The entries of the interval that ends now; counting starts again from zero.
    pub fn take(&self) -> Vec<NewAuditEntry> {
        let counts =
            std::mem::take(&mut *self.counts.lock().unwrap_or_else(PoisonError::into_inner));
        let mut entries: Vec<_> = counts.into_values().collect();
        let actor = |e: &NewAuditEntry| e.actor.as_ref().map(|(id, _, _)| id.clone());
        entries.sort_by_key(|e| (e.client.clone(), actor(e)));
        entries
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flood_makes_one_entry_per_client_and_a_bounded_number_in_all() {
        let counter = RefusalCounter::default();
        for _ in 0..100_000 {
            counter.count(
                Some("192.0.2.1".into()),
                "POST /api/v1/key-pairs",
                401,
                "Unauthorized",
            );
        }
        for i in 0..1_000 {
            counter.count(
                Some(format!("10.0.{}.{}", i / 256, i % 256)),
                "DELETE /x",
                401,
                "Unauthorized",
            );
        }
        let entries = counter.take();
        assert_eq!(entries.len(), MAX_CLIENTS + 1);
        let first = entries
            .iter()
            .find(|e| e.client.as_deref() == Some("192.0.2.1"))
            .expect("the flooding client");
        assert_eq!(first.repeats, 100_000);
        assert_eq!(first.action, "POST /api/v1/key-pairs");
        let total: u64 = entries.iter().map(|e| e.repeats).sum();
        assert_eq!(total, 101_000);
        assert!(counter.take().is_empty());
    }

    #[test]
    fn an_agent_s_refusals_make_one_entry_per_token() {
        let counter = RefusalCounter::default();
        let refused = |token: &str| NewAuditEntry {
            actor: Some((token.into(), "agent of ins-1".into(), TokenRole::Agent)),
            action: "POST /api/v1/instances/{id}/logins".into(),
            target: Some("ins-1".into()),
            status: 404,
            error_code: Some("KeyPairNotFound".into()),
            client: Some("192.0.2.7".into()),
            repeats: 1,
            ..NewAuditEntry::default()
        };
        for _ in 0..2_000 {
            counter.count_agent(refused("tok-agent001"));
        }
        counter.count_agent(refused("tok-agent002"));
        counter.count(Some("192.0.2.7".into()), "GET /x", 401, "Unauthorized");
        let entries = counter.take();
        assert_eq!(entries.len(), 3, "{entries:?}");
        let first = entries
            .iter()
            .find(|e| e.actor.as_ref().is_some_and(|a| a.0 == "tok-agent001"))
            .expect("the first agent's entry");
        assert_eq!(first.repeats, 2_000);
        assert_eq!(first.target.as_deref(), Some("ins-1"));
    }
}
