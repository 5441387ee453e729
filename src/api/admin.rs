//! Who am I, tokens, the audit log and the key policy.

use gloo_net::http::Method;
use keyrack_api::{
    ApiError, AuditEntry, AuditQuery, CreateToken, CreatedToken, List, Policy, TokenIdentity,
    TokenInfo,
};

use super::client::{send, Api, Call};
use crate::routes::encode;

impl Api {
    /// Checks a token without keeping it: `GET /me` with it, which also says who it is.
    pub async fn check_token(token: &str) -> Result<TokenIdentity, ApiError> {
        let response = send(Call::new(Method::GET, "/me"), Some(token)).await?;
        super::client::decode(response).await
    }

    /// `GET /me`: the signed-in token's id, name and role.
    pub async fn me(&self) -> Result<TokenIdentity, ApiError> {
        self.json(Call::new(Method::GET, "/me")).await
    }

    /// `GET /tokens`
    pub async fn list_tokens(&self) -> Result<List<TokenInfo>, ApiError> {
        self.json(Call::new(Method::GET, "/tokens")).await
    }

    /// `POST /tokens`: the answer holds the token, shown this once.
    pub async fn create_token(&self, body: &CreateToken) -> Result<CreatedToken, ApiError> {
        self.json(Call::new(Method::POST, "/tokens").json(body))
            .await
    }

    /// `DELETE /tokens/{id}`
    pub async fn revoke_token(&self, id: &str) -> Result<(), ApiError> {
        let path = format!("/tokens/{}", encode(id));
        self.send(Call::new(Method::DELETE, &path)).await.map(drop)
    }

    /// `GET /audit` with every filter and paging parameter.
    pub async fn list_audit(&self, query: &AuditQuery) -> Result<List<AuditEntry>, ApiError> {
        self.json(Call::new(Method::GET, "/audit").query(query))
            .await
    }

    /// `GET /policy`
    pub async fn policy(&self) -> Result<Policy, ApiError> {
        self.json(Call::new(Method::GET, "/policy")).await
    }

    /// `PUT /policy`
    pub async fn put_policy(&self, policy: &Policy) -> Result<Policy, ApiError> {
        self.json(Call::new(Method::PUT, "/policy").json(policy))
            .await
    }
}
