//! Request parsing that turns every malformed input into a problem naming the field.
//!
//! actix's own `Json`/`Query` extractors answer with serde's raw messages. Here the body is read first
//! (size and media type checked), and parsed only when the handler asks, *after* its role check, so a
//! caller without the right role never learns anything from validation errors.

use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::web::{Bytes, BytesMut};
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use futures_util::StreamExt;
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;
use validator::{Validate, ValidationErrors, ValidationErrorsKind};

use super::json_objects::ObjectsOnly;
use crate::error::{ApiError, FieldError};
use crate::workflow::{Cursor, IfMatch};

/// Limits for request bodies, shared as app data.
#[derive(Debug, Clone, Copy)]
pub struct BodyLimits {
    pub max_bytes: usize,
    /// The largest document an upload may stream in (`SLS_DOCUMENT_MAX_BYTES`).
    pub document_max_bytes: usize,
}

impl BodyLimits {
    /// The default document limit: 20 MiB, a scanned contract or a quarter's MPF statements.
    pub const DOCUMENT_MAX_BYTES: usize = 20 * 1024 * 1024;
}

/// A JSON request body, read but not yet parsed. An empty body is kept as empty.
#[derive(Debug)]
pub struct JsonBody(Bytes);

impl JsonBody {
    /// The raw body, e.g. to fingerprint a request.
    pub fn bytes(&self) -> &[u8] {
        &self.0
    }

    /// Parses and validates the body as `T`.
    pub fn parse<T: DeserializeOwned + Validate>(&self) -> Result<T, ApiError> {
        self.parse_checked(|_, _| {})
    }

    /// Parses and validates the body as `T`, adding the field checks `check` makes (those that need
    /// more than the field itself, e.g. today's date), so every invalid field is named in one answer.
    pub fn parse_checked<T: DeserializeOwned + Validate>(
        &self,
        check: impl FnOnce(&T, &mut Vec<FieldError>),
    ) -> Result<T, ApiError> {
        if self.0.is_empty() {
            return Err(ApiError::MalformedBody(
                "The request body is empty; send a JSON object.".into(),
            ));
        }
        let value: T = deserialize_json(&self.0)?;
        let mut errors = value.validate().err().map_or_else(Vec::new, |e| field_errors(&e));
        check(&value, &mut errors);
        if errors.is_empty() {
            Ok(value)
        } else {
            Err(ApiError::Validation(errors))
        }
    }

    /// Parses and validates the body as `T`, or gives `T::default()` when no body was sent (nothing, or
    /// JSON `null`).
    pub fn parse_or_default<T: DeserializeOwned + Validate + Default>(&self) -> Result<T, ApiError> {
        let text = self.0.trim_ascii();
        if text.is_empty() || text == b"null" {
            return Ok(T::default());
        }
        self.parse()
    }
}

impl FromRequest for JsonBody {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = RawBody::from_request(req, payload);
        Box::pin(async move {
            let body = body.await?;
            // A blank body needs no media type (bodiless actions); anything else must say it is JSON.
            if !body.is_blank() && body.media != BodyMedia::Json {
                return Err(ApiError::UnsupportedMediaType);
            }
            Ok(JsonBody(body.bytes))
        })
    }
}

/// The media types a body can be read as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyMedia {
    Json,
    Csv,
    Other,
}

/// A request body read within the size limit, with its media type; for endpoints taking JSON or CSV.
#[derive(Debug)]
pub struct RawBody {
    pub bytes: Bytes,
    pub media: BodyMedia,
}

impl RawBody {
    pub fn is_blank(&self) -> bool {
        self.bytes.iter().all(u8::is_ascii_whitespace)
    }

    /// The body as JSON, parsed and validated (as [`JsonBody::parse`]).
    pub fn parse_json<T: DeserializeOwned + Validate>(&self) -> Result<T, ApiError> {
        JsonBody(self.bytes.clone()).parse()
    }
}

