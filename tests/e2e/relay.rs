//! GETs relayed by the client's connection itself (`upstream/relay/`): a GET on a route that is
//! not ours, read whole in one read, reaches its GWS node and comes back as pingora's proxy
//! path forwards the same request read in two pieces. The node is a stand-in written for the
//! test (no GWS exists on this machine); it answers by path with the framings GWS uses and some
//! it does not.

use crate::stand_in::read_request_head;
use crate::support::{Launch, Proxy};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// A stand-in GWS node: keep-alive, one thread per connection, answers by path (see
/// [`answer`]); counts the connections it accepted. `closes`: it closes every connection after
/// one answer, without saying so (a node restarting, an idle timeout).
fn node(closes: bool) -> (u16, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let accepted = Arc::new(AtomicUsize::new(0));
    let counter = accepted.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            counter.fetch_add(1, Ordering::SeqCst);
            std::thread::spawn(move || serve(stream, closes));
        }
    });
    (port, accepted)
}

/// Node connections that were closed by the proxy while a `/hang` request waited on them.
static HUNG_AND_CLOSED: AtomicUsize = AtomicUsize::new(0);

fn serve(stream: TcpStream, closes: bool) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut out = stream;
    while let Some((line, headers)) = read_request_head(&mut reader) {
        let path = line.split_whitespace().nth(1).unwrap_or("/").to_owned();
        if path == "/hang" {
            // Never answers: waits for the proxy to close the connection.
            let _ = read_request_head(&mut reader);
            HUNG_AND_CLOSED.fetch_add(1, Ordering::SeqCst);
            return;
        }
        let echo = serde_json::json!({ "requestLine": line, "headers": headers });
        let (answer, close) = answer(&path, &echo.to_string());
        for piece in answer {
            if out.write_all(&piece).is_err() {
                return;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        if close || closes {
            return;
        }
    }
}

/// The node's answer to `path`, in the pieces it writes, and whether it closes afterwards.
fn answer(path: &str, echo: &str) -> (Vec<Vec<u8>>, bool) {
    let head = |lines: &str| format!("{lines}\r\n").into_bytes();
    match path {
        "/chunked" => (
            vec![
                head(
                    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n",
                ),
                b"5;ext=1\r\nhello\r\n".to_vec(),
                b"7\r\n, world\r\n0\r\n\r\n".to_vec(),
            ],
            false,
        ),
        "/big" => {
            let body: Vec<u8> = (0..300_000u32).map(|i| b'a' + (i % 26) as u8).collect();
            let mut head = head(&format!(
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n",
                body.len()
            ));
            head.extend(body);
            (vec![head], false)
        }
        "/nothing" => (
            vec![head("HTTP/1.1 204 No Content\r\nX-Trace: n\r\n")],
            false,
        ),
        "/until-close" => (
            vec![
                head("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"),
                b"the end".to_vec(),
            ],
            true,
        ),
        "/old" => (
            vec![
                head("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n"),
                b"ok".to_vec(),
            ],
            true,
        ),
        _ => {
            let mut answer = head(&format!(
                "HTTP/1.1 207 Multi-Status\r\nContent-Type: application/json\r\n\
                 Set-Cookie: JSESSIONID=s1; Path=/\r\nX-Trace: a\r\nSet-Cookie: GWSID=n\r\n\
                 Date: Thu, 01 Jan 1970 00:00:00 GMT\r\nX-Trace: b\r\nContent-Length: {}\r\n",
                echo.len()
            ));
            answer.extend_from_slice(echo.as_bytes());
            (vec![answer], false)
        }
    }
}

/// An answer as the client reads it: the status line, the values of each header name in
/// order (`Date` left out), the body with any chunk framing removed, whether it was chunked.
#[derive(Clone, Debug, PartialEq)]
struct Answer {
    status_line: String,
    headers: BTreeMap<String, Vec<String>>,
    body: Vec<u8>,
}

/// Reads one answer (framed by `Content-Length`, chunks, or the connection's close).
fn read_answer(reader: &mut BufReader<TcpStream>) -> Answer {
    let mut status_line = String::new();
    reader.read_line(&mut status_line).unwrap();
    let mut headers: BTreeMap<String, Vec<String>> = BTreeMap::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        let Some((name, value)) = line.trim_end().split_once(':') else {
            break;
        };
        let values = headers.entry(name.to_ascii_lowercase()).or_default();
        values.push(value.trim().to_owned());
    }
    let one = |name: &str| headers.get(name).map(|values| values[0].clone());
    let mut body = Vec::new();
    if status_line.contains(" 204 ") {
    } else if let Some(length) = one("content-length") {
        body.resize(length.parse().unwrap(), 0);
        reader.read_exact(&mut body).unwrap();
    } else if one("transfer-encoding").as_deref() == Some("chunked") {
        loop {
            let mut size = String::new();
            reader.read_line(&mut size).unwrap();
            let size = size.trim_end().split(';').next().unwrap();
            let size = usize::from_str_radix(size, 16).unwrap();
            let mut chunk = vec![0; size + 2];
            reader.read_exact(&mut chunk).unwrap();
            if size == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..size]);
        }
    } else {
        reader.read_to_end(&mut body).unwrap();
    }
    headers.remove("date");
    Answer {
        status_line: status_line.trim_end().to_owned(),
        headers,
        body,
    }
}

