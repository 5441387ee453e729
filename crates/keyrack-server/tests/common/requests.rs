//! Requests several test files send the same way: bodies a test spells out itself
//! (malformed, oversized or odd JSON), and the key policy they set.

use keyrack_api::Policy;
use reqwest::Method;

use super::{Body, Harness, Resp, Transport};

impl<T: Transport> Harness<T> {
    /// POSTs `body` as it is to `path` (absolute: `/api/v1/…`) with the admin token.
    pub async fn post_raw(&self, path: &str, body: impl Into<String>) -> Resp {
        let body = Some(Body::Raw(body.into()));
        self.request(Method::POST, path, Some(self.token()), &[], body)
            .await
    }

    /// [`Self::post_raw`], asking the server to close the connection after it: a body
    /// refused as too large is left unread, so that connection must not be used again.
    pub async fn post_raw_closing(&self, path: &str, body: impl Into<String>) -> Resp {
        let body = Some(Body::Raw(body.into()));
        let close = [("connection", "close")];
        self.request(Method::POST, path, Some(self.token()), &close, body)
            .await
    }

    /// `PUT /policy`: only Ed25519 and RSA keys (RSA from 2048 bits), no lifetime limit,
    /// enforced at login or not; the answer.
    pub async fn allow_only_ed25519_and_rsa(&self, enforce_on_login: bool) -> Resp {
        let policy = Policy {
            allowed_algorithms: vec!["ssh-ed25519".into(), "ssh-rsa".into()],
            enforce_on_login,
            ..Policy::default()
        };
        let body = serde_json::to_value(policy).expect("a policy as JSON");
        self.api(Method::PUT, "/policy", Some(body)).await
    }
}
