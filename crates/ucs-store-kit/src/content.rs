//! The content tables of the UCS-like schema (an interaction's body, its attachments' metadata,
//! a session's transcript), the statements that read them and how their rows become an
//! [`InteractionContent`]. Every store writes the same tables, in its own SQL types.
//!
//! | table | key | columns |
//! |---|---|---|
//! | `interaction_content` | `interaction_id` | `text`, `structured_text`, `structured_text_mime_type` |
//! | `attachments` | `interaction_id`, `id` | `file_name`, `mime_type`, `size` |
//! | `transcript_messages` | `interaction_id`, `idx` | `nickname`, `party_type`, `participant_id`, `text`, `at_ms`, `at_offset`, `visibility`, `message_type` |

use crate::row::{with_offset, RowError};
use ucs_plugin_api::ucs_model::chrono::{DateTime, Utc};
use ucs_plugin_api::ucs_model::{
    has_transcript, Attachment, ContentInteraction, Interaction, InteractionContent, MessageFrom,
    TranscriptMessage,
};

/// The statements reading one interaction's content rows, for a store whose tables are
/// prefixed by `tables` (`""` or `"ucs".`) and whose `n`-th placeholder is `placeholder(n)`.
/// The first takes the tenant and the id; the others the interaction id as their only value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContentStatements {
    /// The interaction's row (the store's select list) of that tenant and id.
    pub interaction: String,
    /// Every custom attribute: `name, value`.
    pub attributes: String,
    /// The body: `text, structured_text, structured_text_mime_type`.
    pub body: String,
    /// The attachments: `id, file_name, mime_type, size`, by id.
    pub attachments: String,
    /// The transcript: the columns of [`MessageRow`] in order, by index.
    pub transcript: String,
}

impl ContentStatements {
    /// The statements in a store's dialect; `columns` is its interaction select list.
    pub fn new(tables: &str, placeholder: fn(usize) -> String, columns: &str) -> Self {
        let id = placeholder(1);
        Self {
            interaction: format!(
                "SELECT {columns} FROM {tables}interactions i WHERE i.tenant = {id} AND i.id = {}",
                placeholder(2)
            ),
            attributes: format!(
                "SELECT name, value FROM {tables}custom_attributes WHERE interaction_id = {id}"
            ),
            body: format!(
                "SELECT text, structured_text, structured_text_mime_type \
                 FROM {tables}interaction_content WHERE interaction_id = {id}"
            ),
            attachments: format!(
                "SELECT id, file_name, mime_type, size FROM {tables}attachments \
                 WHERE interaction_id = {id} ORDER BY id"
            ),
            transcript: format!(
                "SELECT idx, nickname, party_type, participant_id, text, at_ms, at_offset, \
                 visibility, message_type FROM {tables}transcript_messages \
                 WHERE interaction_id = {id} ORDER BY idx"
            ),
        }
    }
}

/// The body row of an interaction.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BodyRow {
    /// `text`.
    pub text: Option<String>,
    /// `structured_text`.
    pub structured_text: Option<String>,
    /// `structured_text_mime_type`.
    pub structured_text_mime_type: Option<String>,
}

/// One row of `transcript_messages`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MessageRow {
    /// `idx`.
    pub index: i64,
    /// `nickname`.
    pub nickname: String,
    /// `party_type`.
    pub party_type: String,
    /// `participant_id`.
    pub participant_id: String,
    /// `text`.
    pub text: Option<String>,
    /// `at_ms`: epoch milliseconds.
    pub at_ms: i64,
    /// `at_offset`: seconds east of UTC the instant was written in.
    pub at_offset: i32,
    /// `visibility`.
    pub visibility: String,
    /// `message_type`.
    pub message_type: String,
}

impl MessageRow {
    /// The row of `message`.
    pub fn of(message: &TranscriptMessage) -> Self {
        Self {
            index: i64::from(message.index),
            nickname: message.from.nickname.clone(),
            party_type: message.from.party_type.clone(),
            participant_id: message.from.participant_id.clone(),
            text: message.text.clone(),
            at_ms: message.timestamp.timestamp_millis(),
            at_offset: message.timestamp.offset().local_minus_utc(),
            visibility: message.visibility.clone(),
            message_type: message.message_type.clone(),
        }
    }

    fn into_message(self) -> Result<TranscriptMessage, RowError> {
        let at = DateTime::<Utc>::from_timestamp_millis(self.at_ms).unwrap_or_default();
        Ok(TranscriptMessage {
            index: u32::try_from(self.index).unwrap_or(u32::MAX),
            from: MessageFrom {
                nickname: self.nickname,
                party_type: self.party_type,
                participant_id: self.participant_id,
            },
            text: self.text,
            timestamp: with_offset(at, self.at_offset)?,
            visibility: self.visibility,
            message_type: self.message_type,
            timestamp_seconds: self.at_ms,
        })
    }
}

/// The rows of one interaction's content, as a store read them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ContentRows {
    /// The body, when the interaction has one.
    pub body: Option<BodyRow>,
    /// The attachments.
    pub attachments: Vec<Attachment>,
    /// The transcript rows.
    pub messages: Vec<MessageRow>,
}

impl ContentRows {
    /// The content of `interaction` (with every custom attribute) from these rows. Session
    /// media (chat, facebooksession, smssession) get `messages`, even empty; others none.
    pub fn into_content(self, interaction: Interaction) -> Result<InteractionContent, RowError> {
        let messages = has_transcript(&interaction.media_type)
            .then(|| {
                self.messages
                    .into_iter()
                    .map(MessageRow::into_message)
                    .collect::<Result<Vec<_>, _>>()
            })
            .transpose()?;
        let body = self.body.unwrap_or_default();
        Ok(InteractionContent {
            interaction: ContentInteraction {
                summary: interaction,
                text: body.text,
                structured_text: body.structured_text,
                structured_text_mime_type: body.structured_text_mime_type,
                attachments: self.attachments,
            },
            messages,
        })
    }

    /// The rows of `content` (what a store writes).
    pub fn of(content: &InteractionContent) -> Self {
        let interaction = &content.interaction;
        let has_body = interaction.text.is_some() || interaction.structured_text.is_some();
        Self {
            body: has_body.then(|| BodyRow {
                text: interaction.text.clone(),
                structured_text: interaction.structured_text.clone(),
                structured_text_mime_type: interaction.structured_text_mime_type.clone(),
            }),
            attachments: interaction.attachments.clone(),
            messages: content
                .messages
                .iter()
                .flatten()
                .map(MessageRow::of)
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::{demo_content, demo_interaction, DEMO_SEED};

    #[test]
    fn demo_contents_survive_a_row_round_trip() {
        let now = Utc::now();
        for i in 0..300 {
            let (_, interaction) = demo_interaction(DEMO_SEED, i, now);
            let content = demo_content(DEMO_SEED, i, &interaction);
            let rows = ContentRows::of(&content);
            assert_eq!(rows.into_content(interaction).unwrap(), content);
        }
    }

    #[test]
    fn statements_take_the_id_as_their_only_value() {
        let statements = ContentStatements::new("\"ucs\".", |n| format!("${n}"), "i.id");
        assert_eq!(
            statements.interaction,
            "SELECT i.id FROM \"ucs\".interactions i WHERE i.tenant = $1 AND i.id = $2"
        );
        for sql in [
            &statements.attributes,
            &statements.body,
            &statements.attachments,
            &statements.transcript,
        ] {
            assert!(
                sql.ends_with("interaction_id = $1") || sql.contains("interaction_id = $1 ORDER")
            );
            assert!(sql.contains("\"ucs\"."));
        }
    }
}
