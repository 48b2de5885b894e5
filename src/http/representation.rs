//! Which representation a response takes (RFC 9110 §12): JSON, CSV for spreadsheets, NDJSON for the
//! audit export. A client chooses with `Accept` or, where a browser link cannot set headers, with
//! `?format=`. A request whose `Accept` names nothing the operation produces is 406, for every
//! operation, checked against the media types the OpenAPI document gives its success responses.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, ContentDisposition, DispositionParam, DispositionType, HeaderMap};
use actix_web::middleware::Next;
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use serde::{Deserialize, Serialize};
use utoipa::IntoParams;
use validator::Validate;

use super::routes::KnownRoutes;
use crate::error::ApiError;

/// A representation of a response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Json,
    Csv,
    Ndjson,
}

impl Format {
    pub fn media_type(self) -> &'static str {
        match self {
            Self::Json => "application/json",
            Self::Csv => "text/csv",
            Self::Ndjson => "application/x-ndjson",
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::Json => "json",
            Self::Csv => "csv",
            Self::Ndjson => "ndjson",
        }
    }
}

/// What a table-like read offers.
pub const JSON_OR_CSV: [Format; 2] = [Format::Json, Format::Csv];

/// `?format=` of a table-like read: exactly what it offers, so a wrong value's 400 lists only those.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, strum::VariantArray)]
#[serde(rename_all = "lowercase")]
pub enum TableFormat {
    Json,
    Csv,
}

impl From<TableFormat> for Format {
    fn from(format: TableFormat) -> Self {
        match format {
            TableFormat::Json => Self::Json,
            TableFormat::Csv => Self::Csv,
        }
    }
}

/// `?format=` of the audit export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, strum::VariantArray)]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    Ndjson,
    Csv,
}

impl From<ExportFormat> for Format {
    fn from(format: ExportFormat) -> Self {
        match format {
            ExportFormat::Ndjson => Self::Ndjson,
            ExportFormat::Csv => Self::Csv,
        }
    }
}

/// `?format=` alone, for reads that take no other query parameter.
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct FormatQuery {
    /// `json` or `csv`; overrides `Accept` (for a link a browser follows).
    #[param(schema_with = crate::openapi::enums::json_or_csv)]
    pub format: Option<TableFormat>,
}

/// The link to the page after this one, for a CSV page (whose body has no room for a cursor): the
/// request's own query with `cursor` replaced (RFC 8288 `Link: <…>; rel="next"`).
fn next_page_link(req: &HttpRequest, cursor: &str) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    for (name, value) in form_urlencoded::parse(req.query_string().as_bytes()).filter(|(name, _)| name != "cursor") {
        query.append_pair(&name, &value);
    }
    query.append_pair("cursor", cursor);
    format!("<{}?{}>; rel=\"next\"", req.path(), query.finish())
}

/// A name safe in a `Content-Disposition` filename: letters, digits, `.`, `_` and `-`, others `-`.
pub fn filename_part(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '-'
            }
        })
        .collect()
}

/// The representation to send: `?format=` when given (it must be one `offered`), else the one
/// `Accept` prefers (the first offered when `Accept` is absent or `*/*`), else 406.
pub fn choose(req: &HttpRequest, format: Option<impl Into<Format>>, offered: &[Format]) -> Result<Format, ApiError> {
    if let Some(format) = format.map(Into::into) {
        return offered.contains(&format).then_some(format).ok_or_else(|| {
            let names: Vec<&str> = offered.iter().map(|f| f.name()).collect();
            ApiError::field("format", format!("must be one of: {}", names.join(", ")))
        });
    }
    let media: Vec<&str> = offered.iter().map(|f| f.media_type()).collect();
    preferred(req.headers(), &media)
        .map(|index| offered[index])
        .ok_or_else(|| not_acceptable(&media))
}

fn not_acceptable(offered: &[&str]) -> ApiError {
    ApiError::NotAcceptable {
        offered: offered.join(", "),
    }
}

