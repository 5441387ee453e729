//! A page's first read, started when its route opens, beside the fetch of the page's chunk
//! rather than after it ([`super::Api::start_read`]): the page's first call for the same URL
//! takes the answer. One read waits at a time; the next route's replaces it, so an answer
//! nobody took is never served later.

use std::cell::RefCell;

use js_sys::Promise;

thread_local! {
    /// The URL of the read under way, and its answer to come.
    static STARTED: RefCell<Option<(String, Promise)>> = const { RefCell::new(None) };
}

/// Keeps the answer to come of a GET of `url`, in place of any other.
pub(super) fn keep(url: String, answer: Promise) {
    STARTED.with(|slot| slot.replace(Some((url, answer))));
}

/// The answer to come of a GET of `url`, if one was started: taken once.
pub(super) fn take(url: &str) -> Option<Promise> {
    STARTED.with(|slot| {
        let mut slot = slot.borrow_mut();
        match slot.as_ref() {
            Some((read, _)) if read == url => slot.take().map(|(_, answer)| answer),
            _ => None,
        }
    })
}
