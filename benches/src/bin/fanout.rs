//! The fan-out load client: holds N long-polling CometD sessions on a server (each a
//! connection with a `/meta/connect` held), fans one message out to all of them, and prints the
//! server's RSS (idle, holding) and each session's delivery latency (trigger sent → its connect
//! reply read), as one JSON line.
//!
//! A Rust client on its own core reads 10 000 replies in a few tens of milliseconds, so what the
//! latency measures is the server (a single-threaded Node.js client spends ~80 µs on each reply,
//! more than either server: it measured itself).
//!
//! ```text
//! fanout --addr 127.0.0.1:18490 --path /api/v2/notifications --pid <server pid> --mode publish
//! fanout --addr 127.0.0.1:18490 --path /api/v2/notifications --pid <pid> --mode history
//! ```
//! `publish`: a client publishes on `/bench/fanout`, every session subscribed (any Bayeux
//! server); `history`: a POST `RetrieveInteractionHistory` as the sessions' user (ucs-proxy),
//! every session subscribed to `/v2/ucs/interactions`.

use clap::{Parser, ValueEnum};
use serde_json::json;
use std::io;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, Semaphore};
use tokio::task::JoinSet;
use ucs_benches::desktop::{basic, failed, json_of};
use ucs_benches::http::{Connection, Response};

#[derive(Debug, Parser)]
struct Args {
    /// The server's address.
    #[arg(long)]
    addr: String,
    /// The server's Bayeux path (`/api/v2/notifications` for ucs-proxy, `/cometd` for the
    /// reference).
    #[arg(long)]
    path: String,
    /// The server's process, whose RSS is read.
    #[arg(long)]
    pid: u32,
    /// What triggers the message.
    #[arg(long, value_enum)]
    mode: Mode,
    /// Sessions held.
    #[arg(long, default_value_t = 10_000)]
    sessions: usize,
    /// Connections come from 127.<source-net>.0.x (one address per 25 000 sessions), so that a
    /// run never waits for ports an earlier run left in TIME_WAIT.
    #[arg(long, default_value_t = 1)]
    source_net: u8,
    /// Login of the sessions (ucs-proxy); the reference ignores it.
    #[arg(long, default_value = "demo")]
    user: String,
    /// Password of `user`.
    #[arg(long, default_value = "demo")]
    password: String,
    /// A shell command run once every session holds its connect, before anything is measured
    /// (`benches/load/heap.sh` takes the server's heap snapshot there).
    #[arg(long)]
    on_holding: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Mode {
    Publish,
    History,
}

impl Mode {
    fn channel(self) -> &'static str {
        match self {
            Mode::Publish => "/bench/fanout",
            Mode::History => "/v2/ucs/interactions",
        }
    }
}

/// A session set up and subscribed, its connection free for the held connect.
struct Session {
    connection: Connection,
    client_id: String,
    cookie: String,
}

/// What every request of a run carries.
#[derive(Clone)]
struct Target {
    addr: String,
    path: String,
    authorization: String,
    channel: &'static str,
}

impl Target {
    async fn open(&self, source: Option<IpAddr>) -> io::Result<Session> {
        let mut connection = Connection::open_from(&self.addr, source).await?;
        let handshake = json!([{"channel": "/meta/handshake", "version": "1.0",
            "supportedConnectionTypes": ["long-polling"]}]);
        let reply = connection
            .post(
                &format!("{}/handshake", self.path),
                &[("Authorization", self.authorization.as_str())],
                handshake.to_string().as_bytes(),
            )
            .await?;
        let client_id = json_of(&reply)?[0]["clientId"]
            .as_str()
            .ok_or_else(|| failed(format!("handshake refused: {:?}", reply.body)))?
            .to_owned();
        let mut session = Session {
            connection,
            cookie: reply.cookies(),
            client_id,
        };
        let connect = json!([{"channel": "/meta/connect", "clientId": session.client_id,
            "connectionType": "long-polling", "advice": {"timeout": 0}}]);
        self.send(&mut session, "/connect", &connect).await?;
        let subscribe = json!([{"channel": "/meta/subscribe", "clientId": session.client_id,
            "subscription": self.channel}]);
        self.send(&mut session, "", &subscribe).await?;
        Ok(session)
    }

    /// POSTs a Bayeux `batch` on `session` to the Bayeux path plus `suffix`.
    async fn send(
        &self,
        session: &mut Session,
        suffix: &str,
        batch: &serde_json::Value,
    ) -> io::Result<Response> {
        let headers = [
            ("Authorization", self.authorization.as_str()),
            ("Cookie", session.cookie.as_str()),
        ];
        session
            .connection
            .post(
                &format!("{}{suffix}", self.path),
                &headers,
                batch.to_string().as_bytes(),
            )
            .await
    }

    /// Holds a connect on `session`; once its reply carries a message of the channel, returns
    /// when it was read.
    async fn hold(&self, mut session: Session) -> io::Result<Option<Instant>> {
        let connect = json!([{"channel": "/meta/connect", "clientId": session.client_id,
            "connectionType": "long-polling"}]);
        let reply = self.send(&mut session, "/connect", &connect).await?;
        let read = Instant::now();
        let needle = format!("\"channel\":\"{}\"", self.channel);
        let delivered = memchr::memmem::find(&reply.body, needle.as_bytes()).is_some();
        Ok(delivered.then_some(read))
    }
}