/// The index in `offered` of the media type the `Accept` header prefers: by quality, then by
/// specificity, then in the order offered. `None` when `Accept` rules every one out. A missing or
/// unreadable `Accept` accepts anything (RFC 9110 §12.5.1).
pub fn preferred(headers: &HeaderMap, offered: &[&str]) -> Option<usize> {
    if offered.is_empty() {
        return None;
    }
    let ranges: Vec<header::QualityItem<mime::Mime>> =
        match header::from_comma_delimited(headers.get_all(header::ACCEPT)) {
            Ok(ranges) if !ranges.is_empty() => ranges,
            _ => return Some(0),
        };
    let (wanted, excluded): (Vec<_>, Vec<_>) = ranges
        .into_iter()
        .partition(|item| item.quality > header::Quality::ZERO);
    let acceptable = |media: &&str| {
        let Ok(media) = media.parse::<mime::Mime>() else {
            return false;
        };
        !excluded.iter().any(|no| no.item.essence_str() == media.essence_str())
    };
    header::Accept(wanted).ranked().iter().find_map(|range| {
        offered
            .iter()
            .position(|media| acceptable(media) && media.parse::<mime::Mime>().is_ok_and(|media| covers(range, &media)))
    })
}

/// Whether a media range (`*/*`, `text/*`, `text/csv`) covers a media type.
fn covers(range: &mime::Mime, media: &mime::Mime) -> bool {
    (range.type_() == mime::STAR || range.type_() == media.type_())
        && (range.subtype() == mime::STAR || range.subtype() == media.subtype())
}

/// Middleware: 406 before the handler runs when `Accept` rules out everything the operation
/// produces. `?format=` is the client's explicit choice, checked by the handler instead.
pub async fn refuse_unacceptable(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let chooses_by_query = form_urlencoded::parse(req.query_string().as_bytes()).any(|(name, _)| name == "format");
    if req.headers().contains_key(header::ACCEPT)
        && !chooses_by_query
        && let Some(routes) = req.app_data::<web::Data<KnownRoutes>>()
        && let Some(offered) = routes.produces(req.path(), req.method())
        && !offered.is_empty()
    {
        let offered: Vec<&str> = offered.iter().map(String::as_str).collect();
        if preferred(req.headers(), &offered).is_none() {
            let response = not_acceptable(&offered).error_response();
            return Ok(req.into_response(response).map_into_right_body());
        }
    }
    Ok(next.call(req).await?.map_into_left_body())
}

/// OWASP's rule against CSV injection: a cell a spreadsheet would read as a formula (it begins with
/// `=`, `+`, `-`, `@`, a tab or a carriage return) gets a leading `'`, so it shows as text.
pub fn spreadsheet_safe(cell: String) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell
    }
}

/// The UTF-8 byte-order mark: without it Excel reads a CSV file in the machine's legacy code page and
/// garbles Chinese text (`助廚`). CSV readers (the `csv` crate, pandas' `utf-8-sig`) skip it, and so
/// does the wage-table upload, which takes back what Excel saves as "CSV UTF-8".
const UTF8_BOM: &[u8] = "\u{feff}".as_bytes();

/// Rows as CSV (RFC 4180, UTF-8), every cell spreadsheet-safe; with the byte-order mark and the header
/// row when `columns` is given (a streamed export sends them with its first batch only).
pub fn csv_bytes<R, C>(columns: Option<&[&str]>, rows: R) -> Result<Bytes, ApiError>
where
    R: IntoIterator<Item = C>,
    C: IntoIterator<Item = String>,
{
    let start = if columns.is_some() {
        UTF8_BOM.to_vec()
    } else {
        Vec::new()
    };
    let mut writer = csv::Writer::from_writer(start);
    let failed = |e: csv::Error| ApiError::Internal(e.into());
    if let Some(columns) = columns {
        writer.write_record(columns).map_err(failed)?;
    }
    for row in rows {
        writer
            .write_record(row.into_iter().map(spreadsheet_safe))
            .map_err(failed)?;
    }
    let bytes = writer
        .into_inner()
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("{e}")))?;
    Ok(Bytes::from(bytes))
}

