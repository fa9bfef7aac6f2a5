//! What the content benches (`content_sqlite`, `content_postgres`) share: the measured chat and
//! its request. (The two stores export the same plugin symbol: one bench binary each.)

use ucs_model::chrono::{Duration as Span, Utc};
use ucs_model::{
    Interaction, InteractionContent, MediaType, MessageFrom, Source, TranscriptMessage,
};
use ucs_plugin_api::ContentBackendRequest;
use ucs_store_kit::demo::{demo_content, demo_interaction, DEMO_SEED};

/// Demo interactions around the measured chat.
pub const AROUND: u64 = 20_000;
/// The measured chat's id.
pub const CHAT_ID: &str = "BENCH0000000CHAT";

/// A chat of tenant cc1 with a 60-entry transcript.
pub fn sixty_message_chat() -> (String, InteractionContent) {
    let (_, mut interaction) = demo_interaction(DEMO_SEED, 0, Utc::now());
    interaction.id = CHAT_ID.to_owned();
    interaction.path = Interaction::path_for(CHAT_ID);
    interaction.media_type = "Chat".to_owned();
    let mut content = demo_content(DEMO_SEED, 0, &interaction);
    let start = interaction.start_date;
    content.messages = Some(
        (0..60)
            .map(|index| {
                let at = start + Span::seconds(i64::from(index) * 7);
                TranscriptMessage {
                    index,
                    from: MessageFrom {
                        nickname: if index % 2 == 0 { "Alice" } else { "Demo" }.to_owned(),
                        party_type: if index % 2 == 0 { "Customer" } else { "Agent" }.to_owned(),
                        participant_id: format!("00AA{index:012}"),
                    },
                    text: Some(format!(
                        "Message {index}: could you tell me when my order will be shipped?"
                    )),
                    timestamp: at,
                    visibility: "All".to_owned(),
                    message_type: "Message".to_owned(),
                    timestamp_seconds: at.timestamp_millis(),
                }
            })
            .collect(),
    );
    content.interaction.summary = interaction;
    ("cc1".to_owned(), content)
}

/// The content request of the measured chat (tenant cc1, main source, every media type).
pub fn request() -> ContentBackendRequest {
    ContentBackendRequest {
        tenant: "cc1".to_owned(),
        id: CHAT_ID.to_owned(),
        source: Source::Main,
        media_types: MediaType::ALL.to_vec(),
    }
}
