//! `GetInteractionContent`: its two URLs and its request body.

use crate::error::Result;
use crate::media::Source;
use crate::request::{decode_object, operation_name, parse_source, unknown_operation};
use crate::route::{is_ucs_id, INTERACTIONS_PATH};
use serde::Deserialize;
use serde_json::Value;

/// The `operationName` of GetInteractionContent.
pub const CONTENT_OPERATION: &str = "GetInteractionContent";
/// The prefix of the resource every history result links to (`uri`, `path`):
/// `GET /api/v2/interactions/{id}`.
pub const RESOURCE_PREFIX: &str = "/api/v2/interactions/";

/// The interaction id of `POST /api/v2/ucs/interactions/{id}` (GetInteractionContent, and the
/// UCS writes GWS serves on the same URL), when `path` is that URL with a valid UCS id.
pub fn content_path_id(path: &str) -> Option<&str> {
    let id = path.strip_prefix(INTERACTIONS_PATH)?.strip_prefix('/')?;
    let id = id.strip_suffix('/').unwrap_or(id);
    is_ucs_id(id).then_some(id)
}

/// The interaction id of `GET /api/v2/interactions/{id}`, when `path` is that URL with a valid
/// UCS id.
pub fn resource_path_id(path: &str) -> Option<&str> {
    let id = path.strip_prefix(RESOURCE_PREFIX)?;
    let id = id.strip_suffix('/').unwrap_or(id);
    is_ucs_id(id).then_some(id)
}

/// A GetInteractionContent request that passed validation.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ContentRequest {
    /// The interaction id, from the URL.
    pub id: String,
    /// Where UCS looks it up (`main` unless stated).
    pub source: Source,
}

impl ContentRequest {
    /// The request for interaction `id` in `source`.
    pub fn new(id: impl Into<String>, source: Source) -> Self {
        Self {
            id: id.into(),
            source,
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireContentRequest {
    operation_name: Option<Value>,
    source: Option<Value>,
}

/// Parses the body of `POST /api/v2/ucs/interactions/{id}` for interaction `id`.
///
/// `operationName` must be `GetInteractionContent`; any other name is
/// [`ErrorKind::UnknownOperation`] (the UCS writes on this URL are GWS's: a proxy with an upstream
/// forwards them). `source` is `main` (default) or `archive`, case-insensitively; other keys are
/// ignored, as GWS does.
///
/// ```
/// use ucs_model::{parse_content_request, Source};
///
/// let request = parse_content_request("0000Sa99620J0EM5",
///     br#"{"operationName":"GetInteractionContent","source":"ARCHIVE"}"#)?;
/// assert_eq!(request.source, Source::Archive);
/// let write = parse_content_request("0000Sa99620J0EM5", br#"{"operationName":"SetCallNote"}"#);
/// assert!(write.is_err());
/// # Ok::<(), ucs_model::RequestError>(())
/// ```
pub fn parse_content_request(id: &str, body: &[u8]) -> Result<ContentRequest> {
    let wire: WireContentRequest = decode_object(body)?;
    let name = operation_name(wire.operation_name)?;
    if name != CONTENT_OPERATION {
        return Err(unknown_operation(&name));
    }
    let source = parse_source(wire.source)?;
    Ok(ContentRequest::new(id, source))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    #[test]
    fn recognises_the_two_content_urls() {
        assert_eq!(
            content_path_id("/api/v2/ucs/interactions/0000Sa99620J0EM5"),
            Some("0000Sa99620J0EM5")
        );
        assert_eq!(content_path_id("/api/v2/ucs/interactions/a1/"), Some("a1"));
        assert_eq!(resource_path_id("/api/v2/interactions/a1"), Some("a1"));
        for path in [
            "/api/v2/ucs/interactions",
            "/api/v2/ucs/interactions/",
            "/api/v2/ucs/interactions/a/b",
            "/api/v2/ucs/interactions/%20",
            "/api/v2/interactions/",
        ] {
            assert_eq!(
                content_path_id(path).or(resource_path_id(path)),
                None,
                "{path}"
            );
        }
    }

    #[test]
    fn only_get_interaction_content_is_ours() {
        let ok = parse_content_request("x", br#"{"operationName":"GetInteractionContent"}"#);
        assert_eq!(ok, Ok(ContentRequest::new("x", Source::Main)));
        let kind = |body: &[u8]| parse_content_request("x", body).unwrap_err().kind().clone();
        assert_eq!(
            kind(br#"{"operationName":"SetCallCompleted"}"#),
            ErrorKind::UnknownOperation
        );
        assert_eq!(kind(br#"{"source":"main"}"#), ErrorKind::MissingOperation);
        assert_eq!(
            kind(br#"{"operationName":"GetInteractionContent","source":"old"}"#),
            ErrorKind::InvalidParameter
        );
        assert_eq!(kind(b"[1]"), ErrorKind::MalformedBody);
    }
}
