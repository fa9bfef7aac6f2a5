//! The plugin author's side: implement [`Backend`], then `export_plugin!(MyBackend);`. The macro
//! exports the entry symbol; every piece of unsafe glue lives here, generic over the backend.
#![allow(unsafe_code)]

use crate::abi::{
    ChangeFn, DoneFn, PluginVTable, SinkFn, ABI_MAJOR, ABI_MINOR, PLUGIN_MAGIC, STATUS_ERROR,
    STATUS_INVALID_REQUEST, STATUS_OK, STATUS_PANIC,
};
use crate::backend_error::BackendError;
use crate::feed::ChangeFeed;
use crate::wire::{BackendRequest, ContentBackendRequest, Description};
use serde::de::DeserializeOwned;
use std::any::Any;
use std::ffi::c_void;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;
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
        create: create::<B>,
        describe: describe::<B>,
        query_start: query_start::<B>,
        destroy: destroy::<B>,
        watch_changes: watch_changes::<B>,
        content_start: content_start::<B>,
    }
}

/// One instance: the backend and the runtime its queries run on.
struct Instance<B> {
    backend: Arc<B>,
    runtime: Option<tokio::runtime::Runtime>,
}

fn panic_message(panic: &(dyn Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panic".to_owned())
}

/// # Safety
/// `data` must point to `len` readable bytes (or be anything when `len` is 0).
unsafe fn bytes<'a>(data: *const u8, len: usize) -> &'a [u8] {
    if len == 0 || data.is_null() {
        &[]
    } else {
        // SAFETY: the caller guarantees `len` readable bytes at `data`.
        unsafe { std::slice::from_raw_parts(data, len) }
    }
}

unsafe extern "C" fn create<B: Backend>(
    config: *const u8,
    config_len: usize,
    instance: *mut *mut c_void,
    error: SinkFn,
    error_ctx: *mut c_void,
) -> i32 {
    let report = |status: i32, message: &str| {
        // SAFETY: `error`/`error_ctx` come from the host for the duration of this call.
        unsafe { error(error_ctx, message.as_ptr(), message.len()) };
        status
    };
    // SAFETY: the host passes `config_len` readable bytes at `config`.
    let config = unsafe { bytes(config, config_len) };
    let built = catch_unwind(AssertUnwindSafe(|| {
        let value =
            serde_json::from_slice(config).map_err(|e| format!("config is not JSON: {e}"))?;
        let backend = B::create(value)?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(PLUGIN_WORKER_THREADS)
            .thread_name("ucs-plugin")
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start the plugin runtime: {e}"))?;
        Ok::<_, String>(Instance {
            backend: Arc::new(backend),
            runtime: Some(runtime),
        })
    }));
    match built {
        Ok(Ok(built)) => {
            // SAFETY: the host passes a valid out pointer.
            unsafe { *instance = Box::into_raw(Box::new(built)).cast() };
            STATUS_OK
        }
        Ok(Err(message)) => report(STATUS_ERROR, &message),
        Err(panic) => report(STATUS_PANIC, &panic_message(&*panic)),
    }
}

unsafe extern "C" fn describe<B: Backend>(
    instance: *mut c_void,
    sink: SinkFn,
    sink_ctx: *mut c_void,
) -> i32 {
    // SAFETY: `instance` was returned by `create::<B>` and not destroyed (host contract).
    let instance = unsafe { &*instance.cast::<Instance<B>>() };
    let (status, text) = match catch_unwind(AssertUnwindSafe(|| instance.backend.describe())) {
        Ok(description) => (
            STATUS_OK,
            serde_json::to_string(&description).unwrap_or_default(),
        ),
        Err(panic) => (STATUS_PANIC, panic_message(&*panic)),
    };
    // SAFETY: `sink`/`sink_ctx` come from the host for the duration of this call.
    unsafe { sink(sink_ctx, text.as_ptr(), text.len()) };
    status
}

/// The host's completion context, carried to a plugin thread.
struct DoneCtx {
    done: DoneFn,
    ctx: *mut c_void,
}

// SAFETY: the host's contract for `done_ctx` is that it may be used from any thread, once.
unsafe impl Send for DoneCtx {}

impl DoneCtx {
    fn finish(self, status: i32, bytes: &[u8]) {
        // SAFETY: called exactly once (consumes self) with bytes valid during the call.
        unsafe { (self.done)(self.ctx, status, bytes.as_ptr(), bytes.len()) }
    }
}

unsafe extern "C" fn query_start<B: Backend>(
    instance: *mut c_void,
    request: *const u8,
    request_len: usize,
    done: DoneFn,
    done_ctx: *mut c_void,
) -> i32 {
    // SAFETY: forwarded unchanged from the host, whose contract `start_call` states.
    unsafe {
        start_call::<B, BackendRequest, _>(instance, request, request_len, done, done_ctx, {
            |backend, request| async move { backend.query_json(request).await }
        })
    }
}

unsafe extern "C" fn content_start<B: Backend>(
    instance: *mut c_void,
    request: *const u8,
    request_len: usize,
    done: DoneFn,
    done_ctx: *mut c_void,
) -> i32 {
    // SAFETY: forwarded unchanged from the host, whose contract `start_call` states.
    unsafe {
        start_call::<B, ContentBackendRequest, _>(instance, request, request_len, done, done_ctx, {
            |backend, request| async move { backend.content_json(request).await }
        })
    }
}

/// Starts one call of the host on the instance's runtime: decodes the JSON request `R`, runs
/// `call` in its own task (a panic there ends that task and comes back as `STATUS_PANIC`) and
/// completes through `done` exactly once.
///
/// # Safety
/// `instance` was returned by `create::<B>` and not destroyed; `request` points to
/// `request_len` readable bytes for the duration of this call; `done` with `done_ctx` may be
/// called once from any thread.
unsafe fn start_call<B, R, F>(
    instance: *mut c_void,
    request: *const u8,
    request_len: usize,
    done: DoneFn,
    done_ctx: *mut c_void,
    call: impl FnOnce(Arc<B>, R) -> F + Send + 'static,
) -> i32
where
    B: Backend,
    R: DeserializeOwned + Send + 'static,
    F: Future<Output = Result<Vec<u8>, BackendError>> + Send + 'static,
{
    // SAFETY: `instance` was returned by `create::<B>` and not destroyed (host contract).
    let instance = unsafe { &*instance.cast::<Instance<B>>() };
    // SAFETY: the host passes `request_len` readable bytes at `request`.
    let request = unsafe { bytes(request, request_len) }.to_vec();
    let done = DoneCtx {
        done,
        ctx: done_ctx,
    };
    let Some(runtime) = instance.runtime.as_ref() else {
        return STATUS_ERROR;
    };
    let backend = Arc::clone(&instance.backend);
    let started = catch_unwind(AssertUnwindSafe(|| {
        runtime.spawn(async move {
            let request: R = match serde_json::from_slice(&request) {
                Ok(request) => request,
                Err(e) => return done.finish(STATUS_ERROR, format!("bad request: {e}").as_bytes()),
            };
            // A panic inside the backend's future ends that task; tokio hands it back here as
            // an error instead of unwinding into the host.
            let outcome = tokio::spawn(call(backend, request)).await;
            match outcome {
                Ok(Ok(json)) => done.finish(STATUS_OK, &json),
                Ok(Err(error)) => done.finish(error.kind().status(), error.message().as_bytes()),
                Err(join) => {
                    let message = match join.try_into_panic() {
                        Ok(panic) => panic_message(&*panic),
                        Err(_) => "call cancelled".to_owned(),
                    };
                    done.finish(STATUS_PANIC, message.as_bytes())
                }
            }
        });
    }));
    match started {
        Ok(()) => STATUS_OK,
        Err(_) => STATUS_PANIC,
    }
}

unsafe extern "C" fn watch_changes<B: Backend>(
    instance: *mut c_void,
    changes: ChangeFn,
    ctx: *mut c_void,
) -> i32 {
    // SAFETY: `instance` was returned by `create::<B>` and not destroyed (host contract).
    let instance = unsafe { &*instance.cast::<Instance<B>>() };
    let Some(runtime) = instance.runtime.as_ref() else {
        return STATUS_ERROR;
    };
    // SAFETY: the host's contract for `watch_changes`: `changes` with `ctx` stays callable from
    // any thread for the life of the process.
    let feed = unsafe { ChangeFeed::new(changes, ctx) };
    let _in_runtime = runtime.enter();
    match catch_unwind(AssertUnwindSafe(|| instance.backend.watch_changes(feed))) {
        Ok(true) => STATUS_OK,
        Ok(false) => STATUS_INVALID_REQUEST,
        Err(_) => STATUS_PANIC,
    }
}

unsafe extern "C" fn destroy<B: Backend>(instance: *mut c_void) {
    if instance.is_null() {
        return;
    }
    // SAFETY: `instance` was returned by `create::<B>`; the host destroys it once.
    let mut instance = unsafe { Box::from_raw(instance.cast::<Instance<B>>()) };
    // A backend's Drop may panic: that must not unwind into the host.
    let _ = catch_unwind(AssertUnwindSafe(move || {
        if let Some(runtime) = instance.runtime.take() {
            // The host may call this from inside its own runtime, where a blocking shutdown is
            // not allowed.
            runtime.shutdown_background();
        }
        drop(instance);
    }));
}
