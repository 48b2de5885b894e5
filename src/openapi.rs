//! The OpenAPI 3.1 document. Paths are collected from the `.service(...)` registrations in
//! `startup::build_app`; this adds the document's metadata, the bearer scheme and shared schemas.

use utoipa::openapi::schema::{Object, ObjectBuilder, Type};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::error::{FieldError, Problem};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "sls-case",
        description = "Case management for Hong Kong's Enhanced Supplementary Labour Scheme (ESLS): \
            employers, applications with vacancies, the scheme's rules as effective-dated policy and \
            versioned wage tables, the case workflow to a decision, and a tamper-evident audit trail.\n\n\
            Every error is an RFC 9457 `application/problem+json` document with a stable `type` \
            (see docs/errors.md). A path asked with a method it does not answer is 405             `method-not-allowed` with `Allow` (OPTIONS: 204 with `Allow`). Authenticate with a bearer             JWT (`sls-case token --role ROLE`).",
        license(name = "MIT OR Apache-2.0")
    ),
    components(schemas(Problem, FieldError)),
    modifiers(&BearerAuth),
    tags(
        (name = "operations", description = "Health, readiness and metrics"),
        (name = "reference data", description = "Designated job categories"),
        (name = "employers", description = "Applicant companies"),
        (name = "applications", description = "Cases: drafts, vacancies, lifecycle actions and history"),
        (name = "policy", description = "Effective-dated rule values"),
        (name = "wage tables", description = "Versioned median monthly wage tables"),
        (name = "recruitment", description = "Local recruitment: adverts, referrals, interview outcomes, job fairs"),
        (name = "decisions", description = "Rule checks, decision records, pre-submission check, wage benchmarks"),
        (name = "workers", description = "After approval: worker places, Standard Employment Contracts, visas, levy, arrivals, briefings, wages and compliance"),
        (name = "audit", description = "The tamper-evident audit trail: search, export, verification"),
        (name = "statistics", description = "Figures for any period"),
    )
)]
pub struct ApiDoc;

/// The schema of a domain enum (the domain knows nothing of OpenAPI): a string of one of `values`'
/// wire names.
pub fn enumeration<T: serde::Serialize>(values: &[T], description: &str) -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(values.iter().filter_map(|v| serde_json::to_value(v).ok())))
        .description(Some(description))
        .build()
}

/// Wire enums the document names, one function each (what `#[schema(schema_with = ...)]` takes).
pub mod enums {
    use utoipa::openapi::schema::Object;

    use super::enumeration;
    use crate::domain::casework::ReferralSource;
    use crate::domain::policy::Confidence;
    use crate::domain::worker::SeparationType;

    pub fn confidence() -> Object {
        enumeration(
            &Confidence::ALL,
            "How sure the source is: `firm`, `likely` or `assumption`.",
        )
    }

    pub fn referral_source() -> Object {
        enumeration(
            &ReferralSource::ALL,
            "How the job seeker came: referred by the Labour Department, an advert, a job fair or directly.",
        )
    }

    pub fn separation_type() -> Object {
        enumeration(&SeparationType::ALL, "How the employment ended.")
    }
}

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let mut scheme = Http::new(HttpAuthScheme::Bearer);
        scheme.bearer_format = Some("JWT".into());
        components.add_security_scheme("bearer", SecurityScheme::Http(scheme));
    }
}

/// The errors of a read of one resource by id: the same for every such endpoint.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)] // Only the OpenAPI document uses these types.
pub enum ReadOneErrors {
    #[response(
        status = 400,
        description = "The id is not a UUID, or a query parameter is invalid",
        content_type = "application/problem+json"
    )]
    BadRequest(Problem),
    #[response(
        status = 401,
        description = "No valid bearer token",
        content_type = "application/problem+json"
    )]
    Unauthenticated(Problem),
    #[response(
        status = 403,
        description = "Your role may not read this",
        content_type = "application/problem+json"
    )]
    Forbidden(Problem),
    #[response(
        status = 404,
        description = "No such resource, or not yours to see",
        content_type = "application/problem+json"
    )]
    NotFound(Problem),
    #[response(
        status = 503,
        description = "The database is unavailable",
        content_type = "application/problem+json"
    )]
    Unavailable(Problem),
}

