//! [`ChunkedEnd`]: where a chunked body ends (RFC 9112 §7.1). A relayed body is passed on as it
//! comes, chunk framing included; only its end must be found, to know when the answer is whole
//! and the node's connection free for the next request.

/// The largest chunk size accepted (16 hex digits would overflow the count).
const MAX_SIZE_DIGITS: u8 = 15;

/// Where the reader is in the chunked body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// In a chunk-size line's hex digits.
    Size {
        size: u64,
        digits: u8,
    },
    /// Past the size, before its CRLF (chunk extensions, whitespace).
    Extension {
        size: u64,
    },
    /// After a chunk-size line's CR.
    SizeLf {
        size: u64,
    },
    /// In a chunk's data, with this many bytes left.
    Data(u64),
    /// After a chunk's data: its CR, then its LF.
    DataCr,
    DataLf,
    /// At the start of a trailer line (or of the final CRLF).
    TrailerStart,
    /// In a trailer field line.
    Trailer,
    /// After a trailer line's CR; `last`: the line was empty (the body's end).
    TrailerLf {
        last: bool,
    },
    /// The body ended.
    Done,
}

/// A chunked body that is not framed as RFC 9112 says.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("malformed chunked body")]
pub(crate) struct MalformedChunks;

/// Follows a chunked body through the pieces it arrives in.
#[derive(Debug)]
pub(crate) struct ChunkedEnd {
    state: State,
}

impl Default for ChunkedEnd {
    fn default() -> Self {
        Self {
            state: State::Size { size: 0, digits: 0 },
        }
    }
}

impl ChunkedEnd {
    /// Reads the next piece of the body: `Some(n)` when the body ends after its first `n`
    /// bytes (what follows is not the body's), `None` when it goes on past this piece.
    pub(crate) fn feed(&mut self, piece: &[u8]) -> Result<Option<usize>, MalformedChunks> {
        let mut at = 0;
        while at < piece.len() {
            if let State::Data(left) = self.state {
                let take =
                    usize::try_from(left).map_or(piece.len() - at, |l| l.min(piece.len() - at));
                at += take;
                self.state = match left - take as u64 {
                    0 => State::DataCr,
                    rest => State::Data(rest),
                };
                continue;
            }
            self.state = step(self.state, piece[at])?;
            at += 1;
            if self.state == State::Done {
                return Ok(Some(at));
            }
        }
        Ok(None)
    }
}

/// The state after `byte` (outside a chunk's data).
fn step(state: State, byte: u8) -> Result<State, MalformedChunks> {
    Ok(match (state, byte) {
        (State::Size { size, digits }, _) if byte.is_ascii_hexdigit() => {
            if digits == MAX_SIZE_DIGITS {
                return Err(MalformedChunks);
            }
            let digit = u64::from((byte as char).to_digit(16).unwrap_or(0));
            State::Size {
                size: size * 16 + digit,
                digits: digits + 1,
            }
        }
        (State::Size { size, digits: 1.. }, b';' | b' ' | b'\t') => State::Extension { size },
        (State::Size { size, digits: 1.. }, b'\r') => State::SizeLf { size },
        (State::Extension { size }, b'\r') => State::SizeLf { size },
        (State::Extension { .. }, b'\n') => return Err(MalformedChunks),
        (State::Extension { .. }, _) => state,
        (State::SizeLf { size: 0 }, b'\n') => State::TrailerStart,
        (State::SizeLf { size }, b'\n') => State::Data(size),
        (State::DataCr, b'\r') => State::DataLf,
        (State::DataLf, b'\n') => State::Size { size: 0, digits: 0 },
        (State::TrailerStart, b'\r') => State::TrailerLf { last: true },
        (State::TrailerStart | State::Trailer, b'\n') => return Err(MalformedChunks),
        (State::Trailer, b'\r') => State::TrailerLf { last: false },
        (State::TrailerStart | State::Trailer, _) => State::Trailer,
        (State::TrailerLf { last: true }, b'\n') => State::Done,
        (State::TrailerLf { last: false }, b'\n') => State::TrailerStart,
        _ => return Err(MalformedChunks),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &[u8] = b"5\r\nhello\r\n1A;name=value\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\n\r\n";

    #[test]
    fn finds_the_end_of_a_body_read_whole() {
        let mut read = BODY.to_vec();
        read.extend_from_slice(b"HTTP/1.1 200 OK\r\n");
        assert_eq!(ChunkedEnd::default().feed(&read), Ok(Some(BODY.len())));
    }

    #[test]
    fn finds_the_end_of_a_body_read_in_any_pieces() {
        for cut in 1..BODY.len() {
            let mut end = ChunkedEnd::default();
            assert_eq!(end.feed(&BODY[..cut]), Ok(None), "cut at {cut}");
            assert_eq!(
                end.feed(&BODY[cut..]),
                Ok(Some(BODY.len() - cut)),
                "cut at {cut}"
            );
        }
        let mut end = ChunkedEnd::default();
        let ends: Vec<_> = BODY.iter().map(|b| end.feed(&[*b]).unwrap()).collect();
        assert_eq!(ends.iter().filter(|e| e.is_some()).count(), 1);
        assert_eq!(ends.last(), Some(&Some(1)));
    }

    #[test]
    fn a_body_ends_after_its_trailer_fields() {
        let body = b"3\r\nabc\r\n0\r\nX-Checksum: 1\r\nX-Other: 2\r\n\r\n";
        assert_eq!(ChunkedEnd::default().feed(body), Ok(Some(body.len())));
        let unfinished = b"3\r\nabc\r\n0\r\nX-Checksum: 1\r\n";
        assert_eq!(ChunkedEnd::default().feed(unfinished), Ok(None));
    }

    #[test]
    fn refuses_what_is_not_chunked_framing() {
        for bad in [
            &b"x\r\n"[..],
            b"\r\n",
            b"3\r\nabcX",
            b"3\nabc\r\n",
            b"1234567890123456\r\n",
            b"0\r\n\n",
        ] {
            assert_eq!(
                ChunkedEnd::default().feed(bad),
                Err(MalformedChunks),
                "{bad:?}"
            );
        }
    }
}
