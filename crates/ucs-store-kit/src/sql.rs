//! SQL pushdown for history stores: one backend request as one `SELECT` with every filter, the
//! order and the limit, every value a bound parameter. Stores share the statement's logic and
//! differ only in their [`SqlDialect`]: placeholders (`?1`, `$1`), where the tables are, how the
//! start is stored. The statement reads the UCS-like schema of the bundled stores
//! (`interactions i`, `custom_attributes c`).

use ucs_plugin_api::ucs_model::chrono::{DateTime, Utc};
use ucs_plugin_api::ucs_model::SortOrder;
use ucs_plugin_api::BackendRequest;

/// A value bound to a placeholder, in the store's own parameter type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SqlValue {
    /// A string.
    Text(String),
    /// An integer (the limit; instants stored as milliseconds).
    Integer(i64),
    /// An instant, for stores with a timestamp type.
    Instant(DateTime<Utc>),
}

/// How a store writes the statement.
#[derive(Clone, Copy, Debug)]
pub struct SqlDialect<'a> {
    /// Written before table names: `""`, or a quoted schema and a dot (`"ucs".`).
    pub tables: &'a str,
    /// The placeholder of the `n`-th value, from 1: `?n` or `$n`.
    pub placeholder: fn(usize) -> String,
    /// The column of `i` holding the start (filtered and ordered on).
    pub start_column: &'a str,
    /// How a range bound is bound: as an [`SqlValue::Instant`] or as milliseconds.
    pub instant: fn(DateTime<Utc>) -> SqlValue,
}

/// A statement and its values, in placeholder order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SqlSelect {
    /// The SQL text.
    pub sql: String,
    /// The values of its placeholders.
    pub values: Vec<SqlValue>,
}

impl SqlSelect {
    /// Appends `clause`, whose `#` stands for the placeholder of `value`.
    fn bind(&mut self, dialect: &SqlDialect<'_>, clause: &str, value: SqlValue) {
        self.values.push(value);
        let placeholder = (dialect.placeholder)(self.values.len());
        self.sql.push_str(&clause.replace('#', &placeholder));
    }
}

/// The `SELECT {columns}` answering `request`: tenant, media type (the lower-cased `media_key`
/// column), start within the range, owner, contact and custom attribute filters, ordered by start
/// then id, limited to `maxSize`. Its result equals `HistoryQuery::select` over the same rows
/// (custom attributes are for the store to load).
pub fn select_statement(
    request: &BackendRequest,
    columns: &str,
    dialect: &SqlDialect<'_>,
) -> SqlSelect {
    let query = &request.query;
    let tables = dialect.tables;
    let start = dialect.start_column;
    let mut select = SqlSelect {
        sql: format!("SELECT {columns} FROM {tables}interactions i"),
        values: Vec::new(),
    };
    select.bind(
        dialect,
        " WHERE i.tenant = #",
        SqlValue::Text(request.tenant.clone()),
    );
    select.bind(
        dialect,
        " AND i.media_key = #",
        SqlValue::Text(request.media_type.as_str().to_owned()),
    );
    select.bind(
        dialect,
        &format!(" AND i.{start} BETWEEN #"),
        (dialect.instant)(query.from()),
    );
    select.bind(dialect, " AND #", (dialect.instant)(query.to()));
    if let Some(user) = query.user_id() {
        select.bind(
            dialect,
            " AND i.owner_id = #",
            SqlValue::Text(user.to_owned()),
        );
    }
    if let Some(contact) = query.contact_id() {
        select.bind(
            dialect,
            " AND i.contact_id = #",
            SqlValue::Text(contact.to_owned()),
        );
    }
    for (name, value) in query.search_custom_attributes() {
        select.bind(
            dialect,
            &format!(
                " AND EXISTS (SELECT 1 FROM {tables}custom_attributes c \
                 WHERE c.interaction_id = i.id AND c.name = #"
            ),
            SqlValue::Text(name.clone()),
        );
        select.bind(dialect, " AND c.value = #)", SqlValue::Text(value.clone()));
    }
    let order = match query.sort() {
        SortOrder::Asc => "ASC",
        SortOrder::Desc => "DESC",
    };
    select
        .sql
        .push_str(&format!(" ORDER BY i.{start} {order}, i.id {order}"));
    select.bind(
        dialect,
        " LIMIT #",
        SqlValue::Integer(i64::from(query.max_size())),
    );
    select
}

#[cfg(test)]
mod tests {
    use super::*;
    use ucs_plugin_api::ucs_model::chrono::TimeZone;
    use ucs_plugin_api::ucs_model::{parse_request, MediaType, ParseContext, Route, Tz};

    fn dollar(n: usize) -> String {
        format!("${n}")
    }

    #[test]
    fn every_value_is_a_parameter_in_order() {
        let ctx = ParseContext::new(
            Utc.with_ymd_and_hms(2015, 10, 20, 8, 0, 0).unwrap(),
            Tz::UTC,
        );
        let body = br#"{"operationName":"RetrieveInteractionHistory","userId":"x' OR '1'='1",
            "searchCustomAttributes":{"a'b":"c;d","e":"f"},"sort":"asc","maxSize":7}"#;
        let query = parse_request(&Route::Interactions, body, &ctx)
            .unwrap()
            .query;
        let request = BackendRequest::new("t'--", &query, MediaType::Chat);
        let dialect = SqlDialect {
            tables: "\"ucs\".",
            placeholder: dollar,
            start_column: "start_at",
            instant: SqlValue::Instant,
        };
        let select = select_statement(&request, "i.id", &dialect);
        assert!(!select.sql.contains('\''), "no literal in {}", select.sql);
        assert_eq!(
            select.sql,
            "SELECT i.id FROM \"ucs\".interactions i WHERE i.tenant = $1 AND i.media_key = $2 \
             AND i.start_at BETWEEN $3 AND $4 AND i.owner_id = $5 \
             AND EXISTS (SELECT 1 FROM \"ucs\".custom_attributes c WHERE c.interaction_id = i.id AND c.name = $6 AND c.value = $7) \
             AND EXISTS (SELECT 1 FROM \"ucs\".custom_attributes c WHERE c.interaction_id = i.id AND c.name = $8 AND c.value = $9) \
             ORDER BY i.start_at ASC, i.id ASC LIMIT $10"
        );
        assert_eq!(
            select.values,
            [
                SqlValue::Text("t'--".into()),
                SqlValue::Text("chat".into()),
                SqlValue::Instant(query.from()),
                SqlValue::Instant(query.to()),
                SqlValue::Text("x' OR '1'='1".into()),
                SqlValue::Text("a'b".into()),
                SqlValue::Text("c;d".into()),
                SqlValue::Text("e".into()),
                SqlValue::Text("f".into()),
                SqlValue::Integer(7),
            ]
        );
    }
}
