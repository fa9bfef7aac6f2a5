//! The C ABI itself: what a plugin library exports and the table it returns.
//!
//! Only plain C types cross: integers, opaque pointers, and byte buffers given as pointer and
//! length that stay valid for the duration of the call that hands them over (the receiver
//! copies what it keeps). Whoever allocates memory frees it; nothing allocated on one side is
//! ever freed on the other.

use std::ffi::c_void;

/// The symbol every plugin exports: `extern "C" fn() -> *const PluginVTable`.
pub const ENTRY_SYMBOL: &str = "ucs_history_plugin_entry";
/// First field of the table: `b"UCSHIST1"` read as a little-endian `u64`.
pub const PLUGIN_MAGIC: u64 = u64::from_le_bytes(*b"UCSHIST1");
/// Incompatible changes bump the major version; the host refuses any other major.
pub const ABI_MAJOR: u32 = 1;
/// Compatible additions (functions appended to the table, new status codes) bump the minor
/// version. 1.1 added the error kinds ([`STATUS_UNAVAILABLE`], [`STATUS_TIMEOUT`],
/// [`STATUS_INVALID_REQUEST`]); a 1.0 plugin only ever reports [`STATUS_ERROR`]. 1.2 appended
/// [`PluginVTable::watch_changes`], the change feed; the host reads it only from a table that is
/// large enough to hold it. 1.3 appended [`PluginVTable::content_start`], GetInteractionContent.
pub const ABI_MINOR: u32 = 3;

/// A call succeeded.
pub const STATUS_OK: i32 = 0;
/// A call failed; the bytes handed over are a UTF-8 message. Since 1.1: an internal failure of
/// the backend (and how the host reads any status it does not know).
pub const STATUS_ERROR: i32 = 1;
/// The plugin panicked; the bytes handed over are the panic message.
pub const STATUS_PANIC: i32 = 2;
/// (1.1) The store or upstream behind the plugin cannot be reached, or its breaker is open.
pub const STATUS_UNAVAILABLE: i32 = 3;
/// (1.1) The store or upstream did not answer in time.
pub const STATUS_TIMEOUT: i32 = 4;
/// (1.1) The plugin cannot serve this request as asked (e.g. no archive configured).
pub const STATUS_INVALID_REQUEST: i32 = 5;

/// Receives bytes during a call: `(ctx, ptr, len)`. The bytes are valid only during the call.
pub type SinkFn = unsafe extern "C" fn(ctx: *mut c_void, data: *const u8, len: usize);

/// Completion of `query_start`: `(ctx, status, ptr, len)`, called exactly once, from a plugin
/// thread. On `STATUS_OK` the bytes are the JSON array of interactions; otherwise a message, and
/// the status says the kind of failure (`STATUS_ERROR`, `STATUS_PANIC`, and since 1.1
/// `STATUS_UNAVAILABLE`, `STATUS_TIMEOUT`, `STATUS_INVALID_REQUEST`).
pub type DoneFn = unsafe extern "C" fn(ctx: *mut c_void, status: i32, data: *const u8, len: usize);

/// (1.2) A change-feed event of [`ChangeFn`]: the bytes are a JSON array of
/// `InteractionChange` (see `ucs_model::InteractionChange`).
pub const CHANGE_EVENT_CHANGES: i32 = 1;
/// (1.2) A change-feed event of [`ChangeFn`]: the feed was (re)connected and changes may have
/// been missed meanwhile; the host drops everything this instance answered. The bytes are a
/// UTF-8 reason.
pub const CHANGE_EVENT_RESYNC: i32 = 2;

/// (1.2) Receives the change feed: `(ctx, event, ptr, len)`, called by the plugin from its own
/// threads, any number of times, until the instance is destroyed. The bytes are valid only
/// during the call.
pub type ChangeFn = unsafe extern "C" fn(ctx: *mut c_void, event: i32, data: *const u8, len: usize);

/// The table a plugin's entry symbol returns. Fields are only ever appended (a minor version);
/// `size` lets the host know which are present.
#[repr(C)]
#[derive(Debug)]
pub struct PluginVTable {
    /// Always [`PLUGIN_MAGIC`].
    pub magic: u64,
    /// [`ABI_MAJOR`] of the SDK the plugin was built with.
    pub abi_major: u32,
    /// [`ABI_MINOR`] of the SDK the plugin was built with.
    pub abi_minor: u32,
    /// `size_of::<PluginVTable>()` as the plugin knows it.
    pub size: usize,
    /// Creates an instance from a JSON configuration. On success writes the instance to
    /// `*instance` and returns `STATUS_OK`; otherwise passes a message to `error`.
    pub create: unsafe extern "C" fn(
        config: *const u8,
        config_len: usize,
        instance: *mut *mut c_void,
        error: SinkFn,
        error_ctx: *mut c_void,
    ) -> i32,
    /// Passes the instance's description (JSON) to `sink`.
    pub describe:
        unsafe extern "C" fn(instance: *mut c_void, sink: SinkFn, sink_ctx: *mut c_void) -> i32,
    /// Starts a query (JSON request) and returns at once; `done` is called exactly once later.
    /// A non-OK return means `done` will not be called.
    pub query_start: StartFn,
    /// Destroys an instance. Queries still running may complete or be dropped.
    pub destroy: unsafe extern "C" fn(instance: *mut c_void),
    /// (1.2) Starts the instance's change feed: from now on the plugin reports every change of
    /// an interaction it learns of to `changes` with `ctx` (which stays valid for as long as
    /// the process lives). Returns [`STATUS_OK`] when the feed runs, [`STATUS_INVALID_REQUEST`]
    /// when this instance has none (its answers then live by their TTL). Called at most once.
    pub watch_changes:
        unsafe extern "C" fn(instance: *mut c_void, changes: ChangeFn, ctx: *mut c_void) -> i32,
    /// (1.3) Starts a content call (JSON `ContentBackendRequest`) and returns at once, like
    /// [`PluginVTable::query_start`]; `done` is called exactly once later. On `STATUS_OK` the
    /// bytes are the JSON content (`{"interaction":{..},"messages":[..]}`) or `null` when the
    /// backend holds no such interaction; [`STATUS_INVALID_REQUEST`] when it serves no content.
    pub content_start: StartFn,
}

/// A call started by the host that completes later through a [`DoneFn`]: `(instance, request,
/// request_len, done, done_ctx)`; a non-OK return means `done` will not be called.
pub type StartFn = unsafe extern "C" fn(
    instance: *mut c_void,
    request: *const u8,
    request_len: usize,
    done: DoneFn,
    done_ctx: *mut c_void,
) -> i32;

/// The size of the table in ABI 1.0 and 1.1: everything before [`PluginVTable::watch_changes`].
/// A host accepts any table at least this large and reads a field only when the table the
/// plugin announces (`size`) holds it.
pub const TABLE_SIZE_1_0: usize = std::mem::offset_of!(PluginVTable, watch_changes);

/// The size of the table in ABI 1.2: everything before [`PluginVTable::content_start`].
pub const TABLE_SIZE_1_2: usize = std::mem::offset_of!(PluginVTable, content_start);
