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
            (see docs/errors.md). A path asked with a method it does not answer is 405 \
            `method-not-allowed` with `Allow` (OPTIONS: 204 with `Allow`). Authenticate with a bearer \
            JWT (`sls-case token --role ROLE`).",
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
        (name = "consultation", description = "Labour Advisory Board consultation: packages, members' views, working-day windows"),
        (name = "inspections", description = "Complaints, inspections and their findings"),
        (name = "agencies", description = "Employment agencies an employer authorises"),
        (name = "immigration", description = "Events from the Immigration Department's system"),
        (name = "documents", description = "Evidence attached to employers, applications, workers and complaints"),
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

/// Schemas the derive cannot write, one function each (what `#[schema(schema_with = ...)]` takes).
pub mod schemas {
    use utoipa::openapi::schema::{Array, ArrayBuilder, ObjectBuilder, Type};

    /// Workplace addresses: 1 to 20, each 1 to 500 characters and not blank (`validate::addresses`).
    pub fn addresses() -> Array {
        ArrayBuilder::new()
            .items(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .min_length(Some(1))
                    .max_length(Some(500))
                    .pattern(Some("\\S")),
            )
            .min_items(Some(1))
            .max_items(Some(20))
            .examples([serde_json::json!(["G/F, 8 Nathan Road, Tsim Sha Tsui"])])
            .description(Some("One or more workplaces."))
            .build()
    }
}

/// Wire enums the document names, one function each (what `#[schema(schema_with = ...)]` takes).
pub mod enums {
    use strum::VariantArray;
    use utoipa::openapi::schema::{Array, ArrayBuilder, Object, SchemaType, Type};

    use super::enumeration;
    use crate::domain::application::ApplicationType;
    use crate::domain::casework::{RecordKind, ReferralSource};
    use crate::domain::compliance::ObligationKind;
    use crate::domain::policy::Confidence;
    use crate::domain::rules::contract::Accommodation;
    use crate::domain::rules::decision::{DecisionOutcome, ReasonCode};
    use crate::domain::rules::recruitment::InterviewOutcome;
    use crate::domain::worker::{BriefingStanding, DeductionKind, PlaceState, SeparationType, WageFlag};
    use crate::domain::{ApplicationAction, ApplicationStatus};

    fn list(item: Object) -> Array {
        ArrayBuilder::new().items(item).build()
    }

    /// For an `Option` field: the value, or `null`.
    fn or_null(mut object: Object) -> Object {
        object.schema_type = SchemaType::Array(vec![Type::String, Type::Null]);
        if let Some(values) = &mut object.enum_values {
            values.push(serde_json::Value::Null);
        }
        object
    }

    /// For an `Option<Vec<_>>` field: the list, or `null`.
    fn list_or_null(mut array: Array) -> Array {
        array.schema_type = SchemaType::Array(vec![Type::Array, Type::Null]);
        array
    }

    pub fn application_type_or_null() -> Object {
        or_null(application_type())
    }

    /// A refusal's reasons as sent: 1 to 6 of them, or none for other actions.
    pub fn reason_codes_or_null() -> Array {
        let mut array = list_or_null(reason_codes());
        array.min_items = Some(1);
        array.max_items = Some(ReasonCode::ALL.len());
        array
    }

    pub fn decision_outcome_or_null() -> Object {
        or_null(decision_outcome())
    }

    pub fn interview_outcome_or_null() -> Object {
        or_null(interview_outcome())
    }

    pub fn briefing_standing_or_null() -> Object {
        or_null(briefing_standing())
    }

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

    pub fn json_or_csv() -> Object {
        enumeration(
            crate::http::representation::TableFormat::VARIANTS,
            "The representation: `json`, or `csv` for a spreadsheet (overrides `Accept`).",
        )
    }

    pub fn ndjson_or_csv() -> Object {
        enumeration(
            crate::http::representation::ExportFormat::VARIANTS,
            "The representation: `ndjson`, or `csv` for a spreadsheet (overrides `Accept`).",
        )
    }

    pub fn language() -> Object {
        enumeration(
            crate::domain::notification::Language::VARIANTS,
            "`en` (English) or `zh-HK` (Traditional Chinese, Hong Kong).",
        )
    }

    pub fn queue_name() -> Object {
        enumeration(
            crate::http::work::QueueName::VARIANTS,
            "`mine`, `unassigned` or `breached`.",
        )
    }

