use super::*;

/// The head as pingora itself writes it: the answer's [`Answer::head`] with `Date` and
/// `Connection` inserted, serialized by pingora (what `head_to_wire` must equal).
fn pingora_wire(answer: &Answer, keep_alive: bool, body_len: usize) -> pingora::Result<Vec<u8>> {
    let mut header = answer.head(body_len)?;
    let date = pingora::protocols::http::date::get_cached_date();
    header.insert_header(http::header::DATE, date)?;
    let connection = if keep_alive { "keep-alive" } else { "close" };
    header.insert_header(http::header::CONNECTION, connection)?;
    let mut wire = Vec::new();
    wire.extend_from_slice(b"HTTP/1.1 ");
    wire.extend_from_slice(header.status.as_str().as_bytes());
    wire.extend_from_slice(b" ");
    wire.extend_from_slice(header.get_reason_phrase().unwrap_or("").as_bytes());
    wire.extend_from_slice(b"\r\n");
    header.header_to_h1_wire(&mut wire);
    wire.extend_from_slice(b"\r\n");
    Ok(wire)
}

/// `head_to_wire` and pingora agree on `answer` (the date is read once per second: retried
/// when a second turned between the two).
fn assert_as_pingora_writes(answer: &Answer, keep_alive: bool, body_len: usize) -> String {
    for _ in 0..3 {
        let ours = answer
            .head_to_wire(keep_alive, body_len)
            .expect("a valid head");
        let theirs = pingora_wire(answer, keep_alive, body_len).expect("a valid head");
        if ours == theirs {
            return String::from_utf8(ours).expect("an ASCII head");
        }
        let (ours, theirs) = (
            String::from_utf8_lossy(&ours),
            String::from_utf8_lossy(&theirs),
        );
        let same_but_date = |line: &str| !line.starts_with("Date: ");
        if ours
            .lines()
            .filter(|l| same_but_date(l))
            .eq(theirs.lines().filter(|l| same_but_date(l)))
        {
            continue;
        }
        panic!("our head:\n{ours}\npingora's:\n{theirs}");
    }
    panic!("the date kept changing")
}

#[test]
fn an_ack_head_is_what_pingora_writes() {
    let answer = Answer::ack(Ack::new(42)).with_header("x-cache", "HIT".to_owned());
    let head = assert_as_pingora_writes(&answer, true, answer.body.len());
    assert!(head.starts_with("HTTP/1.1 200 OK\r\nContent-Type: application/json;charset=UTF-8\r\n"));
    assert!(head.contains("\r\nContent-Length: 33\r\nx-cache: HIT\r\nDate: "));
    assert!(head.ends_with("\r\nConnection: keep-alive\r\n\r\n"));
}

#[test]
fn headers_of_one_name_go_together_at_the_first_ones_place() {
    let answer = Answer::json(401, "{}")
        .with_header("set-cookie", "JSESSIONID=a; Path=/".to_owned())
        .with_header("access-control-allow-origin", "https://desk".to_owned())
        .with_header("Set-Cookie", "GWSNODE=b".to_owned())
        .with_header("vary", "Origin".to_owned());
    let head = assert_as_pingora_writes(&answer, false, 2);
    let cookies = head.find("JSESSIONID").zip(head.find("GWSNODE"));
    let origin = head.find("access-control-allow-origin");
    assert!(
        matches!((cookies, origin), (Some((a, b)), Some(o)) if a < b && b < o),
        "{head}"
    );
    assert!(head.starts_with("HTTP/1.1 401 Unauthorized\r\n"));
    assert!(head.ends_with("\r\nConnection: close\r\n\r\n"));
}

#[test]
fn an_empty_body_has_no_content_type_and_an_unknown_status_no_reason() {
    let answer = Answer::json(299, Bytes::new()).with_header("retry-after", "1".to_owned());
    let head = assert_as_pingora_writes(&answer, true, 0);
    assert!(head.starts_with("HTTP/1.1 299 \r\nContent-Length: 0\r\nretry-after: 1\r\n"));
}

#[test]
fn a_body_written_apart_is_announced_by_its_length() {
    let answer = Answer::json(200, Bytes::new());
    let head = assert_as_pingora_writes(&answer, true, 123_456);
    assert!(head.contains("\r\nContent-Length: 123456\r\n"));
}

#[test]
fn a_header_value_with_a_line_break_or_a_bad_status_is_refused_as_pingora_refuses_it() {
    for value in ["a\r\nInjected: 1", "a\nb", "nul\0", "del\x7f"] {
        let answer = Answer::json(200, "{}").with_header("x-note", value.to_owned());
        assert!(answer.head_to_wire(true, 2).is_err(), "{value:?}");
        assert!(pingora_wire(&answer, true, 2).is_err(), "{value:?}");
    }
    let tab_and_text = Answer::json(200, "{}").with_header("x-note", "a\tb é".to_owned());
    assert_as_pingora_writes(&tab_and_text, true, 2);
    let bad_status = Answer::json(1000, "{}");
    assert!(bad_status.head_to_wire(true, 2).is_err());
    assert!(pingora_wire(&bad_status, true, 2).is_err());
}
