//! kube-rs against the served world: typed list, get, scale and merge patch.

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{ListParams, Patch, PatchParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Api, Client, Config};
use odyssey_simulator::server::{Limits, lock};
use serde_json::json;

use super::{TestServer, world};

#[test]
fn kube_rs_lists_gets_scales_and_patches() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let base = world();
    let context = base.scenario().file.cluster.context.clone();
    let server = TestServer::start(base, Limits::default());
    let kubeconfig = Kubeconfig::from_yaml(&server.running().kubeconfig(&context))
        .expect("the server's kubeconfig parses");

    server.rt.block_on(async {
        let config = Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default())
            .await
            .expect("a client configuration");
        let client = Client::try_from(config).expect("a client");

        let pods: Api<Pod> = Api::namespaced(client.clone(), "sock-shop");
        let list = pods
            .list(&ListParams::default().labels("name=carts"))
            .await
            .expect("list");
        assert_eq!(list.items.len(), 1);
        let name = list.items[0].metadata.name.clone().expect("a name");
        let pod = pods.get(&name).await.expect("get");
        assert_eq!(pod.metadata.name.as_deref(), Some(name.as_str()));
        let missing = pods.get("nosuch").await.expect_err("no such pod");
        assert!(
            matches!(missing, kube::Error::Api(ref s) if s.code == 404),
            "{missing:?}"
        );

        let deploys: Api<Deployment> = Api::namespaced(client, "sock-shop");
        let scale = deploys
            .patch_scale(
                "carts",
                &PatchParams::default(),
                &Patch::Merge(json!({"spec": {"replicas": 4}})),
            )
            .await
            .expect("patch_scale");
        assert_eq!(scale.spec.and_then(|s| s.replicas), Some(4));

        let patched = deploys
            .patch(
                "carts",
                &PatchParams::default(),
                &Patch::Merge(json!({"metadata": {"labels": {"team": "kube-rs"}}})),
            )
            .await
            .expect("merge patch");
        assert_eq!(
            patched
                .metadata
                .labels
                .and_then(|l| l.get("team").cloned())
                .as_deref(),
            Some("kube-rs")
        );
    });

    let w = lock(&server.world);
    let d = w.deployment("sock-shop", "carts").expect("carts exists");
    assert_eq!(d.spec.as_ref().and_then(|s| s.replicas), Some(4));
}
