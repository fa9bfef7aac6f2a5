//! The proxy as a child process, and a minimal HTTP/1.1 client that shows exactly what came
//! over the wire (status, headers, body, whether the connection stayed open).

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The binary under test.
pub(crate) fn proxy_binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_ucs-proxy"))
}

/// The repository's `config/` folder.
pub(crate) fn config_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../config")
}

/// The working directory every proxy of this test process runs in: `data/demo.db` (the
/// default configuration's embedded store) is written there once, small, before any proxy starts,
/// so that parallel tests never race to create it.
pub(crate) fn work_dir() -> &'static PathBuf {
    static DIR: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("ucs-proxy-e2e-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let tool = proxy_binary().with_file_name("ucs-demo-data");
        let status = Command::new(&tool)
            .args(["--interactions", "2000", "--database", "data/demo.db"])
            .current_dir(&dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .unwrap_or_else(|e| panic!("{}: {e} (build the workspace first)", tool.display()));
        assert!(status.success());
        dir
    })
}

/// A free loopback port (bound, read, released: the proxy binds it right after).
pub(crate) fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// A running proxy; killed when dropped.
pub(crate) struct Proxy {
    child: Child,
    /// Where it listens.
    pub(crate) addr: SocketAddr,
    /// Where its admin service listens.
    pub(crate) admin_addr: SocketAddr,
}

/// How to start a proxy beyond the defaults.
#[derive(Default)]
pub(crate) struct Launch<'a> {
    /// Environment overrides.
    pub(crate) env: &'a [(&'a str, &'a str)],
    /// Another configuration file than `config/default.toml`.
    pub(crate) config: Option<PathBuf>,
    /// Capture standard error (the logs) into this file.
    pub(crate) log_file: Option<PathBuf>,
}

impl Proxy {
    /// Starts the proxy on `config/default.toml` with a free port and the given extra
    /// environment overrides, and waits until it accepts connections.
    pub(crate) fn start(env: &[(&str, &str)]) -> Proxy {
        Self::launch(Launch {
            env,
            ..Launch::default()
        })
    }

    /// Starts the proxy as `launch` says, on free ports, and waits until it accepts connections.
    pub(crate) fn launch(launch: Launch<'_>) -> Proxy {
        let loopback = |port: u16| -> SocketAddr { format!("127.0.0.1:{port}").parse().unwrap() };
        let (addr, admin_addr) = (loopback(free_port()), loopback(free_port()));
        let mut command = Command::new(proxy_binary());
        let config = launch
            .config
            .unwrap_or_else(|| config_dir().join("default.toml"));
        let stderr = match &launch.log_file {
            Some(path) => Stdio::from(std::fs::File::create(path).expect("log file")),
            None => Stdio::inherit(),
        };
        command
            .current_dir(work_dir())
            .arg("--config")
            .arg(config)
            .env("UCS_PROXY_SERVER__LISTEN", addr.to_string())
            .env("UCS_PROXY_ADMIN__LISTEN", admin_addr.to_string())
            .env("UCS_PROXY_LOG__LEVEL", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr);
        for (key, value) in launch.env {
            command.env(key, value);
        }
        let child = command.spawn().expect("start ucs-proxy");
        let mut proxy = Proxy {
            child,
            addr,
            admin_addr,
        };
        proxy.wait_ready();
        proxy
    }

    fn wait_ready(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!("ucs-proxy exited during start-up: {status}");
            }
            if TcpStream::connect(self.addr).is_ok() && TcpStream::connect(self.admin_addr).is_ok()
            {
                return;
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        panic!("ucs-proxy did not listen on {} within 20 s", self.addr);
    }

    /// A new client connection that sends the demo user's Basic credentials.
    pub(crate) fn connect(&self) -> Client {
        self.connect_as("demo", "demo")
    }

    /// A new client connection that sends `user:password` as Basic credentials.
    pub(crate) fn connect_as(&self, user: &str, password: &str) -> Client {
        let mut client = Client::connect(self.addr);
        client.authorization = Some(basic(user, password));
        client
    }

    /// A new client connection without credentials.
    pub(crate) fn connect_anonymous(&self) -> Client {
        Client::connect(self.addr)
    }

    /// A connection to the admin service.
    pub(crate) fn admin(&self) -> Client {
        Client::connect(self.admin_addr)
    }

    /// The Prometheus exposition of the admin service.
    pub(crate) fn metrics(&self) -> String {
        let response = self.admin().request("GET", "/metrics", b"");
        assert_eq!(response.status, 200);
        assert!(response.headers["content-type"].starts_with("text/plain"));
        response.text()
    }

