//! The content of one interaction and its notification, `GetInteractionContentMessage`.
//!
//! The content is the whole interaction (every field of a history result, all its custom
//! attributes, its text, structured text and attachments' metadata) and, for the session media
//! (chat, facebooksession, smssession), the transcript `messages`.

use crate::date::{format_gws_timestamp, gws_timestamp, GWS_TIMESTAMP_FORMAT};
use crate::interaction::Interaction;
use chrono::{DateTime, FixedOffset};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::Value;

/// The `messageType` of a content result.
pub const CONTENT_MESSAGE_TYPE: &str = "GetInteractionContentMessage";
/// The `errorMessage` when no interaction of that id is the caller's to read.
pub const INTERACTION_NOT_FOUND: &str = "Interaction not found";
/// The stored media types whose content carries a transcript (`messages`).
pub const TRANSCRIPT_MEDIA: [&str; 3] = ["chat", "facebooksession", "smssession"];

/// Whether an interaction of `media_type` (as stored, any case) has a transcript.
pub fn has_transcript(media_type: &str) -> bool {
    TRANSCRIPT_MEDIA
        .iter()
        .any(|m| m.eq_ignore_ascii_case(media_type))
}

/// An attachment's metadata (the bytes stay in UCS).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Attachment {
    /// The attachment's UCS id.
    pub id: String,
    /// Its file name.
    pub file_name: String,
    /// Its MIME type.
    pub mime_type: String,
    /// Its size in bytes.
    pub size: u64,
}

/// The interaction of a content result: a history result's fields plus the body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContentInteraction {
    /// The fields a history result has (with every custom attribute).
    #[serde(flatten)]
    pub summary: Interaction,
    /// The plain text (an e-mail's body).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// The structured text (an e-mail's HTML body).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub structured_text: Option<String>,
    /// The MIME type of the structured text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub structured_text_mime_type: Option<String>,
    /// The attachments' metadata.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<Attachment>,
}

/// Who wrote a transcript message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageFrom {
    /// The name shown in the transcript.
    pub nickname: String,
    /// `Customer`, `Agent` or `System`.
    #[serde(rename = "type")]
    pub party_type: String,
    /// The participant's id within the session.
    pub participant_id: String,
}

/// One entry of a session's transcript. Key order is the one of the GWS page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TranscriptMessage {
    /// Position in the transcript, from 0.
    pub index: u32,
    /// The author.
    pub from: MessageFrom,
    /// The text (absent for events such as `ParticipantJoined`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// When it was written, printed as GWS prints dates.
    #[serde(with = "gws_timestamp")]
    pub timestamp: DateTime<FixedOffset>,
    /// Who may see it (`All`, `Int`, `Vip`).
    pub visibility: String,
    /// `Message`, `ParticipantJoined`, `ParticipantLeft`, `Notice`, …
    #[serde(rename = "type")]
    pub message_type: String,
    /// The same instant as epoch **milliseconds** (GWS's name), a JSON number.
    pub timestamp_seconds: i64,
}

/// The content of one interaction, as a backend answers it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InteractionContent {
    /// The interaction.
    pub interaction: ContentInteraction,
    /// The transcript: present for chat, facebooksession and smssession (maybe empty), absent
    /// otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub messages: Option<Vec<TranscriptMessage>>,
}

/// The wire shape of the notification's `data`: `referenceId`, `messageType`, then the content
/// or the error.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Wire<'a> {
    reference_id: u64,
    message_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    interaction: Option<&'a RawValue>,
    #[serde(skip_serializing_if = "Option::is_none")]
    messages: Option<&'a RawValue>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error_message: Option<&'a str>,
}

/// The `data` of a `GetInteractionContentMessage` on `/v2/ucs/interactions`, around content
/// that is already JSON (as a backend or GWS wrote it, kept byte for byte):
/// `{"referenceId":N,"messageType":"GetInteractionContentMessage","interaction":{...},"messages":[...]}`,
/// or `{"referenceId":N,"messageType":"GetInteractionContentMessage","errorMessage":"..."}`.
///
/// ```
/// use serde_json::value::RawValue;
/// use ucs_model::ContentMessageJson;
///
/// let interaction = RawValue::from_string(r#"{"id":"a1"}"#.to_owned())?;
/// let ok = ContentMessageJson::content(7, &interaction, None);
/// assert_eq!(serde_json::to_string(&ok)?,
///     r#"{"referenceId":7,"messageType":"GetInteractionContentMessage","interaction":{"id":"a1"}}"#);
/// let failed = ContentMessageJson::failed(8, "Interaction not found");
/// assert_eq!(serde_json::to_string(&failed)?,
///     r#"{"referenceId":8,"messageType":"GetInteractionContentMessage","errorMessage":"Interaction not found"}"#);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Copy, Debug)]
pub struct ContentMessageJson<'a> {
    reference_id: u64,
    interaction: Option<&'a RawValue>,
    messages: Option<&'a RawValue>,
    error_message: Option<&'a str>,
}

