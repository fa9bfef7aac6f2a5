//! Test support shared by the plugin crates' integration tests (included with `#[path]`): where a
//! built plugin library is, and backend requests parsed as the proxy parses them, on the seed's
//! day (2015-10-20 08:00 UTC).

use std::path::PathBuf;
use ucs_plugin_api::ucs_model::chrono::{TimeZone, Utc};
use ucs_plugin_api::ucs_model::{parse_request, MediaType, ParseContext, Route, Tz};
use ucs_plugin_api::BackendRequest;

/// The built plugin library `lib_name` (e.g. `ucs_plugin_store_sqlite`) next to the test binary's
/// directory (`target/<profile>/`).
pub(crate) fn plugin_path(lib_name: &str) -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().and_then(|d| d.parent()).unwrap();
    let path = dir.join(format!(
        "{}{}{}",
        std::env::consts::DLL_PREFIX,
        lib_name.replace('-', "_"),
        std::env::consts::DLL_SUFFIX
    ));
    assert!(
        path.exists(),
        "{} missing: build the workspace first (scripts/test does)",
        path.display()
    );
    path
}

/// `body` on `route`, parsed on the seed's day, as `tenant`'s request for `media_type`.
pub(crate) fn seed_day_request(
    route: &Route,
    body: &str,
    media_type: MediaType,
    tenant: &str,
) -> BackendRequest {
    let ctx = ParseContext::new(
        Utc.with_ymd_and_hms(2015, 10, 20, 8, 0, 0).unwrap(),
        Tz::UTC,
    );
    let query = parse_request(route, body.as_bytes(), &ctx)
        .unwrap_or_else(|e| panic!("{body}: {e}"))
        .query;
    BackendRequest::new(tenant, &query, media_type)
}
