//! Property: for random queries over generated data, the plugin's answer equals
//! `HistoryQuery::select` over the same tenant's interactions; `source = archive` reads the
//! archive schema; a missing schema stops the start with a clear message.

use crate::database::{create_plugin, drop_schema, scratch_schema, url};
use crate::history_fixture::{body_strategy, generated};
use crate::plugin_requests::seed_day_request;
use proptest::prelude::*;
use std::sync::OnceLock;
use ucs_plugin_api::ucs_model::{Interaction, MediaType, Route, Source};
use ucs_plugin_api::{BackendRequest, PluginBackend};

struct Fixture {
    main: Vec<(String, Interaction)>,
    archive: Vec<(String, Interaction)>,
    backend: PluginBackend,
    runtime: tokio::runtime::Runtime,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let main = generated(0x5eed, 3000);
        let archive = generated(0xa4c1, 400);
        let (main_schema, archive_schema) = runtime.block_on(async {
            (
                scratch_schema("main", &main).await,
                scratch_schema("archive", &archive).await,
            )
        });
        let backend = create_plugin(&format!(
            r#"{{"url":{:?},"schema":{:?},"archive_schema":{:?},"pool_size":2}}"#,
            url(),
            main_schema.as_str(),
            archive_schema.as_str()
        ))
        .unwrap();
        Fixture {
            main,
            archive,
            backend,
            runtime,
        }
    })
}

fn request(body: &str, media: MediaType, tenant: &str) -> BackendRequest {
    seed_day_request(&Route::Interactions, body, media, tenant)
}

fn reference(data: &[(String, Interaction)], request: &BackendRequest) -> Vec<Interaction> {
    request.query.select(
        data.iter()
            .filter(|(t, _)| *t == request.tenant)
            .map(|(_, i)| i),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn the_plugin_answers_exactly_the_reference_selection((body, media, tenant) in body_strategy()) {
        let fixture = fixture();
        let request = request(&body, media, &tenant);
        let got = fixture.runtime.block_on(fixture.backend.query(&request)).unwrap();
        prop_assert_eq!(got, reference(&fixture.main, &request), "{}", body);
    }
}

#[test]
fn the_archive_source_reads_the_archive_schema() {
    let fixture = fixture();
    assert!(fixture.backend.description().archive);
    let body = r#"{"operationName":"RetrieveInteractionHistory","fromDate":"2015-09-20",
        "toDate":"2015-10-20","maxSize":1000,"source":"archive","customAttributes":["SearchId"]}"#;
    for media in [MediaType::Chat, MediaType::Email] {
        let request = request(body, media, "cc1");
        assert_eq!(request.query.source(), Source::Archive);
        let got = fixture
            .runtime
            .block_on(fixture.backend.query(&request))
            .unwrap();
        let expected = reference(&fixture.archive, &request);
        assert!(
            !expected.is_empty(),
            "the archive holds {media} interactions"
        );
        assert_eq!(got, expected);
        assert_ne!(got, reference(&fixture.main, &request));
    }
}

#[test]
fn a_missing_schema_or_an_unreachable_server_stops_the_start() {
    let error = create_plugin(&format!(
        r#"{{"url":{:?},"schema":"ucs_test_never_created"}}"#,
        url()
    ))
    .unwrap_err();
    assert!(
        error.to_string().contains("ucs-store-postgres migrate"),
        "{error}"
    );
    let error = create_plugin(
        r#"{"url":"postgresql://postgres@127.0.0.1:1/test","connect_timeout_ms":500}"#,
    )
    .unwrap_err();
    assert!(error.to_string().contains("postgres"), "{error}");
    let error = create_plugin(r#"{"url":"x","schema":"Bad;Name"}"#).unwrap_err();
    assert!(error.to_string().contains("schema"), "{error}");
}

#[test]
fn migrate_on_start_creates_the_schema() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let schema = runtime.block_on(async {
        let schema = scratch_schema("migrate", &[]).await;
        drop_schema(&schema).await;
        schema
    });
    let backend = create_plugin(&format!(
        r#"{{"url":{:?},"schema":{:?},"migrate":true}}"#,
        url(),
        schema.as_str()
    ))
    .unwrap();
    assert!(!backend.description().archive);
    let request = request(
        r#"{"operationName":"RetrieveInteractionHistory","source":"archive"}"#,
        MediaType::Chat,
        "cc1",
    );
    let error = runtime.block_on(backend.query(&request)).unwrap_err();
    assert!(error.to_string().contains("no archive"), "{error}");
    runtime.block_on(drop_schema(&schema));
}
