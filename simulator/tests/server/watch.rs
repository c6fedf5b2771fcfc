//! Watches over HTTP: what a watch opens with, and how far it lets virtual time run.

use odyssey_simulator::kubectl::resources::ResourceKind;
use odyssey_simulator::kubectl::selector::Selector;
use odyssey_simulator::server::{Limits, lock};

use super::{TestServer, http, world};

#[test]
fn a_watch_opens_with_the_selected_objects_and_lets_at_most_its_timeout_pass() {
    let server = TestServer::start(world(), Limits::default());
    let (pod, before) = {
        let w = lock(&server.world);
        let pod = w
            .list(
                ResourceKind::Pod,
                Some("sock-shop"),
                &Selector::parse("name=carts").expect("a valid selector"),
            )
            .first()
            .map(|o| o.name().to_string())
            .expect("a carts pod");
        (pod, w.clock().elapsed())
    };
    let path = format!(
        "/api/v1/namespaces/sock-shop/pods?watch=true&fieldSelector=metadata.name%3D{pod}&timeoutSeconds=2"
    );
    let (status, body) = server
        .rt
        .block_on(http(server.running().kube_addr, "GET", &path, &[], b""))
        .expect("an answer");
    assert_eq!(status, 200, "{body}");
    let events: Vec<serde_json::Value> = body
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON event per line"))
        .collect();
    assert_eq!(events.len(), 1, "{body}");
    assert_eq!(events[0]["type"], "ADDED");
    assert_eq!(events[0]["object"]["metadata"]["name"], pod.as_str());
    let after = lock(&server.world).clock().elapsed();
    assert!(
        after.0 - before.0 <= 2000,
        "a quiet watch lets at most its timeoutSeconds pass ({before} to {after})"
    );
}

#[test]
fn a_watch_from_a_bad_resource_version_is_a_bad_request() {
    let server = TestServer::start(world(), Limits::default());
    let (status, body) = server
        .rt
        .block_on(http(
            server.running().kube_addr,
            "GET",
            "/api/v1/namespaces/sock-shop/pods?watch=true&resourceVersion=abc",
            &[],
            b"",
        ))
        .expect("an answer");
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("\"kind\":\"Status\""), "{body}");
}
