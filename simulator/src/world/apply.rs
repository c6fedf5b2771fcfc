//! Creating and updating objects: what `kubectl apply`/`create` and the scenario loader do, with
//! the defaults the API server fills in.

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{Deployment, DeploymentStrategy, RollingUpdateDeployment};
use k8s_openapi::api::core::v1::{Container, EnvVar, Probe, Service, ServicePort, ServiceSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use rand::RngExt;

use super::World;
use super::state::ObjectKey;
use crate::manifest::Manifest;

/// What applying one object did, as `kubectl apply` reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ApplyOutcome {
    /// The object did not exist.
    Created,
    /// The object existed and changed.
    Configured,
    /// The object existed and was identical.
    Unchanged,
}

impl ApplyOutcome {
    /// The word kubectl prints.
    pub fn as_str(self) -> &'static str {
        match self {
            ApplyOutcome::Created => "created",
            ApplyOutcome::Configured => "configured",
            ApplyOutcome::Unchanged => "unchanged",
        }
    }
}

/// The object's metadata, for kinds that have typed metadata.
pub fn manifest_meta(m: &Manifest) -> Option<&ObjectMeta> {
    Some(match m {
        Manifest::Namespace(o) => &o.metadata,
        Manifest::Deployment(o) => &o.metadata,
        Manifest::Service(o) => &o.metadata,
        Manifest::ConfigMap(o) => &o.metadata,
        Manifest::ServiceAccount(o) => &o.metadata,
        Manifest::HorizontalPodAutoscaler(o) => &o.metadata,
        Manifest::Other { .. } => return None,
    })
}

/// The object's metadata, mutable.
pub fn manifest_meta_mut(m: &mut Manifest) -> Option<&mut ObjectMeta> {
    Some(match m {
        Manifest::Namespace(o) => &mut o.metadata,
        Manifest::Deployment(o) => &mut o.metadata,
        Manifest::Service(o) => &mut o.metadata,
        Manifest::ConfigMap(o) => &mut o.metadata,
        Manifest::ServiceAccount(o) => &mut o.metadata,
        Manifest::HorizontalPodAutoscaler(o) => &mut o.metadata,
        Manifest::Other { .. } => return None,
    })
}

/// The object's name, or `<unnamed>`.
pub fn manifest_name(m: &Manifest) -> String {
    let meta = match m {
        Manifest::Namespace(o) => &o.metadata,
        Manifest::Deployment(o) => &o.metadata,
        Manifest::Service(o) => &o.metadata,
        Manifest::ConfigMap(o) => &o.metadata,
        Manifest::ServiceAccount(o) => &o.metadata,
        Manifest::HorizontalPodAutoscaler(o) => &o.metadata,
        Manifest::Other { object, .. } => {
            return object
                .pointer("/metadata/name")
                .and_then(|v| v.as_str())
                .unwrap_or("<unnamed>")
                .to_string();
        }
    };
    meta.name.clone().unwrap_or_else(|| "<unnamed>".into())
}

/// Sets (`Some`) or removes (`None`) an environment variable of a container.
pub fn set_env(c: &mut Container, name: &str, value: Option<&str>) {
    let env = c.env.get_or_insert_with(Vec::new);
    match value {
        Some(v) => match env.iter_mut().find(|e| e.name == name) {
            Some(e) => {
                e.value = Some(v.to_string());
                e.value_from = None;
            }
            None => env.push(EnvVar {
                name: name.to_string(),
                value: Some(v.to_string()),
                value_from: None,
            }),
        },
        None => env.retain(|e| e.name != name),
    }
    if env.is_empty() {
        c.env = None;
    }
}