impl FromRequest for RawBody {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let limit = req
            .app_data::<web::Data<BodyLimits>>()
            .map_or(256 * 1024, |l| l.max_bytes);
        let declared_len = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        let media = match req.mime_type() {
            Ok(Some(mime)) if mime.subtype() == mime::JSON || mime.suffix() == Some(mime::JSON) => BodyMedia::Json,
            Ok(Some(mime)) if mime.type_() == mime::TEXT && mime.subtype() == mime::CSV => BodyMedia::Csv,
            _ => BodyMedia::Other,
        };
        let mut payload = payload.take();
        Box::pin(async move {
            if declared_len.is_some_and(|len| len > limit) {
                return Err(ApiError::PayloadTooLarge { limit });
            }
            let mut body = BytesMut::new();
            while let Some(chunk) = payload.next().await {
                let chunk = chunk.map_err(|_| ApiError::MalformedBody("The request body could not be read.".into()))?;
                if body.len() + chunk.len() > limit {
                    return Err(ApiError::PayloadTooLarge { limit });
                }
                body.extend_from_slice(&chunk);
            }
            Ok(RawBody {
                bytes: body.freeze(),
                media,
            })
        })
    }
}

/// Query parameters, parsed and validated with each failing parameter named.
#[derive(Debug)]
pub struct QueryParams<T>(pub T);

impl<T: DeserializeOwned + Validate> FromRequest for QueryParams<T> {
    type Error = ApiError;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(parse_query(req.query_string()).map(QueryParams))
    }
}

pub fn parse_query<T: DeserializeOwned + Validate>(query: &str) -> Result<T, ApiError> {
    let mut unstorable = Vec::new();
    for (name, value) in form_urlencoded::parse(query.as_bytes()) {
        check_storable(&name.replace('\0', "\\u0000"), &name, &mut unstorable);
        check_storable(&name.replace('\0', "\\u0000"), &value, &mut unstorable);
    }
    if !unstorable.is_empty() {
        return Err(ApiError::Validation(unstorable));
    }
    let deserializer = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
    let value: T = serde_path_to_error::deserialize(deserializer).map_err(|err| {
        let path = err.path().to_string();
        ApiError::Validation(vec![describe_data_error(&path, &err.into_inner().to_string())])
    })?;
    value
        .validate()
        .map_err(|errors| ApiError::Validation(field_errors(&errors)))?;
    Ok(value)
}

/// Refuses, by field, text PostgreSQL cannot store: the NUL character. One place for every body and
/// query string, before any field is used.
fn check_storable(field: &str, text: &str, errors: &mut Vec<FieldError>) {
    if text.contains('\0') {
        errors.push(FieldError::new(field, "must not contain the NUL character (\\u0000)"));
    }
}

/// Every string (and object key) of a JSON document, checked by [`check_storable`] under its path
/// (`vacancies[0].duties`, as serde names fields).
fn check_storable_json(value: &serde_json::Value, path: &str, errors: &mut Vec<FieldError>) {
    use serde_json::Value;
    let field = if path.is_empty() { "body" } else { path };
    match value {
        Value::String(text) => check_storable(field, text, errors),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                check_storable_json(item, &format!("{path}[{i}]"), errors);
            }
        }
        Value::Object(map) => {
            for (key, item) in map {
                let printable = key.replace('\0', "\\u0000");
                let child = if path.is_empty() {
                    printable
                } else {
                    format!("{path}.{printable}")
                };
                check_storable(&child, key, errors);
                check_storable_json(item, &child, errors);
            }
        }
        _ => {}
    }
}

