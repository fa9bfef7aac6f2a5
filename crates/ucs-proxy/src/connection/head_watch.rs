//! Where a connection is in its request/response cycle, seen from the bytes alone: whether a
//! request head is being received (so its deadline runs) and whether a write is the start of a
//! response pingora generated itself. Pure, so that every boundary case is a unit test.

/// What a read did to the head being received.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum HeadProgress {
    /// No head is being received (the bytes are a body, or nothing was read).
    Outside,
    /// The first bytes of a head arrived: its deadline starts now.
    Started,
    /// Part of a head arrived; it is not complete yet.
    Receiving,
    /// The head is complete (its blank line arrived).
    Complete,
}

/// The state of one connection.
#[derive(Debug)]
pub(crate) struct HeadWatch {
    /// The next byte read starts a request head: at the start of the connection and after a
    /// final (non-1xx) response was written.
    awaiting_head: bool,
    /// A head is being received.
    in_head: bool,
    /// Line feeds seen in a row (carriage returns between them ignored); two end the head.
    line_feeds: u8,
}

impl Default for HeadWatch {
    fn default() -> Self {
        Self {
            awaiting_head: true,
            in_head: false,
            line_feeds: 0,
        }
    }
}

impl HeadWatch {
    /// Whether a head is being received (its deadline runs).
    pub(crate) fn in_head(&self) -> bool {
        self.in_head
    }

    /// Takes note of bytes read from the client.
    ///
    /// The head ends at the first blank line, with CRLF or bare LF line endings (pingora accepts
    /// both); ending early is harmless, the deadline only stops sooner. Bytes read while no head
    /// is awaited (a body, pipelined data already past its head, websocket frames) are outside.
    pub(crate) fn on_read(&mut self, bytes: &[u8]) -> HeadProgress {
        if bytes.is_empty() {
            return HeadProgress::Outside;
        }
        let started = if self.awaiting_head {
            self.awaiting_head = false;
            self.in_head = true;
            self.line_feeds = 0;
            true
        } else {
            false
        };
        if !self.in_head {
            return HeadProgress::Outside;
        }
        // From line feed to line feed (memchr): a line's first byte other than a carriage return
        // ends a run of line feeds, so a header line costs a byte or two, not a pass over it.
        let only_carriage_returns = |slice: &[u8]| slice.iter().all(|&b| b == b'\r');
        let mut line_start = 0;
        for line_feed in memchr::memchr_iter(b'\n', bytes) {
            if !only_carriage_returns(&bytes[line_start..line_feed]) {
                self.line_feeds = 0;
            }
            self.line_feeds += 1;
            if self.line_feeds == 2 {
                self.in_head = false;
                return HeadProgress::Complete;
            }
            line_start = line_feed + 1;
        }
        if !only_carriage_returns(&bytes[line_start..]) {
            self.line_feeds = 0;
        }
        if started {
            HeadProgress::Started
        } else {
            HeadProgress::Receiving
        }
    }

    /// Takes note of bytes written to the client: the start of a final response means the next
    /// bytes read begin a new head. Interim responses (`100 Continue`, `101 Switching
    /// Protocols`) do not: a body or websocket frames follow them.
    pub(crate) fn on_write(&mut self, bytes: &[u8]) {
        if let Some(status) = response_status(bytes) {
            if status >= 200 {
                self.awaiting_head = true;
                self.in_head = false;
            }
        }
    }
}

/// The status of a write that starts an HTTP/1 response head, `None` for any other write.
pub(crate) fn response_status(bytes: &[u8]) -> Option<u16> {
    let rest = bytes.strip_prefix(b"HTTP/1.")?;
    let digits = rest.get(2..5)?;
    if rest.get(1) != Some(&b' ') || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(digits.iter().fold(0, |n, d| n * 10 + u16::from(d - b'0')))
}

