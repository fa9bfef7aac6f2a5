//! Demo data for plugins: a realistic, deterministic history for the embedded default — every media type,
//! inbound and outbound, open and closed, several owners (the demo users among them), contacts
//! and tenants, `SearchId`/`CustomerId` custom attributes, starts spread over six months.
//!
//! Any store can load it (store-sqlite on first start, store-postgres with its `demo-data`
//! command), so every backend serves the same demo history.

use std::collections::BTreeMap;
use ucs_plugin_api::ucs_model::chrono::{DateTime, Duration, FixedOffset, Utc};
use ucs_plugin_api::ucs_model::{
    has_transcript, Attachment, ContentInteraction, Interaction, InteractionContent,
    InteractionState, InteractionType, MessageFrom, OwnerInformation, TranscriptMessage,
};

/// The seed of the demo history every store writes.
pub const DEMO_SEED: u64 = 0x00C0_FFEE;

/// The owners of demo interactions: (tenant, user id, user name, first, last). The first three
/// are the demo users of `config/default.toml`.
pub const DEMO_OWNERS: [(&str, &str, &str, &str, &str); 6] = [
    (
        "cc1",
        "cc9016eee9c84dfeb266c642d9fd92c5",
        "demo",
        "Demo",
        "Agent",
    ),
    (
        "cc1",
        "0a1b2c3d4e5f60718293a4b5c6d7e8f9",
        "novoice",
        "No",
        "Voice",
    ),
    (
        "cc2",
        "f0e1d2c3b4a5968778695a4b3c2d1e0f",
        "other",
        "Other",
        "Tenant",
    ),
    (
        "cc1",
        "11112222333344445555666677778888",
        "jdoe",
        "Jane",
        "Doe",
    ),
    (
        "cc2",
        "99990000aaaabbbbccccddddeeeeffff",
        "rroe",
        "Richard",
        "Roe",
    ),
    (
        "cc3",
        "0123456789abcdef0123456789abcdef",
        "asmith",
        "Anna",
        "Smith",
    ),
];

/// Media types as UCS stores them (GWS prints these spellings).
const MEDIA: [&str; 8] = [
    "Call",
    "Chat",
    "Email",
    "Facebook",
    "facebooksession",
    "openmedia",
    "Twitter",
    "workitem",
];
const SUBJECTS: [&str; 4] = [
    "Customer support",
    "Billing question",
    "Order status",
    "Complaint",
];

/// A small deterministic generator (xorshift64): the same seed gives the same history.
struct Rng(u64);

impl Rng {
    fn next(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }
}

/// The `i`-th demo interaction with its tenant: starts within the six months before `now`.
pub fn demo_interaction(seed: u64, i: u64, now: DateTime<Utc>) -> (String, Interaction) {
    let mut rng = Rng(seed ^ (i.wrapping_mul(0x9E37_79B9_7F4A_7C15)) | 1);
    for _ in 0..4 {
        rng.next(2);
    }
    let (tenant, owner_id, user_name, first, last) = DEMO_OWNERS[rng.next(6) as usize];
    let zone = FixedOffset::east_opt(0).expect("UTC is a valid offset");
    let start = (now - Duration::seconds(rng.next(183 * 86_400) as i64)).with_timezone(&zone);
    let start = start - Duration::nanoseconds(i64::from(start.timestamp_subsec_nanos()));
    let open = rng.next(10) == 0;
    let id = format!("{:04X}{:012X}", rng.next(0xFFFF), i);
    let mut custom_attributes = BTreeMap::new();
    custom_attributes.insert(
        "SearchId".to_owned(),
        format!("{}", 100_000 + rng.next(1000)),
    );
    if rng.next(2) == 0 {
        custom_attributes.insert(
            "CustomerId".to_owned(),
            format!("a{:06x}", rng.next(1 << 20)),
        );
    }
    let interaction = Interaction {
        path: Interaction::path_for(&id),
        media_type: MEDIA[rng.next(8) as usize].to_owned(),
        type_id: [
            InteractionType::Inbound,
            InteractionType::Outbound,
            InteractionType::Internal,
        ][rng.next(3) as usize],
        state: if open {
            [
                InteractionState::New,
                InteractionState::InProcess,
                InteractionState::Pending,
            ][rng.next(3) as usize]
        } else {
            InteractionState::Stopped
        },
        start_date: start,
        end_date: (!open).then(|| start + Duration::seconds(30 + rng.next(3600) as i64)),
        subject: Some(SUBJECTS[rng.next(4) as usize].to_owned()),
        contact_id: Some(format!("0000Fa{:010X}", rng.next(5000))),
        uri: format!("http://127.0.0.1:8080/api/v2/interactions/{id}"),
        owner_information: (rng.next(8) != 0).then(|| OwnerInformation {
            user_name: user_name.to_owned(),
            last_name: last.to_owned(),
            id: owner_id.to_owned(),
            first_name: first.to_owned(),
        }),
        id,
        custom_attributes,
    };
    (tenant.to_owned(), interaction)
}

