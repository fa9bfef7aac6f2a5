//! Change-driven invalidation against an in-process store under a paused clock: a change drops
//! exactly the cached answers it may affect (the next identical query returns the new truth),
//! leaves the others hits, catches answers read before a change but stored after it, and a
//! resync drops a backend's answers.

use futures_util::future::BoxFuture;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use ucs_history::{
    BackendFailure, CachePolicy, CacheStatus, Dispatcher, HistoryBackend, HistoryMetrics,
    HistoryService, PurgeFilter,
};
use ucs_model::chrono::{DateTime, TimeZone, Utc};
use ucs_model::{
    parse_request, ChangeKind, HistoryQuery, Interaction, InteractionChange, InteractionState,
    MediaType, ParseContext, Route, Tz,
};
use ucs_plugin_api::BackendRequest;

const STORE: &str = "table";

/// A store of interactions per tenant, answering with the reference semantics after `delay`.
#[derive(Debug, Default)]
struct Table {
    rows: Mutex<Vec<(String, Interaction)>>,
    delay: Duration,
    calls: AtomicU64,
    /// Every call fails (the store is down).
    down: std::sync::atomic::AtomicBool,
}

impl Table {
    fn truth(&self, tenant: &str, query: &HistoryQuery) -> Vec<Interaction> {
        let rows = self.rows.lock().unwrap();
        let of_tenant: Vec<&Interaction> = rows
            .iter()
            .filter(|(t, _)| t == tenant)
            .map(|(_, i)| i)
            .collect();
        query.select(of_tenant)
    }

    /// Inserts or replaces interaction `i` of `tenant`; returns the change it makes.
    fn put(&self, tenant: &str, i: Interaction) -> InteractionChange {
        let mut rows = self.rows.lock().unwrap();
        let kind = match rows.iter().position(|(t, r)| t == tenant && r.id == i.id) {
            Some(at) => {
                rows[at].1 = i.clone();
                ChangeKind::Updated
            }
            None => {
                rows.push((tenant.to_owned(), i.clone()));
                ChangeKind::Inserted
            }
        };
        InteractionChange::of(tenant, &i, kind)
    }

    fn delete(&self, tenant: &str, id: &str) -> InteractionChange {
        let mut rows = self.rows.lock().unwrap();
        let at = rows
            .iter()
            .position(|(t, r)| t == tenant && r.id == id)
            .unwrap();
        let (_, gone) = rows.remove(at);
        InteractionChange::of(tenant, &gone, ChangeKind::Deleted)
    }
}

/// The table as a backend (the test keeps the table to change it).
#[derive(Debug)]
struct Backend(Arc<Table>);

impl HistoryBackend for Backend {
    fn name(&self) -> &str {
        STORE
    }

    fn version(&self) -> &str {
        "0"
    }

    fn media_types(&self) -> &[MediaType] {
        &MediaType::ALL
    }

    fn query<'a>(
        &'a self,
        request: &'a BackendRequest,
    ) -> BoxFuture<'a, Result<Vec<Interaction>, BackendFailure>> {
        Box::pin(async move {
            let table = &self.0;
            table.calls.fetch_add(1, Ordering::SeqCst);
            if table.down.load(Ordering::SeqCst) {
                return Err(BackendFailure::new(
                    ucs_history::FailureKind::Unavailable,
                    "the store is down",
                ));
            }
            // Read first, answer after the delay: what a slow store returns was read before.
            let answer = table.truth(&request.tenant, &request.query);
            if !table.delay.is_zero() {
                tokio::time::sleep(table.delay).await;
            }
            Ok(answer)
        })
    }
}

fn at(day: u32, hour: u32) -> DateTime<ucs_model::chrono::FixedOffset> {
    Utc.with_ymd_and_hms(2015, 10, day, hour, 0, 0)
        .unwrap()
        .fixed_offset()
}

fn chat(id: &str, day: u32, contact: &str) -> Interaction {
    let mut i = Interaction::started(id, "chat", at(day, 10));
    i.contact_id = Some(contact.to_owned());
    i
}

fn service(delay_ms: u64) -> (Arc<HistoryService>, Arc<Table>, prometheus::Registry) {
    service_with(
        delay_ms,
        CachePolicy {
            ttl: Duration::from_secs(600),
            ..CachePolicy::default()
        },
    )
}