/// Whether a write is a response head pingora generated on its own (an HTTP-layer refusal such
/// as a header it could not parse): those carry pingora's `Server` header and an empty body.
/// Answers of the proxy never carry that header, and passed-through answers carry the
/// upstream's headers.
pub(crate) fn is_generated_error(bytes: &[u8]) -> bool {
    let Some(end) = find(bytes, b"\r\n\r\n") else {
        return false;
    };
    let head = &bytes[..end + 2];
    contains_ignore_case(head, b"\r\nserver: pingora\r\n")
        && contains_ignore_case(head, b"\r\ncontent-length: 0\r\n")
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn contains_ignore_case(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_head_starts_with_its_first_byte_and_ends_at_the_blank_line() {
        let mut watch = HeadWatch::default();
        assert_eq!(watch.on_read(b"GET / HT"), HeadProgress::Started);
        assert!(watch.in_head());
        assert_eq!(
            watch.on_read(b"TP/1.1\r\nHost: x\r\n"),
            HeadProgress::Receiving
        );
        assert_eq!(watch.on_read(b"\r"), HeadProgress::Receiving);
        assert_eq!(watch.on_read(b"\n{\"body\":1}"), HeadProgress::Complete);
        assert!(!watch.in_head());
        // The body and anything after it, until a response is written, are not a head.
        assert_eq!(watch.on_read(b"more body\n\n"), HeadProgress::Outside);
    }

    #[test]
    fn the_blank_line_is_found_across_reads_and_not_inside_a_line() {
        let mut watch = HeadWatch::default();
        assert_eq!(watch.on_read(b"GET / HTTP/1.1\r\n"), HeadProgress::Started);
        assert_eq!(watch.on_read(b"\r"), HeadProgress::Receiving);
        assert_eq!(watch.on_read(b"\r\n"), HeadProgress::Complete);
        let mut watch = HeadWatch::default();
        watch.on_read(b"GET / HTTP/1.1\r\nHost: x\r\n");
        // A line of carriage returns then text is not blank.
        assert_eq!(watch.on_read(b"\r\rX: y\r\n"), HeadProgress::Receiving);
        assert_eq!(watch.on_read(b"Z: 1\n"), HeadProgress::Receiving);
        assert_eq!(watch.on_read(b"\n"), HeadProgress::Complete);
    }

    #[test]
    fn bare_line_feeds_end_a_head_too() {
        let mut watch = HeadWatch::default();
        assert_eq!(
            watch.on_read(b"GET / HTTP/1.1\nHost: x\n\n"),
            HeadProgress::Complete
        );
    }

    #[test]
    fn a_final_response_makes_the_next_read_a_new_head() {
        let mut watch = HeadWatch::default();
        watch.on_read(b"GET / HTTP/1.1\r\n\r\n");
        watch.on_write(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
        assert_eq!(watch.on_read(b"G"), HeadProgress::Started);
    }

    #[test]
    fn interim_responses_and_body_writes_do_not() {
        let mut watch = HeadWatch::default();
        watch.on_read(b"POST / HTTP/1.1\r\nExpect: 100-continue\r\n\r\n");
        watch.on_write(b"HTTP/1.1 100 Continue\r\n\r\n");
        assert_eq!(watch.on_read(b"body bytes"), HeadProgress::Outside);
        watch.on_write(b"{\"HTTP/1.1 200\":1}");
        assert_eq!(watch.on_read(b"body bytes"), HeadProgress::Outside);
        watch.on_write(b"HTTP/1.1 101 Switching Protocols\r\n\r\n");
        assert_eq!(watch.on_read(b"\x81\x05hello"), HeadProgress::Outside);
    }

    #[test]
    fn the_status_of_a_response_head_is_read_and_nothing_else_is_one() {
        assert_eq!(
            response_status(b"HTTP/1.1 408 Request Timeout\r\n"),
            Some(408)
        );
        assert_eq!(response_status(b"HTTP/1.0 200 OK\r\n"), Some(200));
        assert_eq!(response_status(b"HTTP/1.1 2x0 OK"), None);
        assert_eq!(response_status(b"HTTP/1.1"), None);
        assert_eq!(response_status(b"{\"a\":1}"), None);
    }

    #[test]
    fn only_pingoras_own_empty_errors_are_generated() {
        let pingora = b"HTTP/1.1 400 Bad Request\r\nServer: Pingora\r\nDate: x\r\nContent-Length: 0\r\nCache-Control: private, no-store\r\n\r\n";
        assert!(is_generated_error(pingora));
        let lower = b"HTTP/1.1 400 Bad Request\r\nserver: Pingora\r\ncontent-length: 0\r\n\r\n";
        assert!(is_generated_error(lower));
        let upstream = b"HTTP/1.1 400 Bad Request\r\nServer: Jetty\r\nContent-Length: 0\r\n\r\n";
        assert!(!is_generated_error(upstream));
        let ours = b"HTTP/1.1 400 Bad Request\r\ncontent-length: 57\r\n\r\n{\"statusCode\":2}";
        assert!(!is_generated_error(ours));
    }
}
