//! [`ApiError`] on the wire, `{"code": "…", "message": "…", "details": {…}}`, and in the
//! OpenAPI document: the code's serde tag and content beside the message, `details` always
//! present.

use serde::{Deserialize, Serialize};

use super::{ApiError, ErrorCode};

/// [`ApiError`] as it is written: the code's tag and content beside the message.
#[derive(Serialize, Deserialize)]
struct WireError {
    code: serde_json::Value,
    #[serde(default)]
    message: String,
    #[serde(default = "empty_object")]
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

impl<'de> Deserialize<'de> for ApiError {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let wire = WireError::deserialize(deserializer)?;
        let code = wire
            .code
            .as_str()
            .and_then(|name| read_code(name, &wire.details))
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
fn read_code(name: &str, details: &serde_json::Value) -> Option<ErrorCode> {
    use ErrorCode::*;
    let text = |key: &str| details.get(key)?.as_str().map(str::to_owned);
    let number = |key: &str| details.get(key)?.as_u64();
    let list = |key: &str| -> Option<Vec<String>> {
        let items = details.get(key)?.as_array()?;
        items
            .iter()
            .map(|v| v.as_str().map(str::to_owned))
            .collect()
    };
    Some(match name {
        "InvalidRequest" => InvalidRequest,
        "InvalidParameter" => InvalidParameter {
            field: text("field")?,
            rule: spelled(details, "rule")?,
        },
        "PublicKeyInvalid" => PublicKeyInvalid {
            field: text("field")?,
            reason: text("reason")?,
        },
        "PolicyViolation" => PolicyViolation {
            field: text("field")?,
            rule: spelled(details, "rule")?,
        },
        "Unauthorized" => Unauthorized,
        "Forbidden" => Forbidden,
        "NotFound" => NotFound { id: text("id") },
        "KeyPairNotFound" => KeyPairNotFound { id: text("id")? },
        "InstanceNotFound" => InstanceNotFound { id: text("id")? },
        "ImageNotFound" => ImageNotFound { id: text("id")? },
        "KeyPairNameDuplicate" => KeyPairNameDuplicate {
            field: text("field")?,
            name: text("name")?,
        },
        "TokenNameDuplicate" => TokenNameDuplicate {
            field: text("field")?,
            name: text("name")?,
        },
        "PublicKeyDuplicate" => PublicKeyDuplicate {
            field: text("field")?,
            id: text("id")?,
            name: text("name")?,
        },
        "KeyPairLimitExceeded" => KeyPairLimitExceeded {
            quota: number("quota")?,
        },
        "KeyPairInUse" => KeyPairInUse {
            instance_ids: list("instance_ids")?,
        },
        "KeyPairReferencedByImage" => KeyPairReferencedByImage {
            image_ids: list("image_ids")?,
        },
        "InstanceStateConflict" => InstanceStateConflict {
            state: spelled(details, "state")?,
        },
        "LastAdminToken" => LastAdminToken,
        "PreconditionFailed" => PreconditionFailed {
            current_version: details.get("current_version")?.as_i64()?,
        },
        "PayloadTooLarge" => PayloadTooLarge,
        "RateLimited" => RateLimited {
            retry_after_secs: number("retry_after_secs")?,
        },
        "MethodNotAllowed" => MethodNotAllowed,
        "RequestTimeout" => RequestTimeout,
        "InternalError" => InternalError,
        _ => return None,
    })
}

/// An enum of `details` by its spelling.
fn spelled<T: std::str::FromStr>(details: &serde_json::Value, key: &str) -> Option<T> {
    details.get(key)?.as_str()?.parse().ok()
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
