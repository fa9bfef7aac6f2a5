//! What the stand-in upstream nodes of the tests share (no GWS exists on this machine).

use std::io::{BufRead, BufReader};
use std::net::TcpStream;

/// What a stand-in upstream node reads of the next request: its request line and its header
/// lines (line ends trimmed); `None` once the client closed the connection.
pub(crate) fn read_request_head(
    reader: &mut BufReader<TcpStream>,
) -> Option<(String, Vec<String>)> {
    let mut line = String::new();
    if reader.read_line(&mut line).unwrap_or(0) == 0 {
        return None;
    }
    let mut headers = Vec::new();
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).ok()?;
        if header.trim_end().is_empty() {
            return Some((line.trim_end().to_owned(), headers));
        }
        headers.push(header.trim_end().to_owned());
    }
}
