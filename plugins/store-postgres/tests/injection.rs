//! SQL metacharacters in every string parameter (tenant, userId, contactId, searchCustomAttributes
//! names and values, customAttributes names) are plain values: each query returns exactly the
//! interactions that hold those strings, and nothing in the database changes.

use crate::database::{connect, create_plugin, drop_schema, scratch_schema, url};
use crate::history_fixture::generated;
use crate::plugin_requests::seed_day_request;
use ucs_plugin_api::ucs_model::chrono::{TimeZone, Utc};
use ucs_plugin_api::ucs_model::{Interaction, MediaType, Route};

/// Strings that would change a statement if they were spliced into it, and LIKE wildcards.
const NASTY: [&str; 7] = [
    "x'; DROP TABLE interactions; --",
    "' OR '1'='1",
    "o%",
    "o_",
    "back\\slash",
    "dq\"; DELETE FROM custom_attributes; --",
    "$1::text",
];

/// The interactions holding `value` everywhere (tenant, owner, contact, an attribute) and a twin
/// that a wildcard or an injected condition would also match.
fn holders(value: &str, n: usize) -> Vec<(String, Interaction)> {
    let mut rows = generated(0xbad + n as u64, 2);
    for (i, (tenant, interaction)) in rows.iter_mut().enumerate() {
        let text = if i == 0 {
            value.to_owned()
        } else {
            format!("{value}X")
        };
        *tenant = text.clone();
        interaction.id = format!("{:016}", n * 10 + i);
        interaction.media_type = "Chat".to_owned();
        interaction.contact_id = Some(text.clone());
        if let Some(owner) = interaction.owner_information.as_mut() {
            owner.id = text.clone();
        }
        interaction.custom_attributes = [(text.clone(), text)].into();
        interaction.start_date = Utc
            .with_ymd_and_hms(2015, 10, 1, 12, 0, 0)
            .unwrap()
            .fixed_offset();
    }
    // The twin's owner makes an owner-filtered query meaningful for both.
    if rows[0].1.owner_information.is_none() {
        rows[0].1.owner_information = rows[1].1.owner_information.clone();
        rows[0].1.owner_information.as_mut().unwrap().id = value.to_owned();
    }
    rows
}

async fn counts(
    client: &ucs_plugin_store_postgres::tokio_postgres::Client,
    schema: &str,
) -> (i64, i64) {
    let one = |table: &str| format!("SELECT count(*) FROM \"{schema}\".{table}");
    (
        client
            .query_one(&one("interactions"), &[])
            .await
            .unwrap()
            .get(0),
        client
            .query_one(&one("custom_attributes"), &[])
            .await
            .unwrap()
            .get(0),
    )
}

#[test]
fn metacharacters_are_values_and_change_nothing() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let rows: Vec<_> = NASTY
        .iter()
        .enumerate()
        .flat_map(|(n, value)| holders(value, n))
        .collect();
    let schema = runtime.block_on(scratch_schema("nasty", &rows));
    let backend = create_plugin(&format!(
        r#"{{"url":{:?},"schema":{:?},"pool_size":2}}"#,
        url(),
        schema.as_str()
    ))
    .unwrap();
    let client = runtime.block_on(connect());
    let before = runtime.block_on(counts(&client, schema.as_str()));

    for value in NASTY {
        let expected: Vec<&Interaction> = rows
            .iter()
            .filter(|(tenant, _)| tenant == value)
            .map(|(_, i)| i)
            .collect();
        assert_eq!(expected.len(), 1);
        let literal = ucs_plugin_api::serde_json::to_string(value).unwrap();
        let bodies = [
            format!(
                r#"{{"operationName":"RetrieveInteractionHistory","userId":{literal},"customAttributes":[{literal}]}}"#
            ),
            format!(
                r#"{{"operationName":"RetrieveInteractionHistory","searchCustomAttributes":{{{literal}:{literal}}},"customAttributes":[{literal}]}}"#
            ),
        ];
        let routes = [
            Route::Interactions,
            Route::ContactInteractions(value.to_owned()),
        ];
        let contact_body = format!(
            r#"{{"operationName":"RetrieveContactHistory","customAttributes":[{literal}]}}"#
        );
        for (route, body) in [
            (&routes[0], &bodies[0]),
            (&routes[0], &bodies[1]),
            (&routes[1], &contact_body),
        ] {
            let request = seed_day_request(route, body, MediaType::Chat, value);
            let got = runtime.block_on(backend.query(&request)).unwrap();
            let reference = request.query.select(expected.iter().copied());
            assert_eq!(got, reference, "{body}");
            assert_eq!(got.len(), 1, "{body}");
            assert_eq!(
                got[0].custom_attributes.get(value).map(String::as_str),
                Some(value)
            );
        }
    }
    assert_eq!(runtime.block_on(counts(&client, schema.as_str())), before);
    runtime.block_on(drop_schema(&schema));
}
