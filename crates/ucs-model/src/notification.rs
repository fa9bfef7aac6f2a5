//! The CometD notification that carries a history result: `GetInteractionsHistoryMessage`.

use crate::interaction::Interaction;
use serde::{de::Error, Deserialize, Deserializer, Serialize, Serializer};

/// The channel GWS publishes history results on.
pub const HISTORY_CHANNEL: &str = "/v2/ucs/interactions";
/// The `messageType` of a history result.
pub const HISTORY_MESSAGE_TYPE: &str = "GetInteractionsHistoryMessage";
/// The `errorMessage` of a failed history request (GWS wording).
pub const REQUEST_FAILED: &str = "Request failed";

/// What a history request came to after its ack.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HistoryOutcome {
    /// The interactions found, already sorted, cut and projected.
    Interactions(Vec<Interaction>),
    /// The request failed; the text is the `errorMessage` (`Request failed`, or with a reason).
    Failed(String),
}

/// The `data` of a `/v2/ucs/interactions` message:
/// `{"referenceId":N,"messageType":"GetInteractionsHistoryMessage","interactions":[...]}`, or with
/// `"errorMessage":"Request failed"` in place of `interactions`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HistoryNotification {
    /// The `referenceId` of the ack this result answers.
    pub reference_id: u64,
    /// The result.
    pub outcome: HistoryOutcome,
}

impl HistoryNotification {
    /// A successful result.
    pub fn interactions(reference_id: u64, interactions: Vec<Interaction>) -> Self {
        Self {
            reference_id,
            outcome: HistoryOutcome::Interactions(interactions),
        }
    }

    /// A failure; `reason`, when given, is appended as `Request failed: <reason>`.
    pub fn failed(reference_id: u64, reason: Option<&str>) -> Self {
        let message = match reason {
            Some(reason) => format!("{REQUEST_FAILED}: {reason}"),
            None => REQUEST_FAILED.to_owned(),
        };
        Self {
            reference_id,
            outcome: HistoryOutcome::Failed(message),
        }
    }
}

/// The wire shape, with key order `referenceId`, `messageType`, then the outcome.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Wire<I> {
    reference_id: u64,
    message_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    interactions: Option<I>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    error_message: Option<String>,
}

/// A successful history message around interactions that are already a JSON array (a cached,
/// presented result): it serializes to exactly the bytes of the [`HistoryNotification`] with
/// those interactions, without serializing them again.
#[derive(Clone, Copy, Debug)]
pub struct HistoryMessageJson<'a> {
    /// The `referenceId` of the ack this result answers.
    pub reference_id: u64,
    /// The `interactions` array.
    pub interactions: &'a serde_json::value::RawValue,
}

impl HistoryMessageJson<'_> {
    /// The message's text around its interactions: what comes before them and what after (the
    /// interactions, a cached answer, are then written from their one copy, whoever asked).
    pub fn frame(reference_id: u64) -> (String, &'static str) {
        let mut id = itoa::Buffer::new();
        let head = [
            r#"{"referenceId":"#,
            id.format(reference_id),
            r#","messageType":""#,
            HISTORY_MESSAGE_TYPE,
            r#"","interactions":"#,
        ]
        .concat();
        (head, "}")
    }
}

impl Serialize for HistoryMessageJson<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        Wire {
            reference_id: self.reference_id,
            message_type: HISTORY_MESSAGE_TYPE.to_owned(),
            interactions: Some(self.interactions),
            error_message: None,
        }
        .serialize(serializer)
    }
}

impl Serialize for HistoryNotification {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let (interactions, error_message) = match &self.outcome {
            HistoryOutcome::Interactions(list) => (Some(list), None),
            HistoryOutcome::Failed(message) => (None, Some(message.clone())),
        };
        Wire {
            reference_id: self.reference_id,
            message_type: HISTORY_MESSAGE_TYPE.to_owned(),
            interactions,
            error_message,
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for HistoryNotification {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let wire = Wire::<Vec<Interaction>>::deserialize(deserializer)?;
        if wire.message_type != HISTORY_MESSAGE_TYPE {
            return Err(D::Error::custom(format!(
                "messageType {:?} is not {HISTORY_MESSAGE_TYPE}",
                wire.message_type
            )));
        }
        let outcome = match (wire.interactions, wire.error_message) {
            (_, Some(message)) => HistoryOutcome::Failed(message),
            (Some(list), None) => HistoryOutcome::Interactions(list),
            (None, None) => return Err(D::Error::missing_field("interactions")),
        };
        Ok(Self {
            reference_id: wire.reference_id,
            outcome,
        })
    }
}
