//! Median monthly wage tables: published by administrators (JSON or CSV), immutable once published,
//! readable by every role, and looked up by post and date.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use super::extract::{BodyMedia, QueryParams, RawBody, field_errors, parse_query};
use super::representation::{self, Format, FormatQuery, JSON_OR_CSV};
use super::validate;
use super::write::{command, created, respond};
use crate::auth::AuthUser;
use crate::clock::Clock;
use crate::domain::Role;
use crate::domain::reference::{MedianWage, NewWageTable, WageTable};
use crate::error::{ApiError, FieldError, Problem};
use crate::workflow::{DbPool, reference};

/// One post's row.
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WageRowDto {
    #[schema(example = "ASSISTANT_COOK")]
    #[validate(custom(function = "validate::code"))]
    #[schema(pattern = "^[A-Z][A-Z0-9_]*$", max_length = 50)]
    pub post_code: String,
    #[schema(example = "Assistant Cook")]
    #[validate(length(min = 1, max = 200), custom(function = "validate::not_blank"))]
    #[schema(min_length = 1, max_length = 200, pattern = "\\S")]
    pub title_en: String,
    #[schema(example = "助廚")]
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub title_zh: Option<String>,
    #[schema(example = "Catering")]
    #[validate(length(min = 1, max = 100), custom(function = "validate::not_blank"))]
    #[schema(min_length = 1, max_length = 100, pattern = "\\S")]
    pub industry_section: String,
    #[schema(example = 14250)]
    #[validate(range(min = 1, max = 1_000_000))]
    #[schema(minimum = 1, maximum = 1_000_000)]
    pub median_monthly_wage_hkd: u32,
    #[schema(example = 10.0)]
    #[validate(custom(function = "validate::daily_hours"))]
    #[schema(exclusive_minimum = 0, maximum = 24)]
    pub normal_hours_per_day: Option<f64>,
    pub is_common_post: bool,
}

/// What a table is: its version and dates.
#[derive(Debug, Clone, Deserialize, Validate, IntoParams, ToSchema)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct WageTableMeta {
    #[schema(example = "2025-11")]
    #[validate(length(min = 1, max = 50), custom(function = "validate::not_blank"))]
    #[param(min_length = 1, max_length = 50, pattern = "\\S")]
    pub version_label: String,
    /// The C&SD statistical month (first day of the month), when known.
    #[validate(custom(function = "crate::http::validate::plausible_date"))]
    #[param(pattern = "^(?:19[0-9]{2}|2[0-9]{3})-")]
    pub statistical_month: Option<NaiveDate>,
    #[validate(custom(function = "crate::http::validate::plausible_date"))]
    #[param(pattern = "^(?:19[0-9]{2}|2[0-9]{3})-")]
    pub published_on: NaiveDate,
    /// From when the table binds; later than every table already published.
    #[validate(custom(function = "crate::http::validate::plausible_date"))]
    #[param(pattern = "^(?:19[0-9]{2}|2[0-9]{3})-")]
    pub effective_from: NaiveDate,
    #[validate(length(min = 1, max = 1000), custom(function = "validate::not_blank"))]
    #[param(min_length = 1, max_length = 1000, pattern = "\\S")]
    pub source_note: String,
}

/// A JSON upload: the table's metadata (as [`WageTableMeta`]) and its rows.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(examples(json!({"version_label": "2026-H1", "published_on": "2026-06-15", "effective_from": "2026-07-01", "statistical_month": "2025-11-01", "source_note": "C&SD, median monthly wages of the 2025 survey", "rows": [{"post_code": "ASSISTANT_COOK", "title_en": "Assistant Cook", "title_zh": "助廚", "industry_section": "Catering", "median_monthly_wage_hkd": 14250, "normal_hours_per_day": 10, "is_common_post": true}]})))]
#[serde(deny_unknown_fields)]
pub struct CreateWageTableRequest {
    #[schema(example = "2025-11")]
    #[validate(length(min = 1, max = 50), custom(function = "validate::not_blank"))]
    #[schema(min_length = 1, max_length = 50, pattern = "\\S")]
    pub version_label: String,
    #[validate(custom(function = "crate::http::validate::plausible_date"))]
    #[schema(pattern = "^(?:19[0-9]{2}|2[0-9]{3})-")]
    pub statistical_month: Option<NaiveDate>,
    #[validate(custom(function = "crate::http::validate::plausible_date"))]
    #[schema(pattern = "^(?:19[0-9]{2}|2[0-9]{3})-")]
    pub published_on: NaiveDate,
    #[validate(custom(function = "crate::http::validate::plausible_date"))]
    #[schema(pattern = "^(?:19[0-9]{2}|2[0-9]{3})-")]
    pub effective_from: NaiveDate,
    #[validate(length(min = 1, max = 1000), custom(function = "validate::not_blank"))]
    #[schema(min_length = 1, max_length = 1000, pattern = "\\S")]
    pub source_note: String,
    #[validate(length(min = 1, max = 5000), nested)]
    #[schema(min_items = 1, max_items = 5000)]
    pub rows: Vec<WageRowDto>,
}

