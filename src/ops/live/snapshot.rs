//! The oracles' [`Snapshot`] of a live cluster, read with kube-rs from the API server of the
//! backend's kubeconfig and context: every deployment, pod and horizontal pod autoscaler.
//!
//! A live cluster has no ground truth for metrics, so `truth` is `None`; the evaluation fills
//! it with what Prometheus measures ([`super::LiveOps::measure`]).
//!
//! The API server writes object times in whole seconds where the in-process world keeps
//! milliseconds; nothing the oracles judge depends on the difference (a pod is new by its UID),
//! and otherwise the snapshot equals the in-process one (`tests/live`).

use std::collections::BTreeMap;
use std::path::Path;

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::jiff::Timestamp;
use kube::api::ListParams;
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Api, Client, Config, Resource};
use serde::de::DeserializeOwned;

use crate::eval_tasks::Snapshot;
use crate::simulator::world::ObjectKey;

/// Why the API server's state could not be read.
#[derive(Debug, thiserror::Error)]
pub enum KubeError {
    /// The kubeconfig or context cannot make a client.
    #[error("kube-rs cannot use kubeconfig {path} (context {context})")]
    Config {
        /// The kubeconfig.
        path: String,
        /// The context asked for, or `current`.
        context: String,
        /// The cause.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A list call failed.
    #[error("kube-rs cannot list {kind}")]
    List {
        /// The kind listed.
        kind: &'static str,
        /// The cause.
        #[source]
        source: kube::Error,
    },
    /// An object came back without a namespace or a name.
    #[error("the API server listed a {kind} without a namespace or name")]
    Unnamed {
        /// The kind.
        kind: &'static str,
    },
}

/// A kube-rs client for `context` (its current context when `None`) of the kubeconfig at
/// `path`. Must run on a tokio runtime: the client's service spawns its own task.
///
/// # Errors
/// [`KubeError::Config`] when the file, the context or its credentials cannot make a client.
pub(crate) async fn client(path: &Path, context: Option<&str>) -> Result<Client, KubeError> {
    let fail = |source: Box<dyn std::error::Error + Send + Sync>| KubeError::Config {
        path: path.display().to_string(),
        context: context.unwrap_or("current").to_owned(),
        source,
    };
    let kubeconfig = Kubeconfig::read_from(path).map_err(|e| fail(Box::new(e)))?;
    let options = KubeConfigOptions {
        context: context.map(str::to_owned),
        ..KubeConfigOptions::default()
    };
    let config = Config::from_custom_kubeconfig(kubeconfig, &options)
        .await
        .map_err(|e| fail(Box::new(e)))?;
    Client::try_from(config).map_err(|e| fail(Box::new(e)))
}

/// Every object of kind `K` in every namespace, by namespace and name.
async fn list_all<K>(
    client: &Client,
    kind: &'static str,
) -> Result<BTreeMap<ObjectKey, K>, KubeError>
where
    K: Resource<Scope = k8s_openapi::NamespaceResourceScope>
        + Clone
        + DeserializeOwned
        + std::fmt::Debug,
    K::DynamicType: Default,
{
    let api: Api<K> = Api::all(client.clone());
    let list = api
        .list(&ListParams::default())
        .await
        .map_err(|source| KubeError::List { kind, source })?;
    let mut out = BTreeMap::new();
    for item in list.items {
        let meta = item.meta();
        let (Some(namespace), Some(name)) = (meta.namespace.clone(), meta.name.clone()) else {
            return Err(KubeError::Unnamed { kind });
        };
        out.insert(ObjectKey::new(namespace, name), item);
    }
    Ok(out)
}

/// The cluster's deployments, pods and autoscalers at `now`, with no ground truth.
///
/// The three lists are three requests: on a real cluster that changes while they run they
/// are not one instant, as the simulator's snapshot is.
///
/// # Errors
/// [`KubeError`] naming the list that failed.
pub(crate) async fn take(client: &Client, now: Timestamp) -> Result<Snapshot, KubeError> {
    Ok(Snapshot {
        now,
        deployments: list_all::<Deployment>(client, "deployments").await?,
        pods: list_all::<Pod>(client, "pods").await?,
        hpas: list_all::<HorizontalPodAutoscaler>(client, "horizontalpodautoscalers").await?,
        truth: None,
    })
}

/// The other addresses by which a line can reach the Prometheus of `hosts` (in-cluster
/// `NAME.NAMESPACE[.svc[.cluster.local]]:PORT` names): the service's cluster IP on its port,
/// and every node address on the port's NodePort, as the cluster itself would route them.
/// A service or node list that cannot be read (absent, forbidden) adds nothing: those
/// addresses then fail to connect, as they would from outside the cluster.
pub(crate) async fn prometheus_addresses(client: &Client, hosts: &[String]) -> Vec<String> {
    use k8s_openapi::api::core::v1::{Node, Service};
    let mut out: Vec<String> = Vec::new();
    let mut node_ips: Option<Vec<String>> = None;
    for host in hosts {
        let Some((name, port)) = host.rsplit_once(':') else {
            continue;
        };
        let Ok(port) = port.parse::<i32>() else {
            continue;
        };
        let mut parts = name.split('.');
        let (Some(service), Some(namespace)) = (parts.next(), parts.next()) else {
            continue;
        };
        let api: Api<Service> = Api::namespaced(client.clone(), namespace);
        let Ok(svc) = api.get(service).await else {
            tracing::debug!(
                service,
                namespace,
                "no Prometheus service to map cluster addresses of"
            );
            continue;
        };
        let Some(spec) = svc.spec else { continue };
        let Some(svc_port) = spec.ports.iter().flatten().find(|p| p.port == port) else {
            continue;
        };
        if let Some(ip) = spec.cluster_ip.filter(|ip| !ip.is_empty() && ip != "None") {
            out.push(format!("{ip}:{port}"));
        }
        if let Some(node_port) = svc_port.node_port {
            if node_ips.is_none() {
                let nodes: Api<Node> = Api::all(client.clone());
                node_ips = Some(match nodes.list(&ListParams::default()).await {
                    Ok(list) => list
                        .items
                        .into_iter()
                        .filter_map(|n| n.status?.addresses)
                        .flatten()
                        .map(|a| a.address)
                        .collect(),
                    Err(error) => {
                        tracing::debug!(%error, "nodes cannot be listed: NodePorts not mapped");
                        Vec::new()
                    }
                });
            }
            for ip in node_ips.iter().flatten() {
                out.push(format!("{ip}:{node_port}"));
            }
        }
    }
    out.sort();
    out.dedup();
    out
}
