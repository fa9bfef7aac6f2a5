//! A history query pushed down to SQL: every filter, the order and the limit run in SQLite, with
//! bound parameters only; the result equals `HistoryQuery::select` over the same data.

use crate::codec::{columns, from_row, TIME_COLUMNS};
use rusqlite::types::Value;
use rusqlite::{params_from_iter, Connection};
use ucs_plugin_api::ucs_model::Interaction;
use ucs_plugin_api::BackendRequest;
use ucs_store_kit::sql::{select_statement, SqlDialect, SqlValue};

fn placeholder(n: usize) -> String {
    format!("?{n}")
}

/// Runs `request` on `connection`.
pub fn run(
    connection: &Connection,
    request: &BackendRequest,
) -> rusqlite::Result<Vec<Interaction>> {
    let dialect = SqlDialect {
        tables: "",
        placeholder,
        start_column: TIME_COLUMNS.start,
        instant: |at| SqlValue::Integer(at.timestamp_millis()),
    };
    let select = select_statement(request, &columns(), &dialect);
    let values: Vec<Value> = select
        .values
        .into_iter()
        .map(|value| match value {
            SqlValue::Text(text) => Value::Text(text),
            SqlValue::Integer(n) => Value::Integer(n),
            SqlValue::Instant(at) => Value::Integer(at.timestamp_millis()),
        })
        .collect();
    let sql = select.sql;
    let mut statement = connection.prepare_cached(&sql)?;
    let mut interactions = statement
        .query_map(params_from_iter(values.iter()), from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;

    let names = request.query.custom_attributes();
    if !names.is_empty() && !interactions.is_empty() {
        // One statement for every (interaction, requested name) pair: the ids and names travel
        // as two bound JSON arrays, read back with json_each.
        let ids: Vec<&str> = interactions.iter().map(|i| i.id.as_str()).collect();
        let ids = ucs_plugin_api::serde_json::to_string(&ids).expect("strings serialize");
        let wanted = ucs_plugin_api::serde_json::to_string(names).expect("strings serialize");
        let mut attributes = connection.prepare_cached(
            "SELECT c.interaction_id, c.name, c.value FROM custom_attributes c
             WHERE c.interaction_id IN (SELECT value FROM json_each(?1))
               AND c.name IN (SELECT value FROM json_each(?2))",
        )?;
        let position: std::collections::HashMap<String, usize> = interactions
            .iter()
            .enumerate()
            .map(|(i, interaction)| (interaction.id.clone(), i))
            .collect();
        let rows = attributes.query_map([&ids, &wanted], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
            ))
        })?;
        for row in rows {
            let (id, name, value) = row?;
            if let Some(&i) = position.get(&id) {
                interactions[i].custom_attributes.insert(name, value);
            }
        }
    }
    Ok(interactions)
}
