//! The host's side: load a plugin library, check its ABI, create instances and query them with
//! a timeout. All host-side `unsafe` is in this module.
#![allow(unsafe_code)]

use crate::abi::{
    PluginVTable, StartFn, ABI_MAJOR, ENTRY_SYMBOL, PLUGIN_MAGIC, STATUS_OK, STATUS_PANIC,
    TABLE_SIZE_1_0, TABLE_SIZE_1_2,
};
use crate::backend_error::BackendErrorKind;
use crate::changes::{self, FeedEvent};
use crate::error::{PluginError, PluginErrorKind};
use crate::validate::validate_output;
use crate::wire::{BackendRequest, ContentBackendRequest, Description};
use std::ffi::c_void;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::sync::oneshot;
use ucs_model::{ContentDocument, Interaction};

/// The functions of a plugin's table, copied out of it: the host never holds a reference to a
/// table that may be smaller than this build's [`PluginVTable`] (an older minor version).
#[derive(Clone, Copy, Debug)]
struct Functions {
    abi_major: u32,
    abi_minor: u32,
    create: unsafe extern "C" fn(
        *const u8,
        usize,
        *mut *mut c_void,
        crate::abi::SinkFn,
        *mut c_void,
    ) -> i32,
    describe: unsafe extern "C" fn(*mut c_void, crate::abi::SinkFn, *mut c_void) -> i32,
    query_start: StartFn,
    destroy: unsafe extern "C" fn(*mut c_void),
    /// (1.2) Present when the table holds it.
    watch_changes:
        Option<unsafe extern "C" fn(*mut c_void, crate::abi::ChangeFn, *mut c_void) -> i32>,
    /// (1.3) Present when the table holds it.
    content_start: Option<StartFn>,
}

impl Functions {
    /// Copies the functions of a checked table of `size` bytes.
    ///
    /// # Safety
    /// `table` points to a plugin table whose header was checked, at least
    /// [`TABLE_SIZE_1_0`] bytes long (`size`, as the plugin announces it).
    unsafe fn read(table: *const PluginVTable, size: usize) -> Functions {
        let has_watch = size
            >= std::mem::offset_of!(PluginVTable, watch_changes) + std::mem::size_of::<usize>();
        let has_content = size >= TABLE_SIZE_1_2 + std::mem::size_of::<usize>();
        // SAFETY: every field read lies within the `size` bytes the plugin's table holds; no
        // reference to the whole table is made.
        unsafe {
            Functions {
                abi_major: (*table).abi_major,
                abi_minor: (*table).abi_minor,
                create: (*table).create,
                describe: (*table).describe,
                query_start: (*table).query_start,
                destroy: (*table).destroy,
                watch_changes: (has_watch && (*table).abi_minor >= 2)
                    .then(|| std::ptr::addr_of!((*table).watch_changes).read()),
                content_start: (has_content && (*table).abi_minor >= 3)
                    .then(|| std::ptr::addr_of!((*table).content_start).read()),
            }
        }
    }
}

/// A loaded plugin library. The library is never unloaded while the process lives: code of it
/// may still run on the plugin's threads, and unloading Rust libraries is not reliably safe.
#[derive(Debug)]
pub struct PluginLibrary {
    path: PathBuf,
    functions: Functions,
}

impl PluginLibrary {
    /// Opens `path`, finds the entry symbol and checks the table it returns: magic number, ABI
    /// major version, and a table at least as large as this host knows.
    pub fn load(path: &Path) -> Result<PluginLibrary, PluginError> {
        // SAFETY: loading a library runs its initialisers. Plugins are trusted code configured
        // by the operator; what they export is checked below before anything else is called.
        let library = unsafe { libloading::Library::new(path) }.map_err(|e| {
            PluginError::at(PluginErrorKind::Load, path, format!("cannot open: {e}"))
        })?;
        let entry = {
            // SAFETY: the symbol's type is the one the ABI defines for it.
            let symbol: libloading::Symbol<'_, extern "C" fn() -> *const PluginVTable> =
                unsafe { library.get(ENTRY_SYMBOL.as_bytes()) }.map_err(|e| {
                    PluginError::at(
                        PluginErrorKind::Load,
                        path,
                        format!("no {ENTRY_SYMBOL} symbol: not a ucs-history plugin ({e})"),
                    )
                })?;
            *symbol
        };
        let table = entry();
        if table.is_null() {
            return Err(PluginError::at(
                PluginErrorKind::Incompatible,
                path,
                "entry returned no table",
            ));
        }
        // Read the header fields first: they are the same in every ABI version.
        // SAFETY: a non-null table from the entry symbol starts with the versioned header.
        let (magic, major, minor, size) = unsafe {
            let t = &*table;
            (t.magic, t.abi_major, t.abi_minor, t.size)
        };
        if magic != PLUGIN_MAGIC {
            return Err(PluginError::at(
                PluginErrorKind::Incompatible,
                path,
                format!("bad magic {magic:#018x}, expected {PLUGIN_MAGIC:#018x}"),
            ));
        }
        if major != ABI_MAJOR {
            return Err(PluginError::at(
                PluginErrorKind::Incompatible,
                path,
                format!("plugin ABI {major}.{minor}, this host speaks ABI {ABI_MAJOR}.x"),
            ));
        }
        if size < TABLE_SIZE_1_0 {
            return Err(PluginError::at(
                PluginErrorKind::Incompatible,
                path,
                format!("plugin table of {size} bytes is smaller than ABI {ABI_MAJOR} requires"),
            ));
        }
        // Never unload (see the type's docs).
        let _: &'static libloading::Library = Box::leak(Box::new(library));
        // SAFETY: header checked above, at least the 1.0 table; static in a library that is
        // never unloaded.
        let functions = unsafe { Functions::read(table, size) };
        Ok(PluginLibrary {
            path: path.to_owned(),
            functions,
        })
    }

