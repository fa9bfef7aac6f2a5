//! Parsing a request body into a [`HistoryQuery`]: validation, defaults and normalization.

use crate::date::{end_of_day, parse_bound, start_of_day, BoundEnd, EXPECTED_DATE};
use crate::error::{ErrorKind, RequestError, Result};
use crate::media::{MediaType, SortOrder, Source};
use crate::query::{HistoryQuery, DEFAULT_MAX_SIZE, DEFAULT_MAX_SIZE_LIMIT};
use crate::route::{Operation, Route};
use chrono::{DateTime, Months, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// Everything outside the body that parsing depends on: the clock (as "today" in the server's
/// time zone), the time zone itself and the configured `maxSize` ceiling. Injected, so the crate
/// never reads the wall clock and tests can pin any day.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParseContext {
    today: NaiveDate,
    time_zone: Tz,
    max_size_limit: u32,
    max_attributes: usize,
}

/// The default bound on the entries of `customAttributes` and of `searchCustomAttributes`: far
/// above real use, far below what makes a store's statement fail after the ack.
pub const DEFAULT_MAX_ATTRIBUTES: usize = 100;

impl ParseContext {
    /// A context for requests received at `now`, in `time_zone`, with the default ceiling.
    pub fn new(now: DateTime<Utc>, time_zone: Tz) -> Self {
        Self {
            today: now.with_timezone(&time_zone).date_naive(),
            time_zone,
            max_size_limit: DEFAULT_MAX_SIZE_LIMIT,
            max_attributes: DEFAULT_MAX_ATTRIBUTES,
        }
    }

    /// Sets the largest accepted number of entries in `customAttributes` and in
    /// `searchCustomAttributes` (`limits.max_attributes`); at least 1.
    pub fn with_max_attributes(mut self, limit: usize) -> Self {
        self.max_attributes = limit.max(1);
        self
    }

    /// Sets the largest accepted `maxSize` (`limits.max_size`); at least 1.
    pub fn with_max_size_limit(mut self, limit: u32) -> Self {
        self.max_size_limit = limit.max(1);
        self
    }

    /// Today's date in the server's time zone.
    pub fn today(&self) -> NaiveDate {
        self.today
    }

    /// The server's time zone.
    pub fn time_zone(&self) -> Tz {
        self.time_zone
    }

    /// The largest accepted `maxSize`.
    pub fn max_size_limit(&self) -> u32 {
        self.max_size_limit
    }
}

/// A request that passed validation: which operation it is and what it asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedRequest {
    /// The operation named by `operationName`.
    pub operation: Operation,
    /// The normalized query.
    pub query: HistoryQuery,
}

/// The parameters GWS defines; anything else in the body is ignored, as GWS does. `null` counts
/// as absent.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireRequest {
    operation_name: Option<Value>,
    from_date: Option<Value>,
    to_date: Option<Value>,
    media_type: Option<Value>,
    sort: Option<Value>,
    max_size: Option<Value>,
    source: Option<Value>,
    user_id: Option<Value>,
    custom_attributes: Option<Value>,
    search_custom_attributes: Option<Value>,
}