impl World {
    /// Creates or updates one object as `kubectl apply` would.
    ///
    /// # Errors
    /// The API server's message (without the `Error from server` prefix) when the object has no
    /// name or its namespace does not exist.
    pub fn apply(&mut self, object: Manifest) -> Result<ApplyOutcome, String> {
        let name = manifest_name(&object);
        if name == "<unnamed>" {
            return Err("resource name may not be empty".into());
        }
        match object {
            Manifest::Namespace(ns) => {
                if self.state.namespaces.contains_key(&name) {
                    return Ok(ApplyOutcome::Unchanged);
                }
                self.insert_namespace_object(ns);
                Ok(ApplyOutcome::Created)
            }
            Manifest::Deployment(d) => self.apply_deployment(d),
            Manifest::Service(s) => self.apply_service(s),
            Manifest::ConfigMap(mut c) => {
                let key = self.namespaced_key(&mut c.metadata)?;
                Ok(self.upsert(key, c, |w| &mut w.state.configmaps))
            }
            Manifest::ServiceAccount(mut c) => {
                let key = self.namespaced_key(&mut c.metadata)?;
                Ok(self.upsert(key, c, |w| &mut w.state.service_accounts))
            }
            Manifest::HorizontalPodAutoscaler(mut h) => {
                let key = self.namespaced_key(&mut h.metadata)?;
                Ok(self.upsert(key, h, |w| &mut w.state.hpas))
            }
            Manifest::Other { kind, object, .. } => {
                let ns = object
                    .pointer("/metadata/namespace")
                    .and_then(|v| v.as_str())
                    .unwrap_or("")
                    .to_string();
                let k = (kind, ns, name);
                let outcome = match self.state.others.get(&k) {
                    None => ApplyOutcome::Created,
                    Some(old) if *old == object => ApplyOutcome::Unchanged,
                    Some(_) => ApplyOutcome::Configured,
                };
                self.state.others.insert(k, object);
                Ok(outcome)
            }
        }
    }

    fn insert_namespace_object(&mut self, mut ns: k8s_openapi::api::core::v1::Namespace) {
        let name = ns.metadata.name.clone().unwrap_or_default();
        ns.metadata
            .labels
            .get_or_insert_with(BTreeMap::new)
            .insert("kubernetes.io/metadata.name".into(), name.clone());
        ns.metadata = self.fresh_meta(ns.metadata);
        ns.spec = Some(k8s_openapi::api::core::v1::NamespaceSpec {
            finalizers: Some(vec!["kubernetes".into()]),
        });
        ns.status = Some(k8s_openapi::api::core::v1::NamespaceStatus {
            phase: Some("Active".into()),
            ..Default::default()
        });
        self.state.namespaces.insert(name, ns);
    }

    /// Fills a namespaced object's namespace (`default` when absent) and checks that it exists.
    fn namespaced_key(&self, meta: &mut ObjectMeta) -> Result<ObjectKey, String> {
        let ns = meta
            .namespace
            .get_or_insert_with(|| "default".into())
            .clone();
        if !self.state.namespaces.contains_key(&ns) {
            return Err(format!("namespaces \"{ns}\" not found"));
        }
        Ok(ObjectKey::new(ns, meta.name.clone().unwrap_or_default()))
    }

    fn upsert<T: Clone + PartialEq + HasMeta>(
        &mut self,
        key: ObjectKey,
        mut object: T,
        map: impl Fn(&mut World) -> &mut BTreeMap<ObjectKey, T>,
    ) -> ApplyOutcome {
        let existing = map(self).get(&key).cloned();
        match existing {
            None => {
                let meta = self.fresh_meta(object.meta().clone());
                *object.meta_mut() = meta;
                map(self).insert(key, object);
                ApplyOutcome::Created
            }
            Some(old) => {
                let mut candidate = object.clone();
                *candidate.meta_mut() = old.meta().clone();
                if candidate == old {
                    return ApplyOutcome::Unchanged;
                }
                candidate.meta_mut().resource_version = Some(self.next_resource_version());
                map(self).insert(key, candidate);
                ApplyOutcome::Configured
            }
        }
    }

    fn apply_deployment(&mut self, mut d: Deployment) -> Result<ApplyOutcome, String> {
        let key = self.namespaced_key(&mut d.metadata)?;
        default_deployment(&mut d);
        if let Some(old) = self.state.deployments.get(&key).cloned() {
            if old.spec == d.spec && old.metadata.labels == d.metadata.labels {
                return Ok(ApplyOutcome::Unchanged);
            }
            self.edit_deployment(&key, |cur| {
                cur.spec = d.spec.clone();
                cur.metadata.labels = d.metadata.labels.clone();
            });
            return Ok(ApplyOutcome::Configured);
        }
        d.metadata = self.fresh_meta(d.metadata);
        d.metadata.generation = Some(1);
        d.status = Some(Default::default());
        self.state.deployments.insert(key, d);
        Ok(ApplyOutcome::Created)
    }