impl CreateWageTableRequest {
    fn into_table(self) -> NewWageTable {
        let meta = WageTableMeta {
            version_label: self.version_label,
            statistical_month: self.statistical_month,
            published_on: self.published_on,
            effective_from: self.effective_from,
            source_note: self.source_note,
        };
        meta.with_rows(self.rows)
    }
}

impl WageTableMeta {
    fn with_rows(self, rows: Vec<WageRowDto>) -> NewWageTable {
        NewWageTable {
            version_label: self.version_label.trim().to_owned(),
            statistical_month: self.statistical_month,
            published_on: self.published_on,
            effective_from: self.effective_from,
            source_note: self.source_note.trim().to_owned(),
            rows: rows.into_iter().map(Into::into).collect(),
        }
    }
}

impl From<WageRowDto> for MedianWage {
    fn from(r: WageRowDto) -> Self {
        Self {
            post_code: r.post_code,
            title_en: r.title_en.trim().to_owned(),
            title_zh: r.title_zh,
            industry_section: r.industry_section.trim().to_owned(),
            median_monthly_wage_hkd: r.median_monthly_wage_hkd,
            normal_hours_per_day: r.normal_hours_per_day,
            is_common_post: r.is_common_post,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WageTableResponse {
    pub id: Uuid,
    pub version_label: String,
    pub statistical_month: Option<NaiveDate>,
    pub published_on: NaiveDate,
    pub effective_from: NaiveDate,
    pub source_note: String,
    /// A sample built from the few published figures, not an official table.
    pub is_sample: bool,
    pub row_count: u32,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    /// Present on single-table reads.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rows: Option<Vec<WageRowDto>>,
}

fn table_response(t: WageTable, rows: Option<Vec<MedianWage>>) -> WageTableResponse {
    WageTableResponse {
        id: t.id,
        version_label: t.version_label,
        statistical_month: t.statistical_month,
        published_on: t.published_on,
        effective_from: t.effective_from,
        source_note: t.source_note,
        is_sample: t.is_sample,
        row_count: t.row_count,
        created_by: t.created_by,
        created_at: t.created_at,
        rows: rows.map(|rows| rows.into_iter().map(row_dto).collect()),
    }
}

fn row_dto(r: MedianWage) -> WageRowDto {
    WageRowDto {
        post_code: r.post_code,
        title_en: r.title_en,
        title_zh: r.title_zh,
        industry_section: r.industry_section,
        median_monthly_wage_hkd: r.median_monthly_wage_hkd,
        normal_hours_per_day: r.normal_hours_per_day,
        is_common_post: r.is_common_post,
    }
}

/// The columns of a wage table as CSV, in upload and download alike.
const WAGE_COLUMNS: [&str; 7] = [
    "post_code",
    "title_en",
    "title_zh",
    "industry_section",
    "median_monthly_wage_hkd",
    "normal_hours_per_day",
    "is_common_post",
];

/// Parses a CSV upload with the header [`WAGE_COLUMNS`]. A bad row is named by the line of the file it
/// starts on (a quoted field may span lines), with every bad cell of it and the type that cell needs;
/// nothing is kept unless every row is good.
pub fn parse_csv(bytes: &[u8]) -> Result<Vec<WageRowDto>, ApiError> {
    // PostgreSQL cannot store the NUL character: name its line before anything else.
    if let Some(at) = bytes.iter().position(|b| *b == 0) {
        let line = bytes[..at].iter().filter(|b| **b == b'\n').count() + 1;
        return Err(ApiError::field(
            format!("line {line}"),
            "must not contain the NUL character",
        ));
    }
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(true)
        .from_reader(bytes);
    let headers = reader
        .headers()
        .map_err(|_| ApiError::field("line 1", "is not a readable CSV header (UTF-8, comma-separated)"))?
        .clone();
    if headers.iter().collect::<Vec<_>>() != WAGE_COLUMNS {
        return Err(ApiError::field(
            "line 1",
            format!("the header must be exactly: {}", WAGE_COLUMNS.join(",")),
        ));
    }
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        let line = reader.position().line();
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let line = record.position().map_or(line, csv::Position::line);
                match wage_row(&record) {
                    Ok(row) => rows.push(row),
                    Err(cells) => errors.extend(
                        cells
                            .into_iter()
                            .map(|(column, reason)| FieldError::new(format!("line {line}: {column}"), reason)),
                    ),
                }
            }
            Err(err) => {
                let line = err.position().map_or(line, csv::Position::line);
                errors.push(FieldError::new(format!("line {line}"), "is not valid UTF-8 CSV"));
                if !matches!(err.kind(), csv::ErrorKind::Utf8 { .. }) {
                    break;
                }
            }
        }
    }
    if errors.is_empty() {
        Ok(rows)
    } else {
        Err(ApiError::Validation(errors))
    }
}

