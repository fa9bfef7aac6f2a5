use super::*;

const EDITS: HeadEdits<'static> = HeadEdits {
    date: b"Mon, 30 Nov 2026 12:00:00 GMT",
    node: "abc",
};

fn rewritten(head: &str) -> Result<ResponseHead, Unusual> {
    rewrite(head.as_bytes(), &EDITS).map(|head| head.expect("whole"))
}

fn text(head: &ResponseHead) -> &str {
    std::str::from_utf8(&head.wire).unwrap()
}

#[test]
fn date_and_connection_are_replaced_in_place_and_the_rest_passes_as_written() {
    let node =
        "HTTP/1.1 207 Multi-Status\r\nDATE: yesterday\r\nX-Trace: a\r\nconnection: Keep-Alive\r\n\
                x-trace: b\r\nContent-Length: 4\r\n\r\nbody";
    let head = rewritten(node).unwrap();
    assert_eq!(
        text(&head),
        "HTTP/1.1 207 Multi-Status\r\nDate: Mon, 30 Nov 2026 12:00:00 GMT\r\nX-Trace: a\r\n\
         Connection: keep-alive\r\nx-trace: b\r\nContent-Length: 4\r\n\r\n"
    );
    assert_eq!(head.length, node.len() - 4);
    assert_eq!(head.framing, BodyFraming::Length(4));
    assert_eq!(head.status, 207);
    assert!(head.node_keeps_alive);
}

#[test]
fn missing_date_and_connection_are_added_after_the_affinity_cookie() {
    let node = "HTTP/1.1 200 OK\r\nSet-Cookie: JSESSIONID=s1; Path=/\r\nContent-Length: 0\r\n\r\n";
    assert_eq!(
        text(&rewritten(node).unwrap()),
        "HTTP/1.1 200 OK\r\nSet-Cookie: JSESSIONID=s1; Path=/\r\nContent-Length: 0\r\n\
         set-cookie: UCSPROXY_NODE=abc; Path=/; HttpOnly\r\n\
         Date: Mon, 30 Nov 2026 12:00:00 GMT\r\nConnection: keep-alive\r\n\r\n"
    );
    let other_cookie = "HTTP/1.1 200 OK\r\nSet-Cookie: JSESSIONIDX=s1\r\nContent-Length: 0\r\n\r\n";
    assert!(!text(&rewritten(other_cookie).unwrap()).contains("UCSPROXY_NODE"));
}

#[test]
fn a_repeated_date_or_connection_becomes_one() {
    let node = "HTTP/1.1 200 OK\r\nDate: a\r\nDate: b\r\nConnection: x\r\nConnection: close\r\n\
                Content-Length: 0\r\n\r\n";
    let head = rewritten(node).unwrap();
    assert_eq!(text(&head).matches("Date:").count(), 1);
    assert_eq!(text(&head).matches("Connection:").count(), 1);
    assert!(!head.node_keeps_alive, "the node said close");
}

#[test]
fn the_body_framing_is_read_from_the_head() {
    let chunked = "HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\n\r\n";
    assert_eq!(rewritten(chunked).unwrap().framing, BodyFraming::Chunked);
    let twice = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\n";
    assert_eq!(rewritten(twice).unwrap().framing, BodyFraming::Length(3));
    let not_modified = "HTTP/1.1 304 Not Modified\r\nContent-Length: 30\r\n\r\n";
    assert_eq!(rewritten(not_modified).unwrap().framing, BodyFraming::Empty);
    let no_content = "HTTP/1.1 204 No Content\r\n\r\n";
    assert_eq!(rewritten(no_content).unwrap().framing, BodyFraming::Empty);
}

#[test]
fn a_head_not_whole_yet_is_waited_for() {
    assert!(rewrite(b"HTTP/1.1 200 OK\r\nContent-Le", &EDITS)
        .unwrap()
        .is_none());
}

#[test]
fn unusual_answers_are_left_to_pingora() {
    for node in [
        "HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n",
        "HTTP/1.1 200 OK\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: +3\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
        "HTTP/1.1 2000 OK\r\n\r\n",
    ] {
        assert!(rewritten(node).is_err(), "{node:?}");
    }
}
