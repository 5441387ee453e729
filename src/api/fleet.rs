//! Regions, instances and images.

use gloo_net::http::Method;
use keyrack_api::{ApiError, Image, Instance, List, Region, LIST_LIMIT_MAX};

use super::client::{Api, Call};

impl Api {
    /// `GET /regions`; the server may answer a bare array or a `{total, items}` page.
    pub async fn list_regions(&self) -> Result<Vec<Region>, ApiError> {
        let value: serde_json::Value = self.json(Call::new(Method::GET, "/regions")).await?;
        let items = match value {
            serde_json::Value::Object(mut o) => o.remove("items").unwrap_or_default(),
            other => other,
        };
        serde_json::from_value(items)
            .map_err(|e| ApiError::new(keyrack_api::ErrorCode::InternalError, e.to_string()))
    }

    /// `GET /instances`, one region or all, the first 100.
    pub async fn list_instances(&self, region: Option<&str>) -> Result<List<Instance>, ApiError> {
        let mut call = Call::new(Method::GET, "/instances");
        call.query.push(("limit", LIST_LIMIT_MAX.to_string()));
        if let Some(region) = region.filter(|r| !r.is_empty()) {
            call.query.push(("region", region.to_owned()));
        }
        self.json(call).await
    }

    /// `GET /images`
    pub async fn list_images(&self) -> Result<List<Image>, ApiError> {
        self.json(Call::new(Method::GET, "/images")).await
    }
}