fn deserialize_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut document: serde_json::Value = serde_json::from_slice(bytes).map_err(|err| {
        ApiError::MalformedBody(match err.classify() {
            serde_json::error::Category::Syntax if err.to_string().contains("trailing characters") => {
                "The request body has trailing characters after the JSON value.".to_owned()
            }
            _ => format!(
                "The request body is not valid JSON (line {}, column {}).",
                err.line(),
                err.column()
            ),
        })
    })?;
    // A repeated key would be read as its last value here and maybe as its first by a proxy in front:
    // refused, so what is checked is what is stored.
    serde_json::from_slice::<UniqueKeys>(bytes).map_err(|err| {
        let key = err.to_string();
        let key = key.split('`').nth(1).unwrap_or_default().to_owned();
        ApiError::Validation(vec![FieldError::new(
            if key.is_empty() {
                "body".to_owned()
            } else {
                key.replace('\0', "\\u0000")
            },
            "is given more than once",
        )])
    })?;
    whole_numbers_as_integers(&mut document);
    let mut unstorable = Vec::new();
    check_storable_json(&document, "", &mut unstorable);
    let typed = serde_path_to_error::deserialize(ObjectsOnly(document)).map_err(|err| {
        let path = err.path().to_string();
        vec![describe_data_error(&path, &err.into_inner().to_string())]
    });
    match typed {
        Ok(value) if unstorable.is_empty() => Ok(value),
        Ok(_) => Err(ApiError::Validation(unstorable)),
        Err(mut shape) => {
            unstorable.append(&mut shape);
            Err(ApiError::Validation(unstorable))
        }
    }
}

/// For an `Option` field that may be left out but never sent as `null` (`#[serde(default,
/// deserialize_with = "present")]`): `null` is refused as the field's type error.
pub fn present<'de, D: serde::Deserializer<'de>, T: serde::Deserialize<'de>>(
    deserializer: D,
) -> Result<Option<T>, D::Error> {
    T::deserialize(deserializer).map(Some)
}

/// JSON Schema counts `3.0` as an integer, so a client may send it for one: read as `3`.
fn whole_numbers_as_integers(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::Number(number) if !number.is_i64() && !number.is_u64() => {
            if let Some(float) = number.as_f64()
                && float.fract() == 0.0
                && float.abs() < 9.0e15
            {
                // Below 2^53 every whole float is exact, so the cast loses nothing.
                *value = Value::from(float as i64);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(whole_numbers_as_integers),
        Value::Object(map) => map.values_mut().for_each(whole_numbers_as_integers),
        _ => {}
    }
}

/// Reads a JSON document only to refuse an object that repeats a key (its error names the key).
struct UniqueKeys;

impl<'de> serde::Deserialize<'de> for UniqueKeys {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(UniqueKeysVisitor)
    }
}

struct UniqueKeysVisitor;

impl<'de> serde::de::Visitor<'de> for UniqueKeysVisitor {
    type Value = UniqueKeys;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<UniqueKeys, A::Error> {
        let mut seen = std::collections::HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            if !seen.insert(key.clone()) {
                return Err(serde::de::Error::custom(format!("repeated key `{key}`")));
            }
            map.next_value::<UniqueKeys>()?;
        }
        Ok(UniqueKeys)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<UniqueKeys, A::Error> {
        while seq.next_element::<UniqueKeys>()?.is_some() {}
        Ok(UniqueKeys)
    }

    fn visit_bool<E>(self, _: bool) -> Result<UniqueKeys, E> {
        Ok(UniqueKeys)
    }

    fn visit_i64<E>(self, _: i64) -> Result<UniqueKeys, E> {
        Ok(UniqueKeys)
    }

    fn visit_u64<E>(self, _: u64) -> Result<UniqueKeys, E> {
        Ok(UniqueKeys)
    }

    fn visit_f64<E>(self, _: f64) -> Result<UniqueKeys, E> {
        Ok(UniqueKeys)
    }

    fn visit_str<E>(self, _: &str) -> Result<UniqueKeys, E> {
        Ok(UniqueKeys)
    }

    fn visit_unit<E>(self) -> Result<UniqueKeys, E> {
        Ok(UniqueKeys)
    }
}

