//! Requests refused without a valid token are counted, not written one by one: a flood of
//! them would otherwise grow the audit log a row per request. Each interval (a minute by
//! default) becomes at most one entry per client address, and at most [`MAX_CLIENTS`] + 1
//! entries in all, each saying how many requests it stands for.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use crate::store::NewAuditEntry;

/// Clients counted one by one in an interval; the rest share one entry.
pub const MAX_CLIENTS: usize = 100;

/// The client of the shared entry.
const OTHER_CLIENTS: &str = "other clients";

/// The refusals of the current interval, by client.
#[derive(Debug, Default)]
pub struct RefusalCounter {
    counts: Mutex<HashMap<String, NewAuditEntry>>,
}

impl RefusalCounter {
    /// Counts one refusal of a request without a valid token. The entry of a client keeps
    /// the first refusal's action and outcome.
    pub fn count(&self, client: Option<String>, action: &str, status: u16, error_code: &str) {
        let mut counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        // Unknown clients (no peer address: in-process use) share the key "".
        let mut key = client.clone().unwrap_or_default();
        let mut client = client;
        if counts.len() >= MAX_CLIENTS && !counts.contains_key(&key) {
            OTHER_CLIENTS.clone_into(&mut key);
            client = Some(OTHER_CLIENTS.to_owned());
        }
        counts
            .entry(key)
            .and_modify(|entry| entry.repeats += 1)
            .or_insert_with(|| NewAuditEntry {
                actor: None,
                action: action.chars().take(crate::store::TEXT_MAX_CHARS).collect(),
                target: None,
                status,
                error_code: Some(error_code.to_owned()),
                client,
                repeats: 1,
            });
    }

    /// The entries of the interval that ends now; counting starts again from zero.
    pub fn take(&self) -> Vec<NewAuditEntry> {
        let counts =
            std::mem::take(&mut *self.counts.lock().unwrap_or_else(PoisonError::into_inner));
        let mut entries: Vec<_> = counts.into_values().collect();
        entries.sort_by(|a, b| a.client.cmp(&b.client));
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
}