    /// Sends `signal` (e.g. `HUP`) to the proxy process.
    pub(crate) fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .args([format!("-{signal}"), self.child.id().to_string()])
            .status()
            .expect("kill");
        assert!(status.success());
    }

    /// Waits for the process to exit by itself (within `limit`) and returns its status.
    pub(crate) fn exit_status(&mut self, limit: Duration) -> std::process::ExitStatus {
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        panic!("ucs-proxy did not exit within {limit:?}");
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One HTTP response as read off the wire.
#[derive(Debug)]
pub(crate) struct Response {
    pub(crate) status: u16,
    /// Header names in lower case.
    pub(crate) headers: BTreeMap<String, String>,
    pub(crate) body: Vec<u8>,
}

impl Response {
    /// The body as JSON.
    pub(crate) fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "body is not JSON ({e}): {}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    /// The body as text.
    pub(crate) fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// A keep-alive HTTP/1.1 connection.
pub(crate) struct Client {
    reader: BufReader<TcpStream>,
    /// Sent as `Authorization` with every request.
    pub(crate) authorization: Option<String>,
    /// Sent as `Cookie` with every request.
    pub(crate) cookie: Option<String>,
}

/// The `Authorization` value of Basic credentials.
pub(crate) fn basic(user: &str, password: &str) -> String {
    format!("Basic {}", base64_encode(&format!("{user}:{password}")))
}

/// Standard base64 (the tests need it for one header; no dependency for that).
fn base64_encode(text: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let bytes = text.as_bytes();
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n =
            chunk.iter().fold(0u32, |acc, b| (acc << 8) | u32::from(*b)) << (8 * (3 - chunk.len()));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

impl Client {
    fn connect(addr: SocketAddr) -> Client {
        Self::over(TcpStream::connect(addr).expect("connect to the proxy"))
    }

    /// A connection from the loopback address `local` (127.0.0.2, …): another client machine.
    pub(crate) fn connect_from(local: std::net::IpAddr, addr: SocketAddr) -> Client {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .build()
            .unwrap();
        let stream = runtime
            .block_on(async {
                let socket = tokio::net::TcpSocket::new_v4()?;
                socket.bind(SocketAddr::new(local, 0))?;
                socket.connect(addr).await
            })
            .expect("connect from another loopback address");
        let stream = stream.into_std().unwrap();
        stream.set_nonblocking(false).unwrap();
        Self::over(stream)
    }

    fn over(stream: TcpStream) -> Client {
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        Client {
            reader: BufReader::new(stream),
            authorization: None,
            cookie: None,
        }
    }

    /// The `Authorization` header line of raw requests (empty without credentials).
    pub(crate) fn authorization_line(&self) -> String {
        self.authorization
            .as_ref()
            .map_or_else(String::new, |a| format!("Authorization: {a}\r\n"))
    }

    /// The connection, to write on it from another thread.
    pub(crate) fn stream(&self) -> &TcpStream {
        self.reader.get_ref()
    }

    /// Sends raw bytes (a request or part of one).
    pub(crate) fn send_raw(&mut self, bytes: &[u8]) {
        self.reader
            .get_mut()
            .write_all(bytes)
            .expect("write request");
    }

    /// Sends a request with `Content-Length` and reads the response.
    pub(crate) fn request(&mut self, method: &str, path: &str, body: &[u8]) -> Response {
        self.request_with(method, path, &[], body)
    }

    /// A request with extra headers (`name`, `value`).
    pub(crate) fn request_with(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Response {
        self.send_request(method, path, headers, body);
        self.read_response()
    }

    /// Sends a request with `Content-Length` (and the client's credentials and cookie) without
    /// reading its response.
    pub(crate) fn send_request(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) {
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\n",
            body.len()
        );
        if let Some(authorization) = &self.authorization {
            head.push_str(&format!("Authorization: {authorization}\r\n"));
        }
        if let Some(cookie) = &self.cookie {
            head.push_str(&format!("Cookie: {cookie}\r\n"));
        }
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("\r\n");
        self.send_raw(head.as_bytes());
        self.send_raw(body);
    }

    /// POSTs a JSON body.
    pub(crate) fn post(&mut self, path: &str, body: &str) -> Response {
        self.request("POST", path, body.as_bytes())
    }

    /// Reads one response framed by `Content-Length` (the proxy must always send one).
    pub(crate) fn read_response(&mut self) -> Response {
        let mut status_line = String::new();
        self.reader
            .read_line(&mut status_line)
            .expect("status line");
        let status = status_line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("bad status line {status_line:?}"));
        let mut headers = BTreeMap::new();
        loop {
            let mut line = String::new();
            self.reader.read_line(&mut line).expect("header line");
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            let (name, value) = line.split_once(':').expect("header has a colon");
            headers.insert(name.trim().to_ascii_lowercase(), value.trim().to_owned());
        }
        let length: usize = headers
            .get("content-length")
            .expect("every answer carries Content-Length")
            .parse()
            .unwrap();
        let mut body = vec![0; length];
        self.reader.read_exact(&mut body).expect("body");
        Response {
            status,
            headers,
            body,
        }
    }

    /// Whether the server closed the connection (reads EOF within a short wait).
    pub(crate) fn is_closed_by_server(&mut self) -> bool {
        let stream = self.reader.get_mut();
        stream
            .set_read_timeout(Some(Duration::from_secs(2)))
            .unwrap();
        let mut byte = [0u8; 1];
        matches!(stream.read(&mut byte), Ok(0))
    }
}

/// The value of one sample line `name{labels} value` (labels as printed, in order).
pub(crate) fn sample(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or(0.0)
}

/// `config/default.toml` with its `[[backends]]` replaced by `backends` (TOML), written to a
/// new file named after `name`.
pub(crate) fn config_with_backends(name: &str, backends: &str) -> PathBuf {
    let text = std::fs::read_to_string(config_dir().join("default.toml")).unwrap();
    let (start, end) = (
        text.find("[[backends]]").unwrap(),
        text.find("[log]").unwrap(),
    );
    let dir = std::env::temp_dir().join(format!("ucs-e2e-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("proxy.toml");
    std::fs::write(
        &file,
        format!("{}{backends}\n{}", &text[..start], &text[end..]),
    )
    .unwrap();
    file
}
