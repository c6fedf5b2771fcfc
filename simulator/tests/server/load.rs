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

/// A rough figure in the test profile (run with `--ignored --nocapture`); the criterion bench
/// `benches/server.rs` is the release figure.
#[test]
#[ignore = "a measurement, not a check"]
fn get_pods_requests_per_second_over_loopback() {
    let base = world();
    let mut local = base.clone();
    let words: Vec<String> = ["get", "pods", "-n", "sock-shop"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let n = 2000;
    let t = std::time::Instant::now();
    for _ in 0..n {
        std::hint::black_box(local.kubectl_now(&words));
    }
    let in_process = t.elapsed() / n;

    let server = TestServer::start(base, Limits::default());
    let addr = server.running().kube_addr;
    let table = [("Accept", "application/json;as=Table;v=v1;g=meta.k8s.io")];
    let t = std::time::Instant::now();
    server.rt.block_on(async {
        for _ in 0..n {
            let r = http(
                addr,
                "GET",
                "/api/v1/namespaces/sock-shop/pods",
                &table,
                b"",
            )
            .await;
            assert!(matches!(r, Ok((200, _))));
        }
    });
    let sequential = t.elapsed();
    let t = std::time::Instant::now();
    server.rt.block_on(async {
        let tasks: Vec<_> = (0..8)
            .map(|_| {
                tokio::spawn(async move {
                    for _ in 0..n / 8 {
                        let r = http(
                            addr,
                            "GET",
                            "/api/v1/namespaces/sock-shop/pods",
                            &table,
                            b"",
                        )
                        .await;
                        assert!(matches!(r, Ok((200, _))));
                    }
                })
            })
            .collect();
        for t in tasks {
            t.await.expect("no client panics");
        }
    });
    let concurrent = t.elapsed();
    println!(
        "in-process get pods: {in_process:?} per command; HTTP GET pods (Table, one connection each): {:.0} req/s sequential, {:.0} req/s with 8 clients",
        f64::from(n) / sequential.as_secs_f64(),
        f64::from(n) / concurrent.as_secs_f64()
    );
}

#[test]
fn the_clock_moves_only_when_the_harness_asks() {
    let server = TestServer::start(world(), Limits::default());
    let addr = server.running().kube_addr;
    let before = lock(&server.world).clock().elapsed();
    for _ in 0..5 {
        let r = server.rt.block_on(http(
            addr,
            "GET",
            "/api/v1/namespaces/sock-shop/pods",
            &[],
            b"",
        ));
        assert!(matches!(r, Ok((200, _))));
    }
    assert_eq!(
        lock(&server.world).clock().elapsed(),
        before,
        "reads do not move the clock"
    );

    let (status, body) = server
        .rt
        .block_on(http(addr, "POST", "/sim/v1/advance?seconds=30", &[], b""))
        .expect("answer");
    assert_eq!(status, 200, "{body}");
    assert_eq!(lock(&server.world).clock().elapsed().0, before.0 + 30_000);

    let (status, _) = server
        .rt
        .block_on(http(addr, "POST", "/sim/v1/advance?seconds=nope", &[], b""))
        .expect("answer");
    assert_eq!(status, 400);
}

#[test]
fn clients_scaling_distinct_deployments_all_land() {
    let base = world();
    let names: Vec<String> = base
        .list(
            ResourceKind::Deployment,
            Some("sock-shop"),
            &Selector::default(),
        )
        .iter()
        .map(|o| o.name().to_string())
        .collect();
    let server = TestServer::start(base, Limits::default());
    let addr = server.running().kube_addr;
    server.rt.block_on(async {
        let tasks: Vec<_> = names
            .iter()
            .enumerate()
            .map(|(i, name)| {
                let path = format!("/apis/apps/v1/namespaces/sock-shop/deployments/{name}/scale");
                let body = format!("{{\"spec\":{{\"replicas\":{}}}}}", i % 4 + 2);
                tokio::spawn(async move {
                    let ct = [("Content-Type", "application/merge-patch+json")];
                    http(addr, "PATCH", &path, &ct, body.as_bytes()).await
                })
            })
            .collect();
        for t in tasks {
            let r = t.await.expect("no client panics");
            assert!(
                matches!(r, Ok((200, ref b)) if b.contains("\"kind\":\"Scale\"")),
                "{r:?}"
            );
        }
    });
    let w = lock(&server.world);
    for (i, name) in names.iter().enumerate() {
        let d = w
            .deployment("sock-shop", name)
            .expect("the deployment is there");
        assert_eq!(
            d.spec.as_ref().and_then(|s| s.replicas),
            Some(i as i32 % 4 + 2),
            "{name}"
        );
    }
}
