//! A batching backend (one call for several media types, as the gws-upstream relay asks GWS
//! once for all of them): one call fills every part; a cut answer fills parts that serve the
//! query that made them but not a narrower one; answers always equal the reference selection.

use futures_util::future::BoxFuture;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use ucs_history::{
    BackendFailure, CachePolicy, CacheStatus, Dispatcher, HistoryBackend, HistoryMetrics,
    HistoryService,
};
use ucs_model::chrono::{Duration, TimeZone, Utc};
use ucs_model::{parse_request, Interaction, MediaType, ParseContext, Route, Tz};
use ucs_plugin_api::BackendRequest;

/// Every media type's history: `per_type` interactions each, a day apart, interleaved.
fn history(per_type: usize) -> Vec<Interaction> {
    let first = Utc.with_ymd_and_hms(2015, 10, 1, 0, 0, 0).unwrap();
    MediaType::ALL
        .iter()
        .enumerate()
        .flat_map(|(t, media)| {
            (0..per_type).map(move |i| {
                let start = first + Duration::hours((i * 8 + t) as i64 * 3);
                Interaction::started(
                    &format!("{media}-{i}"),
                    media.as_str(),
                    start.fixed_offset(),
                )
            })
        })
        .collect()
}

/// A backend over `data` that answers single and batch requests by the reference semantics,
/// and records what it was asked.
#[derive(Debug)]
struct Batching {
    data: Vec<Interaction>,
    calls: AtomicU64,
    asked: Mutex<Vec<usize>>,
}

impl HistoryBackend for Batching {
    fn name(&self) -> &str {
        "batching"
    }

    fn version(&self) -> &str {
        "0"
    }

    fn media_types(&self) -> &[MediaType] {
        &MediaType::ALL
    }

    fn batches(&self) -> bool {
        true
    }

    fn query<'a>(
        &'a self,
        request: &'a BackendRequest,
    ) -> BoxFuture<'a, Result<Vec<Interaction>, BackendFailure>> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        self.asked
            .lock()
            .unwrap()
            .push(request.asked_media_types().len());
        let answer = request
            .query
            .select(self.data.iter().filter(|i| request.asks_for(&i.media_type)));
        Box::pin(async move { Ok(answer) })
    }
}

fn service(per_type: usize) -> (HistoryService, Arc<Batching>) {
    let backend = Arc::new(Batching {
        data: history(per_type),
        calls: AtomicU64::new(0),
        asked: Mutex::new(Vec::new()),
    });
    let mut dispatcher = Dispatcher::new();
    dispatcher.add(backend.clone(), &MediaType::ALL).unwrap();
    let service = HistoryService::new(
        dispatcher,
        CachePolicy::default(),
        HistoryMetrics::unregistered(),
    );
    (service, backend)
}

fn query(max_size: u32, media_type: Option<MediaType>) -> ucs_model::HistoryQuery {
    let media = media_type.map_or(String::new(), |m| format!(r#","mediaType":"{m}""#));
    let body = format!(
        r#"{{"operationName":"RetrieveInteractionHistory","fromDate":"2015-09-01","toDate":"2015-12-31","maxSize":{max_size}{media}}}"#
    );
    let ctx = ParseContext::new(Utc.with_ymd_and_hms(2016, 1, 1, 0, 0, 0).unwrap(), Tz::UTC);
    parse_request(&Route::Interactions, body.as_bytes(), &ctx)
        .unwrap()
        .query
}

/// Looks up and resolves `q` over `media`; the status and the ids answered.
async fn ask(
    service: &HistoryService,
    media: &[MediaType],
    q: &ucs_model::HistoryQuery,
) -> (CacheStatus, Vec<String>) {
    let lookup = service.lookup("cc1", "u1", media, q.clone()).await;
    let status = lookup.status();
    let ids = service
        .resolve(lookup)
        .await
        .unwrap()
        .into_iter()
        .map(|i| i.id)
        .collect();
    (status, ids)
}

fn reference(
    data: &[Interaction],
    media: &[MediaType],
    q: &ucs_model::HistoryQuery,
) -> Vec<String> {
    q.select(
        data.iter()
            .filter(|i| media.iter().any(|m| m.matches(&i.media_type))),
    )
    .into_iter()
    .map(|i| i.id)
    .collect()
}

#[tokio::test(start_paused = true)]
async fn an_all_media_miss_is_one_call_and_fills_every_part() {
    let (service, backend) = service(3);
    let all = query(100, None);
    let (status, ids) = ask(&service, &MediaType::ALL, &all).await;
    assert_eq!(status, CacheStatus::Miss);
    assert_eq!(ids, reference(&backend.data, &MediaType::ALL, &all));
    assert_eq!(
        backend.calls.load(Ordering::SeqCst),
        1,
        "one call for eight types"
    );
    assert_eq!(*backend.asked.lock().unwrap(), [8]);
    // Nothing was cut: each part is whole, and serves a query of its own type.
    let chat = query(100, Some(MediaType::Chat));
    let (status, ids) = ask(&service, &[MediaType::Chat], &chat).await;
    assert_eq!(status, CacheStatus::Hit);
    assert_eq!(ids, reference(&backend.data, &[MediaType::Chat], &chat));
    assert_eq!(backend.calls.load(Ordering::SeqCst), 1);
}

#[tokio::test(start_paused = true)]
async fn a_cut_answer_serves_its_own_query_and_a_narrower_one_asks_again() {
    let (service, backend) = service(10);
    let all = query(5, None);
    let (_, first) = ask(&service, &MediaType::ALL, &all).await;
    assert_eq!(first, reference(&backend.data, &MediaType::ALL, &all));
    let (status, again) = ask(&service, &MediaType::ALL, &all).await;
    assert_eq!(
        status,
        CacheStatus::Hit,
        "the parts answer the query that made them"
    );
    assert_eq!(again, first);
    assert_eq!(backend.calls.load(Ordering::SeqCst), 1);
    // Chat's part holds only the chats above the cut: a chat query needs more.
    let chat = query(5, Some(MediaType::Chat));
    let (status, ids) = ask(&service, &[MediaType::Chat], &chat).await;
    assert_eq!(status, CacheStatus::Miss);
    assert_eq!(ids, reference(&backend.data, &[MediaType::Chat], &chat));
    assert_eq!(*backend.asked.lock().unwrap(), [8, 1]);
    // The whole chat part now serves the all-media query too.
    let (status, ids) = ask(&service, &MediaType::ALL, &all).await;
    assert_eq!(status, CacheStatus::Hit);
    assert_eq!(ids, first);
}

#[tokio::test(start_paused = true)]
async fn any_order_of_queries_answers_as_the_reference_does() {
    // A fixed pseudo-random walk over media sets and sizes: every answer equals the reference,
    // whatever the cache holds from earlier (partial and whole parts mixed).
    let (service, backend) = service(12);
    let sets: [&[MediaType]; 5] = [
        &MediaType::ALL,
        &[MediaType::Chat],
        &[MediaType::Chat, MediaType::Email],
        &[MediaType::Email, MediaType::Call, MediaType::Twitter],
        &MediaType::ALL[2..],
    ];
    let mut seed: u64 = 0x5eed;
    for _ in 0..200 {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let media = sets[(seed >> 33) as usize % sets.len()];
        let max_size = [1, 3, 7, 20, 100][(seed >> 40) as usize % 5];
        let q = query(max_size, (media.len() == 1).then(|| media[0]));
        let (_, ids) = ask(&service, media, &q).await;
        assert_eq!(
            ids,
            reference(&backend.data, media, &q),
            "{media:?} maxSize {max_size}"
        );
    }
}
