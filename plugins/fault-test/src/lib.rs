//! A test-only backend plugin whose behaviour is chosen by its configuration, `{"mode": …}`:
//!
//! | mode | query answer |
//! |---|---|
//! | `ok` | the reference selection over a few fixed interactions of the requested media type |
//! | `error` | an error of `kind` (`unavailable`, `timeout`, `invalid_request`, default `internal`) |
//! | `panic` | panics inside the query future |
//! | `hang` | never answers |
//! | `malformed` | bytes that are not JSON |
//! | `wrong-media` | an interaction of another media type |
//! | `panic-create` | (panics in `create`) |
//! | `count` | one interaction whose `subject` is `call <n>`: this instance's n-th query |
//!
//! `delay_ms` (default 0) makes every answer wait that long first, so that concurrent callers
//! overlap (coalescing tests) and stale entries can be refreshed while others read;
//! `delay_ms_by_tenant` (`{"cc2": 2000}`) overrides it per tenant (one tenant's queries heavy,
//! another's light). `capacity` (default: unbounded) lets that many queries run at once, the
//! others wait in line, as a store with a pool of connections does.
//!
//! It exists so the host's timeout, panic barrier and output validation are tested against a
//! real loaded library rather than a Rust-level call.

use serde::Deserialize;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use ucs_plugin_api::ucs_model::chrono::{DateTime, Duration};
use ucs_plugin_api::ucs_model::{ContentInteraction, Interaction, InteractionContent};
use ucs_plugin_api::{
    export_plugin, Backend, BackendError, BackendErrorKind, BackendRequest, ContentBackendRequest,
    Description,
};

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
enum Mode {
    Ok,
    Error,
    Panic,
    Hang,
    Malformed,
    WrongMedia,
    PanicCreate,
    Count,
}

#[derive(Deserialize)]
struct Config {
    mode: Mode,
    #[serde(default = "internal")]
    kind: BackendErrorKind,
    #[serde(default)]
    delay_ms: u64,
    #[serde(default)]
    delay_ms_by_tenant: std::collections::HashMap<String, u64>,
    #[serde(default)]
    capacity: Option<usize>,
}

fn internal() -> BackendErrorKind {
    BackendErrorKind::Internal
}

/// The misbehaving backend.
#[derive(Debug)]
pub struct FaultBackend {
    mode: Mode,
    kind: BackendErrorKind,
    delay: std::time::Duration,
    delay_by_tenant: std::collections::HashMap<String, u64>,
    capacity: Option<tokio::sync::Semaphore>,
    calls: AtomicU64,
}

fn fixture(id: &str, media: &str, start: &str) -> Interaction {
    let start = DateTime::parse_from_rfc3339(start).expect("fixture dates are valid");
    Interaction {
        end_date: Some(start + Duration::minutes(3)),
        subject: Some("fixture".to_owned()),
        contact_id: Some("contact-1".to_owned()),
        uri: format!("http://127.0.0.1:8080{}", Interaction::path_for(id)),
        ..Interaction::started(id, media, start)
    }
}

fn fixtures(media: &str) -> Vec<Interaction> {
    vec![
        fixture("fixture-1", media, "2015-10-01T10:00:00Z"),
        fixture("fixture-2", media, "2015-10-02T10:00:00Z"),
        fixture("fixture-3", media, "2015-10-03T10:00:00Z"),
    ]
}

impl Backend for FaultBackend {
    fn create(config: ucs_plugin_api::serde_json::Value) -> Result<Self, String> {
        let config: Config = ucs_plugin_api::serde_json::from_value(config)
            .map_err(|e| format!("bad config: {e}"))?;
        if config.mode == Mode::PanicCreate {
            panic!("fault plugin: panic in create");
        }
        Ok(Self {
            mode: config.mode,
            kind: config.kind,
            delay: std::time::Duration::from_millis(config.delay_ms),
            delay_by_tenant: config.delay_ms_by_tenant,
            capacity: config.capacity.map(tokio::sync::Semaphore::new),
            calls: AtomicU64::new(0),
        })
    }

    fn describe(&self) -> Description {
        Description {
            name: "fault-test".to_owned(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
            media_types: ucs_plugin_api::ucs_model::MediaType::ALL.to_vec(),
            archive: false,
            batch: false,
            content: true,
        }
    }

    async fn query(&self, request: BackendRequest) -> Result<Vec<Interaction>, BackendError> {
        let media = request.media_type.as_str();
        let call = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
        let _connection = match &self.capacity {
            Some(pool) => Some(pool.acquire().await.map_err(|e| e.to_string())?),
            None => None,
        };
        let delay = self
            .delay_by_tenant
            .get(&request.tenant)
            .map_or(self.delay, |ms| std::time::Duration::from_millis(*ms));
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        match self.mode {
            Mode::Count => {
                let mut counted =
                    fixture(&format!("counted-{media}"), media, "2015-10-02T10:00:00Z");
                counted.subject = Some(format!("call {call}"));
                Ok(request.query.select(&[counted]))
            }
            Mode::Ok | Mode::Malformed | Mode::PanicCreate => {
                Ok(request.query.select(&fixtures(media)))
            }
            Mode::Error => Err(BackendError::new(
                self.kind,
                "fault plugin: backend unavailable",
            )),
            Mode::Panic => panic!("fault plugin: panic in query"),
            Mode::Hang => std::future::pending().await,
            Mode::WrongMedia => Ok(vec![fixture("fixture-x", "Fax", "2015-10-02T10:00:00Z")]),
        }
    }

    fn query_json(
        &self,
        request: BackendRequest,
    ) -> impl Future<Output = Result<Vec<u8>, BackendError>> + Send {
        let mode = self.mode;
        let answer = self.query(request);
        async move {
            if mode == Mode::Malformed {
                return Ok(b"{ this is not json".to_vec());
            }
            let interactions = answer.await?;
            ucs_plugin_api::serde_json::to_vec(&interactions)
                .map_err(|e| BackendError::internal(e.to_string()))
        }
    }

    /// The content of `fixture-1` (a chat), nothing for other ids; or the mode's fault.
    fn content_json(
        &self,
        request: ContentBackendRequest,
    ) -> impl Future<Output = Result<Vec<u8>, BackendError>> + Send {
        let (mode, kind) = (self.mode, self.kind);
        async move {
            let content = |id: &str| {
                let content = InteractionContent {
                    interaction: ContentInteraction {
                        summary: fixture(id, "chat", "2015-10-01T10:00:00Z"),
                        text: Some("fixture".to_owned()),
                        structured_text: None,
                        structured_text_mime_type: None,
                        attachments: Vec::new(),
                    },
                    messages: Some(Vec::new()),
                };
                ucs_plugin_api::serde_json::to_vec(&content)
                    .map_err(|e| BackendError::internal(e.to_string()))
            };
            match mode {
                Mode::Panic => panic!("fault plugin: panic in content"),
                Mode::Hang => std::future::pending().await,
                Mode::Malformed => Ok(b"{ this is not json".to_vec()),
                Mode::Error => Err(BackendError::new(kind, "fault plugin: backend unavailable")),
                Mode::WrongMedia => content("someone-else"),
                _ if request.id == "fixture-1" => content("fixture-1"),
                _ => Ok(b"null".to_vec()),
            }
        }
    }
}

export_plugin!(FaultBackend);