/// What must match between the two paths: the answer, with the request the node echoed (as
/// the body of `/api/v2/me`) read as its request line and each header name's values in order
/// (pingora's header map may move a field when it removes another).
fn comparable(mut answer: Answer) -> Answer {
    let Ok(echo) = serde_json::from_slice::<serde_json::Value>(&answer.body) else {
        return answer;
    };
    let mut headers: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for line in echo["headers"].as_array().into_iter().flatten() {
        let (name, value) = line.as_str().unwrap().split_once(": ").unwrap();
        headers
            .entry(name.to_ascii_lowercase())
            .or_default()
            .push(value.to_owned());
    }
    answer.body = format!("{} {headers:?}", echo["requestLine"]).into_bytes();
    answer
}

fn connect(proxy: &Proxy) -> BufReader<TcpStream> {
    let stream = TcpStream::connect(proxy.addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    BufReader::new(stream)
}

/// The raw GET of `path`: with an earlier `X-Forwarded-For`, as behind another proxy, and
/// hop-by-hop fields, which pingora does not forward.
fn get(path: &str) -> String {
    format!(
        "GET {path} HTTP/1.1\r\nHost: gws\r\nX-Forwarded-For: 10.0.0.1\r\n\
         Connection: keep-alive\r\nCookie: theme=dark\r\nTE: trailers\r\n\
         Proxy-Authorization: Basic eDp5\r\nContent-Length: 0\r\nAccept: */*\r\n\r\n"
    )
}

/// Sends the GET whole, in one write: relayed by the connection.
fn whole(client: &mut BufReader<TcpStream>, path: &str) -> Answer {
    client.get_mut().write_all(get(path).as_bytes()).unwrap();
    read_answer(client)
}

/// Sends the GET in two writes: pingora reads it and forwards it.
fn split(client: &mut BufReader<TcpStream>, path: &str) -> Answer {
    let request = get(path);
    let (first, rest) = request.split_at(20);
    client.get_mut().write_all(first.as_bytes()).unwrap();
    std::thread::sleep(Duration::from_millis(50));
    client.get_mut().write_all(rest.as_bytes()).unwrap();
    read_answer(client)
}

/// A proxy in front of a stand-in node (its relay's debug lines logged), the node's count of
/// accepted connections.
struct Setup {
    proxy: Proxy,
    log: PathBuf,
    accepted: Arc<AtomicUsize>,
}

impl Setup {
    fn start(name: &str, closes: bool) -> Setup {
        let (port, accepted) = node(closes);
        let log = std::env::temp_dir().join(format!("ucs-e2e-{name}-{}.log", std::process::id()));
        let upstream = format!("[\"127.0.0.1:{port}\"]");
        let proxy = Proxy::launch(Launch {
            env: &[
                ("UCS_PROXY_UPSTREAM__SERVERS", &upstream),
                (
                    "UCS_PROXY_LOG__LEVEL",
                    "warn,ucs_proxy::edge::forward=debug",
                ),
            ],
            log_file: Some(log.clone()),
            ..Launch::default()
        });
        Setup {
            proxy,
            log,
            accepted,
        }
    }

    /// Asserts that `expected` lines of the log contain `text`.
    fn assert_logged(&self, text: &str, expected: usize) {
        assert_eq!(log_lines(&self.log, text, expected), expected, "{text}");
    }
}

impl Drop for Setup {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.log);
    }
}

