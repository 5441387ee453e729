//! The request plumbing shared by every endpoint.

use gloo_net::http::{Method, RequestBuilder, Response};
use js_sys::Promise;
use keyrack_api::{to_query_string, ApiError, ErrorBody, ErrorCode};
use leptos::prelude::window;
use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use super::prefetch;
use crate::auth::Session;
use crate::i18n::{msg, t, Msg};

const BASE: &str = "/api/v1";

/// The API client. It is `Copy`, so async blocks can take it by value.
#[derive(Debug, Clone, Copy)]
pub struct Api {
    session: Session,
}

/// One request before it is sent.
pub(super) struct Call<'a> {
    pub method: Method,
    pub path: &'a str,
    pub query: String,
    /// JSON, written once: no `serde_json::Value` in between (its code weighs on the first
    /// load).
    pub body: Option<String>,
    pub if_match: Option<i64>,
}

impl<'a> Call<'a> {
    pub fn new(method: Method, path: &'a str) -> Self {
        Self {
            method,
            path,
            query: String::new(),
            body: None,
            if_match: None,
        }
    }

    pub fn json(mut self, body: &impl Serialize) -> Self {
        // Our own wire types always serialise; null would be refused by the server anyway.
        self.body = Some(serde_json::to_string(body).unwrap_or_else(|_| "null".into()));
        self
    }

    /// A list query (`KeyPairQuery`, …) as the query string; unset parameters are left out.
    pub fn query(mut self, query: &impl Serialize) -> Self {
        self.query = to_query_string(query);
        self
    }

    pub fn if_match(mut self, version: i64) -> Self {
        self.if_match = Some(version);
        self
    }

    /// The URL it is sent to.
    pub fn url(&self) -> String {
        match self.query.as_str() {
            "" => format!("{BASE}{}", self.path),
            query => format!("{BASE}{}?{query}", self.path),
        }
    }
}

impl Api {
    /// A client that signs requests with the session's token.
    pub fn new(session: Session) -> Self {
        Self { session }
    }

    /// The session's token, as requests carry it.
    pub(super) fn token(&self) -> Option<String> {
        self.session.token_untracked()
    }

    /// Starts `GET /api/v1{path}` now (`path` with its query string, if any), for the page
    /// whose chunk is on its way (src/api/prefetch.rs).
    pub fn start_read(&self, path: &str) {
        let call = Call::new(Method::GET, path);
        let url = call.url();
        // A read that cannot even start is left to the page, which words the failure.
        if let Ok(answer) = start(&call, &url, self.token().as_deref()) {
            prefetch::keep(url, answer);
        }
    }

    /// Sends a call and decodes a JSON answer.
    pub(super) async fn json<T: DeserializeOwned>(&self, call: Call<'_>) -> Result<T, ApiError> {
        decode(self.send(call).await?).await
    }

    /// Sends a call, or takes its answer if its route already asked (src/api/prefetch.rs); a
    /// 401 signs the user out, so the console shows the sign-in page.
    pub(super) async fn send(&self, call: Call<'_>) -> Result<Response, ApiError> {
        let url = call.url();
        let started = match prefetched(&call, &url) {
            Some(started) => Ok(started),
            None => start(&call, &url, self.token().as_deref()),
        };
        // One `answer` on the first load's path, not one per way the call started.
        let result = match started {
            Ok(started) => answer(started).await,
            Err(e) => Err(e),
        };
        if matches!(
            &result,
            Err(ApiError {
                code: ErrorCode::Unauthorized,
                ..
            })
        ) {
            self.session.sign_out();
        }
        result
    }
}

/// The answer to `call` (sent to `url`) if its route started it: a GET without a body, of
/// the same URL.
fn prefetched(call: &Call<'_>, url: &str) -> Option<Promise> {
    if call.method != Method::GET || call.body.is_some() {
        return None;
    }
    prefetch::take(url)
}

/// Decodes a JSON answer.
pub(super) async fn decode<T: DeserializeOwned>(response: Response) -> Result<T, ApiError> {
    response
        .json::<T>()
        .await
        .map_err(|_| generic(t(Msg::ErrorsUnreadable)))
}

/// Sends a call with `token`, without the session's sign-out on 401.
pub(super) async fn send(call: Call<'_>, token: Option<&str>) -> Result<Response, ApiError> {
    answer(start(&call, &call.url(), token)?).await
}

/// Starts a call to `url` (its [`Call::url`]) with `token`: the browser's `fetch`, whose
/// answer may be awaited later.
pub(super) fn start(call: &Call<'_>, url: &str, token: Option<&str>) -> Result<Promise, ApiError> {
    // i18n: not text: HTTP header names and values, from here to the body.
    let mut builder = RequestBuilder::new(url)
        .method(call.method.clone())
        .header("Accept", "application/json"); // i18n: not text: HTTP
    if let Some(token) = token {
        builder = builder.header("Authorization", &format!("Bearer {token}")); // i18n: not text: HTTP
    }
    if let Some(version) = call.if_match {
        builder = builder.header("If-Match", &format!("\"{version}\"")); // i18n: not text: HTTP
    }
    let request = match &call.body {
        Some(body) => builder
            .header("Content-Type", "application/json") // i18n: not text: HTTP
            .body(body.as_str()),
        None => builder.build(),
    }
    .map_err(|_| generic(t(Msg::ErrorsUnbuildable)))?;
    Ok(window().fetch_with_request(&request.into()))
}

/// The answer to a started call; a refusal becomes an `ApiError`.
pub(super) async fn answer(started: Promise) -> Result<Response, ApiError> {
    let response: Response = JsFuture::from(started)
        .await
        .map(|raw| raw.unchecked_into::<web_sys::Response>().into())
        .map_err(|_| generic(t(Msg::ErrorsUnreachable)))?;
    if response.ok() {
        return Ok(response);
    }
    Err(read_error(&response).await)
}

/// Turns a refusal into an `ApiError`, whatever the body holds.
async fn read_error(response: &Response) -> ApiError {
    let status = response.status();
    let text = response.text().await.unwrap_or_default();
    match serde_json::from_str::<ErrorBody>(&text) {
        Ok(body) => body.error,
        Err(_) if status == 401 => {
            ApiError::new(ErrorCode::Unauthorized, t(Msg::ErrorsSessionEnded))
        }
        Err(_) => generic(msg::errors_status(status, response.status_text())),
    }
}

/// A failure on the console's side of the network, already worded in its language (so
/// src/messages.rs shows it as it is: `Unknown`, a code the server never sends as such).
pub(super) fn generic(message: impl Into<String>) -> ApiError {
    ApiError::new(ErrorCode::Unknown, message)
}