fn service_with(
    delay_ms: u64,
    policy: CachePolicy,
) -> (Arc<HistoryService>, Arc<Table>, prometheus::Registry) {
    let table = Arc::new(Table {
        delay: Duration::from_millis(delay_ms),
        ..Table::default()
    });
    for (tenant, i) in [
        ("cc1", chat("a", 2, "c1")),
        ("cc1", chat("b", 3, "c1")),
        ("cc1", chat("c", 3, "c2")),
        ("cc2", chat("z", 2, "c1")),
    ] {
        table.put(tenant, i);
    }
    let mut dispatcher = Dispatcher::new();
    dispatcher
        .add(
            Arc::new(Backend(Arc::clone(&table))),
            &[MediaType::Chat, MediaType::Email],
        )
        .unwrap();
    let registry = prometheus::Registry::new();
    let metrics = HistoryMetrics::register(&registry).unwrap();
    let service = Arc::new(HistoryService::new(dispatcher, policy, metrics));
    (service, table, registry)
}

/// Chats from 1 October to `to`, oldest first.
fn query_to(to: &str) -> HistoryQuery {
    let ctx = ParseContext::new(
        Utc.with_ymd_and_hms(2015, 10, 20, 8, 0, 0).unwrap(),
        Tz::UTC,
    );
    let body = format!(
        r#"{{"operationName":"RetrieveInteractionHistory","mediaType":"chat","fromDate":"2015-10-01","toDate":"{to}","sort":"asc"}}"#
    );
    parse_request(&Route::Interactions, body.as_bytes(), &ctx)
        .expect("a valid request")
        .query
}

fn contact(id: &str) -> HistoryQuery {
    let ctx = ParseContext::new(
        Utc.with_ymd_and_hms(2015, 10, 20, 8, 0, 0).unwrap(),
        Tz::UTC,
    );
    let body = r#"{"operationName":"RetrieveContactHistory","mediaType":"chat","fromDate":"2015-10-01","toDate":"2015-10-05","sort":"asc"}"#;
    parse_request(
        &Route::ContactInteractions(id.into()),
        body.as_bytes(),
        &ctx,
    )
    .expect("a valid request")
    .query
}

async fn ask(
    service: &HistoryService,
    tenant: &str,
    media: &[MediaType],
    q: &HistoryQuery,
) -> (CacheStatus, Vec<Interaction>) {
    let lookup = service.lookup(tenant, "u1", media, q.clone()).await;
    let status = lookup.status();
    (status, service.resolve(lookup).await.expect("a result"))
}

fn ids(interactions: &[Interaction]) -> Vec<&str> {
    interactions.iter().map(|i| i.id.as_str()).collect()
}

#[tokio::test(start_paused = true)]
async fn a_change_drops_the_answers_it_affects_and_spares_the_others() {
    let (service, table, registry) = service(0);
    let (window, of_c1, of_c2) = (query_to("2015-10-05"), contact("c1"), contact("c2"));
    let narrow = query_to("2015-10-02");
    for q in [&window, &of_c1, &of_c2, &narrow] {
        assert_eq!(
            ask(&service, "cc1", &[MediaType::Chat], q).await.0,
            CacheStatus::Miss
        );
    }
    assert_eq!(
        ask(&service, "cc2", &[MediaType::Chat], &window).await.0,
        CacheStatus::Miss
    );

    // A new chat of contact c2 on 4 October: the window and c2's history change; c1's history,
    // the narrow window (ending 2 October) and tenant cc2 cannot.
    let change = table.put("cc1", chat("d", 4, "c2"));
    let outcome = service.apply_change("admin", change).await;
    assert_eq!(outcome.invalidated, 2, "{outcome:?}");
    assert_eq!(outcome.spared, 2, "{outcome:?}");
    let (status, answer) = ask(&service, "cc1", &[MediaType::Chat], &window).await;
    assert_eq!(
        (status, ids(&answer)),
        (CacheStatus::Miss, vec!["a", "b", "c", "d"])
    );
    assert_eq!(
        ask(&service, "cc1", &[MediaType::Chat], &of_c2).await.0,
        CacheStatus::Miss
    );
    for q in [&of_c1, &narrow] {
        assert_eq!(
            ask(&service, "cc1", &[MediaType::Chat], q).await.0,
            CacheStatus::Hit
        );
    }
    assert_eq!(
        ask(&service, "cc2", &[MediaType::Chat], &window).await.0,
        CacheStatus::Hit
    );

    // Closing an interaction in an answer (an update) and deleting one: the answers holding it.
    let mut closed = chat("a", 2, "c1");
    closed.state = InteractionState::Stopped;
    closed.end_date = Some(at(2, 11));
    service
        .apply_change("admin", table.put("cc1", closed))
        .await;
    let (status, answer) = ask(&service, "cc1", &[MediaType::Chat], &of_c1).await;
    assert_eq!(status, CacheStatus::Miss);
    assert_eq!(answer[0].end_date, Some(at(2, 11)), "the new truth");
    service
        .apply_change("admin", table.delete("cc1", "b"))
        .await;
    let (status, answer) = ask(&service, "cc1", &[MediaType::Chat], &window).await;
    assert_eq!(
        (status, ids(&answer)),
        (CacheStatus::Miss, vec!["a", "c", "d"])
    );

    let count = |name: &str| -> f64 {
        registry
            .gather()
            .iter()
            .filter(|f| f.name() == name)
            .flat_map(|f| f.get_metric().iter())
            .map(|m| m.get_counter().get_value())
            .sum()
    };
    assert_eq!(count("ucs_proxy_cache_changes_total"), 3.0);
    assert!(count("ucs_proxy_cache_invalidated_total") >= 4.0);
    assert!(count("ucs_proxy_cache_spared_total") >= 2.0);
}