/// `Content-Disposition: attachment; filename="…"`, so a browser saves the export under that name.
pub fn attachment(filename: &str) -> ContentDisposition {
    ContentDisposition {
        disposition: DispositionType::Attachment,
        parameters: vec![DispositionParam::Filename(filename.to_owned())],
    }
}

/// A whole CSV document as a download named `filename`.
pub fn csv_download<R, C>(filename: &str, columns: &[&str], rows: R) -> Result<HttpResponse, ApiError>
where
    R: IntoIterator<Item = C>,
    C: IntoIterator<Item = String>,
{
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header(attachment(filename))
        .body(csv_bytes(Some(columns), rows)?))
}

/// One page of a paged list as a CSV download, the next page's address in `Link` when there is one.
pub fn csv_page<R, C>(
    req: &HttpRequest,
    filename: &str,
    columns: &[&str],
    rows: R,
    next_cursor: Option<&str>,
) -> Result<HttpResponse, ApiError>
where
    R: IntoIterator<Item = C>,
    C: IntoIterator<Item = String>,
{
    let mut response = csv_download(filename, columns, rows)?;
    if let Some(cursor) = next_cursor {
        let link =
            header::HeaderValue::from_str(&next_page_link(req, cursor)).map_err(|e| ApiError::Internal(e.into()))?;
        response.headers_mut().insert(header::LINK, link);
    }
    Ok(response)
}

/// An enum's name as the JSON representation writes it (`BRIEFING_DUE`), for its CSV cell.
pub fn wire_name<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(name)) => name,
        Ok(other) => other.to_string(),
        Err(_) => String::new(),
    }
}

/// An optional value as a CSV cell: empty when absent.
pub fn cell<T: ToString>(value: Option<T>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::HeaderValue;

    fn accept(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT, HeaderValue::from_str(value).unwrap());
        headers
    }

    const LIST: [&str; 2] = ["application/json", "text/csv"];

    #[test]
    fn no_accept_or_any_gets_the_first_offered() {
        assert_eq!(preferred(&HeaderMap::new(), &LIST), Some(0));
        for value in ["*/*", "application/*", "application/json", "*/*;q=0.1"] {
            assert_eq!(preferred(&accept(value), &LIST), Some(0), "{value}");
        }
    }

    #[test]
    fn csv_when_preferred_by_quality_or_order() {
        for value in [
            "text/csv",
            "text/*",
            "text/csv, application/json",
            "application/json;q=0.5, text/csv",
            "text/csv;q=0.9, */*;q=0.1",
            "text/csv; charset=utf-8",
        ] {
            assert_eq!(preferred(&accept(value), &LIST), Some(1), "{value}");
        }
    }

    #[test]
    fn nothing_offered_that_is_accepted_is_none() {
        for value in [
            "text/csv",
            "text/html",
            "application/xml",
            "application/json;q=0",
            "*/*, application/json;q=0",
        ] {
            assert_eq!(preferred(&accept(value), &["application/json"]), None, "{value}");
        }
        assert_eq!(preferred(&accept("text/html"), &LIST), None);
    }

    #[test]
    fn an_unreadable_accept_is_treated_as_absent() {
        assert_eq!(preferred(&accept("not a media type"), &LIST), Some(0));
    }

    #[test]
    fn formula_cells_are_quoted_and_others_kept() {
        let bytes = csv_bytes(
            Some(&["a", "b"]),
            [
                vec!["=SUM(A1)".to_owned(), "plain, with comma".to_owned()],
                vec!["@x".to_owned(), "12".to_owned()],
            ],
        )
        .unwrap();
        assert_eq!(
            std::str::from_utf8(&bytes).unwrap(),
            "\u{feff}a,b\n'=SUM(A1),\"plain, with comma\"\n'@x,12\n"
        );
    }
}
