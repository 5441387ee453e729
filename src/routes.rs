//! The only place that knows the console's URL paths.

use keyrack_api::{
    from_query_string_lenient, to_query_string, AuditQuery, InstanceQuery, KeyPairQuery,
    LIST_LIMIT_DEFAULT,
};
use serde::de::DeserializeOwned;
use serde::Serialize;

/// Path segment of the SSH Key page (also the prefix of key details).
pub const KEYS_SEGMENT: &str = "keys";
/// Path segment of the Instances page.
pub const INSTANCES_SEGMENT: &str = "instances";
/// Path segment of the Images page.
pub const IMAGES_SEGMENT: &str = "images";
/// Path segment of the Tokens page (admins).
pub const TOKENS_SEGMENT: &str = "tokens";
/// Path segment of the Audit page (admins).
pub const AUDIT_SEGMENT: &str = "audit";
/// Path segment of the Policy page.
pub const POLICY_SEGMENT: &str = "policy";
/// Path segment of the sign-in page.
pub const SIGN_IN_SEGMENT: &str = "sign-in";

/// `/keys`
pub const KEYS: &str = "/keys";
/// `/instances`
pub const INSTANCES: &str = "/instances";
/// `/images`
pub const IMAGES: &str = "/images";
/// `/tokens`
pub const TOKENS: &str = "/tokens";
/// `/audit`
pub const AUDIT: &str = "/audit";
/// `/policy`
pub const POLICY: &str = "/policy";
/// `/sign-in`
pub const SIGN_IN: &str = "/sign-in";

/// `/keys/{id}`
pub fn key_details(id: &str) -> String {
    format!("{KEYS}/{}", encode(id))
}

/// The page sizes the tables offer.
pub const PAGE_SIZES: [u32; 3] = [20, 50, 100];

/// A list page's view state is the API's own list query, kept in the URL's query string:
/// the URL, the client and the server read the same parameters. The URL leaves out what is
/// default, so shared links stay short.
pub trait ListView: Serialize + DeserializeOwned + Default + Clone {
    /// The page's path.
    const PATH: &'static str;

    /// `offset` and `limit`.
    fn paging(&self) -> (Option<u32>, Option<u32>);

    /// Sets `offset` and `limit`.
    fn set_paging(&mut self, offset: Option<u32>, limit: Option<u32>);

    /// The view of a URL's query string (`?a=b&…`). A URL may be hand-made: an odd or empty
    /// parameter takes its default, a page size the table does not offer becomes the
    /// default one, and the offset moves to the start of its page.
    fn from_url(search: &str) -> Self {
        let mut pairs: Vec<(String, String)> =
            serde_urlencoded::from_str(search.trim_start_matches('?')).unwrap_or_default();
        pairs.retain(|(_, v)| !v.trim().is_empty());
        let query = serde_urlencoded::to_string(&pairs).unwrap_or_default();
        let view: Self = from_query_string_lenient(&query);
        view.at_page(view.page(), view.size())
    }

    /// The page size: 20, 50 or 100.
    fn size(&self) -> u32 {
        self.paging()
            .1
            .filter(|s| PAGE_SIZES.contains(s))
            .unwrap_or(LIST_LIMIT_DEFAULT)
    }

    /// The 1-based page number.
    fn page(&self) -> u32 {
        self.paging().0.unwrap_or(0) / self.size() + 1
    }

    /// The same view on another page, or with another page size.
    fn at_page(&self, page: u32, size: u32) -> Self {
        let mut view = self.clone();
        let offset = page.saturating_sub(1).saturating_mul(size);
        view.set_paging(
            (offset > 0).then_some(offset),
            (size != LIST_LIMIT_DEFAULT).then_some(size),
        );
        view
    }

    /// The query for the API: the view on a page the table offers, defaults left out as in
    /// [`ListView::href`], so a console URL's query string is its page's read
    /// ([`first_read`]).
    fn list_query(&self) -> Self {
        self.at_page(self.page(), self.size())
    }

    /// The page's URL for this view.
    fn href(&self) -> String {
        match to_query_string(self) {
            query if query.is_empty() => Self::PATH.to_owned(),
            query => format!("{}?{query}", Self::PATH),
        }
    }
}

/// The list queries page alike: each has `offset` and `limit`.
macro_rules! list_view {
    ($($query:ty => $path:expr),+ $(,)?) => {$(
        impl ListView for $query {
            const PATH: &'static str = $path;

            fn paging(&self) -> (Option<u32>, Option<u32>) {
                (self.offset, self.limit)
            }

            fn set_paging(&mut self, offset: Option<u32>, limit: Option<u32>) {
                (self.offset, self.limit) = (offset, limit);
            }
        }
    )+};
}

list_view!(KeyPairQuery => KEYS, InstanceQuery => INSTANCES, AuditQuery => AUDIT);

/// The API read a page that loads as its own chunk shows first, for the router's path and
/// query string: the API path of the page's own name with its query
/// (`/audit?outcome=failure`), or for a key's page its key pair (`/keys/skey-1` reads
/// `/key-pairs/skey-1`). Its route starts it beside the page's chunk (src/lazy.rs). A list
/// page's URL written by [`ListView::href`] holds the very query its page sends; a hand-made
/// one may not, and then the page reads anew.
pub fn first_read(path: &str, search: &str) -> String {
    let mut read = String::with_capacity(path.len() + search.len() + 8);
    match path.strip_prefix(KEYS) {
        Some(id) => read.extend(["/key-pairs", id]),
        None => read.push_str(path),
    }
    match search.trim_start_matches('?') {
        "" => {}
        query => read.extend(["?", query]),
    }
    read
}

/// `/instances`, optionally filtered by region.
pub fn instances_in(region: &str) -> String {
    InstanceQuery {
        region: Some(region.to_owned()).filter(|r| !r.is_empty()),
        ..Default::default()
    }
    .href()
}

/// Some text, or nothing when it is blank (a cleared filter).
pub fn non_blank(text: String) -> Option<String> {
    Some(text).filter(|t| !t.trim().is_empty())
}

/// A `datetime-local` value (`2026-11-28T04:30`, optionally with seconds), read as UTC, as
/// RFC 3339; empty stays empty.
pub fn utc_input_to_rfc3339(input: &str) -> String {
    match input.trim() {
        "" => String::new(),
        t if t.len() == 16 => format!("{t}:00Z"),
        t => format!("{t}Z"),
    }
}

/// The `datetime-local` value of an RFC 3339 UTC time (minutes precision); anything else,
/// such as an offset time from a hand-made link, leaves the input empty.
pub fn rfc3339_to_utc_input(time: &str) -> String {
    match (time.get(..16), time.ends_with('Z')) {
        (Some(minutes), true) if time.get(10..11) == Some("T") => minutes.to_owned(),
        _ => String::new(),
    }
}

/// Percent-encodes a query or path component.
pub fn encode(s: &str) -> String {
    js_sys::encode_uri_component(s).into()
}
