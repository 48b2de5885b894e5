//! Which methods each path answers, and what media types each operation produces, read from the
//! OpenAPI document the routes are registered with: a known path asked with another method is 405 with
//! `Allow` (RFC 9110 §15.5.6), not 404; an `Accept` none of those media types meets is 406.

use actix_web::http::Method;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use utoipa::openapi::OpenApi;

use crate::error::ApiError;

/// Path templates (`/v1/applications/{id}`) and the operations each answers.
pub struct KnownRoutes(Vec<Route>);

struct Route {
    template: Vec<Segment>,
    /// Each method with the media types of its success responses (empty: unknown or no body).
    operations: Vec<(Method, Vec<String>)>,
}

enum Segment {
    Literal(String),
    /// `{name}`: any non-empty segment.
    Parameter,
}

impl KnownRoutes {
    /// Every operation of `api`, plus the documents served beside it (`extra`, GET only).
    pub fn from_openapi(api: &OpenApi, extra: &[&str]) -> Self {
        let mut routes: Vec<Route> = api
            .paths
            .paths
            .iter()
            .map(|(template, item)| {
                let operations = [
                    (Method::GET, &item.get),
                    (Method::PUT, &item.put),
                    (Method::POST, &item.post),
                    (Method::DELETE, &item.delete),
                    (Method::PATCH, &item.patch),
                ]
                .into_iter()
                .filter_map(|(method, operation)| Some((method, produces(operation.as_ref()?))))
                .collect();
                Route {
                    template: segments(template),
                    operations,
                }
            })
            .collect();
        routes.extend(extra.iter().map(|path| Route {
            template: segments(path),
            operations: vec![(Method::GET, Vec::new())],
        }));
        Self(routes)
    }

    /// The media types the operation `method path` produces when it succeeds; `None` for no
    /// operation. A path several templates match (`/v1/wage-tables/lookup` and `…/{id}`) is the one
    /// with the most literal segments, as the router picks it.
    pub fn produces(&self, path: &str, method: &Method) -> Option<&[String]> {
        let parts: Vec<&str> = path.split('/').collect();
        self.0
            .iter()
            .filter(|route| matches(&route.template, &parts))
            .filter_map(|route| {
                let (_, media) = route.operations.iter().find(|(m, _)| m == method)?;
                let literals = route
                    .template
                    .iter()
                    .filter(|s| matches!(s, Segment::Literal(_)))
                    .count();
                Some((literals, media.as_slice()))
            })
            .max_by_key(|(literals, _)| *literals)
            .map(|(_, media)| media)
    }

    /// The methods `path` answers, in a stable order; empty when no route has this path.
    pub fn allowed(&self, path: &str) -> Vec<Method> {
        let parts: Vec<&str> = path.split('/').collect();
        let mut allowed: Vec<Method> = Vec::new();
        for route in self.0.iter().filter(|route| matches(&route.template, &parts)) {
            for (method, _) in &route.operations {
                if !allowed.contains(method) {
                    allowed.push(method.clone());
                }
            }
        }
        allowed.sort_by_key(|m| m.to_string());
        allowed
    }
}

fn matches(template: &[Segment], parts: &[&str]) -> bool {
    template.len() == parts.len()
        && template.iter().zip(parts).all(|(segment, part)| match segment {
            Segment::Literal(literal) => literal == part,
            Segment::Parameter => !part.is_empty(),
        })
}

/// The media types of an operation's success (2xx) responses.
fn produces(operation: &utoipa::openapi::path::Operation) -> Vec<String> {
    let mut media: Vec<String> = Vec::new();
    for (status, response) in &operation.responses.responses {
        let utoipa::openapi::RefOr::T(response) = response else {
            continue;
        };
        if status.starts_with('2') {
            media.extend(
                response
                    .content
                    .keys()
                    .filter(|k| !media.contains(k))
                    .cloned()
                    .collect::<Vec<_>>(),
            );
        }
    }
    media
}

fn segments(template: &str) -> Vec<Segment> {
    template
        .split('/')
        .map(|part| {
            if part.starts_with('{') && part.ends_with('}') {
                Segment::Parameter
            } else {
                Segment::Literal(part.to_owned())
            }
        })
        .collect()
}

/// Every request no route took: 405 with `Allow` when the path is known (204 with `Allow` for
/// OPTIONS), otherwise 404.
pub async fn unmatched(req: HttpRequest, routes: web::Data<KnownRoutes>) -> Result<HttpResponse, ApiError> {
    let allowed = routes.allowed(req.path());
    if allowed.is_empty() || allowed.contains(req.method()) {
        return Err(ApiError::RouteNotFound);
    }
    let allow = allowed.iter().map(Method::as_str).collect::<Vec<_>>().join(", ");
    if req.method() == Method::OPTIONS {
        return Ok(HttpResponse::NoContent()
            .insert_header((header::ALLOW, format!("{allow}, OPTIONS")))
            .finish());
    }
    Err(ApiError::MethodNotAllowed { allow })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn routes() -> KnownRoutes {
        let api: OpenApi = serde_json::from_value(serde_json::json!({
            "openapi": "3.1.0", "info": {"title": "t", "version": "1"},
            "paths": {
                "/v1/wage-tables": {"get": {"responses": {}}, "post": {"responses": {}}},
                "/v1/wage-tables/{id}": {"get": {"responses": {"200": {"description": "t", "content": {
                    "application/json": {}, "text/csv": {}}}}}},
                "/v1/wage-tables/lookup": {"get": {"responses": {"200": {"description": "t", "content": {
                    "application/json": {}}}, "404": {"description": "t", "content": {"application/problem+json": {}}}}}},
                "/v1/applications/{id}": {"get": {"responses": {}}, "patch": {"responses": {}}}
            }
        }))
        .unwrap();
        KnownRoutes::from_openapi(&api, &["/openapi.json"])
    }

    #[test]
    fn a_path_answers_the_methods_of_every_template_it_matches() {
        let routes = routes();
        assert_eq!(routes.allowed("/v1/wage-tables"), vec![Method::GET, Method::POST]);
        assert_eq!(routes.allowed("/v1/wage-tables/lookup"), vec![Method::GET]);
        assert_eq!(routes.allowed("/v1/applications/abc"), vec![Method::GET, Method::PATCH]);
        assert_eq!(routes.allowed("/openapi.json"), vec![Method::GET]);
    }

    #[test]
    fn an_operation_produces_what_its_success_responses_carry_the_most_literal_template_first() {
        let routes = routes();
        assert_eq!(
            routes.produces("/v1/wage-tables/abc", &Method::GET).unwrap(),
            ["application/json", "text/csv"]
        );
        assert_eq!(
            routes.produces("/v1/wage-tables/lookup", &Method::GET).unwrap(),
            ["application/json"]
        );
        assert!(routes.produces("/v1/wage-tables", &Method::GET).unwrap().is_empty());
        assert_eq!(routes.produces("/v1/wage-tables/abc", &Method::POST), None);
        assert_eq!(routes.produces("/v1/nothing", &Method::GET), None);
    }

    #[test]
    fn unknown_paths_empty_segments_and_extra_segments_answer_nothing() {
        let routes = routes();
        for path in [
            "/",
            "/v1",
            "/v1/applications/",
            "/v1/applications/a/b",
            "/v1/nothing",
            "/v1/wage-tables/",
        ] {
            assert!(routes.allowed(path).is_empty(), "{path}");
        }
    }
}