/// Sentences demo bodies and transcripts are made of.
const SENTENCES: [&str; 12] = [
    "Hello, I have a question about my last invoice.",
    "Could you tell me when my order will be shipped?",
    "I was charged twice for the same subscription this month.",
    "Thank you for contacting us, let me look into this for you.",
    "I have checked your account and everything looks correct now.",
    "The parcel left our warehouse yesterday and should arrive on Friday.",
    "Please find the requested documents attached to this message.",
    "I would like to change the delivery address of my order.",
    "Your refund has been issued and will appear within five business days.",
    "Is there anything else I can help you with today?",
    "The product stopped working after two weeks, I would like a replacement.",
    "We are sorry for the inconvenience and have escalated your case.",
];

/// Names of demo customers.
const CUSTOMERS: [&str; 6] = ["Alice", "Bruno", "Chen", "Dara", "Emil", "Fatima"];

/// The content of the `i`-th demo interaction (`interaction`, from [`demo_interaction`]): an
/// e-mail gets a body of a few KiB (text and HTML) and up to two attachments; chat and
/// facebooksession a transcript of 5 to 60 entries (joins, messages, the customer leaving);
/// other media but calls a short text.
pub fn demo_content(seed: u64, i: u64, interaction: &Interaction) -> InteractionContent {
    let mut rng = Rng(seed ^ i.wrapping_mul(0xD1B5_4A32_D192_ED03) | 1);
    let sentence = |rng: &mut Rng| SENTENCES[rng.next(SENTENCES.len() as u64) as usize];
    let mut content = ContentInteraction {
        summary: interaction.clone(),
        text: None,
        structured_text: None,
        structured_text_mime_type: None,
        attachments: Vec::new(),
    };
    let media = interaction.media_type.to_ascii_lowercase();
    let messages = if has_transcript(&media) {
        Some(demo_transcript(&mut rng, i, interaction))
    } else {
        None
    };
    if media == "email" {
        let paragraphs: Vec<String> = (0..4 + rng.next(12))
            .map(|_| {
                (0..3 + rng.next(5))
                    .map(|_| sentence(&mut rng))
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        content.structured_text = Some(format!(
            "<html><body>{}</body></html>",
            paragraphs
                .iter()
                .map(|p| format!("<p>{p}</p>"))
                .collect::<String>()
        ));
        content.structured_text_mime_type = Some("text/html".to_owned());
        content.text = Some(paragraphs.join("\n\n"));
        // Ids that sort in the order written, as stores list attachments by id.
        let prefix = format!("{:04X}{:010X}", rng.next(0xFFFF), i);
        content.attachments = (0..rng.next(3))
            .map(|n| Attachment {
                id: format!("{prefix}A{n}"),
                file_name: ["invoice.pdf", "photo.jpg", "contract.docx"][n as usize].to_owned(),
                mime_type: ["application/pdf", "image/jpeg", "application/msword"][n as usize]
                    .to_owned(),
                size: 10_000 + rng.next(2_000_000),
            })
            .collect();
    } else if media != "call" && messages.is_none() {
        content.text = Some(sentence(&mut rng).to_owned());
    }
    InteractionContent {
        interaction: content,
        messages,
    }
}

/// A transcript of 5 to 60 entries: the customer and the agent join, talk, the customer leaves.
fn demo_transcript(rng: &mut Rng, i: u64, interaction: &Interaction) -> Vec<TranscriptMessage> {
    let count = 5 + rng.next(56) as u32;
    let customer = MessageFrom {
        nickname: CUSTOMERS[rng.next(CUSTOMERS.len() as u64) as usize].to_owned(),
        party_type: "Customer".to_owned(),
        participant_id: format!("{:04X}{:012X}", rng.next(0xFFFF), i * 2),
    };
    let agent = MessageFrom {
        nickname: interaction
            .owner_information
            .as_ref()
            .map_or_else(|| "Agent".to_owned(), |o| o.first_name.clone()),
        party_type: "Agent".to_owned(),
        participant_id: format!("{:04X}{:012X}", rng.next(0xFFFF), i * 2 + 1),
    };
    let mut at = interaction.start_date;
    (0..count)
        .map(|index| {
            let (from, message_type, text) = match index {
                0 => (&customer, "ParticipantJoined", None),
                1 => (&agent, "ParticipantJoined", None),
                n if n + 1 == count => (&customer, "ParticipantLeft", None),
                n => {
                    let from = if n % 2 == 0 { &customer } else { &agent };
                    let text = SENTENCES[rng.next(SENTENCES.len() as u64) as usize];
                    (from, "Message", Some(text.to_owned()))
                }
            };
            at += Duration::seconds(2 + rng.next(40) as i64);
            TranscriptMessage {
                index,
                from: from.clone(),
                text,
                timestamp: at,
                visibility: "All".to_owned(),
                message_type: message_type.to_owned(),
                timestamp_seconds: at.timestamp_millis(),
            }
        })
        .collect()
}
