//! Regions, instances and images.

use keyrack_api::{Image, Instance, InstanceQuery, List, Region};

use super::{page_limit, search_text};
use crate::error::AppError;
use crate::store::{InstanceFilter, Store};

/// `GET /regions`.
pub async fn list_regions(store: &Store) -> Result<List<Region>, AppError> {
    Ok(whole(store.list_regions().await?))
}

/// `GET /instances`.
pub async fn list_instances(
    store: &Store,
    query: InstanceQuery,
) -> Result<List<Instance>, AppError> {
    let filter = InstanceFilter {
        region: search_text(query.region),
        state: query.state,
        text: search_text(query.q),
        offset: query.offset.unwrap_or(0),
        limit: page_limit(query.limit)?,
    };
    Ok(store.list_instances(&filter).await?)
}

/// `GET /images`.
pub async fn list_images(store: &Store) -> Result<List<Image>, AppError> {
    Ok(whole(store.list_images().await?))
}

fn whole<T>(items: Vec<T>) -> List<T> {
    List {
        total: items.len() as u64,
        items,
    }
}