impl<'a> ContentMessageJson<'a> {
    /// A successful result: the interaction object and, for session media, the transcript array.
    pub fn content(
        reference_id: u64,
        interaction: &'a RawValue,
        messages: Option<&'a RawValue>,
    ) -> Self {
        Self {
            reference_id,
            interaction: Some(interaction),
            messages,
            error_message: None,
        }
    }

    /// A failure with its `errorMessage`.
    pub fn failed(reference_id: u64, error_message: &'a str) -> Self {
        Self {
            reference_id,
            interaction: None,
            messages: None,
            error_message: Some(error_message),
        }
    }
}

impl Serialize for ContentMessageJson<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        Wire {
            reference_id: self.reference_id,
            message_type: CONTENT_MESSAGE_TYPE,
            interaction: self.interaction,
            messages: self.messages,
            error_message: self.error_message,
        }
        .serialize(serializer)
    }
}

/// A backend's content answer, checked and kept as the JSON it was written in (so a relayed GWS
/// answer goes out byte for byte), with the media type it was found under.
#[derive(Clone, Debug)]
pub struct ContentDocument {
    media_type: String,
    interaction: Box<RawValue>,
    messages: Option<Box<RawValue>>,
}

/// The top level of a content answer, its parts left as JSON text.
#[derive(Deserialize)]
struct RawContent<'a> {
    #[serde(borrow)]
    interaction: &'a RawValue,
    #[serde(borrow, default)]
    messages: Option<&'a RawValue>,
}

impl ContentDocument {
    /// Reads and checks a backend's answer for interaction `id`: `null` (no such interaction)
    /// is `None`; otherwise an object with a valid `interaction` of that id and, when present,
    /// valid `messages`. The error says what was wrong.
    pub fn parse(bytes: &[u8], id: &str) -> Result<Option<ContentDocument>, String> {
        let raw: Option<RawContent<'_>> =
            serde_json::from_slice(bytes).map_err(|e| format!("malformed content: {e}"))?;
        let Some(raw) = raw else {
            return Ok(None);
        };
        let interaction: ContentInteraction = serde_json::from_str(raw.interaction.get())
            .map_err(|e| format!("malformed interaction: {e}"))?;
        if interaction.summary.id != id {
            return Err(format!(
                "content of interaction {:?} for {id:?}",
                interaction.summary.id
            ));
        }
        if let Some(messages) = raw.messages {
            serde_json::from_str::<Vec<TranscriptMessage>>(messages.get())
                .map_err(|e| format!("malformed messages: {e}"))?;
        }
        Ok(Some(ContentDocument {
            media_type: interaction.summary.media_type,
            interaction: raw.interaction.to_owned(),
            messages: raw.messages.map(ToOwned::to_owned),
        }))
    }

    /// The document of `content`.
    pub fn of(content: &InteractionContent) -> ContentDocument {
        use serde_json::value::to_raw_value;
        ContentDocument {
            media_type: content.interaction.summary.media_type.clone(),
            interaction: to_raw_value(&content.interaction).expect("an interaction serializes"),
            messages: content
                .messages
                .as_ref()
                .map(|m| to_raw_value(m).expect("messages serialize")),
        }
    }

    /// The document as callers see it: `uri` on `public_base_url` (+ `path`), and every date
    /// (`startDate`, `endDate`, each message's `timestamp`) in `time_zone`, as history results
    /// are presented. Nothing else changes: other keys, their order and values stay as the
    /// backend (or GWS) wrote them.
    pub fn presented(&self, time_zone: Tz, public_base_url: &str) -> ContentDocument {
        let base = public_base_url.trim_end_matches('/');
        let rezone = |value: &mut Value| {
            let instant = value
                .as_str()
                .and_then(|text| DateTime::parse_from_str(text, GWS_TIMESTAMP_FORMAT).ok());
            if let Some(instant) = instant {
                let local = instant.with_timezone(&time_zone).fixed_offset();
                *value = Value::String(format_gws_timestamp(&local));
            }
        };
        let mut interaction: Value =
            serde_json::from_str(self.interaction.get()).expect("checked when parsed");
        if let Some(object) = interaction.as_object_mut() {
            let path = object
                .get("path")
                .and_then(Value::as_str)
                .map(str::to_owned);
            if let Some(path) = path.filter(|p| p.starts_with('/')) {
                object.insert("uri".to_owned(), Value::String(format!("{base}{path}")));
            }
            for key in ["startDate", "endDate"] {
                object.get_mut(key).map(rezone);
            }
        }
        let messages = self.messages.as_ref().map(|raw| {
            let mut messages: Value = serde_json::from_str(raw.get()).expect("checked when parsed");
            for message in messages.as_array_mut().into_iter().flatten() {
                message.get_mut("timestamp").map(rezone);
            }
            serde_json::value::to_raw_value(&messages).expect("messages serialize")
        });
        ContentDocument {
            media_type: self.media_type.clone(),
            interaction: serde_json::value::to_raw_value(&interaction)
                .expect("an interaction serializes"),
            messages,
        }
    }