/// Turns serde's message about one value into a field and a plain reason, without echoing the input.
fn describe_data_error(path: &str, message: &str) -> FieldError {
    // A key holding the NUL character is named with it escaped, as the NUL check names it: a field name
    // in a problem is text like any other, and never carries a byte PostgreSQL or a client cannot hold.
    let (path, message) = (path.replace('\0', "\\u0000"), message.replace('\0', "\\u0000"));
    let (path, message) = (path.as_str(), message.as_str());
    // serde_json appends the position; the field path already says where.
    let message = message.split(" at line ").next().unwrap_or(message);
    // serde_path_to_error has already stepped into an unknown key, but not into a missing one.
    let join = |name: &str| match path {
        "." | "" => name.to_owned(),
        p if p == name || p.ends_with(&format!(".{name}")) => p.to_owned(),
        p => format!("{p}.{name}"),
    };
    let quoted = |s: &str| s.split('`').nth(1).map(str::to_owned);
    let field = if path == "." {
        "body".to_owned()
    } else {
        path.to_owned()
    };

    if message.starts_with("missing field") {
        let name = quoted(message).unwrap_or_default();
        return FieldError::new(join(&name), "is required");
    }
    if message.starts_with("unknown field") {
        let name = quoted(message).unwrap_or_default();
        return FieldError::new(join(&name), "is not a recognised field");
    }
    if message.starts_with("unknown variant") {
        let allowed: Vec<&str> = message
            .split("expected ")
            .nth(1)
            .map(|rest| rest.split('`').skip(1).step_by(2).collect())
            .unwrap_or_default();
        let reason = if allowed.is_empty() {
            "is not an allowed value".to_owned()
        } else {
            format!("must be one of {}", allowed.join(", "))
        };
        return FieldError::new(field, reason);
    }
    let expected = message.rsplit("expected ").next().unwrap_or_default();
    let reason = if message.starts_with("invalid type") || message.starts_with("invalid value") {
        match expected {
            e if e.starts_with('u') && e[1..].parse::<u8>().is_ok() => "must be a whole number, zero or more",
            e if e.starts_with('i') && e[1..].parse::<u8>().is_ok() => "must be a whole number",
            e if e.starts_with('f') && e[1..].parse::<u8>().is_ok() => "must be a number",
            "a string" | "a borrowed string" => "must be a string",
            "a boolean" => "must be true or false",
            "a sequence" => "must be an array",
            e if e.starts_with("struct") || e.starts_with("a map") => "must be an object",
            e if e.contains("UUID") || e.contains("uuid") => "must be a UUID",
            _ => "has the wrong type",
        }
    } else if message.contains("UUID") || message.contains("uuid") {
        "must be a UUID"
    } else if message.contains("premature end")
        || message.contains("input contains invalid characters")
        || message.contains("input is out of range")
        || message.contains("trailing input")
        || message.contains("input is not enough for unique date and time")
        || message.contains("no possible date and time matching input")
    {
        // chrono's messages: the only free-form strings parsed by serde here are dates and instants.
        // Instants are named `from`, `to`, `as_of` or `*_at`; every other is a Hong Kong date.
        let name = field.rsplit('.').next().unwrap_or(&field);
        if matches!(name, "from" | "to" | "as_of") || name.ends_with("_at") {
            "must be an instant in RFC 3339, e.g. 2026-03-02T10:00:00+08:00"
        } else {
            "must be a date as YYYY-MM-DD (a Hong Kong calendar date), e.g. 2026-03-02"
        }
    } else if message.contains("invalid digit") || message.contains("cannot parse integer") {
        "must be a whole number"
    } else if message.contains("invalid float") {
        "must be a number"
    } else if message.contains("invalid length") {
        "has the wrong number of items"
    } else {
        "has an invalid value"
    };
    FieldError::new(field, reason)
}

