//! A page's first read, started when its route opens, beside the fetch of the page's chunk
//! rather than after it: the page's first call for the same URL takes the answer. One read
//! waits at a time; the next route's replaces it, so an answer nobody took is never served
//! later.

use std::cell::RefCell;

use gloo_net::http::Method;
use js_sys::Promise;

use super::client::{start, Call};
use super::Api;

thread_local! {
    /// The URL of the read under way, and its answer to come.
    static STARTED: RefCell<Option<(String, Promise)>> = const { RefCell::new(None) };
}

impl Api {
    /// Starts `GET /api/v1{path}` now (`path` with its query string, if any).
    pub fn start_read(&self, path: &str) {
        let call = Call::new(Method::GET, path);
        // A read that cannot even start is left to the page, which words the failure.
        let started = start(&call, self.token().as_deref())
            .ok()
            .map(|answer| (call.url(), answer));
        STARTED.with(|slot| slot.replace(started));
    }
}

/// The answer to `call` if its route started it: a GET of the same URL, taken once.
pub(super) fn take(call: &Call<'_>) -> Option<Promise> {
    if call.method != Method::GET || call.body.is_some() {
        return None;
    }
    let url = call.url();
    STARTED.with(|slot| {
        let mut slot = slot.borrow_mut();
        match slot.as_ref() {
            Some((read, _)) if *read == url => slot.take().map(|(_, answer)| answer),
            _ => None,
        }
    })
}