    /// The ABI version the library was built with, `(major, minor)`.
    pub fn abi_version(&self) -> (u32, u32) {
        (self.functions.abi_major, self.functions.abi_minor)
    }

    /// The library's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Creates an instance with `config`; its queries time out after `timeout`.
    pub fn create(
        &self,
        config: &serde_json::Value,
        timeout: Duration,
    ) -> Result<PluginBackend, PluginError> {
        let config = serde_json::to_vec(config).expect("a JSON value serializes");
        let mut instance: *mut c_void = std::ptr::null_mut();
        let mut message = Vec::new();
        // SAFETY: valid buffers and out pointer for the duration of the call; `collect` matches
        // the sink signature and `message` outlives the call.
        let status = unsafe {
            (self.functions.create)(
                config.as_ptr(),
                config.len(),
                &mut instance,
                collect,
                (&mut message as *mut Vec<u8>).cast(),
            )
        };
        if status != STATUS_OK || instance.is_null() {
            return Err(PluginError::at(
                PluginErrorKind::Create,
                &self.path,
                String::from_utf8_lossy(&message).into_owned(),
            ));
        }
        let mut backend = PluginBackend {
            functions: self.functions,
            instance,
            name: self.path.display().to_string(),
            timeout,
            description: None,
        };
        let description = backend.fetch_description()?;
        backend.name = description.name.clone();
        backend.description = Some(description);
        Ok(backend)
    }
}

/// Copies bytes handed over during a call into the `Vec<u8>` behind `ctx`.
unsafe extern "C" fn collect(ctx: *mut c_void, data: *const u8, len: usize) {
    if ctx.is_null() || (data.is_null() && len > 0) {
        return;
    }
    // SAFETY: `ctx` is the `&mut Vec<u8>` the host passed for this call; `data` has `len` bytes.
    unsafe {
        let out = &mut *ctx.cast::<Vec<u8>>();
        if len > 0 {
            out.extend_from_slice(std::slice::from_raw_parts(data, len));
        }
    }
}

/// What a plugin thread sends back for one query.
type Completion = (i32, Vec<u8>);

/// Called once by the plugin, from its thread: hands the result to the waiting query.
unsafe extern "C" fn complete(ctx: *mut c_void, status: i32, data: *const u8, len: usize) {
    if ctx.is_null() {
        return;
    }
    // SAFETY: `ctx` is the boxed sender `query` leaked for this call; the plugin calls this once.
    let sender = unsafe { Box::from_raw(ctx.cast::<oneshot::Sender<Completion>>()) };
    let bytes = if data.is_null() || len == 0 {
        Vec::new()
    } else {
        // SAFETY: the plugin passes `len` readable bytes, valid during this call.
        unsafe { std::slice::from_raw_parts(data, len) }.to_vec()
    };
    // The query may have timed out and gone: nobody to tell.
    let _ = sender.send((status, bytes));
}

/// One plugin instance, ready for queries.
#[derive(Debug)]
pub struct PluginBackend {
    functions: Functions,
    instance: *mut c_void,
    name: String,
    timeout: Duration,
    description: Option<Description>,
}

// SAFETY: the ABI requires instances to be usable from any thread (the SDK's instance is an
// `Arc` of a `Send + Sync` backend plus a tokio runtime).
unsafe impl Send for PluginBackend {}
// SAFETY: as above; every entry point takes the instance by shared pointer.
unsafe impl Sync for PluginBackend {}

impl PluginBackend {
    fn fetch_description(&self) -> Result<Description, PluginError> {
        let mut out = Vec::new();
        // SAFETY: live instance; `collect` matches the sink type and `out` outlives the call.
        let status = unsafe {
            (self.functions.describe)(self.instance, collect, (&mut out as *mut Vec<u8>).cast())
        };
        if status != STATUS_OK {
            return Err(PluginError::new(
                PluginErrorKind::Panic,
                &self.name,
                format!("describe failed: {}", String::from_utf8_lossy(&out)),
            ));
        }
        serde_json::from_slice(&out).map_err(|e| {
            PluginError::new(
                PluginErrorKind::InvalidOutput,
                &self.name,
                format!("bad description: {e}"),
            )
        })
    }

    /// What the plugin serves.
    pub fn description(&self) -> &Description {
        self.description
            .as_ref()
            .expect("set by PluginLibrary::create")
    }

