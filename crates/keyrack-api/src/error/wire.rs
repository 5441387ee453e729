//! [`ApiError`] on the wire, `{"code": "…", "message": "…", "details": {…}}`, and in the
//! OpenAPI document: the code's serde tag and content beside the message, `details` always
//! present.

use serde::{Deserialize, Serialize};

use super::{ApiError, ErrorCode};

/// [`ApiError`] as it is written: the code's tag and content beside the message.
#[derive(Serialize)]
struct WireError {
    code: serde_json::Value,
    message: String,
    details: serde_json::Value,
}

fn empty_object() -> serde_json::Value {
    serde_json::Value::Object(Default::default())
}

impl Serialize for ApiError {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut tagged = serde_json::to_value(&self.code).map_err(serde::ser::Error::custom)?;
        WireError {
            code: tagged["code"].take(),
            message: self.message.clone(),
            details: match tagged["details"].take() {
                serde_json::Value::Null => empty_object(),
                details => details,
            },
        }
        .serialize(serializer)
    }
}

/// [`ApiError`] as it is read: typed `details` (every field any code has), not a
/// `serde_json::Value`, whose reader and map weighed about 2 KB of the console's first load.
#[derive(Deserialize)]
struct WireIn {
    code: String,
    #[serde(default)]
    message: String,
    #[serde(default)]
    details: Option<Details>,
}

/// The fields of [`ErrorCode`]'s variants; a code takes the ones it has.
#[derive(Deserialize, Default)]
#[serde(default)]
struct Details {
    field: Option<String>,
    rule: Option<String>,
    reason: Option<String>,
    id: Option<String>,
    name: Option<String>,
    state: Option<String>,
    quota: Option<u64>,
    retry_after_secs: Option<u64>,
    current_version: Option<i64>,
    instance_ids: Option<Vec<String>>,
    image_ids: Option<Vec<String>>,
}

impl<'de> Deserialize<'de> for ApiError {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let wire = WireIn::deserialize(deserializer)?;
        let code = read_code(&wire.code, wire.details.unwrap_or_default())
            // A newer server's code, or details this build cannot read: still an error.
            .unwrap_or(ErrorCode::Unknown);
        Ok(Self {
            code,
            message: wire.message,
        })
    }
}

/// The code named `name` with `details`, read field by field. Not serde's derived reader of
/// the adjacently tagged enum: that one buffers every variant through serde's `Content`
/// and weighed about 12 KB of the console's first load (brotli). The names here are the
/// fields of [`ErrorCode`]; `every_code_reads_back_what_it_wrote` holds them to it.
fn read_code(name: &str, d: Details) -> Option<ErrorCode> {
    use ErrorCode::*;
    Some(match name {
        "InvalidRequest" => InvalidRequest,
        "InvalidParameter" => InvalidParameter {
            field: d.field?,
            rule: d.rule?.parse().ok()?,
        },
        "PublicKeyInvalid" => PublicKeyInvalid {
            field: d.field?,
            reason: d.reason?.parse().ok()?,
        },
        "PolicyViolation" => PolicyViolation {
            field: d.field?,
            rule: d.rule?.parse().ok()?,
        },
        "Unauthorized" => Unauthorized,
        "Forbidden" => Forbidden,
        "NotFound" => NotFound { id: d.id },
        "KeyPairNotFound" => KeyPairNotFound { id: d.id? },
        "InstanceNotFound" => InstanceNotFound { id: d.id? },
        "ImageNotFound" => ImageNotFound { id: d.id? },
        "KeyPairNameDuplicate" => KeyPairNameDuplicate {
            field: d.field?,
            name: d.name?,
        },
        "TokenNameDuplicate" => TokenNameDuplicate {
            field: d.field?,
            name: d.name?,
        },
        "PublicKeyDuplicate" => PublicKeyDuplicate {
            field: d.field?,
            id: d.id?,
            name: d.name?,
        },
        "KeyPairLimitExceeded" => KeyPairLimitExceeded { quota: d.quota? },
        "KeyPairInUse" => KeyPairInUse {
            instance_ids: d.instance_ids?,
        },
        "KeyPairReferencedByImage" => KeyPairReferencedByImage {
            image_ids: d.image_ids?,
        },
        "InstanceStateConflict" => InstanceStateConflict {
            state: d.state?.parse().ok()?,
        },
        "LastAdminToken" => LastAdminToken,
        "PreconditionFailed" => PreconditionFailed {
            current_version: d.current_version?,
        },
        "PayloadTooLarge" => PayloadTooLarge,
        "RateLimited" => RateLimited {
            retry_after_secs: d.retry_after_secs?,
        },
        "MethodNotAllowed" => MethodNotAllowed,
        "RequestTimeout" => RequestTimeout,
        "DatabaseUnavailable" => DatabaseUnavailable,
        "InternalError" => InternalError,
        _ => return None,
    })
}

/// The document's `ApiError`: one of the codes with its details (the derived [`ErrorCode`]
/// schema), a message, and `details` always present (`{}` when a code has none).
#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for ApiError {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{AllOfBuilder, ObjectBuilder, Type};
        use utoipa::openapi::Ref;
        let rest = ObjectBuilder::new()
            .property(
                "message",
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .description(Some("What went wrong, for people.")),
            )
            .required("message")
            .property(
                "details",
                ObjectBuilder::new().schema_type(Type::Object).description(Some(
                    "Context such as the field, the rule or the conflicting ids; `{}` when there is none.",
                )),
            )
            .required("details");
        AllOfBuilder::new()
            .item(Ref::from_schema_name("ErrorCode"))
            .item(rest)
            .description(Some("One refusal: a code with its details, and a message."))
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for ApiError {
    fn schemas(
        schemas: &mut Vec<(
            String,
            utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
        )>,
    ) {
        use utoipa::PartialSchema as _;
        schemas.push(("ErrorCode".into(), ErrorCode::schema()));
        <ErrorCode as utoipa::ToSchema>::schemas(schemas);
    }
}
