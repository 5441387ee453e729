//! `/key-pairs` endpoints.

use gloo_net::http::Method;
use keyrack_api::{
    ApiError, BatchDeleteRequest, BatchDeleteResponse, CreateKeyPair, KeyLogins, KeyPair,
    KeyPairQuery, List, ReplaceTags, Tag, UpdateKeyPair,
};

use super::client::{Api, Call};
use crate::i18n::msg;
use crate::routes::encode;

impl Api {
    /// `GET /key-pairs`
    pub async fn list_key_pairs(&self, query: &KeyPairQuery) -> Result<List<KeyPair>, ApiError> {
        self.json(Call::new(Method::GET, "/key-pairs").query(query))
            .await
    }

    /// `GET /key-pairs/export.{extension}` (`csv` or `json`): every key pair of the view
    /// `query` filters, all pages, as the file's text.
    pub async fn export_key_pairs(
        &self,
        query: &KeyPairQuery,
        extension: &str,
    ) -> Result<String, ApiError> {
        let path = format!("/key-pairs/export.{extension}");
        let response = self
            .send(Call::new(Method::GET, &path).query(query))
            .await?;
        response
            .text()
            .await
            .map_err(|e| super::client::generic(msg::errors_export_unreadable(&e)))
    }

    /// `GET /key-pairs/{id}`
    pub async fn get_key_pair(&self, id: &str) -> Result<KeyPair, ApiError> {
        let path = format!("/key-pairs/{}", encode(id));
        self.json(Call::new(Method::GET, &path)).await
    }

    /// `GET /key-pairs/{id}/logins`
    pub async fn key_logins(&self, id: &str) -> Result<KeyLogins, ApiError> {
        let path = format!("/key-pairs/{}/logins", encode(id));
        self.json(Call::new(Method::GET, &path)).await
    }

    /// `POST /key-pairs`
    pub async fn create_key_pair(&self, body: &CreateKeyPair) -> Result<KeyPair, ApiError> {
        self.json(Call::new(Method::POST, "/key-pairs").json(body))
            .await
    }

    /// `PATCH /key-pairs/{id}` with `If-Match`.
    pub async fn update_key_pair(
        &self,
        id: &str,
        version: i64,
        body: &UpdateKeyPair,
    ) -> Result<KeyPair, ApiError> {
        let path = format!("/key-pairs/{}", encode(id));
        let call = Call::new(Method::PATCH, &path).json(body).if_match(version);
        self.json(call).await
    }

    /// `PUT /key-pairs/{id}/tags` with `If-Match`.
    pub async fn replace_tags(
        &self,
        id: &str,
        version: i64,
        tags: Vec<Tag>,
    ) -> Result<KeyPair, ApiError> {
        let path = format!("/key-pairs/{}/tags", encode(id));
        let call = Call::new(Method::PUT, &path)
            .json(&ReplaceTags { tags })
            .if_match(version);
        self.json(call).await
    }

    /// `DELETE /key-pairs/{id}`
    pub async fn delete_key_pair(&self, id: &str) -> Result<(), ApiError> {
        let path = format!("/key-pairs/{}", encode(id));
        self.send(Call::new(Method::DELETE, &path)).await.map(drop)
    }

    /// `POST /key-pairs/batch-delete`
    pub async fn batch_delete(&self, ids: Vec<String>) -> Result<BatchDeleteResponse, ApiError> {
        let body = BatchDeleteRequest { ids };
        self.json(Call::new(Method::POST, "/key-pairs/batch-delete").json(&body))
            .await
    }

    /// `POST /key-pairs/import`: a preview (`dry_run`) or the import of an authorized_keys
    /// file, one result per line.
    pub async fn import_key_pairs(
        &self,
        body: &keyrack_api::ImportRequest,
    ) -> Result<keyrack_api::ImportResponse, ApiError> {
        self.json(Call::new(Method::POST, "/key-pairs/import").json(body))
            .await
    }
}
