//! Key pairs, their tags, and what references them: the types the services pass in, and
//! the SQL split by what it does (reading, filtering, writing, rows, the counter).

mod counter;
mod filter;
mod read;
mod rows;
mod write;

use keyrack_api::{
    ErrorCode, KeyPairSort, KeyStatus, Origin, StatusBounds, Tag, TagFilter, Timestamp,
};

use crate::error::AppError;

pub(super) use counter::recount_key_pairs;
pub(super) use rows::{bump, group, select_in};

/// A key pair to insert, already validated and parsed by the service.
#[derive(Debug, Clone)]
pub struct NewKeyPair {
    /// Name as given.
    pub name: String,
    /// Description.
    pub description: String,
    /// Normalised `<algorithm> <base64>`.
    pub public_key: String,
    /// The key's comment.
    pub comment: String,
    /// SSH algorithm name.
    pub algorithm: keyrack_api::KeyAlgorithm,
    /// Key size.
    pub bits: u32,
    /// `SHA256:…`.
    pub fingerprint_sha256: String,
    /// `MD5:…`.
    pub fingerprint_md5: String,
    /// Generated or imported.
    pub origin: Origin,
    /// Tags in order.
    pub tags: Vec<Tag>,
    /// When it stops working, in the stored form.
    pub expires_at: Option<Timestamp>,
}

/// What a Modify changes (`None`: keep).
#[derive(Debug, Clone, Default)]
pub struct KeyPairChanges {
    /// The new name.
    pub name: Option<String>,
    /// The new description.
    pub description: Option<String>,
    /// The new expiry (`Some(None)`: never).
    pub expires_at: Option<Option<Timestamp>>,
}

/// Which key pairs to list.
#[derive(Debug, Clone, Default)]
pub struct KeyPairFilter {
    /// Substring of name or id (case-insensitive), or a fingerprint prefix.
    pub text: Option<String>,
    /// Only key pairs carrying this tag.
    pub tag: Option<TagFilter>,
    /// Only key pairs in this state of their life, at the time of the query.
    pub status: Option<StatusAt>,
    /// Only key pairs created before this time (stored form) that have not logged in since.
    pub unused_since: Option<Timestamp>,
    /// Order.
    pub sort: KeyPairSort,
    /// Rows to skip.
    pub offset: u32,
    /// Rows to return.
    pub limit: u32,
}

/// A status filter and the times that decide it.
#[derive(Debug, Clone)]
pub struct StatusAt {
    /// Which keys.
    pub status: KeyStatus,
    /// Now, and the end of the *expiring* window.
    pub bounds: StatusBounds,
}

/// What a conditional delete did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Deletion {
    /// Deleted.
    Deleted {
        /// Its name.
        name: String,
    },
    /// There was no such key pair.
    NotFound,
    /// Kept, because instances or images reference it.
    Kept {
        /// Its name.
        name: String,
        /// Instances it is bound to.
        instance_ids: Vec<String>,
        /// Images that carry it.
        image_ids: Vec<String>,
    },
}

fn not_found(id: &str) -> AppError {
    ErrorCode::KeyPairNotFound { id: id.to_owned() }.into()
}
