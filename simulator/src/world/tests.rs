#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::sync::Arc;

use super::*;

pub(crate) fn sock_shop() -> Arc<Scenario> {
    Arc::new(
        Scenario::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/sock-shop"))
            .unwrap(),
    )
}

#[test]
fn warm_world_has_fourteen_ready_sock_shop_pods() {
    let w = World::new(sock_shop(), 1).unwrap();
    let pods: Vec<_> = w
        .state
        .pods
        .iter()
        .filter(|(k, _)| k.namespace == "sock-shop")
        .collect();
    assert_eq!(pods.len(), 14);
    for (k, p) in pods {
        assert!(controllers::pod_ready(p), "{} not ready", k.name);
    }
}