#[tokio::test(start_paused = true)]
async fn an_answer_read_before_a_change_is_not_kept_after_it() {
    let (service, table, _) = service(100);
    let window = query_to("2015-10-05");
    let slow = {
        let service = Arc::clone(&service);
        let q = window.clone();
        tokio::spawn(async move { ask(&service, "cc1", &[MediaType::Chat], &q).await })
    };
    // The store has answered (read) but the answer is still on its way when the change lands.
    tokio::time::sleep(Duration::from_millis(50)).await;
    let change = table.put("cc1", chat("d", 4, "c2"));
    let outcome = service.apply_change("admin", change).await;
    assert_eq!(outcome.invalidated, 0, "nothing was registered yet");
    // The answer read before the change is not kept: the store is asked again, and the caller
    // gets the new truth.
    let (_, answer) = slow.await.unwrap();
    assert_eq!(ids(&answer), vec!["a", "b", "c", "d"]);
    assert_eq!(table.calls.load(Ordering::SeqCst), 2);
    let (status, again) = ask(&service, "cc1", &[MediaType::Chat], &window).await;
    assert_eq!(
        (status, ids(&again)),
        (CacheStatus::Hit, vec!["a", "b", "c", "d"])
    );
}

#[tokio::test(start_paused = true)]
async fn a_whole_answer_over_several_types_is_dropped_with_its_part() {
    let (service, table, _) = service(0);
    let both = [MediaType::Chat, MediaType::Email];
    let every = {
        let ctx = ParseContext::new(
            Utc.with_ymd_and_hms(2015, 10, 20, 8, 0, 0).unwrap(),
            Tz::UTC,
        );
        parse_request(
            &Route::Interactions,
            br#"{"operationName":"RetrieveInteractionHistory","fromDate":"2015-10-01","toDate":"2015-10-05"}"#,
            &ctx,
        )
        .unwrap()
        .query
    };
    let lookup = service.lookup("cc1", "u1", &both, every.clone()).await;
    service.resolve_presented(lookup).await.unwrap();
    let lookup = service.lookup("cc1", "u1", &both, every.clone()).await;
    assert_eq!(lookup.status(), CacheStatus::Hit);
    drop(lookup);
    // An e-mail change cannot touch the chat part, but it does the e-mail one.
    let mut mail = Interaction::started("m", "email", at(3, 9));
    mail.contact_id = Some("c9".into());
    service.apply_change("admin", table.put("cc1", mail)).await;
    let chat_part = every.with_media_type(MediaType::Chat);
    let lookup = service.lookup("cc1", "u1", &both, every).await;
    assert_eq!(lookup.status(), CacheStatus::Miss);
    let presented = service.resolve_presented(lookup).await.unwrap();
    assert!(
        presented.get().contains("\"id\":\"m\""),
        "{}",
        presented.get()
    );
    let (status, _) = ask(&service, "cc1", &[MediaType::Chat], &chat_part).await;
    assert_eq!(status, CacheStatus::Hit, "the chat part was spared");
}

#[tokio::test(start_paused = true)]
async fn a_resync_drops_every_answer_of_the_backend() {
    let (service, _table, _) = service(0);
    for q in [query_to("2015-10-05"), contact("c1")] {
        ask(&service, "cc1", &[MediaType::Chat], &q).await;
    }
    assert_eq!(service.resync(STORE).await, 2);
    let window = query_to("2015-10-05");
    assert_eq!(
        ask(&service, "cc1", &[MediaType::Chat], &window).await.0,
        CacheStatus::Miss
    );
}

