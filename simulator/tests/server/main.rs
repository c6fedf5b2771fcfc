//! The simulated world served over HTTP: real kubectl against the in-process interpreter,
//! kube-rs, Grafana-style Prometheus queries, and many clients at once.

mod conformance;
mod create;
mod kube_rs;
mod load;
mod prometheus;
mod watch;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, OnceLock};

use odyssey_simulator::server::{self, Limits, Running, SharedWorld};
use odyssey_simulator::{Scenario, World};

/// The reference scenario, loaded once.
pub fn scenario() -> Arc<Scenario> {
    static S: OnceLock<Arc<Scenario>> = OnceLock::new();
    S.get_or_init(|| Arc::new(Scenario::embedded_sock_shop()))
        .clone()
}

/// The reference world after its warm-up, built once and cloned.
pub fn world() -> World {
    static W: OnceLock<World> = OnceLock::new();
    W.get_or_init(|| {
        let s = scenario();
        let seed = s.file.seed;
        World::new(s, seed).expect("the reference scenario builds")
    })
    .clone()
}

/// A server over a world on loopback, with the runtime that drives it.
pub struct TestServer {
    /// The runtime the server runs on.
    pub rt: tokio::runtime::Runtime,
    /// The served world.
    pub world: SharedWorld,
    /// The running server.
    pub running: Option<Running>,
}

impl TestServer {
    /// Starts a server over `world` with `limits`.
    pub fn start(world: World, limits: Limits) -> TestServer {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a tokio runtime");
        let shared: SharedWorld = Arc::new(Mutex::new(world));
        let any: SocketAddr = "127.0.0.1:0".parse().expect("a loopback address");
        let running = rt
            .block_on(server::serve(shared.clone(), any, any, limits))
            .expect("the server binds loopback");
        TestServer {
            rt,
            world: shared,
            running: Some(running),
        }
    }

    /// The running server.
    pub fn running(&self) -> &Running {
        self.running
            .as_ref()
            .expect("the server runs until dropped")
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(r) = self.running.take() {
            self.rt.block_on(r.shutdown());
        }
    }
}

/// A minimal HTTP/1.1 client over a raw TCP stream: one request per connection.
pub async fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> std::io::Result<(u16, String)> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(addr).await?;
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes()).await?;
    s.write_all(body).await?;
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).await?;
    let text = String::from_utf8_lossy(&buf).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = match text.split_once("\r\n\r\n") {
        Some((h, b))
            if h.to_ascii_lowercase()
                .contains("transfer-encoding: chunked") =>
        {
            dechunk(b)
        }
        Some((_, b)) => b.to_string(),
        None => String::new(),
    };
    Ok((status, body))
}

fn dechunk(mut b: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = b.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 || rest.len() < n {
            break;
        }
        out.push_str(&rest[..n]);
        b = rest[n..].trim_start_matches("\r\n");
    }
    out
}
