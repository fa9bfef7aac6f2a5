//! The end-to-end load client: simulated agent desktops, each a CometD session (handshake,
//! subscribe to `/v2/ucs/interactions`, a long-poll `/meta/connect` always held) plus a second
//! connection that POSTs history queries. Measures, per query, the time from the POST being sent
//! to its notification received on the long-poll; in rate mode it also reports how far sends
//! ran behind their schedule (if that grows, the client, not the proxy, is the bottleneck).
//!
//! ```text
//! ucs-load --addr 127.0.0.1:18480 --clients 64 --seconds 10             # closed loop: peak rate
//! ucs-load --addr 127.0.0.1:18480 --clients 64 --seconds 10 --rate 5000 # open loop at 5000/s
//! ```
//! Client `i` logs in as `<user-prefix><i>` with `--password`; one warm-up query each fills the
//! cache (scope user), so the measured queries are hits. Prints one summary line.

use clap::Parser;
use std::io;
use std::time::{Duration, Instant};
use ucs_benches::desktop::{failed, Desktop};

#[derive(Debug, Parser)]
struct Args {
    /// The proxy's public address.
    #[arg(long)]
    addr: String,
    /// Simulated desktops.
    #[arg(long, default_value_t = 64)]
    clients: usize,
    /// Seconds of measurement (after the warm-up).
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// User names are this prefix plus the client's index.
    #[arg(long, default_value = "bench")]
    user_prefix: String,
    /// The users' password.
    #[arg(long, default_value = "bench")]
    password: String,
    /// Total queries per second over all clients; 0: closed loop, each client asks again as soon
    /// as its notification arrives.
    #[arg(long, default_value_t = 0.0)]
    rate: f64,
    /// The history request body.
    #[arg(
        long,
        default_value = r#"{"operationName":"RetrieveInteractionHistory"}"#
    )]
    body: String,
}

/// What one client measured.
#[derive(Debug, Default)]
struct Measured {
    latencies: Vec<Duration>,
    not_hit: u64,
    /// Whether the desktop was still logging in when the measurement began.
    late: bool,
    /// How far behind its schedule a send went, at most (rate mode).
    max_lag: Duration,
}

/// One simulated desktop, from login to the end of the measurement.
async fn desktop(args: &Args, index: usize, start: Instant, end: Instant) -> io::Result<Measured> {
    let user = format!("{}{index}", args.user_prefix);
    let mut desktop = Desktop::open(&args.addr, &user, &args.password).await?;
    let mut ask = async |sent: Instant| -> io::Result<(Duration, bool)> {
        let (reference, ack) = desktop.post(args.body.as_bytes()).await?;
        let hit = ack.header("x-cache") == Some("HIT");
        let arrival = desktop.wait_for(reference).await?;
        Ok((arrival.at.duration_since(sent), hit))
    };

    ask(Instant::now()).await?; // warm-up: fills this user's cache entry
    let mut measured = Measured::default();
    // A desktop that logged in late (after `start`) begins its schedule when ready instead of
    // owing the queries it was due before: they would measure its login, not the proxy.
    let ready = Instant::now();
    measured.late = ready > start;
    tokio::time::sleep_until(start.into()).await;
    let interval =
        (args.rate > 0.0).then(|| Duration::from_secs_f64(args.clients as f64 / args.rate));
    let offset = interval.map_or(Duration::ZERO, |i| {
        i.mul_f64(index as f64 / args.clients as f64)
    });
    let mut due = start.max(ready) + offset;
    while due < end {
        if interval.is_some() {
            tokio::time::sleep_until(due.into()).await;
        }
        // Latency counts from the actual send; how far the sends ran behind their schedule is
        // reported apart (timer granularity, or a client that cannot keep up).
        let sent = Instant::now();
        if interval.is_some() {
            measured.max_lag = measured.max_lag.max(sent.duration_since(due));
        }
        let (latency, hit) = ask(sent).await?;
        measured.latencies.push(latency);
        measured.not_hit += u64::from(!hit);
        due = match interval {
            Some(i) => due + i,
            None => Instant::now(),
        };
    }
    Ok(measured)
}

#[tokio::main]
async fn main() -> io::Result<()> {
    let args: &'static Args = Box::leak(Box::new(Args::parse()));
    // Logins and warm-ups first; the measurement starts for everyone at once.
    let start = Instant::now() + Duration::from_secs(5);
    let end = start + Duration::from_secs(args.seconds);
    let tasks: Vec<_> = (0..args.clients)
        .map(|i| tokio::spawn(desktop(args, i, start, end)))
        .collect();
    let mut latencies = Vec::new();
    let (mut not_hit, mut late, mut max_lag) = (0, 0, Duration::ZERO);
    for task in tasks {
        let measured = task.await.map_err(|e| failed(e.to_string()))??;
        latencies.extend(measured.latencies);
        not_hit += measured.not_hit;
        late += u32::from(measured.late);
        max_lag = max_lag.max(measured.max_lag);
    }
    latencies.sort();
    let quantile = |q: f64| {
        latencies
            .get(((latencies.len() as f64 * q) as usize).min(latencies.len().saturating_sub(1)))
            .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    };
    println!(
        "completed={} rate={:.0} p50_ms={:.3} p99_ms={:.3} max_ms={:.3} not_hit={} late_desktops={} max_send_lag_ms={:.3}",
        latencies.len(),
        latencies.len() as f64 / args.seconds as f64,
        quantile(0.5),
        quantile(0.99),
        latencies.last().map_or(0.0, |d| d.as_secs_f64() * 1000.0),
        not_hit,
        late,
        max_lag.as_secs_f64() * 1000.0
    );
    Ok(())
}
