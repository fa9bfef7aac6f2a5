//! Every interaction of a tenant, read without any query pushdown: the input of the reference
//! semantics (`HistoryQuery::select`) that end-to-end tests compare the proxy's answers with.

use crate::codec::{columns, from_row};
use rusqlite::Connection;
use ucs_plugin_api::ucs_model::Interaction;

/// All interactions of `tenant`, each with all its custom attributes, in no particular order.
pub fn read_tenant(connection: &Connection, tenant: &str) -> rusqlite::Result<Vec<Interaction>> {
    let mut statement = connection.prepare(&format!(
        "SELECT {} FROM interactions i WHERE i.tenant = ?1",
        columns()
    ))?;
    let mut interactions = statement
        .query_map([tenant], from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut attributes = connection
        .prepare("SELECT c.name, c.value FROM custom_attributes c WHERE c.interaction_id = ?1")?;
    for interaction in &mut interactions {
        let rows = attributes.query_map([&interaction.id], |row| {
            Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
        })?;
        for row in rows {
            let (name, value) = row?;
            interaction.custom_attributes.insert(name, value);
        }
    }
    Ok(interactions)
}
