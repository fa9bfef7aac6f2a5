//! Property: for random data and random queries, the plugin's answer equals
//! `HistoryQuery::select` over the same tenant's interactions of the asked media type.

use crate::history_fixture::{body_strategy, generated};
use crate::plugin_requests::{plugin_path, seed_day_request};
use proptest::prelude::*;
use std::sync::OnceLock;
use std::time::Duration;
use ucs_plugin_api::ucs_model::{Interaction, Route};
use ucs_plugin_api::{PluginBackend, PluginLibrary};
use ucs_plugin_store_sqlite::{create_schema, insert_interaction};

struct Fixture {
    data: Vec<(String, Interaction)>,
    backend: PluginBackend,
    runtime: tokio::runtime::Runtime,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let data = generated(0x5eed, 3000);
        let dir = std::env::temp_dir().join(format!("ucs-store-sqlite-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("history.db");
        let _ = std::fs::remove_file(&path);
        let mut connection = rusqlite_connection(&path);
        let tx = connection.transaction().unwrap();
        create_schema(&tx).unwrap();
        for (tenant, interaction) in &data {
            insert_interaction(&tx, tenant, interaction).unwrap();
        }
        tx.commit().unwrap();
        let backend = PluginLibrary::load(&plugin_path("ucs_plugin_store_sqlite"))
            .unwrap()
            .create(
                &serde_json_value(&format!(
                    r#"{{"path":{:?},"pool_size":2}}"#,
                    path.display().to_string()
                )),
                Duration::from_secs(10),
            )
            .unwrap();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        Fixture {
            data,
            backend,
            runtime,
        }
    })
}

fn rusqlite_connection(path: &std::path::Path) -> rusqlite_reexport::Connection {
    rusqlite_reexport::Connection::open(path).unwrap()
}

fn serde_json_value(text: &str) -> ucs_plugin_api::serde_json::Value {
    ucs_plugin_api::serde_json::from_str(text).unwrap()
}

// The store's rusqlite, through its dependency graph (no second copy of SQLite).
use ucs_plugin_store_sqlite::rusqlite as rusqlite_reexport;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn the_plugin_answers_exactly_the_reference_selection((body, media, tenant) in body_strategy()) {
        let fixture = fixture();
        let request = seed_day_request(&Route::Interactions, &body, media, &tenant);
        let got = fixture.runtime.block_on(fixture.backend.query(&request)).unwrap();
        let expected = request.query.select(fixture.data.iter().filter(|(t, _)| *t == tenant).map(|(_, i)| i));
        prop_assert_eq!(got, expected, "{}", body);
    }
}
