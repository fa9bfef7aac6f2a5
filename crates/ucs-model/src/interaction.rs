//! One interaction of a history result, printed exactly as GWS prints it.

use crate::date::gws_timestamp;
use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The direction of an interaction (`typeId`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum InteractionType {
    /// From a customer to the contact centre.
    Inbound,
    /// From the contact centre to a customer.
    Outbound,
    /// Between agents.
    Internal,
    /// A consultation.
    Consult,
    /// Not known to UCS.
    Unknown,
}

/// The processing state of an interaction (`state`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum InteractionState {
    /// Created, not yet handled.
    New,
    /// Being handled.
    InProcess,
    /// Finished.
    Stopped,
    /// Waiting.
    Pending,
}

impl InteractionType {
    /// The name GWS prints (and stores keep).
    pub fn as_str(self) -> &'static str {
        match self {
            InteractionType::Inbound => "Inbound",
            InteractionType::Outbound => "Outbound",
            InteractionType::Internal => "Internal",
            InteractionType::Consult => "Consult",
            InteractionType::Unknown => "Unknown",
        }
    }

    /// The type a stored name means; a name UCS does not define is `Unknown`.
    pub fn from_name(name: &str) -> InteractionType {
        match name {
            "Inbound" => InteractionType::Inbound,
            "Outbound" => InteractionType::Outbound,
            "Internal" => InteractionType::Internal,
            "Consult" => InteractionType::Consult,
            _ => InteractionType::Unknown,
        }
    }
}

impl InteractionState {
    /// The name GWS prints (and stores keep).
    pub fn as_str(self) -> &'static str {
        match self {
            InteractionState::New => "New",
            InteractionState::InProcess => "InProcess",
            InteractionState::Stopped => "Stopped",
            InteractionState::Pending => "Pending",
        }
    }

    /// The state a stored name means, if it is one.
    pub fn from_name(name: &str) -> Option<InteractionState> {
        Some(match name {
            "New" => InteractionState::New,
            "InProcess" => InteractionState::InProcess,
            "Stopped" => InteractionState::Stopped,
            "Pending" => InteractionState::Pending,
            _ => return None,
        })
    }
}

/// The agent who owns an interaction. Key order is the one GWS prints.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OwnerInformation {
    /// The agent's login name.
    pub user_name: String,
    /// The agent's last name.
    pub last_name: String,
    /// The agent's GWS user id (32 hex digits).
    pub id: String,
    /// The agent's first name.
    pub first_name: String,
}

/// One interaction of a `GetInteractionsHistoryMessage`.
///
/// Field order is the key order of the GWS sample; optional parts are left out, not `null`:
/// `endDate` while the interaction is open, `ownerInformation` without an owner, and
/// `customAttributes` when none of the requested names has a value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Interaction {
    /// The resource path, `/api/v2/interactions/{id}`.
    pub path: String,
    /// The media type as the backend stores it (GWS prints e.g. `Chat`, `Call`, `Email`).
    pub media_type: String,
    /// The direction.
    pub type_id: InteractionType,
    /// The processing state.
    pub state: InteractionState,
    /// When the interaction started.
    #[serde(with = "gws_timestamp")]
    pub start_date: DateTime<FixedOffset>,
    /// When it ended; absent while it is open.
    #[serde(
        with = "gws_timestamp::option",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub end_date: Option<DateTime<FixedOffset>>,
    /// The subject line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// The UCS contact the interaction belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_id: Option<String>,
    /// The absolute URL of the resource.
    pub uri: String,
    /// The owning agent, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_information: Option<OwnerInformation>,
    /// The UCS interaction id (16 characters).
    pub id: String,
    /// Custom attributes. A stored interaction holds all of its attributes; a result holds only
    /// the requested ones (see [`Interaction::project_custom_attributes`]).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub custom_attributes: BTreeMap<String, String>,
}

impl Interaction {
    /// The `path` GWS prints for an interaction id.
    pub fn path_for(id: &str) -> String {
        format!("/api/v2/interactions/{id}")
    }

    /// A closed inbound interaction `id` of `media_type` that started at `start_date`, with
    /// GWS's `path` and nothing else (no end, subject, contact, owner, `uri` or attributes): a
    /// base that stores, fixtures and tests fill in.
    pub fn started(id: &str, media_type: &str, start_date: DateTime<FixedOffset>) -> Interaction {
        Interaction {
            path: Interaction::path_for(id),
            media_type: media_type.to_owned(),
            type_id: InteractionType::Inbound,
            state: InteractionState::Stopped,
            start_date,
            end_date: None,
            subject: None,
            contact_id: None,
            uri: String::new(),
            owner_information: None,
            id: id.to_owned(),
            custom_attributes: Default::default(),
        }
    }

    /// About how many bytes this interaction occupies in memory: the struct, every string's
    /// buffer and the custom attributes' tree nodes. What a cache weighs its entries by, so
    /// that its byte budget bounds memory, not the (smaller) size of the JSON.
    pub fn memory_size(&self) -> usize {
        /// A B-tree map's per-entry share of its nodes, beside the key and value themselves.
        const TREE_ENTRY: usize = 16;
        let strings = [
            Some(&self.path),
            Some(&self.media_type),
            self.subject.as_ref(),
            self.contact_id.as_ref(),
            Some(&self.uri),
            Some(&self.id),
        ];
        let owner = self.owner_information.as_ref().map_or(0, |o| {
            o.user_name.capacity()
                + o.last_name.capacity()
                + o.id.capacity()
                + o.first_name.capacity()
        });
        let attributes: usize = self
            .custom_attributes
            .iter()
            .map(|(k, v)| {
                2 * std::mem::size_of::<String>() + TREE_ENTRY + k.capacity() + v.capacity()
            })
            .sum();
        std::mem::size_of::<Interaction>()
            + strings
                .iter()
                .flatten()
                .map(|s| s.capacity())
                .sum::<usize>()
            + owner
            + attributes
    }

    /// Keeps only the custom attributes named in `names` (sorted, as in a normalized query).
    pub fn project_custom_attributes(&mut self, names: &[String]) {
        self.custom_attributes
            .retain(|name, _| names.binary_search(name).is_ok());
    }

    /// The owner's user id, if the interaction has an owner.
    pub fn owner_id(&self) -> Option<&str> {
        self.owner_information.as_ref().map(|o| o.id.as_str())
    }
}
