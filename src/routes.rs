//! The only place that knows the console's URL paths.

use keyrack_api::{InstanceState, KeyPairSort, LIST_LIMIT_DEFAULT};

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
/// `/sign-in`
pub const SIGN_IN: &str = "/sign-in";

/// `/keys/{id}`
pub fn key_details(id: &str) -> String {
    format!("{KEYS}/{}", encode(id))
}

/// The SSH Key page's view state, as it lives in the URL query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeysView {
    /// Free text of the search box.
    pub q: String,
    /// `key` or `key:value`.
    pub tag: String,
    /// List order.
    pub sort: KeyPairSort,
    /// 1-based page number.
    pub page: u32,
    /// 20, 50 or 100.
    pub size: u32,
}

/// The page sizes the table offers.
pub const PAGE_SIZES: [u32; 3] = [20, 50, 100];

impl Default for KeysView {
    fn default() -> Self {
        Self {
            q: String::new(),
            tag: String::new(),
            sort: KeyPairSort::default(),
            page: 1,
            size: LIST_LIMIT_DEFAULT,
        }
    }
}

impl KeysView {
    /// Reads the view from query parameters, falling back to defaults for anything odd.
    pub fn from_query(get: impl Fn(&str) -> Option<String>) -> Self {
        let size = size_param(&get);
        Self {
            q: get("q").unwrap_or_default(),
            tag: get("tag").unwrap_or_default(),
            sort: get("sort")
                .and_then(|s| KeyPairSort::parse(&s))
                .unwrap_or_default(),
            page: page_param(&get),
            size,
        }
    }

    /// `/keys?…` with only the non-default parameters, so shared links stay short.
    pub fn href(&self) -> String {
        let default = Self::default();
        let mut parts = Vec::new();
        if !self.q.is_empty() {
            parts.push(format!("q={}", encode(&self.q)));
        }
        if !self.tag.is_empty() {
            parts.push(format!("tag={}", encode(&self.tag)));
        }
        if self.sort != default.sort {
            parts.push(format!("sort={}", encode(self.sort.as_str())));
        }
        if self.page != 1 {
            parts.push(format!("page={}", self.page));
        }
        if self.size != default.size {
            parts.push(format!("size={}", self.size));
        }
        if parts.is_empty() {
            KEYS.to_owned()
        } else {
            format!("{KEYS}?{}", parts.join("&"))
        }
    }

    /// The same view on another page.
    pub fn with_page(&self, page: u32) -> Self {
        Self {
            page,
            ..self.clone()
        }
    }
}

/// `/instances`, optionally filtered by region.
pub fn instances_in(region: &str) -> String {
    InstancesView {
        region: region.to_owned(),
        ..Default::default()
    }
    .href()
}

/// The Instances page's view state, as it lives in the URL query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstancesView {
    /// Region id; empty for all regions.
    pub region: String,
    /// Only this state.
    pub state: Option<InstanceState>,
    /// Free text: name, id or an address.
    pub q: String,
    /// 1-based page number.
    pub page: u32,
    /// 20, 50 or 100.
    pub size: u32,
}

impl Default for InstancesView {
    fn default() -> Self {
        Self {
            region: String::new(),
            state: None,
            q: String::new(),
            page: 1,
            size: LIST_LIMIT_DEFAULT,
        }
    }
}

impl InstancesView {
    /// Reads the view from query parameters, falling back to defaults for anything odd.
    pub fn from_query(get: impl Fn(&str) -> Option<String>) -> Self {
        Self {
            region: get("region").unwrap_or_default(),
            state: get("state").and_then(|s| parse_state(&s)),
            q: get("q").unwrap_or_default(),
            page: page_param(&get),
            size: size_param(&get),
        }
    }

