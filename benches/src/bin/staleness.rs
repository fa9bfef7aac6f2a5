//! The staleness benchmark's client: a simulated contact centre against a running ucs-proxy on
//! the embedded SQLite store. Agents (CometD desktops) ask the histories of the customers they
//! talk to (`--contacts` per tenant, the busiest of the demo data; all media, six months), with a
//! think time, while interactions of those customers are created and closed in the database
//! (`run_live`, `--rate` changes a second, from this process, as another application would
//! write). Every delivered answer is checked against the
//! store's truth (`HistoryQuery::select` over the tenant's rows, read directly from the file):
//! it is stale when it differs — in ids, states or whether it has ended — both from the truth
//! when the query was sent and from the truth when its answer arrived (a change racing the
//! query is not staleness). Prints one JSON line.
//!
//! ```text
//! staleness --addr 127.0.0.1:18600 --admin 127.0.0.1:18601 --database data/demo.db --seconds 60
//! ```

use clap::Parser;
use serde::Deserialize;
use std::io;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use ucs_benches::desktop::{failed, Desktop};
use ucs_benches::http::Connection;
use ucs_model::chrono::{Duration as Days, Utc};
use ucs_model::{parse_request, HistoryQuery, ParseContext, Route, Tz};
use ucs_plugin_store_sqlite::rusqlite::{Connection as Sqlite, OpenFlags};
use ucs_plugin_store_sqlite::{read_tenant, run_live};

#[derive(Debug, Parser)]
struct Args {
    /// The proxy's public address.
    #[arg(long)]
    addr: String,
    /// The proxy's admin address (for its backend call count).
    #[arg(long)]
    admin: String,
    /// The SQLite file the proxy serves.
    #[arg(long)]
    database: PathBuf,
    /// Simulated agents.
    #[arg(long, default_value_t = 12)]
    agents: usize,
    /// Seconds of measurement.
    #[arg(long, default_value_t = 60)]
    seconds: u64,
    /// Pause between an answer and an agent's next query, in milliseconds.
    #[arg(long, default_value_t = 250)]
    think_ms: u64,
    /// Interactions created or closed per second.
    #[arg(long, default_value_t = 2.0)]
    rate: f64,
    /// Customers per tenant the agents ask about.
    #[arg(long, default_value_t = 30)]
    contacts: usize,
}

/// Users of the default configuration who may read every media type (the truth is computed
/// over all of them): (login, tenant).
const AGENTS: [(&str, &str); 2] = [("demo", "cc1"), ("other", "cc2")];

/// What the agents counted.
#[derive(Debug, Default)]
struct Counts {
    answers: AtomicU64,
    hits: AtomicU64,
    stale: AtomicU64,
}

/// The body every contact history query sends: six months, oldest first (explicit dates: the
/// proxy and this client agree on them).
fn contact_body() -> String {
    let today = Utc::now().date_naive();
    let (from, to) = (today - Days::days(190), today + Days::days(1));
    format!(
        r#"{{"operationName":"RetrieveContactHistory","fromDate":"{from}","toDate":"{to}","sort":"asc"}}"#
    )
}

/// The `count` busiest contacts of `tenant`.
fn busiest(database: &Sqlite, tenant: &str, count: usize) -> io::Result<Vec<String>> {
    let mut statement = database
        .prepare(
            "SELECT contact_id FROM interactions WHERE tenant = ?1 AND contact_id IS NOT NULL \
             GROUP BY contact_id ORDER BY count(*) DESC, contact_id LIMIT ?2",
        )
        .map_err(|e| failed(e.to_string()))?;
    let contacts = statement
        .query_map(
            ucs_plugin_store_sqlite::rusqlite::params![tenant, count as i64],
            |row| row.get(0),
        )
        .map_err(|e| failed(e.to_string()))?
        .collect::<Result<Vec<String>, _>>()
        .map_err(|e| failed(e.to_string()));
    contacts
}

/// What an answer is compared on: each interaction's id, state and whether it has ended.
type Shape = Vec<(String, String, bool)>;

fn truth(database: &Sqlite, tenant: &str, query: &HistoryQuery) -> io::Result<Shape> {
    let all = read_tenant(database, tenant).map_err(|e| failed(e.to_string()))?;
    Ok(query
        .select(&all)
        .into_iter()
        .map(|i| (i.id, i.state.as_str().to_owned(), i.end_date.is_some()))
        .collect())
}

#[derive(Deserialize)]
struct Delivered {
    id: String,
    state: String,
    #[serde(rename = "endDate")]
    end_date: Option<String>,
}

/// The shape of the answer to `reference` in a `/meta/connect` reply.
fn delivered(reply: &[u8], reference: u64) -> io::Result<Shape> {
    let messages: Vec<serde_json::Value> =
        serde_json::from_slice(reply).map_err(|e| failed(e.to_string()))?;
    let data = messages
        .iter()
        .map(|m| &m["data"])
        .find(|d| d["referenceId"].as_u64() == Some(reference))
        .ok_or_else(|| failed(format!("no answer to {reference}")))?;
    let interactions: Vec<Delivered> = serde_json::from_value(data["interactions"].clone())
        .map_err(|e| failed(format!("answer {reference}: {e} in {data}")))?;
    Ok(interactions
        .into_iter()
        .map(|i| (i.id, i.state, i.end_date.is_some()))
        .collect())
}