/// Flattens validator's nested errors into `path: reason` pairs, sorted by path.
pub fn field_errors(errors: &ValidationErrors) -> Vec<FieldError> {
    let mut out = Vec::new();
    collect(errors, "", &mut out);
    out.sort_by(|a, b| a.field.cmp(&b.field));
    out
}

fn collect(errors: &ValidationErrors, prefix: &str, out: &mut Vec<FieldError>) {
    for (field, kind) in errors.errors() {
        // validator names struct-level (cross-field) errors `__all__`; to a client that is the object itself.
        let field = if field == "__all__" { "body" } else { field.as_ref() };
        let path = match (prefix.is_empty(), field == "body") {
            (true, _) => field.to_owned(),
            (false, true) => prefix.to_owned(),
            (false, false) => format!("{prefix}.{field}"),
        };
        match kind {
            ValidationErrorsKind::Field(list) => {
                out.extend(list.iter().map(|e| FieldError::new(path.clone(), reason(e))));
            }
            ValidationErrorsKind::Struct(inner) => collect(inner, &path, out),
            ValidationErrorsKind::List(items) => {
                for (index, inner) in items {
                    collect(inner, &format!("{path}[{index}]"), out);
                }
            }
        }
    }
}

fn reason(error: &validator::ValidationError) -> String {
    if let Some(message) = &error.message {
        return message.to_string();
    }
    let param = |name: &str| error.params.get(name).map(|v| v.to_string());
    match error.code.as_ref() {
        "length" => match (param("min"), param("max"), param("equal")) {
            (_, _, Some(n)) => format!("must have exactly {n} characters or items"),
            (Some(min), Some(max), _) => format!("must have between {min} and {max} characters or items"),
            (Some(min), None, _) => format!("must have at least {min} characters or items"),
            (None, Some(max), _) => format!("must have at most {max} characters or items"),
            _ => "has the wrong length".to_owned(),
        },
        "range" => match (param("min"), param("max"), param("exclusive_min")) {
            (_, Some(max), Some(xmin)) => format!("must be more than {xmin} and at most {max}"),
            (Some(min), Some(max), _) => format!("must be between {min} and {max}"),
            (Some(min), None, _) => format!("must be at least {min}"),
            (None, Some(max), _) => format!("must be at most {max}"),
            _ => "is out of range".to_owned(),
        },
        code => format!("is not valid ({code})"),
    }
}

/// Items per page when the client does not say.
pub const DEFAULT_PAGE_SIZE: u32 = 50;

/// The page size and start position from a list's `limit` and `cursor` query parameters.
pub fn page_position(limit: Option<u32>, cursor: Option<&str>) -> Result<(usize, Option<Cursor>), ApiError> {
    let cursor = cursor
        .map(|raw| Cursor::decode(raw).map_err(|e| ApiError::field("cursor", e.to_string())))
        .transpose()?;
    Ok((limit.unwrap_or(DEFAULT_PAGE_SIZE) as usize, cursor))
}

/// The strong ETag of a version.
pub fn etag(version: i32) -> String {
    format!("\"{version}\"")
}

/// The versions `If-Match` names: `*`, or the strong entity tags this service issues (a weak or foreign
/// tag names no version, so it never matches: RFC 9110 §13.1.1 strong comparison).
pub fn if_match(req: &HttpRequest) -> Result<IfMatch, ApiError> {
    let Some(value) = req.headers().get(header::IF_MATCH) else {
        return Ok(IfMatch::Absent);
    };
    let value = value
        .to_str()
        .map_err(|_| ApiError::field("If-Match", "must be an entity tag"))?;
    let tags: Vec<&str> = value.split(',').map(str::trim).collect();
    if tags.contains(&"*") {
        return Ok(IfMatch::Any);
    }
    Ok(IfMatch::Versions(
        tags.iter()
            .filter_map(|tag| tag.strip_prefix('"')?.strip_suffix('"')?.parse().ok())
            .collect(),
    ))
}

