//! Demo data for plugins: a realistic, deterministic history for the embedded default — every media type,
//! inbound and outbound, open and closed, several owners (the demo users among them), contacts
//! and tenants, `SearchId`/`CustomerId` custom attributes, starts spread over six months.
//!
//! Any store can load it (store-sqlite on first start, store-postgres with its `demo-data`
//! command), so every backend serves the same demo history.

use std::collections::BTreeMap;
use ucs_plugin_api::ucs_model::chrono::{DateTime, Duration, FixedOffset, Utc};
use ucs_plugin_api::ucs_model::{Interaction, InteractionState, InteractionType, OwnerInformation};

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