/// One CSV record as a row, or every bad cell of it (column, what it must be).
fn wage_row(record: &csv::StringRecord) -> Result<WageRowDto, Vec<(String, String)>> {
    if record.len() != WAGE_COLUMNS.len() {
        return Err(vec![(
            "columns".to_owned(),
            format!(
                "has {} columns; every row needs the header's {}",
                record.len(),
                WAGE_COLUMNS.len()
            ),
        )]);
    }
    let mut bad: Vec<(String, String)> = Vec::new();
    let cell = |i: usize| record.get(i).unwrap_or_default();
    let optional = |i: usize| Some(cell(i)).filter(|c| !c.is_empty()).map(str::to_owned);
    let mut typed = |i: usize, expected: &str, parsed: Option<Option<f64>>| -> Option<f64> {
        parsed.unwrap_or_else(|| {
            bad.push((
                WAGE_COLUMNS[i].to_owned(),
                format!("must be {expected}, not {:?}", cell(i)),
            ));
            None
        })
    };
    let wage = typed(
        4,
        "a whole number of Hong Kong dollars (e.g. 14250)",
        cell(4).parse::<u32>().ok().map(|w| Some(f64::from(w))),
    );
    let hours = typed(
        5,
        "a number of hours (e.g. 10 or 9.5), or empty",
        if cell(5).is_empty() {
            Some(None)
        } else {
            cell(5).parse::<f64>().ok().filter(|h| h.is_finite()).map(Some)
        },
    );
    let common = match cell(6).to_ascii_lowercase().as_str() {
        "true" => Some(true),
        "false" => Some(false),
        _ => {
            bad.push((
                WAGE_COLUMNS[6].to_owned(),
                format!("must be true or false, not {:?}", cell(6)),
            ));
            None
        }
    };
    let row = WageRowDto {
        post_code: cell(0).to_owned(),
        title_en: cell(1).to_owned(),
        title_zh: optional(2),
        industry_section: cell(3).to_owned(),
        median_monthly_wage_hkd: wage.map_or(1, |w| w as u32),
        normal_hours_per_day: hours,
        is_common_post: common.unwrap_or_default(),
    };
    if let Err(invalid) = row.validate() {
        let typed_wrong: Vec<String> = bad.iter().map(|(column, _)| column.clone()).collect();
        bad.extend(
            field_errors(&invalid)
                .into_iter()
                .filter(|f| !typed_wrong.contains(&f.field))
                .map(|f| (f.field, f.reason)),
        );
    }
    if bad.is_empty() {
        Ok(row)
    } else {
        bad.sort_by_key(|(column, _)| WAGE_COLUMNS.iter().position(|c| c == column));
        Err(bad)
    }
}