    fn apply_service(&mut self, mut s: Service) -> Result<ApplyOutcome, String> {
        let key = self.namespaced_key(&mut s.metadata)?;
        if let Some(old) = self.state.services.get(&key).cloned() {
            // Keep what the server allocated: the cluster IP and node ports.
            let mut spec = s.spec.clone().unwrap_or_default();
            let old_spec = old.spec.clone().unwrap_or_default();
            spec.cluster_ip = old_spec.cluster_ip.clone();
            spec.cluster_ips = old_spec.cluster_ips.clone();
            self.default_service_spec(&mut spec, Some(&old_spec));
            if Some(&spec) == old.spec.as_ref() && old.metadata.labels == s.metadata.labels {
                return Ok(ApplyOutcome::Unchanged);
            }
            let rv = self.next_resource_version();
            let cur = self.state.services.get_mut(&key).expect("checked above");
            cur.spec = Some(spec);
            cur.metadata.labels = s.metadata.labels.clone();
            cur.metadata.annotations = s.metadata.annotations.clone();
            cur.metadata.resource_version = Some(rv);
            return Ok(ApplyOutcome::Configured);
        }
        let mut spec = s.spec.take().unwrap_or_default();
        self.default_service_spec(&mut spec, None);
        s.spec = Some(spec);
        s.metadata = self.fresh_meta(s.metadata);
        s.status = Some(Default::default());
        self.state.services.insert(key, s);
        Ok(ApplyOutcome::Created)
    }

    fn default_service_spec(&mut self, spec: &mut ServiceSpec, old: Option<&ServiceSpec>) {
        let kind = spec.type_.get_or_insert_with(|| "ClusterIP".into()).clone();
        if spec.cluster_ip.is_none() {
            let ip = self.allocate_cluster_ip();
            spec.cluster_ip = Some(ip.clone());
            spec.cluster_ips = Some(vec![ip]);
        }
        spec.ip_families.get_or_insert_with(|| vec!["IPv4".into()]);
        spec.ip_family_policy
            .get_or_insert_with(|| "SingleStack".into());
        spec.internal_traffic_policy
            .get_or_insert_with(|| "Cluster".into());
        spec.session_affinity.get_or_insert_with(|| "None".into());
        if kind == "NodePort" || kind == "LoadBalancer" {
            spec.external_traffic_policy
                .get_or_insert_with(|| "Cluster".into());
        }
        for (i, port) in spec
            .ports
            .get_or_insert_with(Vec::new)
            .iter_mut()
            .enumerate()
        {
            port.protocol.get_or_insert_with(|| "TCP".into());
            if port.target_port.is_none() {
                port.target_port = Some(IntOrString::Int(port.port));
            }
            if (kind == "NodePort" || kind == "LoadBalancer") && port.node_port.is_none() {
                let previous = old
                    .and_then(|o| o.ports.as_ref())
                    .and_then(|p: &Vec<ServicePort>| p.get(i))
                    .and_then(|p| p.node_port);
                port.node_port =
                    Some(previous.unwrap_or_else(|| self.rng.random_range(30000..=32767)));
            }
        }
    }

    /// The `kubernetes` service in `default` and `kube-dns` in `kube-system`, as every cluster has.
    pub(crate) fn create_builtin_services(&mut self) {
        let make =
            |ns: &str, name: &str, ip: &str, ports: Vec<ServicePort>, labels: &[(&str, &str)]| {
                let labels: BTreeMap<String, String> = labels
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect();
                Service {
                    metadata: ObjectMeta {
                        name: Some(name.into()),
                        namespace: Some(ns.into()),
                        labels: Some(labels),
                        ..Default::default()
                    },
                    spec: Some(ServiceSpec {
                        cluster_ip: Some(ip.into()),
                        cluster_ips: Some(vec![ip.into()]),
                        ports: Some(ports),
                        ..Default::default()
                    }),
                    status: None,
                }
            };
        let port = |name: &str, port: i32, target: i32, proto: &str| ServicePort {
            name: Some(name.into()),
            port,
            target_port: Some(IntOrString::Int(target)),
            protocol: Some(proto.into()),
            ..Default::default()
        };
        let services = [
            make(
                "default",
                "kubernetes",
                "10.96.0.1",
                vec![port("https", 443, 6443, "TCP")],
                &[("component", "apiserver"), ("provider", "kubernetes")],
            ),
            make(
                "kube-system",
                "kube-dns",
                "10.96.0.10",
                vec![
                    port("dns", 53, 53, "UDP"),
                    port("dns-tcp", 53, 53, "TCP"),
                    port("metrics", 9153, 9153, "TCP"),
                ],
                &[
                    ("k8s-app", "kube-dns"),
                    ("kubernetes.io/cluster-service", "true"),
                    ("kubernetes.io/name", "CoreDNS"),
                ],
            ),
        ];
        for s in services {
            // Built-in services cannot fail: their namespaces were just created.
            let _ = self.apply_service(s);
        }
    }

