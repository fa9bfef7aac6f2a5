//! The plugin author's side: implement [`Backend`], then `export_plugin!(MyBackend);`. The macro
//! exports the entry symbol; every piece of unsafe glue lives in `glue.rs`, generic over the
//! backend.

mod glue;

use crate::abi::{PluginVTable, ABI_MAJOR, ABI_MINOR, PLUGIN_MAGIC};
use crate::backend_error::BackendError;
use crate::feed::ChangeFeed;
use crate::wire::{BackendRequest, ContentBackendRequest, Description};
use std::future::Future;
use ucs_model::{Interaction, InteractionContent};

/// Worker threads of the runtime each plugin instance owns (the host's runtime cannot be shared
/// across the library boundary: tokio's thread-locals exist once per library).
pub const PLUGIN_WORKER_THREADS: usize = 2;

/// A history backend, as a plugin implements it.
pub trait Backend: Send + Sync + Sized + 'static {
    /// Builds the backend from its `[[backends]]` configuration table (as JSON). Called once
    /// per instance, on the host's thread; an `Err` is reported to the operator at start.
    fn create(config: serde_json::Value) -> Result<Self, String>;

    /// Names the backend and what it serves. Called once after `create`.
    fn describe(&self) -> Description;

    /// Answers one query, on the plugin's own tokio runtime. The result must equal
    /// `request.query.select(..)` over the tenant's interactions of `request.media_type`;
    /// `Err` becomes the `errorMessage` form of the notification, and its kind reaches the
    /// host's metrics and logs (write `From<YourError> for BackendError` to keep it with `?`).
    fn query(
        &self,
        request: BackendRequest,
    ) -> impl Future<Output = Result<Vec<Interaction>, BackendError>> + Send;

    /// (ABI 1.2) Starts reporting every change of an interaction this backend learns of (a
    /// store's triggers, a change log) to `feed`, and a resync after every (re)connection of
    /// the feed. Called at most once, after [`Backend::describe`], inside the instance's
    /// runtime (spawn the listener with `tokio::spawn`). Returns whether a feed runs; the
    /// default has none, and the host's cached answers of this backend then live by their TTL.
    fn watch_changes(&self, feed: ChangeFeed) -> bool {
        let _ = feed;
        false
    }

    /// (ABI 1.3) The content of one interaction (GetInteractionContent): `Ok(None)` when the
    /// backend holds no interaction `request.id` of `request.tenant` in `request.source` whose
    /// media type `request` allows. The default serves no content (the host then answers the
    /// caller's request with an `errorMessage`, or forwards it to GWS when it has an upstream).
    fn content(
        &self,
        request: ContentBackendRequest,
    ) -> impl Future<Output = Result<Option<InteractionContent>, BackendError>> + Send {
        let _ = request;
        async {
            Err(BackendError::invalid_request(
                "this backend serves no content",
            ))
        }
    }

    /// (ABI 1.3) The content as the JSON bytes that cross the boundary (`null` when not found).
    /// The default serializes [`Backend::content`]'s result; a relay that receives JSON may
    /// pass it on as it came. The host checks these bytes whatever produced them.
    fn content_json(
        &self,
        request: ContentBackendRequest,
    ) -> impl Future<Output = Result<Vec<u8>, BackendError>> + Send {
        let answer = self.content(request);
        async move {
            let content = answer.await?;
            serde_json::to_vec(&content).map_err(|e| BackendError::internal(e.to_string()))
        }
    }

    /// The answer as the JSON bytes that cross the boundary. The default serializes
    /// [`Backend::query`]'s result; a store that can produce the JSON itself may override it.
    /// The host validates these bytes whatever produced them.
    fn query_json(
        &self,
        request: BackendRequest,
    ) -> impl Future<Output = Result<Vec<u8>, BackendError>> + Send {
        let answer = self.query(request);
        async move {
            let interactions = answer.await?;
            serde_json::to_vec(&interactions).map_err(|e| BackendError::internal(e.to_string()))
        }
    }
}

/// A backend that serves nothing: for test plugins whose only point is their ABI header.
#[doc(hidden)]
#[derive(Debug)]
pub struct NullBackend;

impl Backend for NullBackend {
    fn create(_config: serde_json::Value) -> Result<Self, String> {
        Ok(NullBackend)
    }

    fn describe(&self) -> Description {
        Description {
            name: "null".to_owned(),
            version: "0".to_owned(),
            media_types: Vec::new(),
            archive: false,
            batch: false,
            content: false,
        }
    }

    async fn query(&self, _request: BackendRequest) -> Result<Vec<Interaction>, BackendError> {
        Ok(Vec::new())
    }
}

/// Exports `$backend` (a type implementing [`Backend`]) as this library's plugin.
#[macro_export]
macro_rules! export_plugin {
    ($backend:ty) => {
        /// The plugin entry point (see `ucs_plugin_api::abi`).
        #[allow(unsafe_code)]
        #[no_mangle]
        pub extern "C" fn ucs_history_plugin_entry() -> *const $crate::abi::PluginVTable {
            static VTABLE: $crate::abi::PluginVTable = $crate::sdk::vtable::<$backend>();
            &VTABLE
        }
    };
    // Test support: a table with another header, to check that hosts refuse it.
    ($backend:ty, magic = $magic:expr, abi_major = $major:expr) => {
        $crate::export_plugin!($backend, header = ($magic, $major, $crate::abi::ABI_MINOR));
    };
    // Test support: a table announcing an older minor version, to check that hosts still load it.
    ($backend:ty, abi_minor = $minor:expr) => {
        $crate::export_plugin!(
            $backend,
            header = ($crate::abi::PLUGIN_MAGIC, $crate::abi::ABI_MAJOR, $minor)
        );
    };
    ($backend:ty, header = ($magic:expr, $major:expr, $minor:expr)) => {
        /// The plugin entry point, with a deliberately altered header (test plugins only).
        #[allow(unsafe_code)]
        #[no_mangle]
        pub extern "C" fn ucs_history_plugin_entry() -> *const $crate::abi::PluginVTable {
            static VTABLE: $crate::abi::PluginVTable =
                $crate::sdk::vtable_with_header::<$backend>($magic, $major, $minor);
            &VTABLE
        }
    };
}

/// The table for backend `B`. Used by [`export_plugin!`].
pub const fn vtable<B: Backend>() -> PluginVTable {
    vtable_with_header::<B>(PLUGIN_MAGIC, ABI_MAJOR, ABI_MINOR)
}

/// The table with a chosen header: only for test plugins that check how a host treats another
/// magic number or version.
#[doc(hidden)]
pub const fn vtable_with_header<B: Backend>(
    magic: u64,
    abi_major: u32,
    abi_minor: u32,
) -> PluginVTable {
    PluginVTable {
        magic,
        abi_major,
        abi_minor,
        size: std::mem::size_of::<PluginVTable>(),
        create: glue::create::<B>,
        describe: glue::describe::<B>,
        query_start: glue::start::<B, glue::Query>,
        destroy: glue::destroy::<B>,
        watch_changes: glue::watch_changes::<B>,
        content_start: glue::start::<B, glue::Content>,
    }
}
