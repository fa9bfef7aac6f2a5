//! A history query pushed down to PostgreSQL: every filter, the order and the limit run in the
//! database, every value a bound parameter (only the validated schema name is written into the
//! statement); the result equals `HistoryQuery::select` over the same data.

use crate::codec::{from_row, COLUMNS};
use crate::error::StoreError;
use crate::schema::SchemaName;
use std::collections::HashMap;
use tokio_postgres::types::ToSql;
use ucs_plugin_api::ucs_model::{Interaction, SortOrder};
use ucs_plugin_api::BackendRequest;

type Param = Box<dyn ToSql + Sync + Send>;

/// The statement and its parameters for `request` in `schema`.
fn statement(schema: &SchemaName, request: &BackendRequest) -> (String, Vec<Param>) {
    let query = &request.query;
    let mut params: Vec<Param> = vec![
        Box::new(request.tenant.clone()),
        Box::new(request.media_type.as_str()),
        Box::new(query.from()),
        Box::new(query.to()),
    ];
    let mut sql = format!(
        "SELECT {COLUMNS} FROM {}.interactions i
         WHERE i.tenant = $1 AND i.media_key = $2 AND i.start_at BETWEEN $3 AND $4",
        schema.quoted()
    );
    // `#` in a clause is the next parameter's placeholder.
    let mut bind = |sql: &mut String, clause: &str, value: Param| {
        params.push(value);
        sql.push_str(&clause.replace('#', &format!("${}", params.len())));
    };
    if let Some(user) = query.user_id() {
        bind(&mut sql, " AND i.owner_id = #", Box::new(user.to_owned()));
    }
    if let Some(contact) = query.contact_id() {
        bind(
            &mut sql,
            " AND i.contact_id = #",
            Box::new(contact.to_owned()),
        );
    }
    for (name, value) in query.search_custom_attributes() {
        let exists = format!(
            " AND EXISTS (SELECT 1 FROM {}.custom_attributes c \
             WHERE c.interaction_id = i.id AND c.name = #",
            schema.quoted()
        );
        bind(&mut sql, &exists, Box::new(name.clone()));
        bind(&mut sql, " AND c.value = #)", Box::new(value.clone()));
    }
    sql.push_str(match query.sort() {
        SortOrder::Asc => " ORDER BY i.start_at ASC, i.id ASC",
        SortOrder::Desc => " ORDER BY i.start_at DESC, i.id DESC",
    });
    bind(&mut sql, " LIMIT #", Box::new(i64::from(query.max_size())));
    (sql, params)
}

/// Runs `request` on `client` against `schema`.
pub async fn run(
    client: &deadpool_postgres::Client,
    schema: &SchemaName,
    request: &BackendRequest,
) -> Result<Vec<Interaction>, StoreError> {
    let (sql, params) = statement(schema, request);
    let prepared = client.prepare_cached(&sql).await?;
    let refs: Vec<&(dyn ToSql + Sync)> = params
        .iter()
        .map(|p| p.as_ref() as &(dyn ToSql + Sync))
        .collect();
    let mut interactions = client
        .query(&prepared, &refs)
        .await?
        .iter()
        .map(from_row)
        .collect::<Result<Vec<_>, _>>()?;

    let names = request.query.custom_attributes();
    if !names.is_empty() && !interactions.is_empty() {
        // One statement for every (interaction, requested name) pair, both lists bound as arrays.
        let ids: Vec<&str> = interactions.iter().map(|i| i.id.as_str()).collect();
        let attributes = client
            .prepare_cached(&format!(
                "SELECT c.interaction_id, c.name, c.value FROM {}.custom_attributes c
                 WHERE c.interaction_id = ANY($1) AND c.name = ANY($2)",
                schema.quoted()
            ))
            .await?;
        let position: HashMap<String, usize> = interactions
            .iter()
            .enumerate()
            .map(|(i, interaction)| (interaction.id.clone(), i))
            .collect();
        for row in client.query(&attributes, &[&ids, &names]).await? {
            let id: &str = row.try_get(0)?;
            if let Some(&i) = position.get(id) {
                interactions[i]
                    .custom_attributes
                    .insert(row.try_get(1)?, row.try_get(2)?);
            }
        }
    }
    Ok(interactions)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ucs_plugin_api::ucs_model::chrono::{TimeZone, Utc};
    use ucs_plugin_api::ucs_model::{parse_request, MediaType, ParseContext, Route, Tz};

    #[test]
    fn every_value_is_a_parameter_and_only_the_schema_is_written_in() {
        let ctx = ParseContext::new(
            Utc.with_ymd_and_hms(2015, 10, 20, 8, 0, 0).unwrap(),
            Tz::UTC,
        );
        let body = br#"{"operationName":"RetrieveInteractionHistory","userId":"x' OR '1'='1",
            "searchCustomAttributes":{"a'b":"c;d","e":"f"},"sort":"asc"}"#;
        let query = parse_request(&Route::Interactions, body, &ctx)
            .unwrap()
            .query
            .with_media_type(MediaType::Chat);
        let request = BackendRequest {
            tenant: "t'--".into(),
            media_type: MediaType::Chat,
            query,
        };
        let (sql, params) = statement(&SchemaName::new("ucs").unwrap(), &request);
        assert_eq!(
            params.len(),
            10,
            "tenant, media, 2 dates, owner, 2×2 attributes, limit"
        );
        assert!(!sql.contains('\''), "no literal in {sql}");
        assert!(sql.contains("$10") && sql.contains("ORDER BY i.start_at ASC, i.id ASC"));
    }
}
