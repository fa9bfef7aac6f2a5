use super::*;

/// Wants every POST on `/wanted` whose body is not `no`, and every GET on `/forwarded`.
struct Wanting;

#[async_trait]
impl DirectService for Wanting {
    fn wants(&self, method: &Method, path: &str, body: &[u8]) -> bool {
        match *method {
            Method::GET => path == "/forwarded",
            _ => path == "/wanted" && body != b"no",
        }
    }

    async fn answer(&self, _request: DirectRequest, _writer: DirectWriter<'_>) -> DirectOutcome {
        DirectOutcome::Close
    }
}

/// The request `take` answers directly, if any.
fn whole_request(read: &[u8], service: &dyn DirectService) -> Option<WholeRequest> {
    match take(&Bytes::copy_from_slice(read), service) {
        Taken::Direct(request) => Some(request),
        Taken::Declined { .. } => None,
    }
}

/// Whether a declined read is exactly one whole POST.
fn is_one_whole_request(read: &[u8]) -> bool {
    struct Nothing;
    #[async_trait]
    impl DirectService for Nothing {
        fn wants(&self, _method: &Method, _path: &str, _body: &[u8]) -> bool {
            false
        }
        async fn answer(&self, _: DirectRequest, _: DirectWriter<'_>) -> DirectOutcome {
            DirectOutcome::Close
        }
    }
    let read = Bytes::copy_from_slice(read);
    matches!(take(&read, &Nothing), Taken::Declined { alone: true })
}

fn request(head: &str, body: &str) -> Vec<u8> {
    format!("{head}Content-Length: {}\r\n\r\n{body}", body.len()).into_bytes()
}

const POST: &str = "POST /wanted HTTP/1.1\r\nHost: x\r\nAuthorization: Basic ZGVtbzpkZW1v\r\n";

#[test]
fn a_whole_plain_post_is_taken_with_its_headers_and_body() {
    let read = request(POST, "{}");
    let whole = whole_request(&read, &Wanting).expect("taken");
    assert_eq!(whole.path, "/wanted");
    assert_eq!(whole.length, read.len());
    assert_eq!(whole.body_length, 2);
    assert_eq!(whole.headers["authorization"], "Basic ZGVtbzpkZW1v");
    assert_eq!(whole.headers["content-length"], "2");
}

#[test]
fn the_query_is_not_part_of_the_path() {
    let read = request("POST /wanted?x=1 HTTP/1.1\r\nHost: x\r\n", "{}");
    assert_eq!(
        whole_request(&read, &Wanting).expect("taken").path,
        "/wanted"
    );
}

#[test]
fn a_pipelined_request_is_left_after_the_first() {
    let mut read = request(POST, "{}");
    let first = read.len();
    read.extend(request(POST, "{}"));
    assert_eq!(whole_request(&read, &Wanting).expect("taken").length, first);
}

#[test]
fn a_request_not_whole_yet_is_left_to_pingora() {
    let read = request(POST, "{\"a\":1}");
    assert!(
        whole_request(&read[..read.len() - 1], &Wanting).is_none(),
        "body cut"
    );
    let head_end = read.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    assert!(
        whole_request(&read[..head_end + 2], &Wanting).is_none(),
        "head cut"
    );
}

#[test]
fn what_the_service_does_not_want_is_left_to_pingora() {
    assert!(whole_request(&request(POST, "no"), &Wanting).is_none());
    let other = request("POST /other HTTP/1.1\r\nHost: x\r\n", "{}");
    assert!(whole_request(&other, &Wanting).is_none());
    let get = request("GET /wanted HTTP/1.1\r\nHost: x\r\n", "");
    assert!(whole_request(&get, &Wanting).is_none());
}

#[test]
fn framing_or_connection_to_negotiate_is_left_to_pingora() {
    for head in [
        "POST /wanted HTTP/1.0\r\nHost: x\r\n",
        "POST /wanted HTTP/1.1\r\nConnection: close\r\n",
        "POST /wanted HTTP/1.1\r\nConnection: upgrade\r\nUpgrade: websocket\r\n",
        "POST /wanted HTTP/1.1\r\nExpect: 100-continue\r\n",
        "POST /wanted HTTP/1.1\r\nTransfer-Encoding: chunked\r\n",
        "POST /wanted HTTP/1.1\r\nContent-Length: 2\r\n",
        "POST http://x/wanted HTTP/1.1\r\nHost: x\r\n",
    ] {
        assert!(
            whole_request(&request(head, "{}"), &Wanting).is_none(),
            "{head:?}"
        );
    }
    let keep_alive = request("POST /wanted HTTP/1.1\r\nConnection: Keep-Alive\r\n", "{}");
    assert!(whole_request(&keep_alive, &Wanting).is_some());
}

#[test]
fn a_content_length_is_digits_only() {
    assert_eq!(content_length(b"12"), Some(12));
    for bad in [
        &b""[..],
        b"+1",
        b"-1",
        b"1 ",
        b"0x1",
        b"99999999999999999999999",
    ] {
        assert_eq!(content_length(bad), None, "{bad:?}");
    }
    let no_length = b"POST /wanted HTTP/1.1\r\nHost: x\r\n\r\n";
    assert!(whole_request(no_length, &Wanting).is_none());
}

#[test]
fn what_pingora_reads_alone_is_exactly_one_whole_post() {
    assert!(is_one_whole_request(&request(POST, "{}")));
    let no_body = b"POST /wanted HTTP/1.1\r\nHost: x\r\n\r\n";
    assert!(is_one_whole_request(no_body));
    let mut two = request(POST, "{}");
    two.extend(request(POST, "{}"));
    assert!(!is_one_whole_request(&two), "pipelined");
    let read = request(POST, "{}");
    assert!(!is_one_whole_request(&read[..read.len() - 1]), "body cut");
    assert!(!is_one_whole_request(&read[..20]), "head cut");
    let chunked = b"POST /wanted HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n";
    assert!(!is_one_whole_request(chunked));
    let get = b"GET /api/v2/me HTTP/1.1\r\nHost: x\r\n\r\n";
    assert!(is_one_whole_request(get), "a whole GET");
    let delete = b"DELETE /api/v2/me HTTP/1.1\r\nHost: x\r\n\r\n";
    assert!(
        !is_one_whole_request(delete),
        "another method's connection stays with pingora"
    );
}

#[test]
fn a_whole_get_without_a_body_is_taken_with_its_head() {
    let read = b"GET /forwarded?x=1 HTTP/1.1\r\nHost: x\r\nCookie: a=1\r\n\r\n";
    let whole = whole_request(read, &Wanting).expect("taken");
    assert_eq!(whole.method, Method::GET);
    assert_eq!(whole.path, "/forwarded");
    assert_eq!((whole.length, whole.body_length), (read.len(), 0));
    assert!(whole.headers.is_empty(), "read where it is relayed");
    let empty = request("GET /forwarded HTTP/1.1\r\nHost: x\r\n", "");
    assert!(
        whole_request(&empty, &Wanting).is_some(),
        "Content-Length: 0"
    );
    for refused in [
        request("GET /forwarded HTTP/1.1\r\nHost: x\r\n", "{}"),
        b"GET /forwarded HTTP/1.0\r\nHost: x\r\n\r\n".to_vec(),
        b"GET /forwarded HTTP/1.1\r\nUpgrade: websocket\r\n\r\n".to_vec(),
        b"GET /forwarded HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n".to_vec(),
        b"GET /wanted HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(),
    ] {
        let text = String::from_utf8_lossy(&refused).into_owned();
        assert!(whole_request(&refused, &Wanting).is_none(), "{text:?}");
    }
}
