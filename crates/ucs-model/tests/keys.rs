//! Key equivalence: spelling variants of one question share a key; any semantic change does not.

use crate::util::{ctx, now};
use chrono::{Months, NaiveDate, TimeDelta};
use proptest::prelude::*;
use std::collections::BTreeMap;
use ucs_model::{parse_request, AuthScope, CacheKey, MediaType, Route, SortOrder, Source};

/// A request as a set of parameter choices; `None` leaves the parameter out.
#[derive(Clone, Debug)]
struct Spec {
    /// Days before today.
    from_days_ago: Option<u32>,
    /// Days before today.
    to_days_ago: Option<u32>,
    media: Option<MediaType>,
    sort: Option<SortOrder>,
    max_size: Option<u32>,
    source: Option<Source>,
    user_id: Option<String>,
    attrs: Vec<String>,
    search: BTreeMap<String, String>,
}

/// How to spell a spec.
#[derive(Clone, Debug)]
struct Style {
    shuffle_seed: u64,
    upper_case: bool,
    explicit_defaults: bool,
    duplicate_attrs: bool,
    reverse_attrs: bool,
}

fn today() -> NaiveDate {
    now().date_naive()
}

fn day(days_ago: u32) -> String {
    (today() - TimeDelta::days(i64::from(days_ago))).to_string()
}

fn media_name(m: MediaType, upper: bool) -> String {
    if upper {
        m.as_str().to_uppercase()
    } else {
        m.as_str().to_owned()
    }
}

fn word(value: &str, upper: bool) -> String {
    if upper {
        value.to_uppercase()
    } else {
        value.to_owned()
    }
}

