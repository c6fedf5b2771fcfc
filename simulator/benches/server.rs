//! Requests per second for `GET /api/v1/namespaces/sock-shop/pods` over loopback, beside the
//! in-process `get pods` it stands for.

use std::hint::black_box;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use criterion::{Criterion, criterion_group, criterion_main};
use odyssey_simulator::server::{self, Limits};
use odyssey_simulator::{Scenario, World};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// One request on a fresh connection, as kubectl's first request of a command is; returns the
/// bytes read.
async fn get(addr: SocketAddr, accept: &str) -> usize {
    let mut s = tokio::net::TcpStream::connect(addr)
        .await
        .expect("the server accepts");
    let req = format!(
        "GET /api/v1/namespaces/sock-shop/pods HTTP/1.1\r\nHost: {addr}\r\nAccept: {accept}\r\nConnection: close\r\n\r\n"
    );
    s.write_all(req.as_bytes()).await.expect("request sent");
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).await.expect("answer read");
    buf.len()
}

fn get_pods(c: &mut Criterion) {
    let scenario = Arc::new(Scenario::embedded_sock_shop());
    let seed = scenario.file.seed;
    let world = World::new(scenario, seed).expect("the reference scenario builds");

    let mut local = world.clone();
    let words: Vec<String> = ["get", "pods", "-n", "sock-shop"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    c.bench_function("in-process kubectl get pods -n sock-shop", |b| {
        b.iter(|| local.kubectl_now(black_box(&words)))
    });

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let any: SocketAddr = "127.0.0.1:0".parse().expect("a loopback address");
    let running = rt
        .block_on(server::serve(
            Arc::new(Mutex::new(world)),
            any,
            any,
            Limits::default(),
        ))
        .expect("the server binds loopback");
    let addr = running.kube_addr;
    c.bench_function(
        "HTTP GET pods as Table (loopback, one connection each)",
        |b| b.iter(|| rt.block_on(get(addr, "application/json;as=Table;v=v1;g=meta.k8s.io"))),
    );
    c.bench_function(
        "HTTP GET pods as JSON (loopback, one connection each)",
        |b| b.iter(|| rt.block_on(get(addr, "application/json"))),
    );
    rt.block_on(running.shutdown());
}

criterion_group!(benches, get_pods);
criterion_main!(benches);
