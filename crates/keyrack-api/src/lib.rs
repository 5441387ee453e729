//! Keyrack's boundary crate: the JSON shapes of the HTTP API, the domain rules of
//! `docs/rules.md` and public-key parsing. It does no I/O, so the SPA (wasm32) and the
//! server (native) run exactly the same validation; the server is the authority.
//!
//! ```
//! use keyrack_api::{parse_public_key, validate_name};
//!
//! let key = parse_public_key(
//!     "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILM+rvN+ot98qgEN796jTiQfZfG1KaT0PtFDJ/XFSqti foo@bar.com",
//! )
//! .expect("a valid Ed25519 key");
//! assert_eq!(key.algorithm.as_str(), "ssh-ed25519");
//! assert_eq!(key.bits, 256);
//! assert!(key.fingerprint_sha256.starts_with("SHA256:"));
//! assert!(validate_name("web-prod_01").is_ok());
//! ```
#![warn(missing_docs)]

mod admin;
mod binding;
mod capped;
mod error;
mod expiry;
mod fleet;
mod import;
mod import_code;
mod key_pair;
mod keygen;
mod limits;
mod list;
mod login;
mod policy;
mod power;
mod public_key;
mod query_string;
mod spelling;
mod tag;
mod timestamp;
mod validate;

pub use admin::{
    validate_token_name, AuditEntry, AuditQuery, CreateToken, CreatedToken, TokenIdentity,
    TokenInfo, TokenRole, TOKEN_NAME_MAX_CHARS,
};
pub use binding::{BindDirection, BindOutcome, BindRequest, BindResponse, BindResult};
pub use error::{ApiError, ErrorBody, ErrorCode, FieldError, Rule};
pub use expiry::{
    check_new_expiry, sshd_expiry_time, KeyStatus, StatusBounds, EXPIRING_WITHIN_DAYS,
};
pub use fleet::{
    is_sha256_fingerprint, AuthorizedKeysQuery, CreateImage, CreateInstance, CreatedInstance,
    Image, Instance, InstanceQuery, InstanceState, Os, Region,
};
pub use import::{
    name_from_comment, read_authorized_keys, unique_name, ImportLine, ImportName, ImportOutcome,
    ImportRequest, ImportResponse, ImportResult, IMPORT_MAX_BYTES, IMPORT_MAX_LINES,
};
pub use import_code::{ImportCode, SkipReason};
pub use key_pair::{
    BatchDeleteRequest, BatchDeleteResponse, BatchDeleteResult, CreateKeyPair, DeleteOutcome,
    KeyPair, Origin, ReplaceTags, UpdateKeyPair,
};
pub use keygen::{KeyType, KeygenReply, KeygenRequest, PrivateKeyFormat};
pub use limits::*;
pub use list::{page_limit, KeyPairQuery, KeyPairSort, List, SearchQuery, TagFilter};
pub use login::{
    check_unused_for_days, KeyLogin, KeyLogins, LoginReport, LOGIN_USER_MAX_CHARS,
    UNUSED_FOR_DAYS_MAX,
};
pub use policy::{Policy, PolicyRule, PolicyViolation, MAX_LIFETIME_DAYS_MAX};
pub use power::{PowerAction, PowerChange};
pub use public_key::{parse_public_key, KeyAlgorithm, KeyRefusal, PublicKeyError, PublicKeyInfo};
pub use query_string::{
    from_query_string, from_query_string_lenient, query_pairs, to_query_string,
    MAX_PARAMETER_CHARS, MAX_QUERY_PARAMETERS, MAX_SEARCH_CHARS,
};
pub use spelling::SpellingError;
pub use tag::{validate_tags, Tag};
pub use timestamp::{NotStoredForm, Timestamp};
pub use validate::{clean_text, strip_unclean, validate_description, validate_name};