/// The errors every write to one resource shares; each path adds its own 409 and 422.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)] // Only the OpenAPI document uses these types.
pub enum WriteErrors {
    #[response(
        status = 400,
        description = "A field is invalid (each one named), or the id is not a UUID",
        content_type = "application/problem+json"
    )]
    BadRequest(Problem),
    #[response(
        status = 401,
        description = "No valid bearer token",
        content_type = "application/problem+json"
    )]
    Unauthenticated(Problem),
    #[response(
        status = 403,
        description = "Your role may not do this",
        content_type = "application/problem+json"
    )]
    Forbidden(Problem),
    #[response(
        status = 404,
        description = "No such resource, or not yours to see",
        content_type = "application/problem+json"
    )]
    NotFound(Problem),
    #[response(
        status = 413,
        description = "The body is larger than the configured limit",
        content_type = "application/problem+json"
    )]
    PayloadTooLarge(Problem),
    #[response(
        status = 415,
        description = "The body is not JSON",
        content_type = "application/problem+json"
    )]
    UnsupportedMediaType(Problem),
    #[response(
        status = 503,
        description = "The database is unavailable",
        content_type = "application/problem+json"
    )]
    Unavailable(Problem),
}

/// The last touches on the assembled document, where the derive cannot reach: a description on every
/// response (one per status, said once here rather than on 160 attributes), the lifecycle actions a
/// person may take as the enum of `{action}`, read from the domain, and each request body's example
/// (its schema's) where clients and Swagger UI look for it.
pub fn finish(mut api: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    use utoipa::openapi::path::ParameterIn;
    use utoipa::openapi::{RefOr, Schema};

    let actions: Vec<&str> = crate::domain::ApplicationAction::ALL
        .into_iter()
        .filter(|a| a.is_requestable())
        .map(|a| a.as_str())
        .collect();
    let schema_examples: std::collections::HashMap<String, serde_json::Value> = api
        .components
        .iter()
        .flat_map(|components| &components.schemas)
        .filter_map(|(name, schema)| match schema {
            RefOr::T(Schema::Object(object)) => object
                .examples
                .first()
                .map(|example| (format!("#/components/schemas/{name}"), example.clone())),
            _ => None,
        })
        .collect();
    for item in api.paths.paths.values_mut() {
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ];
        for operation in operations.into_iter().flatten() {
            for (status, response) in &mut operation.responses.responses {
                if let RefOr::T(response) = response
                    && response.description.is_empty()
                {
                    response.description = response_description(status).to_owned();
                }
            }
            for parameter in operation.parameters.iter_mut().flatten() {
                if let RefOr::T(parameter) = parameter
                    && parameter.name == "action"
                    && parameter.parameter_in == ParameterIn::Path
                {
                    parameter.schema = Some(RefOr::T(Schema::Object(enumeration(
                        &actions,
                        "A lifecycle action a person takes (docs/lifecycle.md)",
                    ))));
                }
            }
            if let Some(RefOr::T(body)) = &mut operation.request_body {
                for content in body.content.values_mut() {
                    if let RefOr::T(content) = content
                        && content.example.is_none()
                        && let Some(RefOr::Ref(reference)) = &content.schema
                    {
                        content.example = schema_examples.get(&reference.ref_location).cloned();
                    }
                }
            }
        }
    }
    api
}

/// What a status means on every operation that does not say more.
fn response_description(status: &str) -> &'static str {
    match status {
        "200" => "OK",
        "201" => "Created",
        "204" => "No content",
        "400" => "Invalid field(s), each named in `errors`",
        "401" => "No valid bearer token",
        "403" => "Your role may not do this",
        "404" => "No such resource, or not yours to see",
        "405" => "This path does not answer this method (see `Allow`)",
        "406" => "None of the media types in `Accept` can be produced",
        "409" => "Conflicts with the resource's current state",
        "412" => "`If-Match` does not name the current version",
        "413" => "The body is larger than the service accepts",
        "415" => "The body is not in a media type this operation accepts",
        "422" => "A scheme rule is not met, or the Idempotency-Key was reused",
        "428" => "`If-Match` is required",
        "503" => "The database is unavailable; retry after `Retry-After` seconds",
        _ => "See docs/errors.md",
    }
}
