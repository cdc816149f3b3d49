//! The OpenAPI document of the HTTP API, generated from the handlers'
//! `#[utoipa::path]` annotations and the wire types' `ToSchema` derives.
//! Served at `GET /v1/openapi.json` and committed as `docs/openapi.json`;
//! a test fails when that file drifts. Regenerate with
//! `BORNE_WRITE_OPENAPI=1 cargo test -p borne-central openapi`.

use std::sync::LazyLock;

use axum::http::header;
use axum::response::IntoResponse;
use borne_protocol::{self as wire, API_VERSION, API_VERSION_HEADER};
use utoipa::openapi::path::{Operation, ParameterBuilder, ParameterIn};
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{
    ContentBuilder, HeaderBuilder, ObjectBuilder, OneOfBuilder, Ref, RefOr, Required, Schema, Type,
};
use utoipa::{Modify, OpenApi};

/// The security scheme of the kiosk routes: the device token from
/// `POST /v1/kiosks/enroll`, as `Authorization: Bearer <token>`.
pub(crate) const DEVICE_TOKEN: &str = "device_token";
/// The security scheme of `/v1/admin/*`: the administrator's token.
pub(crate) const ADMIN_TOKEN: &str = "admin_token";

#[derive(Debug, OpenApi)]
#[openapi(
    info(
        title = "Borne central API",
        version = API_VERSION,
        description = "The central server Borne kiosks sync to: one-time codes, logins, \
                       residents' profiles, offline registrations, kiosk enrollment. \
                       Every response carries `borne-api-version`; a request announcing \
                       another major version is refused with 400 `api.version_mismatch`. \
                       Errors are an `ErrorBody` whose `code` is stable. \
                       `/v1/admin/*` and `/metrics` are served only on the administration \
                       listener (`BORNE_ADMIN_LISTEN`, loopback by default), `/healthz` and \
                       `/readyz` on both, every other route only on the public listener; a \
                       route on the other listener is 404 `not_found`."
    ),
    paths(
        super::health::healthz,
        super::health::readyz,
        super::health::metrics,
        openapi_json,
        super::signup::signup,
        super::signup::login,
        super::signup::end_session,
        super::profile::get_profile,
        super::profile::put_profile,
        super::signup::delivery_status,
        super::registrations::ingest,
        super::registrations::decide_pending_change,
        super::kiosks::enroll,
        super::kiosks::heartbeat,
        super::updates::check,
        super::updates::file,
        super::twilio::status_callback,
        super::twilio::incoming_sms,
        super::twilio::gather,
        super::admin::unconfirmed,
        super::admin::resend_confirmation,
        super::residents::my_data,
        super::residents::delete_me,
        super::admin::contacts_csv,
    ),
    components(schemas(
        wire::Channel,
        wire::Language,
        wire::ContactType,
        wire::Consent,
        wire::SignupRequest,
        wire::SignupResponse,
        wire::Fallback,
        wire::DeliveryState,
        wire::DeliveryStatus,
        wire::LoginRequest,
        wire::LoginResponse,
        wire::Profile,
        wire::ContactPoint,
        wire::SavedProfile,
        wire::ResidentData,
        wire::ResidentAccount,
        wire::ConsentEntry,
        wire::SmsOptOut,
        wire::CodeDelivery,
        wire::OfflineRegistration,
        wire::PendingChangeEntry,
        wire::FieldError,
        wire::ErrorBody,
        wire::Registration,
        wire::RegistrationBatch,
        wire::IngestOutcome,
        wire::RegistrationResult,
        wire::RegistrationBatchResult,
        wire::PendingChange,
        wire::PendingDecision,
        wire::PendingDecisionResult,
        wire::EnrollRequest,
        wire::EnrollResponse,
        wire::KioskMode,
        wire::Heartbeat,
        wire::UpdateManifest,
        wire::Health,
        super::twilio::StatusCallbackForm,
        super::twilio::IncomingSmsForm,
        super::twilio::GatherForm,
        wire::UnconfirmedList,
        wire::UnconfirmedRegistration,
    )),
    modifiers(&SecuritySchemes, &TransportAnswers, &VersionHeader),
    tags(
        (name = "residents", description = "A resident at a kiosk: codes, login, profile"),
        (name = "registrations", description = "Registrations captured offline at a kiosk"),
        (name = "kiosks", description = "Kiosk enrollment, heartbeats and updates"),
        (name = "twilio", description = "Twilio's webhooks (form-encoded, signed)"),
        (name = "admin", description = "The town's administrator, on the administration listener only"),
        (name = "operations", description = "Probes (both listeners), metrics (administration listener) and this document (public listener)"),
    )
)]
pub struct ApiDoc;

