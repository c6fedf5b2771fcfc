//! Many clients at once: every write lands exactly once and nothing fails.

use odyssey_simulator::kubectl::resources::ResourceKind;
use odyssey_simulator::kubectl::selector::Selector;
use odyssey_simulator::server::{Limits, lock};

use super::{TestServer, http, world};

const CLIENTS: usize = 50;
const READS_PER_CLIENT: usize = 10;

#[test]
fn fifty_clients_read_and_write_without_errors_and_every_write_lands_once() {
    let base = world();
    let pods: Vec<String> = base
        .list(ResourceKind::Pod, Some("sock-shop"), &Selector::default())
        .iter()
        .map(|o| o.name().to_string())
        .collect();
    let server = TestServer::start(base, Limits::default());
    let addr = server.running().kube_addr;

    let started = std::time::Instant::now();
    let failures = server.rt.block_on(async {
        let mut tasks = Vec::new();
        for client in 0..CLIENTS {
            let pod = pods[client % pods.len()].clone();
            tasks.push(tokio::spawn(async move {
                let mut failures = Vec::new();
                for i in 0..READS_PER_CLIENT {
                    let accept = if i % 2 == 0 {
                        "application/json;as=Table;v=v1;g=meta.k8s.io"
                    } else {
                        "application/json"
                    };
                    match http(
                        addr,
                        "GET",
                        "/api/v1/namespaces/sock-shop/pods",
                        &[("Accept", accept)],
                        b"",
                    )
                    .await
                    {
                        Ok((200, body)) if body.contains(&pod) => {}
                        other => failures.push(format!("client {client} read {i}: {other:?}")),
                    }
                }
                let patch =
                    format!("{{\"metadata\":{{\"labels\":{{\"client-{client}\":\"done\"}}}}}}");
                let path = format!("/api/v1/namespaces/sock-shop/pods/{pod}");
                match http(
                    addr,
                    "PATCH",
                    &path,
                    &[("Content-Type", "application/merge-patch+json")],
                    patch.as_bytes(),
                )
                .await
                {
                    Ok((200, _)) => {}
                    other => failures.push(format!("client {client} write: {other:?}")),
                }
                failures
            }));
        }
        let mut all = Vec::new();
        for t in tasks {
            all.extend(t.await.expect("no client panics"));
        }
        all
    });
    let elapsed = started.elapsed();
    println!(
        "{} requests from {CLIENTS} clients in {elapsed:?}",
        CLIENTS * (READS_PER_CLIENT + 1)
    );
    assert!(failures.is_empty(), "{failures:#?}");

    let w = lock(&server.world);
    let mut seen = 0;
    for o in w.list(ResourceKind::Pod, Some("sock-shop"), &Selector::default()) {
        for (k, v) in o.meta().labels.iter().flatten() {
            if k.starts_with("client-") {
                assert_eq!(v, "done");
                seen += 1;
            }
        }
    }
    assert_eq!(seen, CLIENTS, "every client's label is there exactly once");
    for client in 0..CLIENTS {
        let pod = &pods[client % pods.len()];
        let p = w
            .get(ResourceKind::Pod, "sock-shop", pod)
            .expect("the pod is still there");
        assert!(
            p.meta()
                .labels
                .as_ref()
                .is_some_and(|l| l.contains_key(&format!("client-{client}")))
        );
    }
}
