//! Which methods each path answers, read from the OpenAPI document the routes are registered with:
//! a known path asked with another method is 405 with `Allow` (RFC 9110 §15.5.6), not 404.

use actix_web::http::Method;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use utoipa::openapi::OpenApi;

use crate::error::ApiError;

/// Path templates (`/v1/applications/{id}`) and the methods each answers.
pub struct KnownRoutes(Vec<(Vec<Segment>, Vec<Method>)>);

enum Segment {
    Literal(String),
    /// `{name}`: any non-empty segment.
    Parameter,
}

impl KnownRoutes {
    /// Every operation of `api`, plus the documents served beside it (`extra`, GET only).
    pub fn from_openapi(api: &OpenApi, extra: &[&str]) -> Self {
        let mut routes: Vec<(Vec<Segment>, Vec<Method>)> = api
            .paths
            .paths
            .iter()
            .map(|(template, item)| {
                let methods = [
                    (Method::GET, item.get.is_some()),
                    (Method::PUT, item.put.is_some()),
                    (Method::POST, item.post.is_some()),
                    (Method::DELETE, item.delete.is_some()),
                    (Method::PATCH, item.patch.is_some()),
                ]
                .into_iter()
                .filter_map(|(method, present)| present.then_some(method))
                .collect();
                (segments(template), methods)
            })
            .collect();
        routes.extend(extra.iter().map(|path| (segments(path), vec![Method::GET])));
        Self(routes)
    }

    /// The methods `path` answers, in a stable order; empty when no route has this path.
    pub fn allowed(&self, path: &str) -> Vec<Method> {
        let parts: Vec<&str> = path.split('/').collect();
        let mut allowed: Vec<Method> = Vec::new();
        for (template, methods) in &self.0 {
            let matches = template.len() == parts.len()
                && template.iter().zip(&parts).all(|(segment, part)| match segment {
                    Segment::Literal(literal) => literal == part,
                    Segment::Parameter => !part.is_empty(),
                });
            if matches {
                allowed.extend(
                    methods
                        .iter()
                        .filter(|m| !allowed.contains(m))
                        .cloned()
                        .collect::<Vec<_>>(),
                );
            }
        }
        allowed.sort_by_key(|m| m.to_string());
        allowed
    }
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
                "/v1/wage-tables/{id}": {"get": {"responses": {}}},
                "/v1/wage-tables/lookup": {"get": {"responses": {}}},
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