    pub fn job_state() -> Object {
        enumeration(crate::http::notifications::JobState::VARIANTS, "A job's state.")
    }

    pub fn application_sort() -> Object {
        enumeration(
            crate::http::applications::ApplicationSort::VARIANTS,
            "`created` (newest first) or `sla_due` (soonest SLA due date first).",
        )
    }

    pub fn application_status() -> Object {
        enumeration(
            &ApplicationStatus::ALL,
            "A status of the case lifecycle (docs/lifecycle.md).",
        )
    }

    pub fn stance() -> Object {
        enumeration(
            <crate::domain::consultation::Stance as strum::VariantArray>::VARIANTS,
            "A LAB member's view: `SUPPORT`, `OBJECT`, or `COMMENT` (no side taken).",
        )
    }

    pub fn complaint_channel() -> Object {
        enumeration(
            <crate::domain::inspection::Channel as strum::VariantArray>::VARIANTS,
            "How the complaint arrived (R-CMP-1); `DISPLACEMENT_REVIEW`: raised by the service (R-RAT-6).",
        )
    }

    pub fn complaint_subject() -> Object {
        enumeration(
            <crate::domain::inspection::Subject as strum::VariantArray>::VARIANTS,
            "What the complaint or finding is about (R-CMP-1).",
        )
    }

    pub fn complainant_kind() -> Object {
        enumeration(
            <crate::domain::inspection::ComplainantKind as strum::VariantArray>::VARIANTS,
            "Who complained; `SERVICE` for the service's own reviews.",
        )
    }

    pub fn complaint_status() -> Object {
        enumeration(
            <crate::domain::inspection::ComplaintStatus as strum::VariantArray>::VARIANTS,
            "RECEIVED → UNDER_INVESTIGATION → SUBSTANTIATED | UNSUBSTANTIATED | INSUFFICIENT_EVIDENCE.",
        )
    }

    pub fn document_kind() -> Object {
        enumeration(
            <crate::domain::documents::DocumentKind as strum::VariantArray>::VARIANTS,
            "What the document is evidence of.",
        )
    }

    pub fn application_type() -> Object {
        enumeration(
            ApplicationType::VARIANTS,
            "`NEW`, or `RENEWAL` of existing workers' contracts (exempt from the six-month bar).",
        )
    }

    pub fn application_actions() -> Array {
        list(enumeration(&ApplicationAction::ALL, "A lifecycle action."))
    }

    pub fn obligation_kind() -> Object {
        enumeration(ObligationKind::VARIANTS, "What an employer owes for a worker place.")
    }

    pub fn reason_codes() -> Array {
        list(enumeration(&ReasonCode::ALL, "A reason for refusal (R-DEC-1)."))
    }

    pub fn record_kind() -> Object {
        enumeration(
            RecordKind::VARIANTS,
            "Which evaluation of the rules the record keeps: at submission, after recruitment, the recommendation or the decision.",
        )
    }

    pub fn decision_outcome() -> Object {
        enumeration(DecisionOutcome::VARIANTS, "What was decided.")
    }

    pub fn interview_outcome() -> Object {
        enumeration(
            InterviewOutcome::VARIANTS,
            "How the interview of a referred job seeker ended.",
        )
    }

    pub fn accommodation() -> Object {
        enumeration(
            Accommodation::VARIANTS,
            "Where the worker lives: provided by the employer in Hong Kong or on the Mainland, or the worker's own Mainland residence.",
        )
    }

    pub fn place_state() -> Object {
        enumeration(&PlaceState::ALL, "Where a worker place stands today (docs/workers.md).")
    }

    pub fn briefing_standing() -> Object {
        enumeration(
            BriefingStanding::VARIANTS,
            "Whether the employment-rights briefing was attended (on time or late), is due or is overdue.",
        )
    }

    pub fn deduction_kind() -> Object {
        enumeration(
            DeductionKind::VARIANTS,
            "What a deduction is for. Meals, agents' fees and rebates may not be deducted at all (R-WAGE-5).",
        )
    }

