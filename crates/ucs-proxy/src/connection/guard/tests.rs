use super::HeadGuard;
use crate::connection::HeadRefusals;
use pingora::protocols::Shutdown;
use prometheus::IntCounter;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A guard over the server side of a loopback connection, and the client side.
async fn guarded_connection() -> (HeadGuard, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let client = TcpStream::connect(listener.local_addr().expect("address"))
        .await
        .expect("connect");
    let (server, _) = listener.accept().await.expect("accept");
    let stream: pingora::protocols::Stream =
        Box::new(pingora::protocols::l4::stream::Stream::from(server));
    let refusals = Arc::new(HeadRefusals {
        timed_out: IntCounter::new("timed_out", "test").expect("counter"),
        malformed: IntCounter::new("malformed", "test").expect("counter"),
    });
    let guard = HeadGuard::new(stream, Duration::from_secs(5), refusals);
    (guard, client)
}

#[tokio::test]
async fn what_was_gathered_reaches_the_client_before_the_connection_is_shut_down() {
    let (mut guard, mut client) = guarded_connection().await;
    guard
        .write_all(b"HTTP/1.1 204 No Content\r\n")
        .await
        .expect("gathered");
    guard.write_all(b"\r\n").await.expect("gathered");
    Shutdown::shutdown(&mut guard).await;
    let mut received = Vec::new();
    client.read_to_end(&mut received).await.expect("read");
    assert_eq!(received, b"HTTP/1.1 204 No Content\r\n\r\n");
}

#[tokio::test]
async fn a_flushed_answer_leaves_whole_and_the_connection_stays_open() {
    let (mut guard, mut client) = guarded_connection().await;
    guard
        .write_all(b"HTTP/1.1 200 OK\r\n")
        .await
        .expect("gathered");
    guard
        .write_all(b"Content-Length: 2\r\n\r\n{}")
        .await
        .expect("gathered");
    guard.flush().await.expect("flushed");
    let expected = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}";
    let mut received = vec![0u8; expected.len()];
    client.read_exact(&mut received).await.expect("read");
    assert_eq!(received, expected);
    guard.write_all(b"next").await.expect("gathered");
    guard.flush().await.expect("flushed");
    let mut next = [0u8; 4];
    client.read_exact(&mut next).await.expect("read");
    assert_eq!(&next, b"next");
}
