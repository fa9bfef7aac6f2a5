//! The change feed: a connection of its own LISTENs on the channel the schema's triggers
//! NOTIFY (see the migrations), and hands each change of this schema's interactions to the
//! host. NOTIFY is lost while nobody listens, so after every (re)connection the feed reports a
//! resync (the host drops this store's cached answers), then reconnects with a back-off when
//! the connection ends.

use crate::schema::{SchemaName, CHANGE_CHANNEL};
use futures_util::StreamExt;
use std::time::Duration;
use tokio_postgres::AsyncMessage;
use ucs_plugin_api::serde_json::{self, Value};
use ucs_plugin_api::ucs_model::InteractionChange;
use ucs_plugin_api::ChangeFeed;

/// The first wait before reconnecting; doubled up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(200);
/// The longest wait before reconnecting.
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// Listens for the changes of `schema` in the database at `url`, for as long as the runtime
/// runs.
pub(crate) async fn listen(url: String, schema: SchemaName, feed: ChangeFeed) {
    let mut backoff = FIRST_BACKOFF;
    loop {
        // A failed connection needs nothing more: the host drops this store's answers on the
        // resync that follows the next successful one.
        if listen_once(&url, &schema, &feed).await.is_ok() {
            backoff = FIRST_BACKOFF;
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}

/// One connection: LISTEN, resync, then every notification until the connection ends. `Ok`
/// when it was listening (the back-off starts again).
async fn listen_once(
    url: &str,
    schema: &SchemaName,
    feed: &ChangeFeed,
) -> Result<(), tokio_postgres::Error> {
    let mut config: tokio_postgres::Config = url.parse()?;
    // Named, so an operator (or a test) can find it in pg_stat_activity.
    config.application_name(listener_name(schema));
    let (client, mut connection) = config.connect(tokio_postgres::NoTls).await?;
    let (sender, mut notifications) = tokio::sync::mpsc::unbounded_channel();
    // The connection's messages: notifications go to the loop below; the task ends with it.
    let driver = tokio::spawn(async move {
        let mut messages = futures_util::stream::poll_fn(move |cx| connection.poll_message(cx));
        while let Some(message) = messages.next().await {
            match message {
                Ok(AsyncMessage::Notification(n)) if n.channel() == CHANGE_CHANNEL => {
                    if sender.send(n.payload().to_owned()).is_err() {
                        break;
                    }
                }
                Ok(_) => {}
                Err(_) => break,
            }
        }
    });
    client
        .batch_execute(&format!("LISTEN {CHANGE_CHANNEL}"))
        .await?;
    feed.resync("listening for changes (again): changes made meanwhile are unknown");
    while let Some(payload) = notifications.recv().await {
        match read(&payload, schema) {
            Some(Ok(change)) => feed.changes(&[change]),
            Some(Err(reason)) => feed.resync(&reason),
            None => {}
        }
    }
    drop(client);
    let _ = driver.await;
    Ok(())
}

/// The `application_name` of the listening connection of `schema`.
pub fn listener_name(schema: &SchemaName) -> String {
    format!("ucs-proxy change feed {}", schema.as_str())
}

/// The change a notification carries: `None` when it is another schema's, an error (so a
/// resync) when it cannot be read.
fn read(payload: &str, schema: &SchemaName) -> Option<Result<InteractionChange, String>> {
    let mut value: Value = match serde_json::from_str(payload) {
        Ok(value) => value,
        Err(error) => return Some(Err(format!("unreadable change notification: {error}"))),
    };
    let of_schema = value
        .as_object_mut()
        .and_then(|fields| fields.remove("schema"));
    if of_schema.as_ref().and_then(Value::as_str) != Some(schema.as_str()) {
        return None;
    }
    Some(serde_json::from_value(value).map_err(|e| format!("unreadable change: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ucs_plugin_api::ucs_model::ChangeKind;

    #[test]
    fn reads_the_triggers_payload_of_its_schema_only() {
        let schema = SchemaName::new("ucs").unwrap();
        let payload = r#"{"schema":"ucs","tenant":"cc1","id":"i1","kind":"updated","mediaType":"chat","ownerId":null,"contactId":"c1","startDate":"2015-10-01T09:17:45.000000Z"}"#;
        let change = read(payload, &schema).unwrap().unwrap();
        assert_eq!(change.kind, ChangeKind::Updated);
        assert_eq!(change.owner_id, Some(None));
        assert_eq!(
            change.custom_attributes, None,
            "not in the payload: unknown"
        );
        assert!(change.start_date.is_some());
        let other = payload.replace(r#""schema":"ucs""#, r#""schema":"ucs_archive""#);
        assert!(read(&other, &schema).is_none());
        assert!(read("{", &schema).unwrap().is_err());
    }
}
