//! A backend request as the upstream GWS is asked it, and its interactions read back.

use crate::error::RelayError;
use ucs_plugin_api::serde_json::{self, json, Map, Value};
use ucs_plugin_api::ucs_model::{
    Interaction, SortOrder, Source, Tz, CONTACTS_PREFIX, INTERACTIONS_PATH,
};
use ucs_plugin_api::{BackendRequest, ContentBackendRequest};

/// The notification channel GWS publishes history results on.
pub(crate) const HISTORY_CHANNEL: &str = "/v2/ucs/interactions";

/// The URL path and JSON body that ask the upstream the same question as `request`: dates as
/// `yyyy-MM-dd` in the upstream's zone, the one media type (none for a batch over every type),
/// every filter of the normalized query.
/// RetrieveContactHistory takes neither `maxSize` nor `userId`; its answer is cut and filtered
/// here (see [`interactions`]).
pub(crate) fn upstream_call(request: &BackendRequest, time_zone: Tz) -> (String, Value) {
    let query = &request.query;
    let date = |instant: ucs_plugin_api::ucs_model::chrono::DateTime<_>| {
        instant
            .with_timezone(&time_zone)
            .format("%Y-%m-%d")
            .to_string()
    };
    let (path, operation) = match query.contact_id() {
        Some(contact) => (
            format!("{CONTACTS_PREFIX}{contact}/interactions"),
            "RetrieveContactHistory",
        ),
        None => (INTERACTIONS_PATH.to_owned(), "RetrieveInteractionHistory"),
    };
    let mut body = Map::new();
    body.insert("operationName".into(), json!(operation));
    body.insert("fromDate".into(), json!(date(query.from())));
    body.insert("toDate".into(), json!(date(query.to())));
    if request.asked_media_types().len() == 1 {
        body.insert("mediaType".into(), json!(request.media_type.as_str()));
    }
    body.insert(
        "sort".into(),
        json!(match query.sort() {
            SortOrder::Asc => "asc",
            SortOrder::Desc => "desc",
        }),
    );
    body.insert(
        "source".into(),
        json!(match query.source() {
            Source::Main => "main",
            Source::Archive => "archive",
        }),
    );
    if query.contact_id().is_none() {
        body.insert("maxSize".into(), json!(query.max_size()));
        if let Some(user) = query.user_id() {
            body.insert("userId".into(), json!(user));
        }
    }
    if !query.custom_attributes().is_empty() {
        body.insert("customAttributes".into(), json!(query.custom_attributes()));
    }
    if !query.search_custom_attributes().is_empty() {
        body.insert(
            "searchCustomAttributes".into(),
            json!(query.search_custom_attributes()),
        );
    }
    (path, Value::Object(body))
}

/// The `interactions` of a history notification's `data` (none when absent).
pub(crate) fn history_items(mut data: Value) -> Result<Vec<Value>, RelayError> {
    match data.get_mut("interactions").map(Value::take) {
        Some(Value::Array(items)) => Ok(items),
        Some(Value::Null) | None => Ok(Vec::new()),
        Some(_) => Err(RelayError::Protocol("interactions is not an array".into())),
    }
}

/// The URL path and JSON body of GetInteractionContent for `request` on the upstream.
pub(crate) fn content_call(request: &ContentBackendRequest) -> (String, Value) {
    let source = match request.source {
        Source::Main => "main",
        Source::Archive => "archive",
    };
    (
        format!("{INTERACTIONS_PATH}/{}", request.id),
        json!({"operationName": "GetInteractionContent", "source": source}),
    )
}

/// The content of a GetInteractionContentMessage's `data` as the plugin answers it:
/// `{"interaction":…,"messages":…}` with both parts as GWS wrote them (key order kept);
/// `None` when the interaction is of a media type the request does not allow.
pub(crate) fn content_json(
    request: &ContentBackendRequest,
    mut data: Value,
) -> Result<Option<Vec<u8>>, RelayError> {
    let interaction = data
        .get_mut("interaction")
        .map(Value::take)
        .filter(Value::is_object)
        .ok_or_else(|| RelayError::Protocol("content without an interaction".into()))?;
    let media_type = interaction.get("mediaType").and_then(Value::as_str);
    if !media_type.is_some_and(|m| request.allows(m)) {
        return Ok(None);
    }
    let mut content = Map::new();
    content.insert("interaction".into(), interaction);
    if let Some(messages) = data.get_mut("messages").map(Value::take) {
        content.insert("messages".into(), messages);
    }
    serde_json::to_vec(&content)
        .map(Some)
        .map_err(|e| RelayError::Protocol(e.to_string()))
}