impl Spec {
    fn render(&self, style: &Style) -> String {
        let up = style.upper_case;
        let mut fields = vec![r#""operationName":"RetrieveInteractionHistory""#.to_owned()];
        let mut from = self.from_days_ago.map(day);
        let mut to = self.to_days_ago.map(day);
        if style.explicit_defaults && to.is_none() {
            to = Some(day(0));
            if from.is_none() {
                from = Some((today().checked_sub_months(Months::new(1)).unwrap()).to_string());
            }
        }
        if let Some(from) = from {
            fields.push(format!(r#""fromDate":"{from}""#));
        }
        if let Some(to) = to {
            fields.push(format!(r#""toDate":"{to}""#));
        }
        if let Some(m) = self.media {
            fields.push(format!(r#""mediaType":"{}""#, media_name(m, up)));
        }
        let sort = match (self.sort, style.explicit_defaults) {
            (Some(SortOrder::Asc), _) => Some("asc"),
            (Some(SortOrder::Desc), _) | (None, true) => Some("desc"),
            (None, false) => None,
        };
        if let Some(sort) = sort {
            fields.push(format!(r#""sort":"{}""#, word(sort, up)));
        }
        match (self.max_size, style.explicit_defaults) {
            (Some(n), _) => fields.push(format!(r#""maxSize":{n}"#)),
            (None, true) => fields.push(r#""maxSize":"100""#.to_owned()),
            (None, false) => {}
        }
        let source = match (self.source, style.explicit_defaults) {
            (Some(Source::Archive), _) => Some("archive"),
            (Some(Source::Main), _) | (None, true) => Some("main"),
            (None, false) => None,
        };
        if let Some(source) = source {
            fields.push(format!(r#""source":"{}""#, word(source, up)));
        }
        if let Some(user) = &self.user_id {
            fields.push(format!(r#""userId":{}"#, serde_json::json!(user)));
        }
        if !self.attrs.is_empty() || style.explicit_defaults {
            let mut attrs = self.attrs.clone();
            if style.duplicate_attrs {
                attrs.extend(self.attrs.iter().cloned());
            }
            if style.reverse_attrs {
                attrs.reverse();
            }
            fields.push(format!(
                r#""customAttributes":{}"#,
                serde_json::json!(attrs)
            ));
        }
        if !self.search.is_empty() {
            // serde_json prints maps sorted; write pairs in reverse order to vary the spelling.
            let pairs: Vec<String> = self
                .search
                .iter()
                .rev()
                .map(|(k, v)| format!("{}:{}", serde_json::json!(k), serde_json::json!(v)))
                .collect();
            fields.push(format!(
                r#""searchCustomAttributes":{{{}}}"#,
                pairs.join(",")
            ));
        }
        shuffle(&mut fields, style.shuffle_seed);
        format!("{{{}}}", fields.join(" , "))
    }
}

/// Fisher–Yates driven by a tiny LCG, so a proptest seed picks the field order.
fn shuffle<T>(items: &mut [T], mut seed: u64) {
    for i in (1..items.len()).rev() {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let j = (seed >> 33) as usize % (i + 1);
        items.swap(i, j);
    }
}

fn key_of(body: &str, scope: &AuthScope) -> CacheKey {
    let request = parse_request(&Route::Interactions, body.as_bytes(), &ctx())
        .unwrap_or_else(|e| panic!("{body}: {}", e.status_message()));
    CacheKey::new(scope.clone(), &request.query)
}

fn scope() -> AuthScope {
    AuthScope::User {
        tenant: "cc1".into(),
        user_id: "u1".into(),
    }
}

fn attr_name() -> impl Strategy<Value = String> {
    "[A-Za-z][A-Za-z0-9_]{0,8}"
}

fn spec_strategy(explicit_dates: bool) -> impl Strategy<Value = Spec> {
    let dates = if explicit_dates {
        (1u32..60, 0u32..60)
            .prop_map(|(to, extra)| (Some(to + extra), Some(to)))
            .boxed()
    } else {
        (
            proptest::option::of(1u32..60),
            proptest::option::of(1u32..60),
        )
            .prop_map(|(a, b)| match (a, b) {
                (Some(a), Some(b)) => (Some(a.max(b)), Some(a.min(b))),
                other => other,
            })
            .boxed()
    };
    (
        dates,
        proptest::option::of(proptest::sample::select(MediaType::ALL.to_vec())),
        proptest::option::of(prop_oneof![Just(SortOrder::Asc), Just(SortOrder::Desc)]),
        proptest::option::of(1u32..=1000),
        proptest::option::of(prop_oneof![Just(Source::Main), Just(Source::Archive)]),
        proptest::option::of("[0-9a-f]{32}"),
        proptest::collection::vec(attr_name(), 0..4),
        proptest::collection::btree_map(attr_name(), "[ -~]{0,6}", 0..3),
    )
        .prop_map(
            |((from, to), media, sort, max_size, source, user_id, attrs, search)| {
                let mut attrs = attrs;
                attrs.sort();
                attrs.dedup();
                Spec {
                    from_days_ago: from,
                    to_days_ago: to,
                    media,
                    sort,
                    max_size,
                    source,
                    user_id,
                    attrs,
                    search,
                }
            },
        )
}

fn style_strategy() -> impl Strategy<Value = Style> {
    (
        any::<u64>(),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(
            |(shuffle_seed, upper_case, explicit_defaults, duplicate_attrs, reverse_attrs)| Style {
                shuffle_seed,
                upper_case,
                explicit_defaults,
                duplicate_attrs,
                reverse_attrs,
            },
        )
}

/// One semantic change to a spec (every variant must change the answer).
#[derive(Clone, Copy, Debug)]
enum Change {
    FromEarlier,
    ToLater,
    Sort,
    MaxSize,
    Source,
    User,
    Media,
    AddAttribute,
    SearchValue,
}

const CHANGES: [Change; 9] = [
    Change::FromEarlier,
    Change::ToLater,
    Change::Sort,
    Change::MaxSize,
    Change::Source,
    Change::User,
    Change::Media,
    Change::AddAttribute,
    Change::SearchValue,
];

impl Change {
    fn apply(self, spec: &Spec) -> Spec {
        let mut s = spec.clone();
        match self {
            Change::FromEarlier => s.from_days_ago = s.from_days_ago.map(|d| d + 1),
            Change::ToLater => s.to_days_ago = s.to_days_ago.map(|d| d - 1),
            Change::Sort => {
                s.sort = Some(match s.sort.unwrap_or_default() {
                    SortOrder::Asc => SortOrder::Desc,
                    SortOrder::Desc => SortOrder::Asc,
                })
            }
            Change::MaxSize => {
                let n = s.max_size.unwrap_or(100);
                s.max_size = Some(if n == 1000 { 999 } else { n + 1 });
            }
            Change::Source => {
                s.source = Some(match s.source.unwrap_or_default() {
                    Source::Main => Source::Archive,
                    Source::Archive => Source::Main,
                })
            }
            Change::User => s.user_id = Some(format!("{}x", s.user_id.unwrap_or_default())),
            Change::Media => {
                let next = match s.media {
                    None => MediaType::Chat,
                    Some(m) => {
                        let i = MediaType::ALL.iter().position(|x| *x == m).unwrap();
                        MediaType::ALL[(i + 1) % MediaType::ALL.len()]
                    }
                };
                s.media = Some(next);
            }
            Change::AddAttribute => {
                s.attrs.push("zz_not_generated".into());
            }
            Change::SearchValue => {
                let value = s.search.get("SearchId").cloned().unwrap_or_default();
                s.search.insert("SearchId".into(), format!("{value}!"));
            }
        }
        s
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn spellings_of_one_question_share_a_key(
        spec in spec_strategy(false),
        a in style_strategy(),
        b in style_strategy(),
    ) {
        let scope = scope();
        prop_assert_eq!(key_of(&spec.render(&a), &scope), key_of(&spec.render(&b), &scope));
    }

    #[test]
    fn any_semantic_change_gives_another_key(
        spec in spec_strategy(true),
        change in proptest::sample::select(CHANGES.to_vec()),
        a in style_strategy(),
        b in style_strategy(),
    ) {
        let changed = change.apply(&spec);
        let scope = scope();
        prop_assert_ne!(
            key_of(&spec.render(&a), &scope),
            key_of(&changed.render(&b), &scope),
            "{:?} did not change the key", change
        );
    }

    #[test]
    fn another_scope_gives_another_key(spec in spec_strategy(false), a in style_strategy()) {
        let body = spec.render(&a);
        let user = key_of(&body, &scope());
        let other_user = key_of(&body, &AuthScope::User { tenant: "cc1".into(), user_id: "u2".into() });
        let other_tenant = key_of(&body, &AuthScope::User { tenant: "cc2".into(), user_id: "u1".into() });
        let tenant = key_of(&body, &AuthScope::Tenant { tenant: "cc1".into() });
        prop_assert_ne!(&user, &other_user);
        prop_assert_ne!(&user, &other_tenant);
        prop_assert_ne!(&user, &tenant);
    }
}

#[test]
fn spellings_that_differ_only_in_case_or_operation_share_a_key() {
    let scope = scope();
    for (a, b) in [
        (
            r#"{"operationName":"RetrieveInteractionHistory","mediaType":"CHAT"}"#,
            r#"{"mediaType":"chat","operationName":"RetrieveInteractionHistory"}"#,
        ),
        // The same owner filter asked through either operation is one question.
        (
            r#"{"operationName":"RetrieveInteractionHistory","userId":"u9"}"#,
            r#"{"operationName":"RetrieveAgentHistory","userId":"u9"}"#,
        ),
    ] {
        assert_eq!(key_of(a, &scope), key_of(b, &scope), "{a} vs {b}");
    }
}

#[test]
fn contact_id_is_part_of_the_key() {
    let body = br#"{"operationName":"RetrieveContactHistory","sort":"asc"}"#;
    let reordered = br#"{"sort":"ASC","operationName":"RetrieveContactHistory"}"#;
    let key = |contact: &str, body: &[u8]| {
        let route = Route::ContactInteractions(contact.into());
        CacheKey::new(scope(), &parse_request(&route, body, &ctx()).unwrap().query)
    };
    assert_eq!(key("c1", body), key("c1", reordered));
    assert_ne!(key("c1", body), key("c2", body));
}

#[test]
fn an_all_media_query_shares_its_per_type_entries_with_single_type_queries() {
    let scope = scope();
    let all = parse_request(
        &Route::Interactions,
        br#"{"operationName":"RetrieveInteractionHistory"}"#,
        &ctx(),
    )
    .unwrap()
    .query;
    let chat = key_of(
        r#"{"operationName":"RetrieveInteractionHistory","mediaType":"Chat"}"#,
        &scope,
    );
    assert_eq!(
        CacheKey::for_media_type(scope.clone(), &all, MediaType::Chat),
        chat
    );
    assert_ne!(
        CacheKey::for_media_type(scope.clone(), &all, MediaType::Email),
        chat
    );
    assert_eq!(chat.media_type(), Some(MediaType::Chat));
    assert_eq!(chat.scope().tenant(), "cc1");
}
