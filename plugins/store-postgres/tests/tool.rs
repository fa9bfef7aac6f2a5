//! The `ucs-store-postgres` tool: `migrate` creates the schema once, `demo-data` loads the shared
//! demo history (the embedded store's), which the plugin then serves.

use crate::database::{connect, create_plugin, drop_schema, url};
use std::process::Command;
use ucs_plugin_api::ucs_model::chrono::Utc;
use ucs_plugin_api::ucs_model::{parse_request, MediaType, ParseContext, Route, Tz};
use ucs_plugin_api::ucs_model::{ContentDocument, Source};
use ucs_plugin_api::{BackendRequest, ContentBackendRequest};
use ucs_plugin_store_postgres::SchemaName;
use ucs_store_kit::demo::{demo_content, demo_interaction, DEMO_SEED};

fn tool(schema: &SchemaName, args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_ucs-store-postgres"))
        .args(["--url", &url(), "--schema", schema.as_str()])
        .args(args)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn migrate_then_demo_data_gives_a_history_the_plugin_serves() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let schema = SchemaName::new(&format!("ucs_test_tool_{}", std::process::id())).unwrap();
    runtime.block_on(drop_schema(&schema));

    assert!(tool(&schema, &["migrate"]).contains("applied [1, 2, 3]"));
    assert!(tool(&schema, &["migrate"]).contains("up to date"));
    assert!(tool(&schema, &["demo-data", "--interactions", "3000"]).contains("wrote 3000"));
    let count: i64 = runtime.block_on(async {
        connect()
            .await
            .query_one(
                &format!("SELECT count(*) FROM {}.interactions", schema.quoted()),
                &[],
            )
            .await
            .unwrap()
            .get(0)
    });
    assert_eq!(count, 3000);

    // The plugin answers a wide query over that history as the reference semantics do.
    let backend = create_plugin(&format!(
        r#"{{"url":{:?},"schema":{:?}}}"#,
        url(),
        schema.as_str()
    ))
    .unwrap();
    let ctx = ParseContext::new(Utc::now(), Tz::UTC);
    let body = br#"{"operationName":"RetrieveInteractionHistory","fromDate":"2000-01-01","maxSize":1000,"customAttributes":["SearchId"]}"#;
    let query = parse_request(&Route::Interactions, body, &ctx)
        .unwrap()
        .query;
    let request = BackendRequest::new("cc1", &query, MediaType::Email);
    let got = runtime.block_on(backend.query(&request)).unwrap();
    // The tool wrote the history of its own "now"; compare ids and order, not the exact instants.
    let now = Utc::now();
    let demo: Vec<_> = (0..3000)
        .map(|i| demo_interaction(DEMO_SEED, i, now))
        .filter(|(tenant, _)| tenant == "cc1")
        .map(|(_, i)| i)
        .collect();
    let reference: Vec<String> = request
        .query
        .select(&demo)
        .into_iter()
        .map(|i| i.id)
        .collect();
    assert!(got.len() > 50, "cc1 has emails in the demo history");
    assert_eq!(
        got.iter().map(|i| i.id.clone()).collect::<Vec<_>>(),
        reference
    );

    // GetInteractionContent: each interaction's content is the demo content written for it
    // (the index is in the id's last twelve hex digits), of that tenant only.
    let mut transcripts = 0;
    for (tenant, demo) in (0..3000)
        .map(|i| demo_interaction(DEMO_SEED, i, now))
        .take(200)
    {
        let content_request = |tenant: &str| ContentBackendRequest {
            tenant: tenant.to_owned(),
            id: demo.id.clone(),
            source: Source::Main,
            media_types: MediaType::ALL.to_vec(),
        };
        let found = runtime
            .block_on(backend.content(&content_request(&tenant)))
            .unwrap()
            .expect("every demo interaction has a content");
        let stored: ucs_plugin_api::ucs_model::InteractionContent =
            ucs_plugin_api::serde_json::from_str(&format!(
                "{{\"interaction\":{}{}}}",
                found.interaction().get(),
                serialized_messages(&found)
            ))
            .unwrap();
        let index = u64::from_str_radix(&demo.id[4..], 16).unwrap();
        let expected = demo_content(DEMO_SEED, index, &stored.interaction.summary);
        assert_eq!(stored, expected, "content of {}", demo.id);
        transcripts += usize::from(stored.messages.is_some());
        let elsewhere = runtime
            .block_on(backend.content(&content_request("nobody")))
            .unwrap();
        assert!(elsewhere.is_none(), "another tenant's id is not found");
    }
    assert!(
        transcripts > 10,
        "chats and facebook sessions have transcripts"
    );
    runtime.block_on(drop_schema(&schema));
}

/// The `,"messages":[...]` part of a content document, or nothing.
fn serialized_messages(document: &ContentDocument) -> String {
    let json = ucs_plugin_api::serde_json::to_value(document.message(0)).unwrap();
    json.get("messages")
        .map(|m| format!(",\"messages\":{m}"))
        .unwrap_or_default()
}