async fn agent(
    args: &Args,
    index: usize,
    contacts: &[(String, String)],
    counts: &Counts,
    end: Instant,
) -> io::Result<()> {
    let (user, tenant) = AGENTS[index % AGENTS.len()];
    let mut desktop = Desktop::open(&args.addr, user, user).await?;
    let database = Sqlite::open_with_flags(&args.database, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| failed(e.to_string()))?;
    let ctx = ParseContext::new(Utc::now(), Tz::UTC);
    let body = contact_body();
    let mine: Vec<&String> = contacts
        .iter()
        .filter(|(t, _)| t == tenant)
        .map(|(_, c)| c)
        .collect();
    let mut n = index * 7;
    while Instant::now() < end {
        let contact = mine[n % mine.len()];
        n = n.wrapping_mul(31).wrapping_add(17);
        let route = Route::ContactInteractions(contact.clone());
        let query = parse_request(&route, body.as_bytes(), &ctx)
            .map_err(|e| failed(e.to_string()))?
            .query;
        let before = truth(&database, tenant, &query)?;
        let path = format!("/api/v2/ucs/contacts/{contact}/interactions");
        let (reference, ack) = desktop.post_to(&path, body.as_bytes()).await?;
        let arrival = desktop.wait_for(reference).await?;
        let after = truth(&database, tenant, &query)?;
        let answer = delivered(&arrival.reply, reference)?;
        counts.answers.fetch_add(1, Ordering::Relaxed);
        if ack.header("x-cache") == Some("HIT") {
            counts.hits.fetch_add(1, Ordering::Relaxed);
        }
        let stale = answer != before && answer != after;
        // STALENESS_DEBUG=1 prints the first stale answer and both truths.
        if stale
            && counts.stale.fetch_add(1, Ordering::Relaxed) == 0
            && std::env::var_os("STALENESS_DEBUG").is_some()
        {
            eprintln!("stale {body}\nanswer {answer:?}\nbefore {before:?}\nafter  {after:?}");
        }
        tokio::time::sleep(Duration::from_millis(args.think_ms)).await;
    }
    Ok(())
}

/// The proxy's backend calls so far (the sum of its backend duration histogram's counts).
async fn backend_calls(admin: &str) -> io::Result<f64> {
    let mut connection = Connection::open(admin).await?;
    let metrics = connection.get("/metrics").await?;
    Ok(String::from_utf8_lossy(&metrics.body)
        .lines()
        .filter(|l| l.starts_with("ucs_proxy_backend_request_duration_seconds_count"))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum())
}

#[tokio::main]
async fn main() -> io::Result<()> {
    let args: &'static Args = Box::leak(Box::new(Args::parse()));
    let counts: &'static Counts = Box::leak(Box::default());
    let contacts: &'static [(String, String)] = {
        let database = Sqlite::open_with_flags(&args.database, OpenFlags::SQLITE_OPEN_READ_ONLY)
            .map_err(|e| failed(e.to_string()))?;
        let mut all = Vec::new();
        for (_, tenant) in AGENTS {
            for contact in busiest(&database, tenant, args.contacts)? {
                all.push((tenant.to_owned(), contact));
            }
        }
        Box::leak(all.into_boxed_slice())
    };
    let writing = Arc::new(AtomicBool::new(true));
    let writer = {
        let (path, rate, writing) = (args.database.clone(), args.rate, Arc::clone(&writing));
        std::thread::spawn(move || {
            run_live(
                &path,
                rate,
                contacts,
                || writing.load(Ordering::Relaxed),
                |_| {},
            )
        })
    };
    let calls_before = backend_calls(&args.admin).await?;
    let started = Instant::now();
    let end = started + Duration::from_secs(args.seconds);
    let agents: Vec<_> = (0..args.agents)
        .map(|i| tokio::spawn(agent(args, i, contacts, counts, end)))
        .collect();
    for agent in agents {
        agent.await.map_err(|e| failed(e.to_string()))??;
    }
    let seconds = started.elapsed().as_secs_f64();
    writing.store(false, Ordering::Relaxed);
    let written = writer
        .join()
        .map_err(|_| failed("the writer panicked".into()))?
        .map_err(|e| failed(e.to_string()))?;
    let calls = backend_calls(&args.admin).await? - calls_before;
    let answers = counts.answers.load(Ordering::Relaxed);
    let hits = counts.hits.load(Ordering::Relaxed);
    println!(
        "{}",
        serde_json::json!({
            "answers": answers,
            "hit_ratio": (hits as f64 / answers.max(1) as f64 * 1000.0).round() / 1000.0,
            "backend_calls_per_s": (calls / seconds * 10.0).round() / 10.0,
            "stale_answers": counts.stale.load(Ordering::Relaxed),
            "changes": written.inserted + written.closed,
        })
    );
    Ok(())
}
