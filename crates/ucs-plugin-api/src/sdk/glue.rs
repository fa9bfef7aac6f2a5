//! The unsafe glue between the C table and a [`Backend`]: one instance per `create`, each
//! entry point catching panics, calls answered on the instance's own runtime.
#![allow(unsafe_code)]

use super::{Backend, PLUGIN_WORKER_THREADS};
use crate::abi::{
    ChangeFn, DoneFn, SinkFn, STATUS_ERROR, STATUS_INVALID_REQUEST, STATUS_OK, STATUS_PANIC,
};
use crate::backend_error::BackendError;
use crate::feed::ChangeFeed;
use crate::wire::{BackendRequest, ContentBackendRequest};
use serde::de::DeserializeOwned;
use std::any::Any;
use std::ffi::c_void;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

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

pub(super) unsafe extern "C" fn create<B: Backend>(
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

pub(super) unsafe extern "C" fn describe<B: Backend>(
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

/// One kind of call the host starts and the plugin completes later: its JSON request and the
/// backend method that answers it.
pub(super) trait Call<B: Backend> {
    /// The request the host sends.
    type Request: DeserializeOwned + Send + 'static;
    /// The answer's JSON bytes.
    fn answer(
        backend: Arc<B>,
        request: Self::Request,
    ) -> impl Future<Output = Result<Vec<u8>, BackendError>> + Send + 'static;
}

/// A history query (`query_start`).
pub(super) struct Query;

impl<B: Backend> Call<B> for Query {
    type Request = BackendRequest;
    async fn answer(backend: Arc<B>, request: BackendRequest) -> Result<Vec<u8>, BackendError> {
        backend.query_json(request).await
    }
}

/// GetInteractionContent (`content_start`, ABI 1.3).
pub(super) struct Content;

impl<B: Backend> Call<B> for Content {
    type Request = ContentBackendRequest;
    async fn answer(
        backend: Arc<B>,
        request: ContentBackendRequest,
    ) -> Result<Vec<u8>, BackendError> {
        backend.content_json(request).await
    }
}

/// Starts one call `C` of the host on the instance's runtime (the table's `query_start` and
/// `content_start`): decodes its JSON request, answers it in its own task (a panic there ends
/// that task and comes back as `STATUS_PANIC`) and completes through `done` exactly once.
pub(super) unsafe extern "C" fn start<B: Backend, C: Call<B>>(
    instance: *mut c_void,
    request: *const u8,
    request_len: usize,
    done: DoneFn,
    done_ctx: *mut c_void,
) -> i32 {
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
            let request: C::Request = match serde_json::from_slice(&request) {
                Ok(request) => request,
                Err(e) => return done.finish(STATUS_ERROR, format!("bad request: {e}").as_bytes()),
            };
            // A panic inside the backend's future ends that task; tokio hands it back here as
            // an error instead of unwinding into the host.
            let outcome = tokio::spawn(C::answer(backend, request)).await;
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

pub(super) unsafe extern "C" fn watch_changes<B: Backend>(
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

pub(super) unsafe extern "C" fn destroy<B: Backend>(instance: *mut c_void) {
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
