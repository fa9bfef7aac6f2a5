//! The reference servers of the load benchmarks, pingora with no other work:
//! - by default, answering every request with the fixed body of an ack
//!   (`{"statusCode":0,"referenceId":1}`), same headers as the proxy's ack, read body and all
//!   (what ucs-proxy's ack costs on top of pingora: `benches/load/hits.sh`);
//! - with `--upstream`, pingora's minimal proxy: every request forwarded to that address (what
//!   ucs-proxy's passthrough costs on top of pingora's own proxy path:
//!   `benches/load/passthrough.sh`).
//!
//! ```text
//! bare-pingora --listen 127.0.0.1:18482 --threads 2 [--upstream 127.0.0.1:18580]
//! ```

use async_trait::async_trait;
use bytes::Bytes;
use clap::Parser;
use pingora::http::ResponseHeader;
use pingora::prelude::{HttpPeer, ProxyHttp, Session};
use pingora::proxy::http_proxy_service;
use pingora::server::configuration::ServerConf;
use pingora::server::Server;
use pingora::{Error, ErrorType};

const BODY: &[u8] = br#"{"statusCode":0,"referenceId":1}"#;

#[derive(Debug, Parser)]
struct Args {
    /// Where to listen.
    #[arg(long, default_value = "127.0.0.1:18482")]
    listen: String,
    /// Worker threads (the proxy's default is 2).
    #[arg(long, default_value_t = 2)]
    threads: usize,
    /// Forward every request to this address instead of answering.
    #[arg(long)]
    upstream: Option<String>,
}

/// Answers everything with the fixed ack, or forwards everything to `upstream`.
struct FixedAck {
    upstream: Option<String>,
}

#[async_trait]
impl ProxyHttp for FixedAck {
    type CTX = ();

    fn new_ctx(&self) {}

    async fn request_filter(&self, session: &mut Session, _ctx: &mut ()) -> pingora::Result<bool> {
        if self.upstream.is_some() {
            return Ok(false);
        }
        // Drain the request body as the proxy does, so both read the same bytes.
        while session.read_request_body().await?.is_some() {}
        let mut header = ResponseHeader::build(200, Some(2))?;
        header.insert_header("content-type", "application/json;charset=UTF-8")?;
        header.insert_header("content-length", BODY.len())?;
        session
            .write_response_header(Box::new(header), false)
            .await?;
        session
            .write_response_body(Some(Bytes::from_static(BODY)), true)
            .await?;
        Ok(true)
    }

    async fn upstream_peer(
        &self,
        _session: &mut Session,
        _ctx: &mut (),
    ) -> pingora::Result<Box<HttpPeer>> {
        match &self.upstream {
            Some(addr) => Ok(Box::new(HttpPeer::new(addr.as_str(), false, String::new()))),
            None => Err(Error::explain(ErrorType::HTTPStatus(502), "no upstream")),
        }
    }
}

fn main() {
    let args = Args::parse();
    let conf = ServerConf {
        threads: args.threads,
        // As ucs-proxy does: one thread runs the single-threaded scheduler.
        work_stealing: args.threads > 1,
        ..ServerConf::default()
    };
    let mut server = Server::new_with_opt_and_conf(None, conf);
    server.bootstrap();
    let app = FixedAck {
        upstream: args.upstream,
    };
    let mut service = http_proxy_service(&server.configuration, app);
    service.add_tcp(&args.listen);
    server.add_service(service);
    server.run_forever();
}