fn wage_csv_row(r: WageRowDto) -> [String; 7] {
    [
        r.post_code,
        r.title_en,
        r.title_zh.unwrap_or_default(),
        r.industry_section,
        r.median_monthly_wage_hkd.to_string(),
        r.normal_hours_per_day.map(|h| h.to_string()).unwrap_or_default(),
        r.is_common_post.to_string(),
    ]
}

/// Publish a median wage table.
///
/// As JSON (metadata and `rows`) or as `text/csv` (the rows; the metadata in the query string). A table
/// binds from its effective date, which must be later than every table already published; tables are
/// never edited. A malformed CSV row is reported by its line in the file, with every bad cell, and
/// nothing is stored.
///
/// Who may call it: administrators.
#[utoipa::path(tag = "wage tables", security(("bearer" = [])), params(WageTableMeta, ("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key return the first response")),
    request_body(content(
        (CreateWageTableRequest = "application/json"),
        (String = "text/csv", example = "post_code,title_en,title_zh,industry_section,median_monthly_wage_hkd,normal_hours_per_day,is_common_post\nASSISTANT_COOK,Assistant Cook,助廚,Catering,14250,10,true")
    )),
    responses(
    (status = 201, body = WageTableResponse),
    (status = 400, description = "Invalid field or row (rows named by CSV line)", body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "Administrators only", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "Version label taken, or not later than the latest table", body = Problem, content_type = "application/problem+json"),
    (status = 413, body = Problem, content_type = "application/problem+json"),
    (status = 415, body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Idempotency-Key reused for a different request", body = Problem, content_type = "application/problem+json"),
    (status = 503, body = Problem, content_type = "application/problem+json"),
))]
#[post("/wage-tables")]
pub async fn create_wage_table(
    user: AuthUser,
    req: HttpRequest,
    pool: web::Data<DbPool>,
    clock: web::Data<Clock>,
    body: RawBody,
) -> Result<HttpResponse, ApiError> {
    user.require(&[Role::Admin])?;
    let table = match body.media {
        BodyMedia::Json => body.parse_json::<CreateWageTableRequest>()?.into_table(),
        BodyMedia::Csv => {
            let meta = parse_query::<WageTableMeta>(req.query_string())?;
            let bytes = body.bytes.clone();
            // CSV parsing is CPU work: keep it off the async workers.
            let rows = web::block(move || parse_csv(&bytes))
                .await
                .map_err(|e| ApiError::Internal(e.into()))??;
            meta.with_rows(rows)
        }
        BodyMedia::Other => return Err(ApiError::UnsupportedMediaType),
    };
    let cmd = command(&user, &req, &clock, &body.bytes)?;
    let reply = reference::publish_wage_table(&pool, &cmd, table, |t| {
        Ok(created(&table_response(t.clone(), None))?.with_location(format!("/v1/wage-tables/{}", t.id)))
    })
    .await?;
    Ok(respond(reply))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WageTableListResponse {
    /// Newest first.
    pub items: Vec<WageTableResponse>,
}

/// Every version of the median wage table, newest first.
///
/// Version label, publication and effective dates, the statistical month and the number of rows. A table
/// binds from its effective date until the next one's.
///
/// Who may call it: any signed-in user.
#[utoipa::path(tag = "wage tables", security(("bearer" = [])), responses(
    (status = 200, body = WageTableListResponse),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 503, body = Problem, content_type = "application/problem+json"),
))]
#[get("/wage-tables")]
pub async fn list_wage_tables(user: AuthUser, pool: web::Data<DbPool>) -> Result<HttpResponse, ApiError> {
    user.require(&Role::TOKEN_ROLES)?;
    let items = reference::wage_tables(&pool)
        .await?
        .into_iter()
        .map(|t| table_response(t, None))
        .collect();
    Ok(HttpResponse::Ok().json(WageTableListResponse { items }))
}

