//! The OpenAPI 3.1 document, generated from the handlers' annotations.

use axum::routing::get;
use axum::Router;
use keyrack_api::{
    ApiError, AuditEntry, BatchDeleteRequest, BatchDeleteResponse, BatchDeleteResult, BindOutcome,
    BindRequest, BindResponse, BindResult, CreateImage, CreateInstance, CreateKeyPair, CreateToken,
    CreatedInstance, CreatedToken, DeleteOutcome, ErrorBody, ErrorCode, Image, ImportName,
    ImportOutcome, ImportRequest, ImportResponse, ImportResult, Instance, InstanceState, KeyLogin,
    KeyLogins, KeyPair, KeyPairSort, KeyStatus, LoginReport, Origin, Os, Policy, PolicyRule,
    Region, ReplaceTags, Rule, Tag, TokenInfo, TokenRole, UpdateKeyPair,
};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::extract::Json;
use super::state::AppState;
use super::{audit, bindings, images, instances, key_pairs, policy, regions, tokens};

/// Keyrack's HTTP API.
#[derive(OpenApi)]
#[openapi(
    info(title = "Keyrack API", description = "SSH key pairs, instances and images of a fleet."),
    paths(
        key_pairs::list_key_pairs,
        key_pairs::export_key_pairs_csv,
        key_pairs::export_key_pairs_json,
        key_pairs::create_key_pair,
        key_pairs::get_key_pair,
        key_pairs::update_key_pair,
        key_pairs::replace_key_pair_tags,
        key_pairs::delete_key_pair,
        key_pairs::batch_delete_key_pairs,
        key_pairs::import_key_pairs,
        key_pairs::list_key_logins,
        bindings::bind_instances,
        bindings::unbind_instances,
        regions::list_regions,
        instances::list_instances,
        instances::create_instance,
        instances::get_instance,
        instances::delete_instance,
        instances::start_instance,
        instances::stop_instance,
        instances::get_authorized_keys,
        instances::report_login,
        images::list_images,
        images::create_image,
        images::delete_image,
        tokens::me,
        tokens::list_tokens,
        tokens::create_token,
        tokens::revoke_token,
        audit::list_audit,
        policy::get_policy,
        policy::put_policy,
    ),
    components(schemas(
        KeyPair, CreateKeyPair, UpdateKeyPair, ReplaceTags, Tag, Origin, KeyPairSort, KeyStatus,
        BatchDeleteRequest, BatchDeleteResponse, BatchDeleteResult, DeleteOutcome,
        ImportRequest, ImportName, ImportResponse, ImportResult, ImportOutcome,
        BindRequest, BindResponse, BindResult, BindOutcome,
        Region, Instance, InstanceState, Os, Image, CreateInstance, CreatedInstance, CreateImage,
        ErrorBody, ApiError, ErrorCode, Rule,
        TokenInfo, TokenRole, CreateToken, CreatedToken, AuditEntry, Policy, PolicyRule,
        KeyLogin, KeyLogins, LoginReport,
    )),
    modifiers(&BearerAuth, &CommonErrors),
    tags(
        (name = "key-pairs", description = "Key pairs and their tags"),
        (name = "fleet", description = "Regions, instances and custom images"),
        (name = "admin", description = "Tokens, the audit log and the key policy (admin tokens change them)"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}

/// The refusals every operation can answer, whatever its handler does, declared here once
/// rather than on each handler: the extractors (authentication, role, body, query), the body
/// limit, the rate limit and the timeout run before it, and any fault is a 500. An
/// operation's own annotation lists only what is its own, and may describe one of these
/// statuses more precisely.
struct CommonErrors;

impl Modify for CommonErrors {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};

        let error = |description: &str| {
            ResponseBuilder::new()
                .description(description)
                .content(
                    "application/json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("ErrorBody")))
                        .build(),
                )
                .build()
        };
        for (path, item) in openapi.paths.paths.iter_mut() {
            // An empty or odd id can make the path another route's (`/instances//start` is
            // read as `/instances/start`), which may not take this method.
            let has_parameter = path.contains('{');
            let operations = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ];
            for operation in operations.into_iter().flatten() {
                let has_body = operation.request_body.is_some();
                let secured = operation.security.as_ref().is_some_and(|s| !s.is_empty());
                let responses = &mut operation.responses.responses;
                let mut add = |status: &str, description: &str| {
                    responses
                        .entry(status.to_owned())
                        .or_insert_with(|| error(description).into());
                };
                add(
                    "400",
                    "InvalidRequest or InvalidParameter: the request cannot be read",
                );
                if secured {
                    add("401", "Unauthorized: no valid bearer token");
                    add(
                        "403",
                        "Forbidden: the token may not do this (a viewer token for a change; an agent token for anything but its instance's authorized keys)",
                    );
                }
                if has_body {
                    add("413", "PayloadTooLarge: the body is over 64 KiB");
                }
                if has_parameter {
                    add(
                        "405",
                        "MethodNotAllowed: the path, with the ids given, names another route that does not take this method",
                    );
                }
                add(
                    "429",
                    "RateLimited: too many requests for this token; see `Retry-After`",
                );
                add(
                    "500",
                    "InternalError: something failed on the server; the log has the cause",
                );
                add(
                    "503",
                    "RequestTimeout: the request took too long and was abandoned; or DatabaseUnavailable: the connection to the database was lost (or none could be had). Either may have completed: check before retrying a write",
                );
            }
        }
    }
}

pub fn router() -> Router<AppState> {
    // Served without a token on purpose: tools (schemathesis, client generators) read it
    // before they have one, and it describes the API, not any data.
    Router::new().route("/openapi.json", get(get_openapi))
}

async fn get_openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