/// Parses and validates a request `body` received on `route`.
///
/// Parameters are checked in the order of the GWS page and the first problem is reported, with
/// its `statusCode`, HTTP status and a message naming the parameter. Defaults (SPEC.md):
/// `toDate` today; `fromDate` one month before the earlier of today and `toDate`; `sort` desc;
/// `maxSize` 100 (or the ceiling when that is lower); `source` main.
///
/// RetrieveContactHistory takes its contact from the URL and, as documented by GWS, has no
/// `maxSize` or `userId`: both are ignored there and the result is capped at the ceiling.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use ucs_model::{parse_request, ParseContext, Route, SortOrder};
///
/// let ctx = ParseContext::new(Utc.with_ymd_and_hms(2015, 10, 20, 8, 0, 0).unwrap(), chrono_tz::UTC);
/// let body = br#"{"operationName":"RetrieveInteractionHistory","sort":"ASC","mediaType":"Chat"}"#;
/// let request = parse_request(&Route::Interactions, body, &ctx)?;
/// assert_eq!(request.query.sort(), SortOrder::Asc);
/// assert_eq!(request.query.max_size(), 100);
/// assert_eq!(request.query.from().to_rfc3339(), "2015-09-20T00:00:00+00:00");
/// # Ok::<(), ucs_model::RequestError>(())
/// ```
pub fn parse_request(route: &Route, body: &[u8], ctx: &ParseContext) -> Result<ParsedRequest> {
    let wire: WireRequest = decode_object(body)?;
    let operation = parse_operation(route, wire.operation_name)?;
    let tz = ctx.time_zone;

    let to = parse_date("toDate", wire.to_date, tz, BoundEnd::End)?;
    let from = parse_date("fromDate", wire.from_date, tz, BoundEnd::Start)?;
    let to = to.unwrap_or_else(|| end_of_day(ctx.today, tz));
    let from = from.unwrap_or_else(|| {
        // One month back from the end of the window, never from after today: a toDate in the
        // past gets a one-month window ending there rather than an empty or inverted one.
        let anchor = ctx.today.min(to.with_timezone(&tz).date_naive());
        let start = anchor.checked_sub_months(Months::new(1)).unwrap_or(anchor);
        start_of_day(start, tz)
    });
    if from > to {
        return Err(RequestError::invalid(
            "fromDate",
            "must not be after toDate",
        ));
    }

    let media_type = optional_string("mediaType", wire.media_type)?
        .map(|name| {
            MediaType::from_name(&name).ok_or_else(|| {
                RequestError::invalid(
                    "mediaType",
                    "expected one of call, chat, email, facebook, facebooksession, openmedia, twitter, workitem",
                )
            })
        })
        .transpose()?;
    let sort = optional_string("sort", wire.sort)?
        .map(|name| {
            SortOrder::from_name(&name)
                .ok_or_else(|| RequestError::invalid("sort", "expected asc or desc"))
        })
        .transpose()?
        .unwrap_or_default();

    let limit = ctx.max_size_limit;
    let (max_size, user_id, contact_id) = match route {
        Route::ContactInteractions(contact) => (limit, None, Some(contact.clone())),
        Route::Interactions => {
            let max_size = parse_max_size(wire.max_size, limit)?
                .unwrap_or_else(|| DEFAULT_MAX_SIZE.min(limit));
            let user_id = non_empty_string("userId", wire.user_id)?;
            if operation == Operation::RetrieveAgentHistory && user_id.is_none() {
                return Err(RequestError::missing(ErrorKind::MissingParameter, "userId"));
            }
            (max_size, user_id, None)
        }
    };

    let source = parse_source(wire.source)?;

    let custom_attributes = parse_attribute_names(wire.custom_attributes)?;
    let search_custom_attributes = parse_search_attributes(wire.search_custom_attributes)?;
    for (name, count) in [
        ("customAttributes", custom_attributes.len()),
        ("searchCustomAttributes", search_custom_attributes.len()),
    ] {
        if count > ctx.max_attributes {
            return Err(RequestError::invalid(
                name,
                format!("at most {} entries", ctx.max_attributes),
            ));
        }
    }

    Ok(ParsedRequest {
        operation,
        query: HistoryQuery {
            from,
            to,
            media_type,
            sort,
            max_size,
            source,
            user_id,
            contact_id,
            custom_attributes,
            search_custom_attributes,
        },
    })
}

/// Decodes a request body that must be a JSON object into `T`.
pub(crate) fn decode_object<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T> {
    // serde would also map a JSON array onto the struct positionally; only an object is a request.
    let first = body.iter().find(|b| !b.is_ascii_whitespace());
    if first != Some(&b'{') {
        return Err(RequestError::new(
            ErrorKind::MalformedBody,
            "Malformed request body: expected a JSON object",
        ));
    }
    serde_json::from_slice(body).map_err(|e| {
        RequestError::new(
            ErrorKind::MalformedBody,
            format!("Malformed request body: {e}"),
        )
    })
}

/// Whether [`parse_request`] would refuse `body` on `route` for its `operationName` alone
/// (`ErrorKind::UnknownOperation`: an operation GWS serves, which a proxy in front of GWS
/// forwards), decided from that one field: the rest of the body is skipped, not decoded.
///
/// ```
/// use ucs_model::{names_unserved_operation, Route};
///
/// assert!(names_unserved_operation(&Route::Interactions, br#"{"operationName":"SetCallCompleted"}"#));
/// assert!(!names_unserved_operation(&Route::Interactions, br#"{"operationName":"RetrieveInteractionHistory"}"#));
/// assert!(!names_unserved_operation(&Route::Interactions, b"not json"));
/// ```
pub fn names_unserved_operation(route: &Route, body: &[u8]) -> bool {
    /// The one field read.
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct OperationOnly {
        operation_name: Option<Value>,
    }
    decode_object::<OperationOnly>(body).is_ok_and(|wire| {
        parse_operation(route, wire.operation_name)
            .is_err_and(|error| *error.kind() == ErrorKind::UnknownOperation)
    })
}