    /// `/instances?…` with only the non-default parameters.
    pub fn href(&self) -> String {
        let mut parts = Vec::new();
        if !self.region.is_empty() {
            parts.push(format!("region={}", encode(&self.region)));
        }
        if let Some(state) = self.state {
            parts.push(format!("state={}", state.as_str()));
        }
        if !self.q.is_empty() {
            parts.push(format!("q={}", encode(&self.q)));
        }
        if self.page != 1 {
            parts.push(format!("page={}", self.page));
        }
        if self.size != LIST_LIMIT_DEFAULT {
            parts.push(format!("size={}", self.size));
        }
        if parts.is_empty() {
            INSTANCES.to_owned()
        } else {
            format!("{INSTANCES}?{}", parts.join("&"))
        }
    }

    /// The same view on another page.
    pub fn with_page(&self, page: u32) -> Self {
        Self {
            page,
            ..self.clone()
        }
    }
}

/// The Audit page's filters, as they live in the URL query. The names and values are the
/// API's own (`GET /audit`), so the page passes them through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditView {
    /// Token id or name, exactly.
    pub actor: String,
    /// Substring of `METHOD route`.
    pub action: String,
    /// Target id, exactly.
    pub target: String,
    /// `success`, `failure`, a status or an error code.
    pub outcome: String,
    /// RFC 3339 lower bound.
    pub since: String,
    /// RFC 3339 upper bound.
    pub until: String,
    /// 1-based page number.
    pub page: u32,
    /// 20, 50 or 100.
    pub size: u32,
}

impl Default for AuditView {
    fn default() -> Self {
        Self {
            actor: String::new(),
            action: String::new(),
            target: String::new(),
            outcome: String::new(),
            since: String::new(),
            until: String::new(),
            page: 1,
            size: LIST_LIMIT_DEFAULT,
        }
    }
}

impl AuditView {
    /// Reads the view from query parameters, falling back to defaults for anything odd.
    pub fn from_query(get: impl Fn(&str) -> Option<String>) -> Self {
        let text = |k: &str| get(k).map(|v| v.trim().to_owned()).unwrap_or_default();
        Self {
            actor: text("actor"),
            action: text("action"),
            target: text("target"),
            outcome: text("outcome"),
            since: text("since"),
            until: text("until"),
            page: page_param(&get),
            size: size_param(&get),
        }
    }

    /// The text filters, by their query names.
    pub fn filters(&self) -> [(&'static str, &str); 6] {
        [
            ("actor", &self.actor),
            ("action", &self.action),
            ("target", &self.target),
            ("outcome", &self.outcome),
            ("since", &self.since),
            ("until", &self.until),
        ]
    }

    /// `/audit?…` with only the non-default parameters.
    pub fn href(&self) -> String {
        let mut parts: Vec<String> = self
            .filters()
            .into_iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| format!("{k}={}", encode(v)))
            .collect();
        if self.page != 1 {
            parts.push(format!("page={}", self.page));
        }
        if self.size != LIST_LIMIT_DEFAULT {
            parts.push(format!("size={}", self.size));
        }
        if parts.is_empty() {
            AUDIT.to_owned()
        } else {
            format!("{AUDIT}?{}", parts.join("&"))
        }
    }
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

/// `page`: a page number from 1; anything else is the first page.
fn page_param(get: &impl Fn(&str) -> Option<String>) -> u32 {
    get("page")
        .and_then(|p| p.parse().ok())
        .filter(|p| *p >= 1)
        .unwrap_or(1)
}

/// `size`: one of [`PAGE_SIZES`]; anything else is the default.
fn size_param(get: &impl Fn(&str) -> Option<String>) -> u32 {
    get("size")
        .and_then(|s| s.parse().ok())
        .filter(|s| PAGE_SIZES.contains(s))
        .unwrap_or(LIST_LIMIT_DEFAULT)
}

/// `RUNNING`, `STOPPED`, `STARTING` or `STOPPING`, in any case.
pub fn parse_state(s: &str) -> Option<InstanceState> {
    [
        InstanceState::Running,
        InstanceState::Stopped,
        InstanceState::Starting,
        InstanceState::Stopping,
    ]
    .into_iter()
    .find(|state| state.as_str().eq_ignore_ascii_case(s))
}

/// Percent-encodes a query or path component.
pub fn encode(s: &str) -> String {
    js_sys::encode_uri_component(s).into()
}