/// True when `If-None-Match` already names the current version (the client's copy is fresh).
pub fn if_none_match_hits(req: &HttpRequest, current_version: i32) -> bool {
    let current = etag(current_version);
    req.headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .map(str::trim)
                .any(|tag| tag == "*" || tag.trim_start_matches("W/") == current)
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize, Validate)]
    #[serde(deny_unknown_fields)]
    struct Inner {
        #[validate(range(min = 1, max = 10))]
        n: u32,
    }

    #[derive(Debug, Deserialize, Validate)]
    #[serde(deny_unknown_fields)]
    struct Outer {
        #[validate(length(min = 1, max = 3))]
        name: String,
        #[validate(nested)]
        items: Vec<Inner>,
    }

    fn body_error(json: &str) -> ApiError {
        JsonBody(Bytes::from(json.to_owned())).parse::<Outer>().unwrap_err()
    }

    fn fields(err: ApiError) -> Vec<FieldError> {
        match err {
            ApiError::Validation(errors) => errors,
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn missing_field_is_named_with_its_path() {
        let errors = fields(body_error(r#"{"name":"a","items":[{}]}"#));
        assert_eq!(errors, vec![FieldError::new("items[0].n", "is required")]);
    }

    #[test]
    fn wrong_type_is_named_without_echoing_the_value() {
        let errors = fields(body_error(r#"{"name":"a","items":[{"n":"secret-value"}]}"#));
        assert_eq!(
            errors,
            vec![FieldError::new("items[0].n", "must be a whole number, zero or more")]
        );
    }

    #[test]
    fn negative_number_for_unsigned_field_is_named() {
        let errors = fields(body_error(r#"{"name":"a","items":[{"n":-1}]}"#));
        assert_eq!(errors[0].field, "items[0].n");
    }

    #[test]
    fn unknown_field_is_refused_by_name() {
        let errors = fields(body_error(r#"{"name":"a","items":[],"extra":1}"#));
        assert_eq!(errors, vec![FieldError::new("extra", "is not a recognised field")]);
    }

    #[test]
    fn every_failing_nested_field_is_listed() {
        let errors = fields(body_error(r#"{"name":"abcd","items":[{"n":0},{"n":5},{"n":11}]}"#));
        let names: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(names, vec!["items[0].n", "items[2].n", "name"]);
        assert_eq!(errors[0].reason, "must be between 1 and 10");
    }

    #[test]
    fn text_postgresql_cannot_store_is_named_wherever_it_is() {
        let errors = fields(body_error(r#"{"name":"a\u0000b","items":[{"n":1}],"x\u0000":"y"}"#));
        let names: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert!(names.contains(&"name"), "{names:?}");
        assert!(names.contains(&"x\\u0000"), "{names:?}");
        assert!(errors.iter().any(|e| e.reason.contains("NUL")));
        // A backslash followed by "u0000" is ordinary text.
        assert!(
            JsonBody(Bytes::from_static(br#"{"name":"\\u0","items":[]}"#))
                .parse::<Outer>()
                .is_ok()
        );
    }

    #[test]
    fn a_nul_character_in_a_query_string_is_named_by_its_parameter() {
        let query = fields(parse_query::<Query>("limit=5&id=%00").unwrap_err());
        assert_eq!(query[0].field, "id");
        assert!(query[0].reason.contains("NUL"), "{}", query[0].reason);
        let name = fields(parse_query::<Query>("li%00mit=5").unwrap_err());
        assert_eq!(name[0].field, "li\\u0000mit");
    }

    #[test]
    fn a_repeated_key_is_refused_by_name_at_any_depth() {
        let top = fields(body_error(r#"{"name":"a","items":[],"name":"b"}"#));
        assert_eq!(
            (top[0].field.as_str(), top[0].reason.as_str()),
            ("name", "is given more than once")
        );
        let nested = fields(body_error(r#"{"name":"a","items":[{"n":1,"n":2}]}"#));
        assert_eq!(nested[0].field, "n");
    }

    #[test]
    fn a_whole_number_written_with_a_fraction_is_an_integer_and_a_real_fraction_is_not() {
        let body = JsonBody(Bytes::from_static(br#"{"name":"a","items":[{"n":3.0},{"n":1e0}]}"#));
        let parsed: Outer = body.parse().unwrap();
        assert_eq!(parsed.items.iter().map(|i| i.n).collect::<Vec<_>>(), vec![3, 1]);
        let fraction = fields(body_error(r#"{"name":"a","items":[{"n":3.5}]}"#));
        assert_eq!(fraction[0].field, "items[0].n");
    }

    #[test]
    fn a_bodiless_action_may_send_nothing_or_null() {
        #[derive(Debug, Default, Deserialize, Validate)]
        struct Optional {
            #[allow(dead_code)]
            comment: Option<String>,
        }
        for body in ["", "  ", "null", " null\n"] {
            assert!(
                JsonBody(Bytes::from(body)).parse_or_default::<Optional>().is_ok(),
                "{body:?}"
            );
        }
        assert!(JsonBody(Bytes::from("[]")).parse_or_default::<Optional>().is_err());
    }

    #[test]
    fn broken_json_is_a_malformed_body_not_a_field_error() {
        assert!(matches!(body_error(r#"{"name": "#), ApiError::MalformedBody(_)));
        assert!(matches!(
            body_error(r#"{"name":"a","items":[]} trailing"#),
            ApiError::MalformedBody(_)
        ));
    }

    #[test]
    fn empty_body_is_default_only_where_allowed() {
        #[derive(Debug, Default, Deserialize, Validate)]
        struct Opt {
            comment: Option<String>,
        }
        assert!(
            JsonBody(Bytes::new())
                .parse_or_default::<Opt>()
                .unwrap()
                .comment
                .is_none()
        );
        assert!(matches!(
            JsonBody(Bytes::new()).parse::<Opt>(),
            Err(ApiError::MalformedBody(_))
        ));
    }

    #[test]
    fn if_match_reads_strong_tags_lists_and_star() {
        let read = |v: &str| {
            if_match(
                &actix_web::test::TestRequest::default()
                    .insert_header((header::IF_MATCH, v))
                    .to_http_request(),
            )
            .unwrap()
        };
        assert_eq!(read("\"3\""), IfMatch::Versions(vec![3]));
        assert_eq!(read("\"1\", \"3\""), IfMatch::Versions(vec![1, 3]));
        assert_eq!(read("*"), IfMatch::Any);
        assert_eq!(read("W/\"3\""), IfMatch::Versions(vec![]));
        assert_eq!(read("nonsense"), IfMatch::Versions(vec![]));
        assert_eq!(
            if_match(&actix_web::test::TestRequest::default().to_http_request()).unwrap(),
            IfMatch::Absent
        );
    }

    #[derive(Debug, Deserialize, Validate)]
    struct Query {
        #[validate(range(min = 1, max = 500))]
        limit: Option<u32>,
        id: Option<uuid::Uuid>,
    }

    #[test]
    fn bad_query_parameter_is_named() {
        let errors = fields(parse_query::<Query>("limit=ten").unwrap_err());
        assert_eq!(errors, vec![FieldError::new("limit", "must be a whole number")]);
        let errors = fields(parse_query::<Query>("limit=0").unwrap_err());
        assert_eq!(errors, vec![FieldError::new("limit", "must be between 1 and 500")]);
        let errors = fields(parse_query::<Query>("id=nope").unwrap_err());
        assert_eq!(errors, vec![FieldError::new("id", "must be a UUID")]);
        let parsed = parse_query::<Query>("limit=5&id=00000000-0000-0000-0000-000000000001").unwrap();
        assert_eq!((parsed.limit, parsed.id), (Some(5), Some(uuid::Uuid::from_u128(1))));
    }
}