    pub fn wage_flags() -> Array {
        list(enumeration(
            WageFlag::VARIANTS,
            "What was found irregular in a month's wages.",
        ))
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
    for schema in api.components.iter_mut().flat_map(|c| c.schemas.values_mut()) {
        storable_text(schema);
    }
    for item in api.paths.paths.values_mut() {
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ];
        for operation in operations.into_iter().flatten() {
            not_acceptable(operation);
            for (status, response) in &mut operation.responses.responses {
                if let RefOr::T(response) = response
                    && response.description.is_empty()
                {
                    response.description = response_description(status).to_owned();
                }
            }
            for parameter in operation.parameters.iter_mut().flatten() {
                let RefOr::T(parameter) = parameter else { continue };
                let schema = match (&parameter.parameter_in, parameter.name.as_str()) {
                    (ParameterIn::Path, "action") => {
                        enumeration(&actions, "A lifecycle action a person takes (docs/lifecycle.md)")
                    }
                    (ParameterIn::Query, _) => {
                        parameter.schema.iter_mut().for_each(storable_text);
                        continue;
                    }
                    // As `http::write` reads them: visible ASCII, the key 1 to 200 characters once trimmed.
                    (ParameterIn::Header, "Idempotency-Key") => header_text(
                        "^[\\t ]*[!-~](?:[\\t -~]{0,198}[!-~])?[\\t ]*$",
                        "1 to 200 visible ASCII characters, unique per intended change",
                    ),
                    // An empty list is an If-Match that names no version (RFC 9110 `#entity-tag`): 412.
                    (ParameterIn::Header, "If-Match") => {
                        header_text("^[\\t -~]*$", "`*`, or the ETag(s) last read, e.g. \"3\"")
                    }
                    _ => continue,
                };
                parameter.schema = Some(RefOr::T(Schema::Object(schema)));
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

/// Every operation that answers with a body can answer 406 (`http::representation` checks `Accept`
/// against the media types of its success responses, for every operation alike).
fn not_acceptable(operation: &mut utoipa::openapi::path::Operation) {
    use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
    let has_body =
        operation.responses.responses.iter().any(|(status, response)| {
            status.starts_with('2') && matches!(response, RefOr::T(r) if !r.content.is_empty())
        });
    if has_body && !operation.responses.responses.contains_key("406") {
        let problem = ContentBuilder::new()
            .schema(Some(Ref::from_schema_name("Problem")))
            .build();
        let response = ResponseBuilder::new()
            .description(response_description("406"))
            .content(crate::error::PROBLEM_JSON, problem)
            .build();
        operation
            .responses
            .responses
            .insert("406".to_owned(), RefOr::T(response));
    }
}

/// The white space Rust's `str::trim` (and so `validate::not_blank`) removes, as a regex class body.
const WHITE_SPACE: &str = "\\t-\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";

/// Says of every free text what the service holds it to (`http::extract` refuses the NUL character;
/// `validate::not_blank`, marked `pattern = "\\S"` on the field, wants a character `trim` keeps), in
/// patterns ECMAScript and Python read alike.
fn storable_text(schema: &mut utoipa::openapi::RefOr<utoipa::openapi::Schema>) {
    use utoipa::openapi::schema::{AdditionalProperties, ArrayItems, SchemaType};
    use utoipa::openapi::{RefOr, Schema};
    let RefOr::T(schema) = schema else { return };
    match schema {
        Schema::Object(object) => {
            let is_text = match &object.schema_type {
                SchemaType::Type(t) => *t == Type::String,
                SchemaType::Array(types) => types.contains(&Type::String),
                SchemaType::AnyValue => false,
            };
            if is_text && object.format.is_none() && object.enum_values.is_none() {
                match object.pattern.as_deref() {
                    None => object.pattern = Some("^[^\\u0000]*$".to_owned()),
                    Some("\\S") => object.pattern = Some(format!("^[^\\u0000]*[^\\u0000{WHITE_SPACE}][^\\u0000]*$")),
                    Some(_) => {}
                }
            }
            object.properties.values_mut().for_each(storable_text);
            if let Some(additional) = &mut object.additional_properties
                && let AdditionalProperties::RefOr(inner) = additional.as_mut()
            {
                storable_text(inner);
            }
        }
        Schema::Array(array) => {
            if let ArrayItems::RefOrSchema(items) = &mut array.items {
                storable_text(items);
            }
        }
        Schema::OneOf(one) => one.items.iter_mut().for_each(storable_text),
        Schema::AllOf(all) => all.items.iter_mut().for_each(storable_text),
        Schema::AnyOf(any) => any.items.iter_mut().for_each(storable_text),
        _ => {}
    }
}

/// A header's text, as a schema.
fn header_text(pattern: &str, description: &str) -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(pattern))
        .description(Some(description))
        .build()
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