/// One version with its rows.
///
/// The table's metadata and every row: post code, titles, industry section, median monthly wage, normal
/// daily hours and whether it is a common post. `Accept: text/csv` (or `format=csv`) gives the rows as CSV,
/// a download in the upload's own format (it can be published again as it is).
///
/// Who may call it: any signed-in user.
#[utoipa::path(tag = "wage tables", security(("bearer" = [])), params(("id" = Uuid, Path, description = "Wage table id"), FormatQuery), responses(
    (status = 200, content(
        (WageTableResponse = "application/json"),
        (String = "text/csv", example = "post_code,title_en,title_zh,industry_section,median_monthly_wage_hkd,normal_hours_per_day,is_common_post\nASSISTANT_COOK,Assistant Cook,助廚,Catering,14250,10,true")
    )),
    (status = 400, description = "The id is not a UUID", body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 503, body = Problem, content_type = "application/problem+json"),
))]
#[get("/wage-tables/{id}")]
pub async fn get_wage_table(
    user: AuthUser,
    req: HttpRequest,
    pool: web::Data<DbPool>,
    id: web::Path<Uuid>,
    query: QueryParams<FormatQuery>,
) -> Result<HttpResponse, ApiError> {
    user.require(&Role::TOKEN_ROLES)?;
    let format = representation::choose(&req, query.0.format, &JSON_OR_CSV)?;
    let (table, rows) = reference::wage_table(&pool, id.into_inner()).await?;
    if format == Format::Csv {
        let filename = format!("wage-table-{}.csv", representation::filename_part(&table.version_label));
        let rows = rows.into_iter().map(|row| wage_csv_row(row_dto(row)));
        return representation::csv_download(&filename, &WAGE_COLUMNS, rows);
    }
    Ok(HttpResponse::Ok().json(table_response(table, Some(rows))))
}

#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct LookupQuery {
    /// The post code, e.g. `ASSISTANT_COOK`.
    #[validate(custom(function = "validate::code"))]
    #[param(pattern = "^[A-Z][A-Z0-9_]*$", max_length = 50)]
    pub post: String,
    /// The date (default: today in Hong Kong).
    #[validate(custom(function = "crate::http::validate::plausible_date"))]
    #[param(pattern = "^(?:19[0-9]{2}|2[0-9]{3})-")]
    pub on: Option<NaiveDate>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WageLookupResponse {
    pub on: NaiveDate,
    pub table_id: Uuid,
    pub version_label: String,
    pub effective_from: NaiveDate,
    pub is_sample: bool,
    pub row: WageRowDto,
}

