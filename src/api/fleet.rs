//! Regions, instances and images, and binding key pairs to instances.

use gloo_net::http::Method;
use keyrack_api::{
    ApiError, BindDirection, BindRequest, BindResponse, Image, Instance, InstanceQuery, List,
    PowerAction, Region, LIST_LIMIT_MAX,
};

use super::client::{Api, Call};
use crate::i18n::{msg, t, Msg};
use crate::routes::encode;

/// Pages of 100 that [`Api::list_instances_bound_to`] reads at most (10,000 instances).
const ALL_INSTANCES_MAX_PAGES: u32 = 100;

impl Api {
    /// `GET /regions`; the server may answer a bare array or a `{total, items}` page.
    pub async fn list_regions(&self) -> Result<Vec<Region>, ApiError> {
        let value: serde_json::Value = self.json(Call::new(Method::GET, "/regions")).await?;
        let items = match value {
            serde_json::Value::Object(mut o) => o.remove("items").unwrap_or_default(),
            other => other,
        };
        serde_json::from_value(items).map_err(|_| super::client::generic(t(Msg::ErrorsUnreadable)))
    }

    /// `GET /instances`, one region or all, the first 100.
    pub async fn list_instances(&self, region: Option<&str>) -> Result<List<Instance>, ApiError> {
        let query = InstanceQuery {
            region: region.map(str::to_owned),
            limit: Some(LIST_LIMIT_MAX),
            ..Default::default()
        };
        self.list_instances_page(&query).await
    }

    /// `GET /instances` with every filter and paging parameter.
    pub async fn list_instances_page(
        &self,
        query: &InstanceQuery,
    ) -> Result<List<Instance>, ApiError> {
        self.json(Call::new(Method::GET, "/instances").query(query))
            .await
    }

    /// The instances a key pair is bound to, and no others: the server filters.
    pub async fn list_instances_bound_to(&self, key_id: &str) -> Result<Vec<Instance>, ApiError> {
        let query = InstanceQuery {
            key_pair: Some(key_id.to_owned()),
            ..Default::default()
        };
        self.list_instances_where(query).await
    }

    /// Every instance matching `filter`, page after page of 100.
    async fn list_instances_where(&self, filter: InstanceQuery) -> Result<Vec<Instance>, ApiError> {
        let mut all = Vec::new();
        for page in 0..ALL_INSTANCES_MAX_PAGES {
            let query = InstanceQuery {
                offset: Some(page * LIST_LIMIT_MAX),
                limit: Some(LIST_LIMIT_MAX),
                ..filter.clone()
            };
            let list = self.list_instances_page(&query).await?;
            let last = list.items.len() < LIST_LIMIT_MAX as usize;
            all.extend(list.items);
            if last || all.len() as u64 >= list.total {
                break;
            }
        }
        Ok(all)
    }

    /// `GET /instances/{id}`
    pub async fn get_instance(&self, id: &str) -> Result<Instance, ApiError> {
        let path = format!("/instances/{}", encode(id));
        self.json(Call::new(Method::GET, &path)).await
    }

    /// `GET /instances/{id}/authorized_keys` (admins): the text sshd gets for it now.
    pub async fn authorized_keys(&self, id: &str) -> Result<String, ApiError> {
        let path = format!("/instances/{}/authorized_keys", encode(id));
        let response = self.send(Call::new(Method::GET, &path)).await?;
        response
            .text()
            .await
            .map_err(|e| super::client::generic(msg::errors_answer_unreadable(&e)))
    }

    /// `POST /instances/{id}/start` or `/stop`: the instance, now `STARTING` or `STOPPING`
    /// (or as it was).
    pub async fn change_power(&self, action: PowerAction, id: &str) -> Result<Instance, ApiError> {
        let path = action.path(&encode(id));
        self.json(Call::new(Method::POST, &path)).await
    }

    /// `GET /images`
    pub async fn list_images(&self) -> Result<List<Image>, ApiError> {
        self.json(Call::new(Method::GET, "/images")).await
    }

    /// `POST /key-pairs/{id}/bind` or `/unbind`.
    pub async fn change_bindings(
        &self,
        direction: BindDirection,
        id: &str,
        body: &BindRequest,
    ) -> Result<BindResponse, ApiError> {
        let path = direction.path(&encode(id));
        self.json(Call::new(Method::POST, &path).json(body)).await
    }
}