/// The upstream's interactions as the answer to `request`: read as GWS prints them (`path` and
/// `uri` supplied from the id when missing; the proxy rewrites `uri` to its own base), then held
/// to the normalized query — range, filters, order, `maxSize`, projected custom attributes — so
/// the relay answers exactly what any other backend would.
pub(crate) fn interactions(
    request: &BackendRequest,
    raw: Vec<Value>,
) -> Result<Vec<Interaction>, RelayError> {
    let parsed = raw
        .into_iter()
        .map(|mut value| {
            let id = value.get("id").and_then(Value::as_str).map(str::to_owned);
            if let (Some(object), Some(id)) = (value.as_object_mut(), id) {
                let path = Interaction::path_for(&id);
                object.entry("uri").or_insert_with(|| json!(path.clone()));
                object.entry("path").or_insert_with(|| json!(path));
            }
            serde_json::from_value::<Interaction>(value)
                .map_err(|e| RelayError::Protocol(format!("interaction: {e}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(request
        .query
        .select(parsed.iter().filter(|i| request.asks_for(&i.media_type))))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ucs_plugin_api::ucs_model::chrono::{TimeZone, Utc};
    use ucs_plugin_api::ucs_model::{parse_request, MediaType, ParseContext, Route};

    fn request(route: Route, body: &str) -> BackendRequest {
        let ctx = ParseContext::new(
            Utc.with_ymd_and_hms(2015, 10, 20, 8, 0, 0).unwrap(),
            Tz::UTC,
        );
        let query = parse_request(&route, body.as_bytes(), &ctx).unwrap().query;
        BackendRequest::new("cc1", &query, MediaType::Chat)
    }

    #[test]
    fn the_normalized_query_is_asked_with_every_filter() {
        let r = request(
            Route::Interactions,
            r#"{"operationName":"RetrieveAgentHistory","fromDate":"2015-09-01","toDate":"2015-09-30",
               "userId":"u1","sort":"ASC","maxSize":5,"customAttributes":["b","a","b"],
               "searchCustomAttributes":{"k":"v"}}"#,
        );
        let (path, body) = upstream_call(&r, Tz::UTC);
        assert_eq!(path, "/api/v2/ucs/interactions");
        assert_eq!(
            body.to_string(),
            r#"{"operationName":"RetrieveInteractionHistory","fromDate":"2015-09-01","toDate":"2015-09-30","mediaType":"chat","sort":"asc","source":"main","maxSize":5,"userId":"u1","customAttributes":["a","b"],"searchCustomAttributes":{"k":"v"}}"#
        );
        // The same instants read in another zone are other calendar dates.
        let (_, body) = upstream_call(&r, "Asia/Tokyo".parse().unwrap());
        assert_eq!(body["fromDate"], "2015-09-01");
        assert_eq!(body["toDate"], "2015-10-01");
    }

    #[test]
    fn a_contact_query_goes_to_the_contact_url_without_max_size() {
        let r = request(
            Route::ContactInteractions("0001".into()),
            r#"{"operationName":"RetrieveContactHistory"}"#,
        );
        let (path, body) = upstream_call(&r, Tz::UTC);
        assert_eq!(path, "/api/v2/ucs/contacts/0001/interactions");
        assert_eq!(body["operationName"], "RetrieveContactHistory");
        assert!(body.get("maxSize").is_none() && body.get("userId").is_none());
    }

    #[test]
    fn the_answer_is_held_to_the_query() {
        let r = request(
            Route::Interactions,
            r#"{"operationName":"RetrieveInteractionHistory","maxSize":1,"customAttributes":["a"]}"#,
        );
        let item = |id: &str, media: &str, start: &str| {
            json!({"mediaType": media, "typeId": "Inbound", "state": "Stopped",
                   "startDate": start, "id": id, "customAttributes": {"a": "1", "z": "2"}})
        };
        let got = interactions(
            &r,
            vec![
                item("A", "Chat", "2015-10-10 10:00:00.000+0000"),
                item("B", "chat", "2015-10-11 10:00:00.000+0000"),
                item("C", "Email", "2015-10-12 10:00:00.000+0000"),
                item("D", "Chat", "2014-01-01 10:00:00.000+0000"),
            ],
        )
        .unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].id, "B", "newest chat inside the range");
        assert_eq!(got[0].path, "/api/v2/interactions/B");
        assert_eq!(got[0].custom_attributes.len(), 1);
        assert!(interactions(&r, vec![json!({"id": "x"})]).is_err());
    }
}