/// How many lines of the proxy's log contain `text`, once there are `expected` (a line is
/// written just after its answer, which the test may have read already), or after 3 s.
fn log_lines(log: &std::path::Path, text: &str, expected: usize) -> usize {
    let count = || {
        let log = std::fs::read_to_string(log).unwrap_or_default();
        log.lines().filter(|line| line.contains(text)).count()
    };
    for _ in 0..30 {
        if count() == expected {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    count()
}

/// GETs `path` whole and split, each on a new connection; asserts that both answers match and
/// returns the whole one's.
fn both_paths(proxy: &Proxy, path: &str) -> Answer {
    let direct = whole(&mut connect(proxy), path);
    let through_pingora = split(&mut connect(proxy), path);
    let comparable_direct = comparable(direct.clone());
    assert_eq!(comparable_direct, comparable(through_pingora), "{path}");
    direct
}

#[test]
fn a_get_read_whole_is_relayed_as_pingoras_proxy_path_forwards_it() {
    let setup = Setup::start("relay", false);
    let proxy = &setup.proxy;
    let relayed = ["/api/v2/me?subresources=*", "/chunked", "/big", "/nothing"];
    for path in relayed {
        let direct = both_paths(proxy, path);
        assert_eq!(direct.headers["connection"], ["keep-alive"], "{path}");
    }
    let me = whole(&mut connect(proxy), relayed[0]);
    let echo: serde_json::Value = serde_json::from_slice(&me.body).unwrap();
    assert_eq!(
        echo["requestLine"],
        "GET /api/v2/me?subresources=* HTTP/1.1"
    );
    let headers = echo["headers"].as_array().unwrap();
    assert!(
        headers.contains(&"x-forwarded-for: 10.0.0.1, 127.0.0.1".into()),
        "{echo}"
    );
    assert!(
        headers.contains(&"x-forwarded-proto: http".into()),
        "{echo}"
    );
    assert_eq!(
        me.headers["set-cookie"].len(),
        3,
        "the node's two and the affinity cookie"
    );
    assert!(me.headers["set-cookie"][2].starts_with("UCSPROXY_NODE="));
    assert_eq!(me.headers["x-trace"], ["a", "b"]);
    setup.assert_logged("relayed before pingora", relayed.len() + 1);

    // Answers it does not relay (close-delimited, HTTP/1.0) are pingora's, whole or not.
    for path in ["/until-close", "/old"] {
        assert!(!both_paths(proxy, path).body.is_empty(), "{path}");
    }
    setup.assert_logged("relay not started", 2);
    setup.assert_logged("relayed before pingora", relayed.len() + 1);
}

#[test]
fn relayed_gets_share_kept_alive_node_connections() {
    let setup = Setup::start("relay-kept", false);
    let (proxy, accepted) = (&setup.proxy, &setup.accepted);
    let mut client = connect(proxy);
    assert_eq!(
        whole(&mut client, "/api/v2/me").status_line,
        "HTTP/1.1 207 Multi-Status"
    );
    let after_first = accepted.load(Ordering::SeqCst);
    for path in ["/api/v2/me", "/chunked", "/big", "/nothing", "/api/v2/me"] {
        let answer = whole(&mut client, path);
        assert!(answer.status_line.starts_with("HTTP/1.1 2"), "{path}");
    }
    let mut other = connect(proxy);
    whole(&mut other, "/chunked");
    assert_eq!(
        accepted.load(Ordering::SeqCst),
        after_first,
        "no new node connection"
    );
    setup.assert_logged("relayed before pingora", 7);
}

#[test]
fn a_node_connection_closed_while_kept_is_left_to_pingora_and_the_client_never_sees_it() {
    let setup = Setup::start("relay-closed", true);
    let (proxy, accepted) = (&setup.proxy, &setup.accepted);
    let mut client = connect(proxy);
    for round in 0..6 {
        let answer = whole(&mut client, "/api/v2/me");
        assert_eq!(
            answer.status_line, "HTTP/1.1 207 Multi-Status",
            "round {round}"
        );
        // Some rounds find the closed connection at once, others only when it fails.
        if round % 2 == 0 {
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    assert!(
        accepted.load(Ordering::SeqCst) >= 6,
        "a connection per answer"
    );
}

#[test]
fn a_client_that_leaves_before_the_node_answers_drops_the_relayed_request() {
    let setup = Setup::start("relay-left", false);
    let mut client = connect(&setup.proxy);
    client.get_mut().write_all(get("/hang").as_bytes()).unwrap();
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(HUNG_AND_CLOSED.load(Ordering::SeqCst), 0, "still waiting");
    drop(client);
    for _ in 0..50 {
        if HUNG_AND_CLOSED.load(Ordering::SeqCst) == 1 {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(
        HUNG_AND_CLOSED.load(Ordering::SeqCst),
        1,
        "the node connection was dropped"
    );
    setup.assert_logged("the client left before the node answered", 1);
}
