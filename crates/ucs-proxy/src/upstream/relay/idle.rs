//! [`IdleConnections`]: the keep-alive connections to the GWS nodes that relayed GETs left
//! open, ready for the next one (pingora's own pool keeps those of the requests it forwards).

use std::net::SocketAddr;
use std::sync::Mutex;
use tokio::net::TcpStream;

/// How many idle connections are kept per node, as pingora's upstream pool keeps by default.
const IDLE_PER_NODE: usize = 128;

/// Idle connections by node (a short list: a GWS pool has a few nodes).
#[derive(Debug, Default)]
pub(crate) struct IdleConnections {
    nodes: Mutex<Vec<(SocketAddr, Vec<TcpStream>)>>,
}

impl IdleConnections {
    /// An idle connection to `node` that the node has not closed meanwhile, if there is one.
    pub(crate) fn take(&self, node: SocketAddr) -> Option<TcpStream> {
        let mut nodes = self
            .nodes
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let (_, idle) = nodes.iter_mut().find(|(address, _)| *address == node)?;
        while let Some(connection) = idle.pop() {
            if still_open(&connection) {
                return Some(connection);
            }
        }
        None
    }

    /// Keeps `connection` for the next request to `node` (dropped when the node has enough).
    pub(crate) fn put(&self, node: SocketAddr, connection: TcpStream) {
        let mut nodes = self
            .nodes
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let at = match nodes.iter().position(|(address, _)| *address == node) {
            Some(at) => at,
            None => {
                nodes.push((node, Vec::new()));
                nodes.len() - 1
            }
        };
        let idle = &mut nodes[at].1;
        if idle.len() < IDLE_PER_NODE {
            idle.push(connection);
        }
    }
}

/// Whether an idle connection is still usable: nothing to read on it (a node that closed it,
/// or that sent bytes nobody asked for, makes it useless).
fn still_open(connection: &TcpStream) -> bool {
    let mut byte = [0u8; 1];
    matches!(
        connection.try_read(&mut byte),
        Err(error) if error.kind() == std::io::ErrorKind::WouldBlock
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncWriteExt;
    use tokio::net::TcpListener;

    #[tokio::test]
    async fn gives_back_a_kept_connection_unless_its_node_closed_it() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let node = listener.local_addr().unwrap();
        let idle = IdleConnections::default();
        assert!(idle.take(node).is_none());

        let client = TcpStream::connect(node).await.unwrap();
        let (served, _) = listener.accept().await.unwrap();
        idle.put(node, client);
        assert!(idle.take(node).is_some(), "open");

        let client = TcpStream::connect(node).await.unwrap();
        let (mut closed, _) = listener.accept().await.unwrap();
        idle.put(node, client);
        closed.shutdown().await.unwrap();
        drop(closed);
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        assert!(idle.take(node).is_none(), "closed by the node");
        drop(served);
    }
}
