//! A history query pushed down to SQL: every filter, the order and the limit run in SQLite, with
//! bound parameters only; the result equals `HistoryQuery::select` over the same data.

use crate::codec::{from_row, COLUMNS};
use rusqlite::types::ToSql;
use rusqlite::{params_from_iter, Connection};
use ucs_plugin_api::ucs_model::{Interaction, SortOrder};
use ucs_plugin_api::BackendRequest;

/// Runs `request` on `connection`.
pub fn run(
    connection: &Connection,
    request: &BackendRequest,
) -> rusqlite::Result<Vec<Interaction>> {
    let query = &request.query;
    let mut values: Vec<Box<dyn ToSql>> = vec![
        Box::new(request.tenant.clone()),
        Box::new(request.media_type.as_str()),
        Box::new(query.from().timestamp_millis()),
        Box::new(query.to().timestamp_millis()),
    ];
    let mut sql = format!(
        "SELECT {COLUMNS} FROM interactions i
         WHERE i.tenant = ?1 AND i.media_key = ?2 AND i.start_ms BETWEEN ?3 AND ?4"
    );
    let mut bind = |sql: &mut String, clause: &str, value: Box<dyn ToSql>| {
        values.push(value);
        sql.push_str(&clause.replace('#', &format!("?{}", values.len())));
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
        bind(
            &mut sql,
            " AND EXISTS (SELECT 1 FROM custom_attributes c WHERE c.interaction_id = i.id AND c.name = #",
            Box::new(name.clone()),
        );
        bind(&mut sql, " AND c.value = #)", Box::new(value.clone()));
    }
    sql.push_str(match query.sort() {
        SortOrder::Asc => " ORDER BY i.start_ms ASC, i.id ASC",
        SortOrder::Desc => " ORDER BY i.start_ms DESC, i.id DESC",
    });
    bind(&mut sql, " LIMIT #", Box::new(i64::from(query.max_size())));

    let mut statement = connection.prepare_cached(&sql)?;
    let mut interactions = statement
        .query_map(params_from_iter(values.iter()), from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;

    let names = query.custom_attributes();
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
