//! The cluster's objects, keyed and ordered as the API server lists them.

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use k8s_openapi::api::core::v1::{ConfigMap, Event, Namespace, Node, Pod, Service, ServiceAccount};
use serde_json::Value;

use super::kubelet::PodRuntime;

/// A namespaced object's identity: namespace, then name, which is also the API server's list
/// order.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ObjectKey {
    /// The namespace.
    pub namespace: String,
    /// The name.
    pub name: String,
}

impl ObjectKey {
    /// A key from its parts.
    pub fn new(namespace: impl Into<String>, name: impl Into<String>) -> Self {
        ObjectKey {
            namespace: namespace.into(),
            name: name.into(),
        }
    }
}

/// Every object of the simulated cluster.
///
/// Endpoints are not stored: they are derived from Services and ready Pods when read, so the two
/// can never disagree.
#[derive(Clone, Debug, Default)]
pub struct ClusterState {
    /// Namespaces by name.
    pub namespaces: BTreeMap<String, Namespace>,
    /// Nodes by name.
    pub nodes: BTreeMap<String, Node>,
    /// Deployments.
    pub deployments: BTreeMap<ObjectKey, Deployment>,
    /// ReplicaSets.
    pub replicasets: BTreeMap<ObjectKey, ReplicaSet>,
    /// Pods.
    pub pods: BTreeMap<ObjectKey, Pod>,
    /// Simulation-only state of each pod (container lifecycles), keyed like `pods`.
    pub(crate) pod_runtime: BTreeMap<ObjectKey, PodRuntime>,
    /// Services.
    pub services: BTreeMap<ObjectKey, Service>,
    /// ConfigMaps.
    pub configmaps: BTreeMap<ObjectKey, ConfigMap>,
    /// ServiceAccounts.
    pub service_accounts: BTreeMap<ObjectKey, ServiceAccount>,
    /// HorizontalPodAutoscalers.
    pub hpas: BTreeMap<ObjectKey, HorizontalPodAutoscaler>,
    /// Events, by namespace and name.
    pub events: BTreeMap<ObjectKey, Event>,
    /// Objects stored but not acted on (RBAC), by (kind, namespace or "", name).
    pub others: BTreeMap<(String, String, String), Value>,
}

/// Whether `labels` satisfy every `key=value` pair of `selector`.
pub fn labels_match(
    selector: &BTreeMap<String, String>,
    labels: Option<&BTreeMap<String, String>>,
) -> bool {
    selector
        .iter()
        .all(|(k, v)| labels.and_then(|l| l.get(k)) == Some(v))
}
