//! Shared by the history stores' tests (included with `#[path]`): a generated history with the
//! cases that catch pushdown mistakes (ties on the start, starts a millisecond before midnight,
//! several media type spellings, offsets, owners, contacts, custom attributes), and random
//! RetrieveInteractionHistory bodies over it. Each store's answer must equal
//! `HistoryQuery::select` over the same data.

use proptest::prelude::*;
use ucs_plugin_api::ucs_model::chrono::{DateTime, FixedOffset, TimeZone, Utc};
use ucs_plugin_api::ucs_model::{
    Interaction, InteractionState, InteractionType, MediaType, OwnerInformation,
};

/// The tenants of the generated history.
pub(crate) const TENANTS: [&str; 2] = ["cc1", "cc2"];
/// Values of the generated history.
pub(crate) const MEDIA_SPELLINGS: [&str; 6] = ["Chat", "chat", "Email", "Call", "Workitem", "CHAT"];
/// Values of the generated history.
pub(crate) const OWNERS: [&str; 3] = ["owner-a", "owner-b", "owner-c"];
/// Values of the generated history.
pub(crate) const CONTACTS: [&str; 3] = ["contact-1", "contact-2", "contact-3"];

/// `count` interactions with their tenants, the same for the same seed.
pub(crate) fn generated(seed: u64, count: usize) -> Vec<(String, Interaction)> {
    // A small deterministic generator (xorshift): the data set is the same on every run.
    let mut state = seed | 1;
    let mut next = move |n: u64| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % n
    };
    let base = Utc
        .with_ymd_and_hms(2015, 9, 25, 0, 0, 0)
        .unwrap()
        .timestamp_millis();
    (0..count)
        .map(|i| {
            let offset = FixedOffset::east_opt([0, 3 * 3600, -5 * 3600][next(3) as usize]).unwrap();
            // Whole hours, some a millisecond before midnight: many interactions share a start
            // (ties are ordered by id) and some sit exactly on a range's last instant.
            let edge = if next(10) == 0 { -1 } else { 0 };
            let start: DateTime<FixedOffset> = offset
                .timestamp_millis_opt(base + (next(20 * 24) as i64) * 3_600_000 + edge)
                .unwrap();
            let id = format!("{:016X}", next(1 << 40) * 1000 + i as u64);
            let mut attributes = std::collections::BTreeMap::new();
            if next(2) == 0 {
                attributes.insert("SearchId".to_owned(), format!("{}", next(3)));
            }
            if next(2) == 0 {
                attributes.insert("CustomerId".to_owned(), format!("c{}", next(5)));
            }
            let interaction = Interaction {
                path: Interaction::path_for(&id),
                media_type: MEDIA_SPELLINGS[next(6) as usize].to_owned(),
                type_id: [InteractionType::Inbound, InteractionType::Outbound][next(2) as usize],
                state: [InteractionState::New, InteractionState::Stopped][next(2) as usize],
                start_date: start,
                end_date: (next(3) != 0)
                    .then(|| start + ucs_plugin_api::ucs_model::chrono::Duration::seconds(90)),
                subject: (next(4) != 0).then(|| "Customer support".to_owned()),
                contact_id: Some(CONTACTS[next(3) as usize].to_owned()),
                uri: format!("http://127.0.0.1:8080/api/v2/interactions/{id}"),
                owner_information: (next(5) != 0).then(|| {
                    let owner = OWNERS[next(3) as usize];
                    OwnerInformation {
                        user_name: owner.to_owned(),
                        last_name: "Last".to_owned(),
                        id: owner.to_owned(),
                        first_name: "First".to_owned(),
                    }
                }),
                id,
                custom_attributes: attributes,
            };
            (TENANTS[next(2) as usize].to_owned(), interaction)
        })
        .collect()
}

/// (request body, media type, tenant) triples over the generated history.
pub(crate) fn body_strategy() -> impl Strategy<Value = (String, MediaType, String)> {
    (
        0u32..20,
        0u32..20,
        proptest::sample::select(vec![MediaType::Chat, MediaType::Email, MediaType::Call, MediaType::Workitem]),
        any::<bool>(),
        1u32..60,
        proptest::option::of(proptest::sample::select(OWNERS.to_vec())),
        proptest::option::of(0u32..3),
        proptest::sample::subsequence(vec!["SearchId", "CustomerId", "Missing"], 0..3),
        proptest::sample::select(TENANTS.to_vec()),
    )
        .prop_map(|(a, b, media, asc, max, owner, search, attrs, tenant)| {
            let (from, to) = (a.min(b), a.max(b));
            let mut body = format!(
                r#"{{"operationName":"RetrieveInteractionHistory","fromDate":"2015-09-{:02}","toDate":"2015-09-{:02}","sort":"{}","maxSize":{max},"customAttributes":{:?}"#,
                25 + from.min(5),
                25 + to.min(5),
                if asc { "asc" } else { "desc" },
                attrs
            );
            // Dates past September roll into October.
            body = body.replace("2015-09-30", "2015-10-10");
            if let Some(owner) = owner {
                body.push_str(&format!(r#","userId":"{owner}""#));
            }
            if let Some(search) = search {
                body.push_str(&format!(r#","searchCustomAttributes":{{"SearchId":"{search}"}}"#));
            }
            body.push('}');
            (body, media, tenant.to_owned())
        })
}