fn parse_operation(route: &Route, value: Option<Value>) -> Result<Operation> {
    let name = operation_name(value)?;
    Operation::from_name(&name)
        .filter(|op| route.serves(*op))
        .ok_or_else(|| unknown_operation(&name))
}

/// `operationName`: mandatory, a string.
pub(crate) fn operation_name(value: Option<Value>) -> Result<String> {
    match value {
        None => Err(RequestError::missing(
            ErrorKind::MissingOperation,
            "operationName",
        )),
        Some(Value::String(name)) => Ok(name),
        Some(_) => Err(RequestError::invalid("operationName", "expected a string")),
    }
}

/// The refusal of an `operationName` not served on the URL (GWS's wording).
pub(crate) fn unknown_operation(name: &str) -> RequestError {
    RequestError::new(
        ErrorKind::UnknownOperation,
        format!("Invalid operation: {name}"),
    )
}

/// `source`: `main` (default) or `archive`, case-insensitively.
pub(crate) fn parse_source(value: Option<Value>) -> Result<Source> {
    optional_string("source", value)?
        .map(|name| {
            Source::from_name(&name)
                .ok_or_else(|| RequestError::invalid("source", "expected main or archive"))
        })
        .transpose()
        .map(Option::unwrap_or_default)
}

/// `fromDate` / `toDate`: a string in one of the forms [`parse_bound`] reads.
fn parse_date(
    name: &str,
    value: Option<Value>,
    tz: Tz,
    end: BoundEnd,
) -> Result<Option<DateTime<Utc>>> {
    match value {
        None => Ok(None),
        Some(Value::String(text)) => parse_bound(name, &text, tz, end).map(Some),
        Some(_) => Err(RequestError::invalid(name, EXPECTED_DATE)),
    }
}

pub(crate) fn optional_string(name: &str, value: Option<Value>) -> Result<Option<String>> {
    match value {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(RequestError::invalid(name, "expected a string")),
    }
}

fn non_empty_string(name: &str, value: Option<Value>) -> Result<Option<String>> {
    match optional_string(name, value)? {
        Some(s) if s.is_empty() => Err(RequestError::invalid(name, "expected a non-empty string")),
        other => Ok(other),
    }
}

/// `maxSize`: an integer from 1 to `limit`, as a JSON number or a string of digits.
fn parse_max_size(value: Option<Value>, limit: u32) -> Result<Option<u32>> {
    let number = match value {
        None => return Ok(None),
        Some(Value::Number(n)) => n.as_u64(),
        Some(Value::String(s)) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => {
            s.parse::<u64>().ok()
        }
        Some(_) => None,
    };
    match number {
        Some(n) if (1..=u64::from(limit)).contains(&n) => Ok(Some(n as u32)),
        _ => Err(RequestError::invalid(
            "maxSize",
            format!("expected an integer from 1 to {limit}"),
        )),
    }
}

/// `customAttributes`: a list of non-empty names, returned sorted and unique.
fn parse_attribute_names(value: Option<Value>) -> Result<Vec<String>> {
    let items = match value {
        None => return Ok(Vec::new()),
        Some(Value::Array(items)) => items,
        Some(_) => {
            return Err(RequestError::invalid(
                "customAttributes",
                "expected a list of names",
            ))
        }
    };
    let mut names = items
        .into_iter()
        .map(|item| match item {
            Value::String(s) if !s.is_empty() => Ok(s),
            _ => Err(RequestError::invalid(
                "customAttributes",
                "expected a list of non-empty strings",
            )),
        })
        .collect::<Result<Vec<_>>>()?;
    names.sort_unstable();
    names.dedup();
    Ok(names)
}

/// `searchCustomAttributes`: an object of non-empty names to string values.
fn parse_search_attributes(value: Option<Value>) -> Result<BTreeMap<String, String>> {
    let pairs = match value {
        None => return Ok(BTreeMap::new()),
        Some(Value::Object(pairs)) => pairs,
        Some(_) => {
            return Err(RequestError::invalid(
                "searchCustomAttributes",
                "expected an object of names to strings",
            ))
        }
    };
    pairs
        .into_iter()
        .map(|(name, value)| match value {
            Value::String(v) if !name.is_empty() => Ok((name, v)),
            _ => Err(RequestError::invalid(
                &format!("searchCustomAttributes.{name}"),
                "expected a string",
            )),
        })
        .collect()
}