    /// The plugin's name (from its description).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Runs one query in the plugin, waits at most the call timeout, and validates the answer
    /// before anything can reach a cache: well-formed JSON interactions, every one of the asked
    /// media type and inside the date range, no more than `maxSize`.
    ///
    /// A plugin that never answers costs a timeout error and one small leaked completion box;
    /// its panic is caught on its side and arrives as an error.
    pub async fn query(&self, request: &BackendRequest) -> Result<Vec<Interaction>, PluginError> {
        let body = serde_json::to_vec(request).expect("a request serializes");
        let bytes = self.call(self.functions.query_start, &body).await?;
        validate_output(&bytes, request).map_err(|m| self.error(PluginErrorKind::InvalidOutput, m))
    }

    /// Whether the plugin serves content: ABI 1.3 or later, and it says so in its description.
    pub fn serves_content(&self) -> bool {
        self.functions.content_start.is_some() && self.description().content
    }

    /// (ABI 1.3) Asks the plugin for one interaction's content, with the call timeout, and
    /// checks the answer: `None` when the plugin holds no such interaction; otherwise content
    /// of that id, of a media type the request allows. A plugin of an older ABI is an
    /// `InvalidRequest` error.
    pub async fn content(
        &self,
        request: &ContentBackendRequest,
    ) -> Result<Option<ContentDocument>, PluginError> {
        let Some(start) = self.functions.content_start else {
            return Err(self.error(
                PluginErrorKind::InvalidRequest,
                format!(
                    "plugin ABI 1.{} serves no content",
                    self.functions.abi_minor
                ),
            ));
        };
        let body = serde_json::to_vec(request).expect("a request serializes");
        let bytes = self.call(start, &body).await?;
        let invalid = |m| self.error(PluginErrorKind::InvalidOutput, m);
        let document = ContentDocument::parse(&bytes, &request.id).map_err(invalid)?;
        match document {
            Some(d) if !request.allows(d.media_type()) => Err(invalid(format!(
                "content of a {:?} interaction, not of an allowed media type",
                d.media_type()
            ))),
            document => Ok(document),
        }
    }

    /// Runs one call started by `start` with the JSON `body`, waits at most the call timeout,
    /// and returns the bytes of a successful completion; any other completion is the error of
    /// its kind.
    async fn call(&self, start: StartFn, body: &[u8]) -> Result<Vec<u8>, PluginError> {
        let (sender, receiver) = oneshot::channel::<Completion>();
        let ctx = Box::into_raw(Box::new(sender)).cast::<c_void>();
        // SAFETY: live instance, valid request bytes for the call; `complete` takes back the
        // boxed sender when the plugin calls it.
        let status = unsafe { start(self.instance, body.as_ptr(), body.len(), complete, ctx) };
        if status != STATUS_OK {
            // The plugin will not call back: take the sender back.
            // SAFETY: `ctx` came from `Box::into_raw` above and was not consumed.
            drop(unsafe { Box::from_raw(ctx.cast::<oneshot::Sender<Completion>>()) });
            return Err(self.error(PluginErrorKind::Panic, "the call did not start"));
        }
        let (status, bytes) = match tokio::time::timeout(self.timeout, receiver).await {
            Ok(Ok(done)) => done,
            Ok(Err(_)) => {
                return Err(self.error(PluginErrorKind::Internal, "the plugin dropped the call"))
            }
            Err(_) => {
                return Err(self.error(
                    PluginErrorKind::Timeout,
                    format!("no answer within {} ms", self.timeout.as_millis()),
                ))
            }
        };
        let text = || String::from_utf8_lossy(&bytes).into_owned();
        match status {
            STATUS_OK => Ok(bytes),
            STATUS_PANIC => {
                Err(self.error(PluginErrorKind::Panic, format!("panicked: {}", text())))
            }
            failed => {
                let kind = BackendErrorKind::from_status(failed, self.functions.abi_minor);
                Err(self.error(kind.into(), text()))
            }
        }
    }

    /// (ABI 1.2) Starts the instance's change feed: its events arrive on the returned channel,
    /// for as long as the process lives. `None` when the plugin has no feed (an older ABI, or
    /// configured without one): its answers then live by their TTL. Call it once.
    pub fn watch_changes(&self) -> Option<tokio::sync::mpsc::UnboundedReceiver<FeedEvent>> {
        let watch = self.functions.watch_changes?;
        let (ctx, receiver) = changes::sink();
        // SAFETY: live instance; `changes::deliver` matches the callback type and `ctx` lives
        // for the rest of the process (leaked by `sink`).
        let status = unsafe { watch(self.instance, changes::deliver, ctx) };
        (status == STATUS_OK).then_some(receiver)
    }

    fn error(&self, kind: PluginErrorKind, message: impl Into<String>) -> PluginError {
        PluginError::new(kind, &self.name, message)
    }
}

impl Drop for PluginBackend {
    fn drop(&mut self) {
        // SAFETY: the instance came from `create` and is destroyed exactly once, here.
        unsafe { (self.functions.destroy)(self.instance) }
    }
}