    /// Changes a deployment's spec through `f`; a changed spec bumps the generation (which the
    /// deployment controller then acts on) and the resourceVersion. Returns whether it existed.
    pub(crate) fn edit_deployment(
        &mut self,
        key: &ObjectKey,
        f: impl FnOnce(&mut Deployment),
    ) -> bool {
        let rv = self.next_resource_version();
        let Some(d) = self.state.deployments.get_mut(key) else {
            return false;
        };
        let before = d.clone();
        f(d);
        default_deployment(d);
        if d.spec != before.spec {
            d.metadata.generation = Some(d.metadata.generation.unwrap_or(1) + 1);
        }
        if *d != before {
            d.metadata.resource_version = Some(rv);
        }
        true
    }
}

/// Access to an object's metadata, for the generic upsert.
trait HasMeta {
    fn meta(&self) -> &ObjectMeta;
    fn meta_mut(&mut self) -> &mut ObjectMeta;
}

macro_rules! has_meta {
    ($($t:ty),*) => {$(
        impl HasMeta for $t {
            fn meta(&self) -> &ObjectMeta { &self.metadata }
            fn meta_mut(&mut self) -> &mut ObjectMeta { &mut self.metadata }
        }
    )*};
}
has_meta!(
    k8s_openapi::api::core::v1::ConfigMap,
    k8s_openapi::api::core::v1::ServiceAccount,
    k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler
);

/// The defaults the API server writes into a Deployment.
pub(crate) fn default_deployment(d: &mut Deployment) {
    let Some(spec) = d.spec.as_mut() else {
        return;
    };
    spec.replicas.get_or_insert(1);
    spec.revision_history_limit.get_or_insert(10);
    spec.progress_deadline_seconds.get_or_insert(600);
    let strategy = spec
        .strategy
        .get_or_insert_with(DeploymentStrategy::default);
    let kind = strategy
        .type_
        .get_or_insert_with(|| "RollingUpdate".into())
        .clone();
    if kind == "RollingUpdate" {
        let ru = strategy
            .rolling_update
            .get_or_insert_with(RollingUpdateDeployment::default);
        ru.max_surge
            .get_or_insert(IntOrString::String("25%".into()));
        ru.max_unavailable
            .get_or_insert(IntOrString::String("25%".into()));
    }
    let Some(pod) = spec.template.spec.as_mut() else {
        return;
    };
    pod.restart_policy.get_or_insert_with(|| "Always".into());
    pod.dns_policy.get_or_insert_with(|| "ClusterFirst".into());
    pod.scheduler_name
        .get_or_insert_with(|| "default-scheduler".into());
    pod.termination_grace_period_seconds.get_or_insert(30);
    pod.security_context.get_or_insert_with(Default::default);
    for c in &mut pod.containers {
        let image = c.image.clone().unwrap_or_default();
        c.image_pull_policy.get_or_insert_with(|| {
            if crate::scenario::split_image(&image).1 == "latest" {
                "Always".into()
            } else {
                "IfNotPresent".into()
            }
        });
        c.termination_message_path
            .get_or_insert_with(|| "/dev/termination-log".into());
        c.termination_message_policy
            .get_or_insert_with(|| "File".into());
        c.resources.get_or_insert_with(Default::default);
        for p in c.ports.iter_mut().flatten() {
            p.protocol.get_or_insert_with(|| "TCP".into());
        }
        for probe in [c.liveness_probe.as_mut(), c.readiness_probe.as_mut()]
            .into_iter()
            .flatten()
        {
            default_probe(probe);
        }
    }
}

fn default_probe(p: &mut Probe) {
    p.timeout_seconds.get_or_insert(1);
    p.period_seconds.get_or_insert(10);
    p.success_threshold.get_or_insert(1);
    p.failure_threshold.get_or_insert(3);
    if let Some(h) = p.http_get.as_mut() {
        h.scheme.get_or_insert_with(|| "HTTP".into());
    }
}