/// The median in force for a post on a date, and which table version said so.
///
/// `post` is a post code of the table; `on` defaults to today in Hong Kong. Returns the median monthly wage,
/// the normal daily hours and the table version and row it came from. `Accept: text/csv` on
/// `/v1/wage-tables/{id}` gives a whole table.
///
/// Who may call it: any signed-in user.
#[utoipa::path(tag = "wage tables", security(("bearer" = [])), params(LookupQuery), responses(
    (status = 200, body = WageLookupResponse),
    (status = 400, description = "Invalid query parameter", body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No table in force on that date, or no row for the post in it", body = Problem, content_type = "application/problem+json"),
    (status = 503, body = Problem, content_type = "application/problem+json"),
))]
#[get("/wage-tables/lookup")]
pub async fn lookup_wage(
    user: AuthUser,
    pool: web::Data<DbPool>,
    clock: web::Data<Clock>,
    query: QueryParams<LookupQuery>,
) -> Result<HttpResponse, ApiError> {
    user.require(&Role::TOKEN_ROLES)?;
    let on = query.0.on.unwrap_or_else(|| clock.today());
    let (table, row) = reference::lookup_median(&pool, &query.0.post, on).await?;
    Ok(HttpResponse::Ok().json(WageLookupResponse {
        on,
        table_id: table.id,
        version_label: table.version_label,
        effective_from: table.effective_from,
        is_sample: table.is_sample,
        row: row_dto(row),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str =
        "post_code,title_en,title_zh,industry_section,median_monthly_wage_hkd,normal_hours_per_day,is_common_post\n";

    #[test]
    fn csv_rows_parse_with_optional_columns_empty() {
        let rows = parse_csv(format!("{HEADER}ASSISTANT_COOK,Assistant Cook,助廚,Catering,14250,10,true\nMASON,Mason,,Construction,26030,,false\n").as_bytes()).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].median_monthly_wage_hkd, 14250);
        assert_eq!(rows[1].title_zh, None);
        assert_eq!(rows[1].normal_hours_per_day, None);
    }

    #[test]
    fn every_bad_csv_row_is_named_by_its_line() {
        let csv = format!(
            "{HEADER}A,Ok,,Catering,100,8,true\nB,Bad wage,,Catering,lots,8,true\nC,Short\nd,Lower code,,Catering,100,8,true\n"
        );
        let ApiError::Validation(errors) = parse_csv(csv.as_bytes()).unwrap_err() else {
            panic!("validation")
        };
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            vec![
                "line 3: median_monthly_wage_hkd",
                "line 4: columns",
                "line 5: post_code"
            ]
        );
    }

    #[test]
    fn lines_are_the_file_s_own_when_a_quoted_title_spans_two() {
        let csv = format!("{HEADER}A,\"Two\nlines\",,Catering,100,8,true\nB,Next,,Catering,none,8,true\n");
        let ApiError::Validation(errors) = parse_csv(csv.as_bytes()).unwrap_err() else {
            panic!("validation")
        };
        // Record 2 starts on the file's line 4, not 3.
        assert_eq!(errors[0].field, "line 4: median_monthly_wage_hkd");
    }

    #[test]
    fn every_bad_cell_of_a_row_is_named_with_the_type_it_needs() {
        let csv = format!("{HEADER}lower,  ,,Catering,12k,many,yes\n");
        let ApiError::Validation(errors) = parse_csv(csv.as_bytes()).unwrap_err() else {
            panic!("validation")
        };
        let mut fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        fields.dedup(); // a blank title fails both its length and its not-blank rule
        assert_eq!(
            fields,
            [
                "line 2: post_code",
                "line 2: title_en",
                "line 2: median_monthly_wage_hkd",
                "line 2: normal_hours_per_day",
                "line 2: is_common_post"
            ]
        );
        let reason = |field: &str| errors.iter().find(|e| e.field == field).unwrap().reason.clone();
        assert!(reason("line 2: median_monthly_wage_hkd").contains("whole number"));
        assert!(reason("line 2: normal_hours_per_day").contains("number of hours"));
        assert!(reason("line 2: is_common_post").contains("true or false"));
    }

    #[test]
    fn a_downloaded_table_uploads_again_unchanged() {
        let csv = format!(
            "{HEADER}ASSISTANT_COOK,Assistant Cook,助廚,Catering,14250,10,true\nMASON,\"Mason, general\",,Construction,26030,9.5,false\n"
        );
        let rows = parse_csv(csv.as_bytes()).unwrap();
        let again =
            crate::http::representation::csv_bytes(Some(&WAGE_COLUMNS), rows.into_iter().map(wage_csv_row)).unwrap();
        // The download starts with the byte-order mark (for Excel); the upload reads through it.
        assert_eq!(std::str::from_utf8(&again).unwrap(), format!("\u{feff}{csv}"));
        assert_eq!(parse_csv(&again).unwrap().len(), 2);
    }

    #[test]
    fn what_excel_saves_as_csv_utf8_uploads() {
        // A byte-order mark, CRLF line ends and TRUE in capitals.
        let csv = format!("\u{feff}{HEADER}ASSISTANT_COOK,Assistant Cook,助廚,Catering,14250,10,TRUE\n")
            .replace('\n', "\r\n");
        let rows = parse_csv(csv.as_bytes()).unwrap();
        assert_eq!(
            (rows[0].title_zh.as_deref(), rows[0].is_common_post),
            (Some("助廚"), true)
        );
    }

    #[test]
    fn a_nul_character_is_refused_by_its_line() {
        let csv = format!("{HEADER}A,Ok,,Catering,100,8,true\nB,Bad\0,,Catering,100,8,true\n");
        let err = parse_csv(csv.as_bytes()).unwrap_err();
        assert!(
            matches!(err, ApiError::Validation(ref e) if e[0].field == "line 3"),
            "{err:?}"
        );
    }

    #[test]
    fn a_wrong_header_is_refused() {
        let err = parse_csv(b"code,wage\nA,1\n").unwrap_err();
        assert!(matches!(err, ApiError::Validation(ref e) if e[0].field == "line 1"));
    }
}