    /// The media type as stored (`Chat`, `email`, …).
    pub fn media_type(&self) -> &str {
        &self.media_type
    }

    /// The `interaction` object (also the body of `GET /api/v2/interactions/{id}`).
    pub fn interaction(&self) -> &RawValue {
        &self.interaction
    }

    /// The notification carrying this content for the request `reference_id`.
    pub fn message(&self, reference_id: u64) -> ContentMessageJson<'_> {
        ContentMessageJson::content(reference_id, &self.interaction, self.messages.as_deref())
    }

    /// About how many bytes the document holds in memory (what a cache weighs it by).
    pub fn memory_size(&self) -> usize {
        std::mem::size_of::<Self>()
            + self.media_type.capacity()
            + self.interaction.get().len()
            + self.messages.as_ref().map_or(0, |m| m.get().len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHAT: &str = r#"{"interaction":{"path":"/api/v2/interactions/a1","mediaType":"chat","typeId":"Inbound","state":"Stopped","startDate":"2015-10-01 16:02:07.000+0300","uri":"http://h/api/v2/interactions/a1","id":"a1","customAttributes":{"x":"1"},"text":"hi"},"messages":[{"index":0,"from":{"nickname":"Ann","type":"Customer","participantId":"p1"},"text":"hello","timestamp":"2015-10-01 16:02:08.000+0300","visibility":"All","type":"Message","timestampSeconds":1443704528000}]}"#;

    #[test]
    fn content_round_trips_byte_for_byte() {
        let content: InteractionContent = serde_json::from_str(CHAT).unwrap();
        assert_eq!(content.interaction.summary.id, "a1");
        assert_eq!(content.interaction.text.as_deref(), Some("hi"));
        let messages = content.messages.as_ref().unwrap();
        assert_eq!(
            messages[0].timestamp.timestamp_millis(),
            messages[0].timestamp_seconds
        );
        assert_eq!(serde_json::to_string(&content).unwrap(), CHAT);
    }

    #[test]
    fn a_document_keeps_the_answer_as_written_and_checks_it() {
        let document = ContentDocument::parse(CHAT.as_bytes(), "a1")
            .unwrap()
            .unwrap();
        assert_eq!(document.media_type(), "chat");
        let text = serde_json::to_string(&document.message(5)).unwrap();
        assert_eq!(
            text,
            format!(
                r#"{{"referenceId":5,"messageType":"GetInteractionContentMessage",{}"#,
                &CHAT[1..]
            )
        );
        assert!(ContentDocument::parse(b"null", "a1").unwrap().is_none());
        assert!(ContentDocument::parse(CHAT.as_bytes(), "other").is_err());
        assert!(ContentDocument::parse(br#"{"interaction":{"id":"a1"}}"#, "a1").is_err());
        let content: InteractionContent = serde_json::from_str(CHAT).unwrap();
        assert_eq!(
            ContentDocument::of(&content).interaction().get(),
            ContentDocument::parse(CHAT.as_bytes(), "a1")
                .unwrap()
                .unwrap()
                .interaction()
                .get()
        );
    }

    #[test]
    fn presenting_rewrites_the_uri_and_the_dates_only() {
        let document = ContentDocument::parse(CHAT.as_bytes(), "a1")
            .unwrap()
            .unwrap();
        let presented = document.presented(Tz::UTC, "https://proxy.example/");
        let text = serde_json::to_string(&presented.message(1)).unwrap();
        let expected = CHAT
            .replace("http://h/api", "https://proxy.example/api")
            .replace("16:02:07.000+0300", "13:02:07.000+0000")
            .replace("16:02:08.000+0300", "13:02:08.000+0000");
        assert_eq!(
            text,
            format!(
                r#"{{"referenceId":1,"messageType":"GetInteractionContentMessage",{}"#,
                &expected[1..]
            )
        );
    }

    #[test]
    fn session_media_have_transcripts() {
        assert!(has_transcript("Chat") && has_transcript("smssession"));
        assert!(!has_transcript("Email") && !has_transcript("call"));
    }
}