#[tokio::test(start_paused = true)]
async fn a_purge_by_interaction_contact_or_user_removes_only_those_entries() {
    let (service, _table, _) = service(0);
    let (window, narrow, of_c2) = (
        query_to("2015-10-05"),
        query_to("2015-10-02"),
        contact("c2"),
    );
    let warm = || async {
        for q in [&window, &narrow, &of_c2] {
            ask(&service, "cc1", &[MediaType::Chat], q).await;
        }
    };
    let status = |q: HistoryQuery| {
        let service = Arc::clone(&service);
        async move {
            service
                .lookup("cc1", "u1", &[MediaType::Chat], q)
                .await
                .status()
        }
    };
    warm().await;
    // "b" (3 October) is in the window only.
    service
        .purge(&PurgeFilter {
            interaction_id: Some("b".into()),
            ..PurgeFilter::default()
        })
        .unwrap();
    assert_eq!(status(window.clone()).await, CacheStatus::Miss);
    assert_eq!(status(narrow.clone()).await, CacheStatus::Hit);
    assert_eq!(status(of_c2.clone()).await, CacheStatus::Hit);
    warm().await;
    // Contact c2: its history, and the window that holds its chat "c"; not the narrow window.
    service
        .purge(&PurgeFilter {
            contact_id: Some("c2".into()),
            ..PurgeFilter::default()
        })
        .unwrap();
    assert_eq!(status(of_c2.clone()).await, CacheStatus::Miss);
    assert_eq!(status(window.clone()).await, CacheStatus::Miss);
    assert_eq!(status(narrow.clone()).await, CacheStatus::Hit);
    warm().await;
    // User u1's entries (the default scope is the user): all of them.
    service
        .purge(&PurgeFilter {
            user_id: Some("u1".into()),
            ..PurgeFilter::default()
        })
        .unwrap();
    assert_eq!(status(narrow).await, CacheStatus::Miss);
}

#[tokio::test(start_paused = true)]
async fn an_expired_answer_stands_in_for_a_failed_call_unless_a_change_dropped_it() {
    let policy = CachePolicy {
        ttl: Duration::from_secs(10),
        stale_while_revalidate: Duration::ZERO,
        stale_if_error: Duration::from_secs(60),
        ..CachePolicy::default()
    };
    let (service, table, registry) = service_with(0, policy);
    let (window, of_c2) = (query_to("2015-10-02"), contact("c2"));
    for q in [&window, &of_c2] {
        ask(&service, "cc1", &[MediaType::Chat], q).await;
    }
    // A change drops the contact's answer (it holds "c"); the window's is only expired.
    let mut closed = chat("c", 3, "c2");
    closed.subject = Some("changed".into());
    let change = InteractionChange::of("cc1", &closed, ChangeKind::Amended);
    service.apply_change("admin", change).await;
    tokio::time::advance(Duration::from_secs(11)).await;
    table.down.store(true, Ordering::SeqCst);

    let lookup = service
        .lookup("cc1", "u1", &[MediaType::Chat], window.clone())
        .await;
    assert_eq!(lookup.status(), CacheStatus::Miss);
    let stood_in = service
        .resolve(lookup)
        .await
        .expect("the expired answer stands in");
    assert_eq!(ids(&stood_in), vec!["a"]);
    let lookup = service.lookup("cc1", "u1", &[MediaType::Chat], of_c2).await;
    assert!(
        service.resolve(lookup).await.is_err(),
        "a dropped answer never stands in"
    );
    let stand_ins: f64 = registry
        .gather()
        .iter()
        .filter(|f| f.name() == "ucs_proxy_cache_requests_total")
        .flat_map(|f| f.get_metric().iter())
        .filter(|m| m.get_label().iter().any(|l| l.value() == "stale_if_error"))
        .map(|m| m.get_counter().get_value())
        .sum();
    assert_eq!(stand_ins, 1.0);

    // Past the stale-if-error window it is gone.
    ask_fresh(&service, &table, &window).await;
    tokio::time::advance(Duration::from_secs(75)).await;
    table.down.store(true, Ordering::SeqCst);
    let lookup = service
        .lookup("cc1", "u1", &[MediaType::Chat], window)
        .await;
    assert!(service.resolve(lookup).await.is_err());
}

/// Caches `q` again with the store up.
async fn ask_fresh(service: &HistoryService, table: &Table, q: &HistoryQuery) {
    table.down.store(false, Ordering::SeqCst);
    ask(service, "cc1", &[MediaType::Chat], q).await;
}
