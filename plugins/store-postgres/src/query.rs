//! A history query pushed down to PostgreSQL: every filter, the order and the limit run in the
//! database, every value a bound parameter (only the validated schema name is written into the
//! statement); the result equals `HistoryQuery::select` over the same data.

use crate::codec::{columns, from_row, TIME_COLUMNS};
use crate::error::StoreError;
use crate::schema::SchemaName;
use std::collections::HashMap;
use tokio_postgres::types::ToSql;
use ucs_plugin_api::ucs_model::Interaction;
use ucs_plugin_api::BackendRequest;
use ucs_store_kit::sql::{select_statement, SqlDialect, SqlValue};

type Param = Box<dyn ToSql + Sync + Send>;

fn placeholder(n: usize) -> String {
    format!("${n}")
}

/// The statement and its parameters for `request` in `schema`.
fn statement(schema: &SchemaName, request: &BackendRequest) -> (String, Vec<Param>) {
    let tables = format!("{}.", schema.quoted());
    let dialect = SqlDialect {
        tables: &tables,
        placeholder,
        start_column: TIME_COLUMNS.start,
        instant: SqlValue::Instant,
    };
    let select = select_statement(request, &columns(), &dialect);
    let params = select
        .values
        .into_iter()
        .map(|value| -> Param {
            match value {
                SqlValue::Text(text) => Box::new(text),
                SqlValue::Integer(n) => Box::new(n),
                SqlValue::Instant(at) => Box::new(at),
            }
        })
        .collect();
    (select.sql, params)
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
    use ucs_plugin_api::ucs_model::chrono::Utc;
    use ucs_plugin_api::ucs_model::{parse_request, MediaType, ParseContext, Route, Tz};

    #[test]
    fn both_tables_are_read_in_the_configured_schema() {
        let ctx = ParseContext::new(Utc::now(), Tz::UTC);
        let body =
            br#"{"operationName":"RetrieveInteractionHistory","searchCustomAttributes":{"a":"b"}}"#;
        let query = parse_request(&Route::Interactions, body, &ctx)
            .unwrap()
            .query;
        let request = BackendRequest::new("cc1", &query, MediaType::Chat);
        let (sql, params) = statement(&SchemaName::new("ucs_x").unwrap(), &request);
        assert!(sql.contains(r#"FROM "ucs_x".interactions i"#), "{sql}");
        assert!(sql.contains(r#"FROM "ucs_x".custom_attributes c"#), "{sql}");
        assert_eq!(
            params.len(),
            7,
            "tenant, media, 2 dates, an attribute pair, limit"
        );
    }
}
