//! The server side of a history result: delivering one message to the sessions of one user
//! while many other users' sessions are connected, and one publish fanned out to a tenant.
//!
//! cargo bench -p ucs-benches --bench fanout

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion};
use serde_json::json;
use std::sync::Arc;
use ucs_cometd::{BayeuxConfig, ConnectionType, Engine, GwsAuthorizer, Owner, TransportContext};

const CHANNEL: &str = "/v2/ucs/interactions";

/// An engine with `users` users of one tenant, each with `per_user` sessions subscribed to the
/// history channel (as agent desktops are).
fn engine_with_sessions(users: usize, per_user: usize) -> Engine {
    let engine = Engine::new(
        BayeuxConfig {
            max_queue: 4,
            ..BayeuxConfig::default()
        },
        Arc::new(GwsAuthorizer),
    );
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    runtime.block_on(async {
        for user in 0..users {
            for session in 0..per_user {
                let ctx = TransportContext {
                    owner: Owner {
                        user_id: format!("user-{user}"),
                        tenant: "cc1".into(),
                    },
                    browser_id: Some(format!("browser-{user}-{session}")),
                    connection_type: ConnectionType::LongPolling,
                };
                let hs = engine
                    .process(
                        br#"[{"channel":"/meta/handshake","supportedConnectionTypes":["long-polling"]}]"#,
                        &ctx,
                    )
                    .await
                    .unwrap();
                let id = hs.replies().next().unwrap()["clientId"]
                    .as_str()
                    .unwrap()
                    .to_owned();
                let subscribe = json!([{"channel":"/meta/subscribe","clientId":id,"subscription":CHANNEL}]);
                engine
                    .process(subscribe.to_string().as_bytes(), &ctx)
                    .await
                    .unwrap();
            }
        }
    });
    engine
}

fn deliver_to_user(c: &mut Criterion) {
    let data = json!({"referenceId": 1, "messageType": "GetInteractionsHistoryMessage", "interactions": []});
    let mut group = c.benchmark_group("deliver_to_user");
    for users in [100usize, 1_000, 10_000] {
        let engine = engine_with_sessions(users, 1);
        group.bench_with_input(BenchmarkId::from_parameter(users), &users, |b, _| {
            b.iter(|| engine.deliver_to_user(black_box("user-7"), CHANNEL, &data))
        });
    }
    group.finish();
}

fn publish_to_tenant(c: &mut Criterion) {
    let engine = engine_with_sessions(1_000, 1);
    let data = json!({"n": 1});
    c.bench_function("publish/1000_sessions", |b| {
        b.iter(|| engine.publish(black_box("cc1"), CHANNEL, &data))
    });
}

criterion_group!(benches, deliver_to_user, publish_to_tenant);
criterion_main!(benches);
