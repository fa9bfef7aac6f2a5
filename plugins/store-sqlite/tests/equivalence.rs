//! Property: for random data and random queries, the plugin's answer equals
//! `HistoryQuery::select` over the same tenant's interactions of the asked media type.

use proptest::prelude::*;
use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;
use ucs_plugin_api::ucs_model::chrono::{DateTime, FixedOffset, TimeZone, Utc};
use ucs_plugin_api::ucs_model::{
    parse_request, Interaction, InteractionState, InteractionType, MediaType, OwnerInformation,
    ParseContext, Route, Tz,
};
use ucs_plugin_api::{BackendRequest, PluginBackend, PluginLibrary};
use ucs_plugin_store_sqlite::{create_schema, insert_interaction};

const TENANTS: [&str; 2] = ["cc1", "cc2"];
const MEDIA_SPELLINGS: [&str; 6] = ["Chat", "chat", "Email", "Call", "Workitem", "CHAT"];
const OWNERS: [&str; 3] = ["owner-a", "owner-b", "owner-c"];
const CONTACTS: [&str; 3] = ["contact-1", "contact-2", "contact-3"];

fn plugin_path() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().and_then(|d| d.parent()).unwrap();
    let path = dir.join(format!(
        "{}ucs_plugin_store_sqlite{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    ));
    assert!(
        path.exists(),
        "{} missing: build the workspace first",
        path.display()
    );
    path
}

fn generated(seed: u64, count: usize) -> Vec<(String, Interaction)> {
    // A small deterministic generator (xorshift): the data set is the same on every run.
    let mut state = seed | 1;
    let mut next = move |n: u64| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % n
    };
    let base = Utc
        .with_ymd_and_hms(2015, 9, 25, 0, 0, 0)
        .unwrap()
        .timestamp_millis();
    (0..count)
        .map(|i| {
            let offset = FixedOffset::east_opt([0, 3 * 3600, -5 * 3600][next(3) as usize]).unwrap();
            // Whole hours, some a millisecond before midnight: many interactions share a start
            // (ties are ordered by id) and some sit exactly on a range's last instant.
            let edge = if next(10) == 0 { -1 } else { 0 };
            let start: DateTime<FixedOffset> = offset
                .timestamp_millis_opt(base + (next(20 * 24) as i64) * 3_600_000 + edge)
                .unwrap();
            let id = format!("{:016X}", next(1 << 40) * 1000 + i as u64);
            let mut attributes = std::collections::BTreeMap::new();
            if next(2) == 0 {
                attributes.insert("SearchId".to_owned(), format!("{}", next(3)));
            }
            if next(2) == 0 {
                attributes.insert("CustomerId".to_owned(), format!("c{}", next(5)));
            }
            let interaction = Interaction {
                path: Interaction::path_for(&id),
                media_type: MEDIA_SPELLINGS[next(6) as usize].to_owned(),
                type_id: [InteractionType::Inbound, InteractionType::Outbound][next(2) as usize],
                state: [InteractionState::New, InteractionState::Stopped][next(2) as usize],
                start_date: start,
                end_date: (next(3) != 0)
                    .then(|| start + ucs_plugin_api::ucs_model::chrono::Duration::seconds(90)),
                subject: (next(4) != 0).then(|| "Customer support".to_owned()),
                contact_id: Some(CONTACTS[next(3) as usize].to_owned()),
                uri: format!("http://127.0.0.1:8080/api/v2/interactions/{id}"),
                owner_information: (next(5) != 0).then(|| {
                    let owner = OWNERS[next(3) as usize];
                    OwnerInformation {
                        user_name: owner.to_owned(),
                        last_name: "Last".to_owned(),
                        id: owner.to_owned(),
                        first_name: "First".to_owned(),
                    }
                }),
                id,
                custom_attributes: attributes,
            };
            (TENANTS[next(2) as usize].to_owned(), interaction)
        })
        .collect()
}

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
        let backend = PluginLibrary::load(&plugin_path())
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

fn body_strategy() -> impl Strategy<Value = (String, MediaType, String)> {
    (
        0u32..20,
        0u32..20,
        proptest::sample::select(vec![MediaType::Chat, MediaType::Email, MediaType::Call, MediaType::Workitem]),
        any::<bool>(),
        1u32..60,
        proptest::option::of(proptest::sample::select(OWNERS.to_vec())),
        proptest::option::of(0u32..3),
        proptest::sample::subsequence(vec!["SearchId", "CustomerId", "Missing"], 0..3),
        proptest::sample::select(TENANTS.to_vec()),
    )
        .prop_map(|(a, b, media, asc, max, owner, search, attrs, tenant)| {
            let (from, to) = (a.min(b), a.max(b));
            let mut body = format!(
                r#"{{"operationName":"RetrieveInteractionHistory","fromDate":"2015-09-{:02}","toDate":"2015-09-{:02}","sort":"{}","maxSize":{max},"customAttributes":{:?}"#,
                25 + from.min(5),
                25 + to.min(5),
                if asc { "asc" } else { "desc" },
                attrs
            );
            // Dates past September roll into October.
            body = body.replace("2015-09-30", "2015-10-10");
            if let Some(owner) = owner {
                body.push_str(&format!(r#","userId":"{owner}""#));
            }
            if let Some(search) = search {
                body.push_str(&format!(r#","searchCustomAttributes":{{"SearchId":"{search}"}}"#));
            }
            body.push('}');
            (body, media, tenant.to_owned())
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn the_plugin_answers_exactly_the_reference_selection((body, media, tenant) in body_strategy()) {
        let fixture = fixture();
        let ctx = ParseContext::new(Utc.with_ymd_and_hms(2015, 10, 20, 8, 0, 0).unwrap(), Tz::UTC);
        let query = parse_request(&Route::Interactions, body.as_bytes(), &ctx).unwrap().query.with_media_type(media);
        let request = BackendRequest { tenant: tenant.clone(), media_type: media, query: query.clone() };
        let got = fixture.runtime.block_on(fixture.backend.query(&request)).unwrap();
        let expected = query.select(fixture.data.iter().filter(|(t, _)| *t == tenant).map(|(_, i)| i));
        prop_assert_eq!(got, expected, "{}", body);
    }
}
