//! The instance table's shared state: its rows and the requests running on them, used
//! by both the table (polling) and each row (Start, Shut down).

use std::collections::BTreeSet;

use keyrack_api::Instance;
use leptos::prelude::*;

/// The rows on screen and the instances with a request running, shared with the rows.
#[derive(Debug, Clone, Copy)]
pub struct FleetRows {
    /// The instances of this page, as last seen.
    pub rows: RwSignal<Vec<Instance>>,
    /// Ids of instances whose Start or Shut down request runs.
    pub busy: RwSignal<BTreeSet<String>>,
}

impl FleetRows {
    /// A fresh table state holding `items`, with no request running.
    pub fn new(items: Vec<Instance>) -> Self {
        Self {
            rows: RwSignal::new(items),
            busy: RwSignal::new(BTreeSet::new()),
        }
    }

    /// Puts a fresher copy of an instance in place; ignored once the table is gone.
    pub fn replace(self, fresh: Instance) {
        let _ = self.rows.try_update(|rows| {
            if let Some(row) = rows.iter_mut().find(|r| r.id == fresh.id) {
                *row = fresh;
            }
        });
    }

    /// Drops an instance that no longer exists; ignored once the table is gone.
    pub fn remove(self, id: &str) {
        let _ = self.rows.try_update(|rows| rows.retain(|r| r.id != id));
    }
}
