//! Cross-origin access to the routes the proxy serves itself (`[api.cors]`): a desktop page
//! served from another origin may call the history operations and the CometD endpoint when its
//! origin is listed. Preflights (`OPTIONS`) are answered here; actual answers carry
//! `Access-Control-Allow-Origin` for a listed origin and nothing for another (the browser then
//! refuses the page the answer). Passthrough routes keep whatever GWS answers.

use crate::config::CorsConfig;
use crate::http_io::Answer;
use http::HeaderMap;
use std::collections::BTreeSet;
use ucs_model::RequestError;

/// The policy, resolved once at start.
#[derive(Debug)]
pub(crate) struct Cors {
    origins: BTreeSet<String>,
    credentials: bool,
    /// Lower-cased, for comparing with `Access-Control-Request-Headers`.
    headers: BTreeSet<String>,
    max_age_seconds: u64,
}

/// Response headers an answer carries for CORS.
pub(crate) type CorsHeaders = Vec<(&'static str, String)>;

/// Methods the proxy's own routes answer.
const METHODS: &str = "GET, POST, OPTIONS";
/// Response headers a page may read (besides the simple ones).
const EXPOSED: &str = "X-Cache";

impl Cors {
    /// The policy of `config`.
    pub(crate) fn new(config: &CorsConfig) -> Self {
        Self {
            origins: config.allowed_origins.iter().cloned().collect(),
            credentials: config.allow_credentials,
            headers: config
                .allowed_headers
                .iter()
                .map(|h| h.to_ascii_lowercase())
                .collect(),
            max_age_seconds: config.max_age.as_secs(),
        }
    }

    fn allowed_origin<'a>(&self, request: &'a HeaderMap) -> Option<&'a str> {
        let origin = request.get(http::header::ORIGIN)?.to_str().ok()?;
        self.origins.contains(origin).then_some(origin)
    }

    /// The headers every answer to a listed origin carries (none for another or no origin).
    pub(crate) fn answer_headers(&self, request: &HeaderMap) -> CorsHeaders {
        let Some(origin) = self.allowed_origin(request) else {
            return Vec::new();
        };
        let mut headers = vec![
            ("access-control-allow-origin", origin.to_owned()),
            ("access-control-expose-headers", EXPOSED.to_owned()),
            ("vary", "Origin".to_owned()),
        ];
        if self.credentials {
            headers.push(("access-control-allow-credentials", "true".to_owned()));
        }
        headers
    }

    /// The answer to a preflight: 204 with the allowed methods and headers for a listed origin
    /// asking for headers it may send; 403 otherwise.
    pub(crate) fn preflight(&self, request: &HeaderMap) -> Answer {
        let asked_headers = request
            .get(http::header::ACCESS_CONTROL_REQUEST_HEADERS)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        let headers_allowed = asked_headers
            .split(',')
            .map(|h| h.trim().to_ascii_lowercase())
            .filter(|h| !h.is_empty())
            .all(|h| self.headers.contains(&h));
        let mut answer = match self.allowed_origin(request) {
            Some(_) if headers_allowed => Answer::json(204, bytes::Bytes::new()),
            _ => return Answer::error(&RequestError::origin_not_allowed()),
        };
        for (name, value) in self.answer_headers(request) {
            answer = answer.with_header(name, value);
        }
        answer
            .with_header("access-control-allow-methods", METHODS.to_owned())
            .with_header(
                "access-control-allow-headers",
                self.headers.iter().cloned().collect::<Vec<_>>().join(", "),
            )
            .with_header("access-control-max-age", self.max_age_seconds.to_string())
    }
}

/// Whether a request is a CORS preflight.
pub(crate) fn is_preflight(method: &http::Method, request: &HeaderMap) -> bool {
    method == http::Method::OPTIONS
        && request.contains_key(http::header::ORIGIN)
        && request.contains_key(http::header::ACCESS_CONTROL_REQUEST_METHOD)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> Cors {
        Cors::new(&CorsConfig {
            allowed_origins: vec!["https://desk.example".into()],
            ..CorsConfig::default()
        })
    }

    fn request(origin: &str, asked: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("origin", origin.parse().unwrap());
        headers.insert("access-control-request-method", "POST".parse().unwrap());
        headers.insert("access-control-request-headers", asked.parse().unwrap());
        headers
    }

    #[test]
    fn a_listed_origin_is_allowed_with_credentials_and_another_is_not() {
        let cors = policy();
        let ok = cors.preflight(&request(
            "https://desk.example",
            "content-type, authorization",
        ));
        assert_eq!(ok.status, 204);
        assert!(ok
            .headers
            .contains(&("access-control-allow-origin", "https://desk.example".into())));
        assert!(ok
            .headers
            .contains(&("access-control-allow-credentials", "true".into())));
        assert_eq!(
            cors.preflight(&request("https://evil.example", "")).status,
            403
        );
        assert_eq!(
            cors.preflight(&request("https://desk.example", "x-secret"))
                .status,
            403
        );
        assert!(cors
            .answer_headers(&request("https://evil.example", ""))
            .is_empty());
    }
}