/// The server's resident memory, in MiB.
fn rss_mib(pid: u32) -> io::Result<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let kib = status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|kib| kib.parse::<f64>().ok())
        .ok_or_else(|| failed("no VmRSS".to_owned()))?;
    Ok(kib / 1024.0)
}

/// The server's CPU time so far (user + system), in milliseconds (`/proc` counts in 1/100 s).
fn cpu_ms(pid: u32) -> io::Result<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    let fields: Vec<&str> = stat
        .rsplit_once(") ")
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<u64>().ok());
    match (ticks(11), ticks(12)) {
        (Some(user), Some(system)) => Ok((user + system) * 10),
        _ => Err(failed("unreadable /proc stat".to_owned())),
    }
}

/// The latency at percentile `p` over all `sessions`: a session never notified counts as slower
/// than every other (`None` once it is in the percentile).
fn percentile(sorted: &[Duration], sessions: usize, p: f64) -> Option<u128> {
    let rank = ((p / 100.0) * sessions as f64) as usize;
    sorted
        .get(rank.min(sessions.saturating_sub(1)))
        .map(Duration::as_millis)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> io::Result<()> {
    let args = Args::parse();
    let target = Target {
        addr: args.addr.clone(),
        path: args.path.clone(),
        authorization: basic(&args.user, &args.password),
        channel: args.mode.channel(),
    };
    let net = args.source_net;
    let source = move |index: usize| {
        let host = u8::try_from(index / 25_000 + 1).unwrap_or(u8::MAX);
        Some(IpAddr::V4(Ipv4Addr::new(127, net, 0, host)))
    };

    let rss_idle = rss_mib(args.pid)?;
    let started = Instant::now();
    // Each session holds its connect as soon as it is set up, as a real client does (an idle
    // session would expire during a long setup); at most 500 set up at a time.
    let setting_up = Arc::new(Semaphore::new(500));
    let (opened, mut opened_rx) = mpsc::unbounded_channel::<io::Result<()>>();
    let mut held = JoinSet::new();
    for index in 0..args.sessions {
        let (target, setting_up, opened) = (target.clone(), setting_up.clone(), opened.clone());
        held.spawn(async move {
            let permit = setting_up.acquire_owned().await;
            let session = target.open(source(index)).await;
            drop(permit);
            match session {
                Ok(session) => {
                    let _ = opened.send(Ok(()));
                    target.hold(session).await
                }
                Err(error) => {
                    let _ = opened.send(Err(failed(error.to_string())));
                    Err(error)
                }
            }
        });
    }
    for _ in 0..args.sessions {
        opened_rx
            .recv()
            .await
            .ok_or_else(|| failed("setup ended early".to_owned()))??;
    }
    let setup_seconds = started.elapsed().as_secs_f64();
    // Every session now holds a connect (an idle session would expire during setup otherwise).
    tokio::time::sleep(Duration::from_secs(2)).await;
    if let Some(command) = &args.on_holding {
        let status = tokio::process::Command::new("sh")
            .args(["-c", command])
            .status()
            .await?;
        if !status.success() {
            return Err(failed(format!("--on-holding {command:?}: {status}")));
        }
    }
    let rss_holding = rss_mib(args.pid)?;

    let cpu_before = cpu_ms(args.pid)?;
    let sent = Instant::now();
    match args.mode {
        Mode::History => {
            let mut connection = Connection::open_from(&args.addr, source(0)).await?;
            let auth = ("Authorization", target.authorization.as_str());
            connection
                .post(
                    "/api/v2/ucs/interactions",
                    &[auth],
                    br#"{"operationName":"RetrieveInteractionHistory"}"#,
                )
                .await?;
        }
        Mode::Publish => {
            let mut publisher = target.open(source(0)).await?;
            let publish = json!([{"channel": target.channel, "clientId": publisher.client_id,
                "data": {"at": 1}}]);
            target.send(&mut publisher, "", &publish).await?;
        }
    }
    let mut latencies = Vec::with_capacity(args.sessions);
    let deadline = tokio::time::sleep(Duration::from_secs(20));
    tokio::pin!(deadline);
    loop {
        tokio::select! {
            done = held.join_next() => match done {
                Some(Ok(Ok(Some(read)))) => latencies.push(read.saturating_duration_since(sent)),
                Some(_) => {}
                None => break,
            },
            () = &mut deadline => break,
        }
    }
    let cpu_ms = cpu_ms(args.pid)? - cpu_before;
    latencies.sort();
    let n = args.sessions;
    let tenth = |mib: f64| (mib * 10.0).round() / 10.0;
    let max = (latencies.len() == n)
        .then(|| latencies.last().map(Duration::as_millis))
        .flatten();
    let line = json!({
        "mode": format!("{:?}", args.mode).to_lowercase(),
        "sessions": n,
        "delivered": latencies.len(),
        "setupSeconds": (setup_seconds * 1000.0).round() / 1000.0,
        "rssMiB": {"idle": tenth(rss_idle), "holding": tenth(rss_holding)},
        "kibPerSession": (((rss_holding - rss_idle) * 1024.0 / n as f64) * 100.0).round() / 100.0,
        "latencyMs": {
            "p50": percentile(&latencies, n, 50.0),
            "p99": percentile(&latencies, n, 99.0),
            "max": max,
        },
        "serverCpuMs": cpu_ms,
    });
    println!("{line}");
    held.abort_all();
    Ok(())
}