/// Declares the bearer schemes the routes name.
#[derive(Debug)]
struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let bearer = |description: &str| {
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(description))
                    .build(),
            )
        };
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            DEVICE_TOKEN,
            bearer(
                "The kiosk's device token from `POST /v1/kiosks/enroll`. \
                 Missing or unknown: 401 `kiosk.unauthorized`; revoked: \
                 401 `kiosk.revoked`.",
            ),
        );
        components.add_security_scheme(
            ADMIN_TOKEN,
            bearer(
                "The administrator's token (`BORNE_ADMIN_TOKEN`). Missing or \
                 wrong: 401 `admin.unauthorized`; none configured: 404.",
            ),
        );
    }
}

/// The `api_version` middleware wraps every route: each operation may
/// announce its version, and each answer carries the server's.
#[derive(Debug)]
struct VersionHeader;

impl Modify for VersionHeader {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let string = || ObjectBuilder::new().schema_type(Type::String).build();
        for operation in operations_mut(openapi) {
            add_version_header(operation, &string);
        }
    }
}

/// Every operation of the document, whatever its method.
fn operations_mut(openapi: &mut utoipa::openapi::OpenApi) -> impl Iterator<Item = &mut Operation> {
    openapi.paths.paths.values_mut().flat_map(|item| {
        [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.options,
            &mut item.head,
            &mut item.patch,
            &mut item.trace,
        ]
        .into_iter()
        .flatten()
    })
}

fn add_version_header(operation: &mut Operation, string: &dyn Fn() -> utoipa::openapi::Object) {
    operation.parameters.get_or_insert_with(Vec::new).push(
        ParameterBuilder::new()
            .name(API_VERSION_HEADER)
            .parameter_in(ParameterIn::Header)
            .required(Required::False)
            .description(Some(format!(
                "The API version the client speaks, e.g. `{API_VERSION}`; \
                 another major version gets 400 `api.version_mismatch`."
            )))
            .schema(Some(string()))
            .build(),
    );
    for response in operation.responses.responses.values_mut() {
        if let RefOr::T(response) = response {
            response.headers.insert(
                API_VERSION_HEADER.to_owned(),
                HeaderBuilder::new()
                    .schema(string())
                    .description(Some(format!(
                        "The API version that answered (`{API_VERSION}`)."
                    )))
                    .build(),
            );
        }
    }
}

/// The transport's answers (`http/transport.rs`, the argon2 gate) can
/// come from every operation: each gets 408 `request.timeout`, 413
/// `request.too_large` and 503 `server.timeout`. An operation that
/// already answers 503 (`server.busy`, `/readyz`'s not ready) gets the
/// timeout added to it.
#[derive(Debug)]
struct TransportAnswers;

const REQUEST_TIMEOUT: &str = "`request.timeout`: the body did not fully arrive within \
     `BORNE_HTTP_BODY_TIMEOUT_SECONDS`; the connection is closed";
const TOO_LARGE: &str = "`request.too_large`: the body is over the route's limit \
     (`BORNE_HTTP_BODY_LIMIT_BYTES`; `BORNE_HTTP_BATCH_BODY_LIMIT_BYTES` for \
     `POST /v1/registrations`); the connection is closed";
const SERVER_TIMEOUT: &str = "`server.timeout`: no answer within \
     `BORNE_HTTP_REQUEST_TIMEOUT_SECONDS`; retry after `Retry-After`";

impl Modify for TransportAnswers {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let error_body = || RefOr::Ref(Ref::from_schema_name("ErrorBody"));
        let json = |schema: RefOr<Schema>| ContentBuilder::new().schema(Some(schema)).build();
        let retry_after = |description: &str| {
            HeaderBuilder::new()
                .schema(ObjectBuilder::new().schema_type(Type::Integer).build())
                .description(Some(description))
                .build()
        };
        for operation in operations_mut(openapi) {
            let responses = &mut operation.responses.responses;
            for (status, description) in [("408", REQUEST_TIMEOUT), ("413", TOO_LARGE)] {
                responses.entry(status.to_owned()).or_insert_with(|| {
                    ResponseBuilder::new()
                        .description(description)
                        .content("application/json", json(error_body()))
                        .build()
                        .into()
                });
            }
            match responses.get_mut("503") {
                Some(RefOr::T(unavailable)) => {
                    unavailable.description = format!(
                        "{}; or {SERVER_TIMEOUT} (an `ErrorBody`)",
                        unavailable.description
                    );
                    for content in unavailable.content.values_mut() {
                        let is_error_body = matches!(
                            &content.schema,
                            Some(RefOr::Ref(r)) if r.ref_location.ends_with("/ErrorBody")
                        );
                        if is_error_body {
                            continue;
                        }
                        if let Some(schema) = content.schema.take() {
                            content.schema =
                                Some(OneOfBuilder::new().item(schema).item(error_body()).into());
                        }
                    }
                    unavailable
                        .headers
                        .entry("Retry-After".to_owned())
                        .or_insert_with(|| {
                            retry_after(
                                "With `server.timeout`: seconds to wait, as `retry_after_seconds`",
                            )
                        });
                }
                Some(RefOr::Ref(_)) => {}
                None => {
                    responses.insert(
                        "503".to_owned(),
                        ResponseBuilder::new()
                            .description(SERVER_TIMEOUT)
                            .content("application/json", json(error_body()))
                            .header(
                                "Retry-After",
                                retry_after("Seconds to wait, as `retry_after_seconds`"),
                            )
                            .build()
                            .into(),
                    );
                }
            }
        }
    }
}

