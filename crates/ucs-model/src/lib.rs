//! The GWS interaction-history wire contract as types.
//!
//! This crate is the pure core of `ucs-history-proxy`: it does no I/O, runs no async code and
//! never reads the wall clock. Everything the proxy, the cache and the backend plugins agree on
//! lives here.
//!
//! # Brief overview
//!
//! * [`Route::from_path`] recognises the two history URLs; [`parse_request`] turns a request body
//!   into a [`ParsedRequest`]: the [`Operation`] and a validated, normalized [`HistoryQuery`], or a
//!   [`RequestError`] that carries its GWS answer (`statusCode`, HTTP status, `statusMessage`).
//!   Defaults are resolved against an injected [`ParseContext`] (today, time zone, `maxSize`
//!   ceiling).
//! * [`CacheKey`] pairs a normalized query with an [`AuthScope`].
//! * [`Interaction`] and [`HistoryNotification`] print exactly as GWS prints them.
//! * [`HistoryQuery::select`] is the reference semantics of a query over a set of interactions;
//!   every backend must return what it returns.
//! * [`parse_content_request`] reads GetInteractionContent; [`InteractionContent`] is what a
//!   backend answers and [`ContentMessageJson`] the `GetInteractionContentMessage` around it.
//! * [`InteractionChange`] is one change of an interaction; [`HistoryQuery::affected_by`] says,
//!   with the same rules, whether a cached answer may differ after it.
//!
//! # Why normalize before keying
//!
//! Agent desktops send the same question in many spellings: fields in another order, `"CHAT"` for
//! `"chat"`, attribute lists in any order, defaults stated or left out. Keying the cache on raw
//! bytes (as nginx or Varnish would) would split one question over many entries. Keying on the
//! normalized query folds them into one. The key also holds the authorization scope, because the
//! same question asked by two users may have two answers.
//!
//! ```
//! use chrono::{TimeZone, Utc};
//! use ucs_model::{parse_request, AuthScope, CacheKey, ParseContext, Route};
//!
//! let ctx = ParseContext::new(Utc.with_ymd_and_hms(2015, 10, 20, 8, 0, 0).unwrap(), chrono_tz::UTC);
//! let a = parse_request(&Route::Interactions,
//!     br#"{"operationName":"RetrieveInteractionHistory","mediaType":"CHAT","customAttributes":["b","a"]}"#, &ctx)?;
//! let b = parse_request(&Route::Interactions,
//!     br#"{"customAttributes":["a","b","a"],"sort":"desc","mediaType":"chat","operationName":"RetrieveInteractionHistory"}"#, &ctx)?;
//! let scope = AuthScope::User { tenant: "cc1".into(), user_id: "u1".into() };
//! assert_eq!(CacheKey::new(scope.clone(), &a.query), CacheKey::new(scope, &b.query));
//! # Ok::<(), ucs_model::RequestError>(())
//! ```
#![deny(missing_docs)]

mod ack;
mod cache_key;
mod change;
mod content;
mod content_request;
mod date;
mod error;
mod gws_user;
mod interaction;
mod media;
mod notification;
mod query;
mod request;
mod route;
mod select;

pub use ack::Ack;
pub use cache_key::{AuthScope, CacheKey};
pub use change::{ChangeKind, InteractionChange};
pub use content::{
    has_transcript, Attachment, ContentDocument, ContentInteraction, ContentMessageJson,
    InteractionContent, MessageFrom, TranscriptMessage, CONTENT_MESSAGE_TYPE,
    INTERACTION_NOT_FOUND, TRANSCRIPT_MEDIA,
};
pub use content_request::{
    content_path_id, parse_content_request, resource_path_id, ContentRequest, CONTENT_OPERATION,
    RESOURCE_PREFIX,
};
pub use date::{format_gws_timestamp, GWS_TIMESTAMP_FORMAT};
pub use error::{
    ErrorKind, RequestError, Result, STATUS_FORBIDDEN, STATUS_INVALID_PARAMETER,
    STATUS_MISSING_PARAMETER, STATUS_NOT_AUTHENTICATED, STATUS_UNAVAILABLE,
};
pub use gws_user::GwsUser;
pub use interaction::{Interaction, InteractionState, InteractionType, OwnerInformation};
pub use media::{MediaType, SortOrder, Source};
pub use notification::{
    HistoryMessageJson, HistoryNotification, HistoryOutcome, HISTORY_CHANNEL, HISTORY_MESSAGE_TYPE,
    REQUEST_FAILED,
};
pub use query::{HistoryQuery, DEFAULT_MAX_SIZE, DEFAULT_MAX_SIZE_LIMIT};
pub use request::{
    names_unserved_operation, parse_request, ParseContext, ParsedRequest, DEFAULT_MAX_ATTRIBUTES,
};
pub use route::{Operation, Route, CONTACTS_PREFIX, INTERACTIONS_PATH, MAX_CONTACT_ID_LEN};

// Re-exported so callers (plugins among them) use the same date/time crates as the model.
pub use chrono;
pub use chrono_tz::Tz;
