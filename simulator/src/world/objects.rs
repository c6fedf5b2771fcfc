//! Reading objects by type: the API server's get and list, over typed objects.

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use k8s_openapi::api::core::v1::{
    ConfigMap, EndpointAddress, EndpointPort, EndpointSubset, Endpoints, Event, Namespace, Node,
    ObjectReference, Pod, Service, ServiceAccount,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde_json::Value;

use super::World;
use super::controllers::pod_ready;
use super::state::ObjectKey;
use crate::kubectl::resources::ResourceKind;
use crate::kubectl::selector::Selector;

/// A borrowed object of any served type (Endpoints are derived, so owned).
#[derive(Clone, Debug)]
pub enum Object<'a> {
    /// A pod.
    Pod(&'a Pod),
    /// A deployment.
    Deployment(&'a Deployment),
    /// A replica set.
    ReplicaSet(&'a ReplicaSet),
    /// A service.
    Service(&'a Service),
    /// Endpoints derived from a service and its ready pods.
    Endpoints(Box<Endpoints>),
    /// A node.
    Node(&'a Node),
    /// A namespace.
    Namespace(&'a Namespace),
    /// An event.
    Event(&'a Event),
    /// A config map.
    ConfigMap(&'a ConfigMap),
    /// An autoscaler.
    HorizontalPodAutoscaler(&'a HorizontalPodAutoscaler),
    /// A service account.
    ServiceAccount(&'a ServiceAccount),
}

impl Object<'_> {
    /// The object's metadata.
    pub fn meta(&self) -> &ObjectMeta {
        match self {
            Object::Pod(o) => &o.metadata,
            Object::Deployment(o) => &o.metadata,
            Object::ReplicaSet(o) => &o.metadata,
            Object::Service(o) => &o.metadata,
            Object::Endpoints(o) => &o.metadata,
            Object::Node(o) => &o.metadata,
            Object::Namespace(o) => &o.metadata,
            Object::Event(o) => &o.metadata,
            Object::ConfigMap(o) => &o.metadata,
            Object::HorizontalPodAutoscaler(o) => &o.metadata,
            Object::ServiceAccount(o) => &o.metadata,
        }
    }

    /// The object's type.
    pub fn kind(&self) -> ResourceKind {
        match self {
            Object::Pod(_) => ResourceKind::Pod,
            Object::Deployment(_) => ResourceKind::Deployment,
            Object::ReplicaSet(_) => ResourceKind::ReplicaSet,
            Object::Service(_) => ResourceKind::Service,
            Object::Endpoints(_) => ResourceKind::Endpoints,
            Object::Node(_) => ResourceKind::Node,
            Object::Namespace(_) => ResourceKind::Namespace,
            Object::Event(_) => ResourceKind::Event,
            Object::ConfigMap(_) => ResourceKind::ConfigMap,
            Object::HorizontalPodAutoscaler(_) => ResourceKind::HorizontalPodAutoscaler,
            Object::ServiceAccount(_) => ResourceKind::ServiceAccount,
        }
    }

    /// The object's name.
    pub fn name(&self) -> &str {
        self.meta().name.as_deref().unwrap_or("")
    }

    /// The object as JSON, with `apiVersion` and `kind`, as the API server returns it.
    pub fn to_json(&self) -> Value {
        let v = match self {
            Object::Pod(o) => serde_json::to_value(o),
            Object::Deployment(o) => serde_json::to_value(o),
            Object::ReplicaSet(o) => serde_json::to_value(o),
            Object::Service(o) => serde_json::to_value(o),
            Object::Endpoints(o) => serde_json::to_value(o.as_ref()),
            Object::Node(o) => serde_json::to_value(o),
            Object::Namespace(o) => serde_json::to_value(o),
            Object::Event(o) => serde_json::to_value(o),
            Object::ConfigMap(o) => serde_json::to_value(o),
            Object::HorizontalPodAutoscaler(o) => serde_json::to_value(o),
            Object::ServiceAccount(o) => serde_json::to_value(o),
        };
        v.expect("k8s-openapi objects serialise to JSON")
    }
}

impl World {
    /// Every object of `kind` in `namespace` (all namespaces when `None`; ignored for
    /// cluster-scoped types) whose labels satisfy `selector`, in the API server's list order.
    pub fn list(
        &self,
        kind: ResourceKind,
        namespace: Option<&str>,
        selector: &Selector,
    ) -> Vec<Object<'_>> {
        fn pick<'a, T>(
            map: &'a BTreeMap<ObjectKey, T>,
            namespace: Option<&str>,
            wrap: fn(&'a T) -> Object<'a>,
        ) -> Vec<Object<'a>> {
            match namespace {
                Some(ns) => map
                    .range(ObjectKey::new(ns, "")..)
                    .take_while(|(k, _)| k.namespace == ns)
                    .map(|(_, v)| wrap(v))
                    .collect(),
                None => map.values().map(wrap).collect(),
            }
        }
        let s = &self.state;
        let all = match kind {
            ResourceKind::Pod => pick(&s.pods, namespace, Object::Pod),
            ResourceKind::Deployment => pick(&s.deployments, namespace, Object::Deployment),
            ResourceKind::ReplicaSet => pick(&s.replicasets, namespace, Object::ReplicaSet),
            ResourceKind::Service => pick(&s.services, namespace, Object::Service),
            ResourceKind::Endpoints => pick(&s.services, namespace, Object::Service)
                .into_iter()
                .filter_map(|o| match o {
                    Object::Service(svc) => Some(Object::Endpoints(Box::new(self.endpoints(svc)))),
                    _ => None,
                })
                .collect(),
            ResourceKind::Node => s.nodes.values().map(Object::Node).collect(),
            ResourceKind::Namespace => s.namespaces.values().map(Object::Namespace).collect(),
            ResourceKind::Event => pick(&s.events, namespace, Object::Event),
            ResourceKind::ConfigMap => pick(&s.configmaps, namespace, Object::ConfigMap),
            ResourceKind::HorizontalPodAutoscaler => {
                pick(&s.hpas, namespace, Object::HorizontalPodAutoscaler)
            }
            ResourceKind::ServiceAccount => {
                pick(&s.service_accounts, namespace, Object::ServiceAccount)
            }
        };
        if selector.is_empty() {
            return all;
        }
        all.into_iter()
            .filter(|o| selector.matches(o.meta().labels.as_ref()))
            .collect()
    }

    /// One object by type, namespace and name.
    pub fn get(&self, kind: ResourceKind, namespace: &str, name: &str) -> Option<Object<'_>> {
        let key = ObjectKey::new(namespace, name);
        let s = &self.state;
        match kind {
            ResourceKind::Pod => s.pods.get(&key).map(Object::Pod),
            ResourceKind::Deployment => s.deployments.get(&key).map(Object::Deployment),
            ResourceKind::ReplicaSet => s.replicasets.get(&key).map(Object::ReplicaSet),
            ResourceKind::Service => s.services.get(&key).map(Object::Service),
            ResourceKind::Endpoints => s
                .services
                .get(&key)
                .map(|svc| Object::Endpoints(Box::new(self.endpoints(svc)))),
            ResourceKind::Node => s.nodes.get(name).map(Object::Node),
            ResourceKind::Namespace => s.namespaces.get(name).map(Object::Namespace),
            ResourceKind::Event => s.events.get(&key).map(Object::Event),
            ResourceKind::ConfigMap => s.configmaps.get(&key).map(Object::ConfigMap),
            ResourceKind::HorizontalPodAutoscaler => {
                s.hpas.get(&key).map(Object::HorizontalPodAutoscaler)
            }
            ResourceKind::ServiceAccount => {
                s.service_accounts.get(&key).map(Object::ServiceAccount)
            }
        }
    }

    /// The Endpoints object of a service: the ready and not-ready addresses of the pods its
    /// selector picks, with the service's target ports resolved against the pods' ports.
    pub fn endpoints(&self, svc: &Service) -> Endpoints {
        let ns = svc.metadata.namespace.clone().unwrap_or_default();
        let mut meta = ObjectMeta {
            name: svc.metadata.name.clone(),
            namespace: Some(ns.clone()),
            labels: svc.metadata.labels.clone(),
            creation_timestamp: svc.metadata.creation_timestamp.clone(),
            uid: svc.metadata.uid.clone(),
            resource_version: svc.metadata.resource_version.clone(),
            ..Default::default()
        };
        let selector = svc.spec.as_ref().and_then(|s| s.selector.clone());
        let Some(selector) = selector.filter(|s| !s.is_empty()) else {
            meta.annotations = None;
            return Endpoints {
                metadata: meta,
                subsets: None,
            };
        };
        let mut ready = Vec::new();
        let mut not_ready = Vec::new();
        let mut ports: Vec<EndpointPort> = Vec::new();
        for pod in self.list(
            ResourceKind::Pod,
            Some(&ns),
            &Selector::from_labels(&selector),
        ) {
            let Object::Pod(pod) = pod else { continue };
            let Some(ip) = pod.status.as_ref().and_then(|s| s.pod_ip.clone()) else {
                continue;
            };
            if pod.metadata.deletion_timestamp.is_some() {
                continue;
            }
            let address = EndpointAddress {
                ip,
                node_name: pod.spec.as_ref().and_then(|s| s.node_name.clone()),
                target_ref: Some(ObjectReference {
                    kind: Some("Pod".into()),
                    name: pod.metadata.name.clone(),
                    namespace: Some(ns.clone()),
                    uid: pod.metadata.uid.clone(),
                    ..Default::default()
                }),
                hostname: None,
            };
            if ports.is_empty() {
                ports = resolve_ports(svc, pod);
            }
            if pod_ready(pod) {
                ready.push(address);
            } else {
                not_ready.push(address);
            }
        }
        if ports.is_empty() {
            ports = resolve_ports(svc, &Pod::default());
        }
        // The endpoints controller lists addresses ordered by IP (as strings).
        ready.sort_by(|a, b| a.ip.cmp(&b.ip));
        not_ready.sort_by(|a, b| a.ip.cmp(&b.ip));
        let subsets = (!ready.is_empty() || !not_ready.is_empty()).then(|| {
            vec![EndpointSubset {
                addresses: (!ready.is_empty()).then_some(ready),
                not_ready_addresses: (!not_ready.is_empty()).then_some(not_ready),
                ports: Some(ports),
            }]
        });
        Endpoints {
            metadata: meta,
            subsets,
        }
    }
}

/// The service's ports with each target port as a number on `pod`.
fn resolve_ports(svc: &Service, pod: &Pod) -> Vec<EndpointPort> {
    let container_ports: Vec<_> = pod
        .spec
        .as_ref()
        .map(|s| {
            s.containers
                .iter()
                .flat_map(|c| c.ports.clone().unwrap_or_default())
                .collect()
        })
        .unwrap_or_default();
    svc.spec
        .as_ref()
        .and_then(|s| s.ports.clone())
        .unwrap_or_default()
        .into_iter()
        .map(|p| {
            let port = match &p.target_port {
                Some(IntOrString::Int(i)) => *i,
                Some(IntOrString::String(name)) => container_ports
                    .iter()
                    .find(|cp| cp.name.as_deref() == Some(name.as_str()))
                    .map(|cp| cp.container_port)
                    .unwrap_or(p.port),
                None => p.port,
            };
            EndpointPort {
                name: p.name.clone(),
                port,
                protocol: p.protocol.clone(),
                app_protocol: None,
            }
        })
        .collect()
}