/// The document, as committed in `docs/openapi.json`: pretty JSON and a
/// trailing newline.
pub fn openapi_json_text() -> String {
    let mut text = ApiDoc::openapi()
        .to_pretty_json()
        .expect("the OpenAPI document serializes");
    text.push('\n');
    text
}

static DOCUMENT: LazyLock<String> = LazyLock::new(openapi_json_text);

/// This document.
#[utoipa::path(
    get,
    path = "/v1/openapi.json",
    tag = "operations",
    responses(
        (status = 200, description = "The OpenAPI 3.1 document of this API", body = Object),
        (status = 400, description = "`api.version_mismatch`", body = wire::ErrorBody),
    )
)]
pub(super) async fn openapi_json() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json")],
        DOCUMENT.as_str(),
    )
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use borne_protocol::{API_VERSION_HEADER, SESSION_HEADER};

    /// What `docs/openapi.json` held when this crate was compiled.
    const COMMITTED: &str = include_str!("../../../../docs/openapi.json");

    #[test]
    fn openapi_matches_the_committed_file() {
        let fresh = super::openapi_json_text();
        let committed = if std::env::var_os("BORNE_WRITE_OPENAPI").is_some() {
            let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/openapi.json");
            std::fs::write(&path, &fresh).unwrap();
            std::fs::read_to_string(&path).unwrap()
        } else {
            COMMITTED.to_owned()
        };
        assert!(
            committed == fresh,
            "docs/openapi.json is out of date: run \
             `BORNE_WRITE_OPENAPI=1 cargo test -p borne-central openapi`"
        );
    }

    #[test]
    fn openapi_names_the_protocol_headers() {
        let doc: serde_json::Value = serde_json::from_str(&super::openapi_json_text()).unwrap();
        let header_names = |path: &str, method: &str| -> Vec<String> {
            doc["paths"][path][method]["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|p| p["in"] == "header")
                .filter_map(|p| p["name"].as_str().map(str::to_owned))
                .collect()
        };
        for (path, method) in [
            ("/v1/profile", "get"),
            ("/v1/profile", "put"),
            ("/v1/pending-changes/{id}", "post"),
            ("/v1/me", "get"),
            ("/v1/me", "delete"),
            ("/v1/session", "delete"),
        ] {
            let names = header_names(path, method);
            assert!(
                names.iter().any(|n| n == SESSION_HEADER),
                "{path} {names:?}"
            );
        }
        assert!(header_names("/healthz", "get")
            .iter()
            .any(|n| n == API_VERSION_HEADER));
        assert!(doc["components"]["securitySchemes"][super::DEVICE_TOKEN].is_object());
    }

    #[test]
    fn every_operation_documents_the_transport_answers() {
        let doc: serde_json::Value = serde_json::from_str(&super::openapi_json_text()).unwrap();
        let mut operations = 0;
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, operation) in item.as_object().unwrap() {
                operations += 1;
                for status in ["408", "413", "503"] {
                    let response = &operation["responses"][status];
                    assert!(response.is_object(), "{method} {path}: no {status}");
                    assert!(
                        response["headers"][API_VERSION_HEADER].is_object(),
                        "{method} {path} {status}: no version header"
                    );
                }
                let unavailable = operation["responses"]["503"]["description"]
                    .as_str()
                    .unwrap();
                assert!(unavailable.contains("server.timeout"), "{method} {path}");
            }
        }
        assert!(operations > 20, "{operations}");
        for path in ["/v1/signup", "/v1/login"] {
            let busy = &doc["paths"][path]["post"]["responses"]["503"];
            assert!(
                busy["description"]
                    .as_str()
                    .unwrap()
                    .contains("server.busy"),
                "{busy}"
            );
            assert!(busy["headers"]["Retry-After"].is_object(), "{busy}");
            assert_eq!(
                busy["content"]["application/json"]["schema"]["$ref"],
                "#/components/schemas/ErrorBody"
            );
        }
        let not_ready = &doc["paths"]["/readyz"]["get"]["responses"]["503"];
        let one_of = &not_ready["content"]["application/json"]["schema"]["oneOf"];
        assert_eq!(one_of.as_array().map(Vec::len), Some(2), "{not_ready}");
    }
}
