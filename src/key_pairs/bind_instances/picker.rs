//! The picker's state: region, search, page, what the list shows, and the selection, which
//! outlives any one page.

use keyrack_api::{ApiError, BindDirection, Instance, InstanceQuery, List};
use leptos::prelude::*;

use super::{InstanceLoader, PAGE_SIZE, SEARCH_PAUSE};
use crate::i18n::{t, Msg};
use crate::key_pairs::instance_picker::{blocker, Blocker, Selection};

/// What the list shows.
#[derive(Debug, Clone)]
pub(super) enum Listing {
    /// Nothing has been answered yet.
    Loading,
    /// The page that starts at `offset`.
    Page { offset: u32, list: List<Instance> },
    /// No region has anything to list.
    Nothing,
    /// The newest request failed.
    Failed(ApiError),
}

/// The picker's state; `Copy`, so every part of the form can hold it.
#[derive(Clone, Copy)]
pub(super) struct Picker {
    pub(super) mode: BindDirection,
    /// The key pair's id and the instances it is bound to.
    pub(super) key: StoredValue<(String, Vec<String>)>,
    pub(super) loader: InstanceLoader,
    /// `None` until the first instance found says which region to open on.
    pub(super) region: RwSignal<Option<String>>,
    /// What the search box holds.
    pub(super) typed: RwSignal<String>,
    /// What the list was asked for, once typing paused.
    pub(super) search: RwSignal<String>,
    /// The 1-based page asked for.
    pub(super) page: RwSignal<u32>,
    pub(super) force: RwSignal<bool>,
    pub(super) selected: RwSignal<Selection>,
    pub(super) listing: RwSignal<Listing>,
    /// True while the answer to the newest request is awaited.
    pub(super) loading: RwSignal<bool>,
    /// Bumped by Retry.
    pub(super) retry: RwSignal<u32>,
    /// The newest request's number: the answer to an older one is dropped when it comes.
    pub(super) latest: StoredValue<u64>,
    /// The pending search, while the user types.
    pub(super) typing: StoredValue<Option<TimeoutHandle>>,
}

impl Picker {
    pub(super) fn new(
        mode: BindDirection,
        key_id: String,
        bound_ids: Vec<String>,
        loader: InstanceLoader,
    ) -> Self {
        Self {
            mode,
            key: StoredValue::new((key_id, bound_ids)),
            loader,
            region: RwSignal::new(None),
            typed: RwSignal::new(String::new()),
            search: RwSignal::new(String::new()),
            page: RwSignal::new(1),
            force: RwSignal::new(false),
            selected: RwSignal::new(Selection::default()),
            listing: RwSignal::new(Listing::Loading),
            loading: RwSignal::new(true),
            retry: RwSignal::new(0),
            latest: StoredValue::new(0),
            typing: StoredValue::new(None),
        }
    }

    /// The request for what should be shown (tracked). Before a region is chosen, it asks
    /// for any one instance: its region is where the dialog opens.
    pub(super) fn query(self) -> InstanceQuery {
        let key_pair =
            (self.mode == BindDirection::Unbind).then(|| self.key.with_value(|k| k.0.clone()));
        match self.region.get() {
            None => InstanceQuery {
                key_pair,
                limit: Some(1),
                ..Default::default()
            },
            Some(region) => InstanceQuery {
                region: Some(region),
                q: Some(self.search.get()).filter(|q| !q.is_empty()),
                key_pair,
                offset: Some((self.page.get().max(1) - 1) * PAGE_SIZE),
                limit: Some(PAGE_SIZE),
                ..Default::default()
            },
        }
    }

    /// Asks for what should be shown. Answers may arrive out of order; only the newest
    /// request's answer is shown.
    pub(super) fn load(self) {
        self.retry.track();
        let query = self.query();
        let ticket = self.latest.get_value() + 1;
        self.latest.set_value(ticket);
        self.loading.set(true);
        let answer = untrack(|| self.loader.run(query.clone()));
        leptos::task::spawn_local(async move {
            let answer = answer.await;
            // Also false once the dialog is gone.
            if self.latest.try_get_value() != Some(ticket) {
                return;
            }
            let listing = match answer {
                Err(error) => Listing::Failed(error),
                Ok(list) if query.region.is_none() => match list.items.into_iter().next() {
                    // Showing that region is the next request.
                    Some(first) => return self.region.set(Some(first.region)),
                    None => Listing::Nothing,
                },
                Ok(list) => Listing::Page {
                    offset: query.offset.unwrap_or(0),
                    list,
                },
            };
            self.loading.set(false);
            self.listing.set(listing);
        });
    }

    pub(super) fn blocker(self, instance: &Instance, force: bool) -> Option<Blocker> {
        let bound = self.key.with_value(|(key_id, bound_ids)| {
            bound_ids.contains(&instance.id) || instance.key_ids.contains(key_id)
        });
        blocker(instance, bound, self.mode, force)
    }

    pub(super) fn set_region(self, region: String) {
        self.region.set(Some(region));
        self.page.set(1);
        self.selected.set(Selection::default());
    }

    /// Searches once typing pauses.
    pub(super) fn type_search(self, text: String) {
        self.typed.set(text);
        self.stop_typing();
        let handle = set_timeout_with_handle(move || self.search_now(), SEARCH_PAUSE).ok();
        self.typing.set_value(handle);
    }

    /// Searches for what the box holds, from page 1, unless that is already shown.
    pub(super) fn search_now(self) {
        self.stop_typing();
        let Some(text) = self.typed.try_with_untracked(|t| t.trim().to_owned()) else {
            return;
        };
        if self.search.get_untracked() != text {
            self.search.set(text);
            self.page.set(1);
        }
    }

    pub(super) fn stop_typing(self) {
        if let Some(handle) = self.typing.try_update_value(Option::take).flatten() {
            handle.clear();
        }
    }

    /// Unticking *Force shutdown* drops the instances it made pickable.
    pub(super) fn set_force(self, on: bool) {
        self.force.set(on);
        if !on {
            self.selected
                .update(|s| s.retain(|i| self.blocker(i, false).is_none()));
        }
    }

    /// Why nothing is listed.
    pub(super) fn empty_text(self) -> &'static str {
        t(if self.search.with(String::is_empty) {
            Msg::BindEmptyRegion
        } else {
            Msg::BindNoMatch
        })
    }
}
