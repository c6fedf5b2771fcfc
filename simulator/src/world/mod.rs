//! The simulated cluster: all mutable state, the seeded generator and the virtual clock, and the
//! step loop that runs the controllers and the kubelet.
//!
//! A [`World`] is a pure function of its scenario, its seed and the operations applied to it:
//! time moves only through [`World::advance`] (and the operations that wait), every random draw
//! comes from the world's own generator, and every collection is ordered.

mod apply;
pub(crate) mod controllers;
mod events;
pub mod hpa;
pub(crate) mod kubelet;
mod names;
pub mod objects;
pub mod ops;
pub mod state;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use k8s_openapi::api::core::v1::{
    Namespace, NamespaceSpec, NamespaceStatus, Node, NodeAddress, NodeCondition,
    NodeSpec as K8sNodeSpec, NodeStatus, NodeSystemInfo, Pod,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, Time};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::clock::{Clock, Millis};
use crate::fault::{Fault, FaultKind};
use crate::scenario::Scenario;
pub use apply::{ApplyOutcome, manifest_meta, manifest_meta_mut, manifest_name, set_env};
pub use controllers::pod_ready;
pub use objects::Object;
pub use state::{ClusterState, ObjectKey};

/// One simulated cluster.
///
/// A clone is a deep copy, TSDB included (about 3.6 million instructions for the Sock Shop
/// after its warm-up; an offline trial makes 105 of them for its evaluation worlds).
/// TODO: sharing the sampled history between clones (copy-on-write series) would make a
/// copy nearly free.
#[derive(Clone, Debug)]
pub struct World {
    scenario: Arc<Scenario>,
    seed: u64,
    pub(crate) rng: ChaCha8Rng,
    pub(crate) clock: Clock,
    pub(crate) state: ClusterState,
    faults: Vec<Fault>,
    pub(crate) node_images: BTreeSet<String>,
    pub(crate) node_ips: BTreeMap<String, String>,
    next_pod_ip: u32,
    resource_version: u64,
    /// Set by every write during a step; a step that leaves it clear changed nothing.
    pub(crate) dirty: bool,
    /// Template hashes by (deployment uid, generation), so a template is hashed once.
    hash_cache: BTreeMap<(String, i64), String>,
    /// The metrics model and the simulated Prometheus's TSDB.
    pub(crate) metrics: crate::metrics::Metrics,
}

/// The namespaces every cluster starts with, before any manifest.
const BUILTIN_NAMESPACES: &[&str] = &[
    "default",
    "kube-node-lease",
    "kube-public",
    "kube-system",
    "local-path-storage",
];

/// Why a world could not be built.
#[derive(Debug, thiserror::Error)]
pub enum WorldError {
    /// A scenario object could not be applied.
    #[error("scenario {scenario}: cannot apply {kind} {name}: {message}")]
    Apply {
        /// The scenario.
        scenario: String,
        /// The object's kind.
        kind: String,
        /// The object's name.
        name: String,
        /// What went wrong.
        message: String,
    },
}

impl World {
    /// Builds the world of `scenario` for `seed`: applies its manifests at the epoch, injects its
    /// faults, and runs the warm-up.
    ///
    /// # Errors
    /// [`WorldError::Apply`] when a manifest object cannot be applied (for example a namespaced
    /// object whose namespace does not exist).
    pub fn new(scenario: Arc<Scenario>, seed: u64) -> Result<World, WorldError> {
        let mut world = World {
            clock: Clock::new(scenario.epoch),
            rng: ChaCha8Rng::seed_from_u64(seed),
            seed,
            state: ClusterState::default(),
            faults: Vec::new(),
            node_images: BTreeSet::new(),
            node_ips: BTreeMap::new(),
            next_pod_ip: 2,
            resource_version: 100,
            dirty: true,
            hash_cache: BTreeMap::new(),
            metrics: crate::metrics::Metrics::new(
                seed,
                scenario.workloads[&scenario.file.workload],
            ),
            scenario: scenario.clone(),
        };
        for ns in BUILTIN_NAMESPACES {
            world.insert_namespace(ns);
        }
        world.create_nodes();
        world.create_builtin_services();

        for object in &scenario.objects {
            world
                .apply(object.clone())
                .map_err(|message| WorldError::Apply {
                    scenario: scenario.file.name.clone(),
                    kind: object.kind().to_string(),
                    name: apply::manifest_name(object),
                    message,
                })?;
        }
        for fault in scenario.file.faults.clone() {
            world.inject_fault(fault);
        }
        world.advance(scenario.warmup);
        Ok(world)
    }

    /// The scenario this world was built from.
    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }

    /// The seed this world was built with.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The virtual clock.
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// Every object of the cluster, read-only.
    pub fn state(&self) -> &ClusterState {
        &self.state
    }

    /// The metrics model and its TSDB.
    pub fn metrics(&self) -> &crate::metrics::Metrics {
        &self.metrics
    }

    /// Switches the load generator to `workload` from now on (users ramp up from zero at its
    /// spawn rate, as a restarted Locust does).
    pub fn set_workload(&mut self, workload: crate::scenario::Workload) {
        self.metrics.workload = workload;
        self.metrics.workload_since = self.clock.elapsed();
    }

    /// The faults in force.
    pub fn faults(&self) -> &[Fault] {
        &self.faults
    }

    /// Lets `d` of virtual time pass, running the controllers and the kubelet once per virtual
    /// second.
    ///
    /// Seconds in which nothing can change are skipped: after a step that wrote nothing, time
    /// jumps to the next instant at which a timer (an image pull, a readiness delay, a back-off,
    /// the autoscaler's period) fires. The result is the same as stepping every second.
    pub fn advance(&mut self, d: Millis) {
        let end = self.clock.elapsed() + d;
        loop {
            let now = self.clock.elapsed();
            let mut next = Millis((now.0.div_euclid(1000) + 1) * 1000);
            if !self.dirty
                && let Some(wake) = self.next_wakeup(now)
            {
                next = next.max(Millis(wake.0.div_euclid(1000) * 1000));
            }
            if next > end {
                self.clock.advance_to(end);
                break;
            }
            self.clock.advance_to(next);
            self.dirty = false;
            self.step(next);
        }
    }

    /// The earliest instant after `now` at which a timer fires, or `None` when something must
    /// be looked at every second.
    fn next_wakeup(&self, now: Millis) -> Option<Millis> {
        // The scraper (and the autoscaler) run every scrape interval.
        let interval = crate::metrics::SCRAPE_INTERVAL.0;
        let mut wake = Millis((now.0.div_euclid(interval) + 1) * interval);
        for (key, rt) in &self.state.pod_runtime {
            let pod = self.state.pods.get(key)?;
            if self.faults_for(pod).next().is_some() {
                return None;
            }
            wake = wake.min(kubelet::next_timer(rt, now)?);
        }
        Some(wake)
    }

    /// Runs time forward, a second at a time, until `done` holds or `limit` has passed; returns
    /// whether `done` held.
    pub fn advance_until(&mut self, limit: Millis, mut done: impl FnMut(&World) -> bool) -> bool {
        let end = self.clock.elapsed() + limit;
        while !done(self) {
            if self.clock.elapsed() >= end {
                return false;
            }
            self.advance(Millis(1000).min(end - self.clock.elapsed()));
        }
        true
    }

    /// One step of every controller at virtual time `t`.
    fn step(&mut self, t: Millis) {
        self.deployment_controller();
        self.replicaset_controller();
        self.kubelet_step(t);
        self.replicaset_status();
        self.deployment_status();
        if t.0 % crate::metrics::SCRAPE_INTERVAL.0 == 0 {
            self.scrape(t);
            self.hpa_controller();
        }
    }

    /// Adds a fault; faults that act on the spec (bad image, wrong env, scale to zero) change the
    /// deployment at once, the others act on its pods from the next step.
    pub fn inject_fault(&mut self, fault: Fault) {
        let key = ObjectKey::new(&fault.namespace, &fault.target);
        match &fault.kind {
            FaultKind::BadImage { image } => {
                let image = image.clone();
                self.edit_deployment(&key, |d| {
                    if let Some(c) = d
                        .spec
                        .as_mut()
                        .and_then(|s| s.template.spec.as_mut())
                        .and_then(|p| p.containers.first_mut())
                    {
                        c.image = Some(image);
                    }
                });
            }
            FaultKind::WrongEnv { name, value } => {
                let (name, value) = (name.clone(), value.clone());
                self.edit_deployment(&key, |d| {
                    if let Some(c) = d
                        .spec
                        .as_mut()
                        .and_then(|s| s.template.spec.as_mut())
                        .and_then(|p| p.containers.first_mut())
                    {
                        apply::set_env(c, &name, Some(&value));
                    }
                });
            }
            FaultKind::ScaleToZero => {
                self.edit_deployment(&key, |d| {
                    if let Some(s) = d.spec.as_mut() {
                        s.replicas = Some(0);
                    }
                });
            }
            _ => {}
        }
        self.faults.push(fault);
    }

    /// Faults aimed at the deployment that owns `pod` (matched by the `name` label, as the
    /// Chaos Mesh selectors of the tasks do).
    pub(crate) fn faults_for<'a>(&'a self, pod: &'a Pod) -> impl Iterator<Item = &'a Fault> + 'a {
        let ns = pod.metadata.namespace.as_deref().unwrap_or("default");
        let name = pod
            .metadata
            .labels
            .as_ref()
            .and_then(|l| l.get("name"))
            .map(String::as_str);
        self.faults
            .iter()
            .filter(move |f| f.namespace == ns && Some(f.target.as_str()) == name)
    }

    /// How container `i` of `pod` behaves now.
    pub(crate) fn behaviour(&self, pod: &Pod, i: usize) -> kubelet::Behaviour {
        let mut b = kubelet::Behaviour::default();
        let Some(c) = pod.spec.as_ref().and_then(|s| s.containers.get(i)) else {
            return b;
        };
        let image = c.image.clone().unwrap_or_default();
        if !self.scenario.image_exists(&image) {
            let (repo, tag) = crate::scenario::split_image(&image);
            let full = if repo.contains('/') {
                format!("docker.io/{repo}:{tag}")
            } else {
                format!("docker.io/library/{repo}:{tag}")
            };
            b.pull_error = Some(format!(
                "Failed to pull image \"{image}\": rpc error: code = NotFound desc = failed to pull and unpack image \"{full}\": failed to resolve reference \"{full}\": {full}: not found"
            ));
        }
        for f in self.faults_for(pod) {
            match &f.kind {
                FaultKind::CrashLoop if i == 0 => {
                    b.exits_after = Some((
                        Millis::from_secs(5),
                        "Error",
                        1,
                        "panic: runtime error: invalid memory address or nil pointer dereference"
                            .into(),
                    ));
                }
                FaultKind::MemoryPressure if i == 0 => {
                    b.exits_after = Some((
                        Millis::from_secs(40),
                        "OOMKilled",
                        137,
                        "fatal error: runtime: out of memory".into(),
                    ));
                }
                FaultKind::WrongEnv { name, value } if i == 0 => {
                    let set = c.env.as_ref().is_some_and(|env| {
                        env.iter()
                            .any(|e| &e.name == name && e.value.as_deref() == Some(value.as_str()))
                    });
                    if set {
                        b.exits_after = Some((
                            Millis::from_secs(2),
                            "Error",
                            1,
                            format!(
                                "level=error caller=main.go:61 msg=\"invalid configuration\" {name}={value:?} err=\"unexpected value for {name}\""
                            ),
                        ));
                    }
                }
                FaultKind::PodFailure => b.probes_fail = true,
                _ => {}
            }
        }
        b
    }

    /// The newest resourceVersion handed out: every write to an object takes a larger one, so
    /// an object changed after a list exactly when its version is above the list's.
    pub fn resource_version(&self) -> u64 {
        self.resource_version
    }

    /// The next resourceVersion, as a string.
    pub(crate) fn next_resource_version(&mut self) -> String {
        self.dirty = true;
        self.resource_version += 1;
        self.resource_version.to_string()
    }

    /// Metadata for a new object: uid, resourceVersion and creation time.
    pub(crate) fn fresh_meta(&mut self, mut meta: ObjectMeta) -> ObjectMeta {
        meta.uid = Some(names::uid(&mut self.rng));
        meta.resource_version = Some(self.next_resource_version());
        meta.creation_timestamp = Some(Time(self.clock.now()));
        meta
    }

    fn insert_namespace(&mut self, name: &str) {
        let mut meta = ObjectMeta {
            name: Some(name.to_string()),
            labels: Some(BTreeMap::from([(
                "kubernetes.io/metadata.name".to_string(),
                name.to_string(),
            )])),
            ..Default::default()
        };
        meta = self.fresh_meta(meta);
        self.state.namespaces.insert(
            name.to_string(),
            Namespace {
                metadata: meta,
                spec: Some(NamespaceSpec {
                    finalizers: Some(vec!["kubernetes".into()]),
                }),
                status: Some(NamespaceStatus {
                    phase: Some("Active".into()),
                    ..Default::default()
                }),
            },
        );
    }

    fn create_nodes(&mut self) {
        let version = self.scenario.file.cluster.kubernetes_version.clone();
        for spec in self.scenario.file.cluster.nodes.clone() {
            let mut labels = BTreeMap::from([
                ("beta.kubernetes.io/arch".to_string(), "amd64".to_string()),
                ("beta.kubernetes.io/os".to_string(), "linux".to_string()),
                ("kubernetes.io/arch".to_string(), "amd64".to_string()),
                ("kubernetes.io/hostname".to_string(), spec.name.clone()),
                ("kubernetes.io/os".to_string(), "linux".to_string()),
            ]);
            for role in &spec.roles {
                labels.insert(format!("node-role.kubernetes.io/{role}"), String::new());
            }
            let meta = self.fresh_meta(ObjectMeta {
                name: Some(spec.name.clone()),
                labels: Some(labels),
                annotations: Some(BTreeMap::from([(
                    "node.alpha.kubernetes.io/ttl".to_string(),
                    "0".to_string(),
                )])),
                ..Default::default()
            });
            let now = Time(self.clock.now());
            let capacity = BTreeMap::from([
                ("cpu".to_string(), Quantity(spec.cpu.to_string())),
                (
                    "ephemeral-storage".to_string(),
                    Quantity("259966896Ki".into()),
                ),
                ("memory".to_string(), Quantity(spec.memory.clone())),
                ("pods".to_string(), Quantity("110".into())),
            ]);
            let condition = |kind: &str, status: &str, reason: &str, message: &str| NodeCondition {
                type_: kind.into(),
                status: status.into(),
                reason: Some(reason.into()),
                message: Some(message.into()),
                last_heartbeat_time: Some(now.clone()),
                last_transition_time: Some(now.clone()),
            };
            let machine = names::hex(&mut self.rng, 16);
            let system_uuid = names::uid(&mut self.rng);
            let boot_id = names::uid(&mut self.rng);
            let node = Node {
                metadata: meta,
                spec: Some(K8sNodeSpec {
                    pod_cidr: Some(spec.pod_cidr.clone()),
                    pod_cidrs: Some(vec![spec.pod_cidr.clone()]),
                    provider_id: Some(format!("kind://docker/kind/{}", spec.name)),
                    ..Default::default()
                }),
                status: Some(NodeStatus {
                    addresses: Some(vec![
                        NodeAddress {
                            type_: "InternalIP".into(),
                            address: spec.internal_ip.clone(),
                        },
                        NodeAddress {
                            type_: "Hostname".into(),
                            address: spec.name.clone(),
                        },
                    ]),
                    allocatable: Some(capacity.clone()),
                    capacity: Some(capacity),
                    conditions: Some(vec![
                        condition(
                            "MemoryPressure",
                            "False",
                            "KubeletHasSufficientMemory",
                            "kubelet has sufficient memory available",
                        ),
                        condition(
                            "DiskPressure",
                            "False",
                            "KubeletHasNoDiskPressure",
                            "kubelet has no disk pressure",
                        ),
                        condition(
                            "PIDPressure",
                            "False",
                            "KubeletHasSufficientPID",
                            "kubelet has sufficient PID available",
                        ),
                        condition(
                            "Ready",
                            "True",
                            "KubeletReady",
                            "kubelet is posting ready status",
                        ),
                    ]),
                    node_info: Some(NodeSystemInfo {
                        architecture: "amd64".into(),
                        boot_id,
                        container_runtime_version: "containerd://2.0.3".into(),
                        kernel_version: "6.1.0-28-amd64".into(),
                        kube_proxy_version: version.clone(),
                        kubelet_version: version.clone(),
                        machine_id: machine,
                        operating_system: "linux".into(),
                        os_image: "Debian GNU/Linux 12 (bookworm)".into(),
                        system_uuid,
                        swap: None,
                    }),
                    ..Default::default()
                }),
            };
            self.node_ips
                .insert(spec.name.clone(), spec.internal_ip.clone());
            self.state.nodes.insert(spec.name.clone(), node);
        }
    }

    /// The node a new pod is scheduled to: the one with the fewest pods, first by name on ties.
    pub(crate) fn schedule(&self) -> String {
        let mut counts: BTreeMap<&str, usize> =
            self.state.nodes.keys().map(|n| (n.as_str(), 0)).collect();
        for pod in self.state.pods.values() {
            if let Some(n) = pod.spec.as_ref().and_then(|s| s.node_name.as_deref())
                && let Some(c) = counts.get_mut(n)
            {
                *c += 1;
            }
        }
        counts
            .iter()
            .min_by_key(|(name, c)| (**c, *name))
            .map(|(n, _)| n.to_string())
            .expect("a scenario has at least one node: checked when it loads")
    }

    /// A fresh pod IP from the first node's pod CIDR (`10.244.0.N`), never reused.
    pub(crate) fn allocate_pod_ip(&mut self) -> String {
        let cidr = &self.scenario.file.cluster.nodes[0].pod_cidr;
        let base: Vec<u32> = cidr
            .split('/')
            .next()
            .unwrap_or("10.244.0.0")
            .split('.')
            .filter_map(|p| p.parse().ok())
            .collect();
        let base = if base.len() == 4 {
            (base[0] << 24) | (base[1] << 16) | (base[2] << 8) | base[3]
        } else {
            0x0af4_0000
        };
        let ip = base + self.next_pod_ip;
        self.next_pod_ip += 1;
        format!(
            "{}.{}.{}.{}",
            ip >> 24,
            (ip >> 16) & 255,
            (ip >> 8) & 255,
            ip & 255
        )
    }

    /// A fresh service ClusterIP from `10.96.0.0/16`.
    pub(crate) fn allocate_cluster_ip(&mut self) -> String {
        loop {
            let a = self.rng.random_range(1..=255u32);
            let b = self.rng.random_range(1..=254u32);
            let ip = format!("10.96.{a}.{b}");
            let used = self.state.services.values().any(|s| {
                s.spec.as_ref().and_then(|s| s.cluster_ip.as_deref()) == Some(ip.as_str())
            });
            if !used {
                return ip;
            }
        }
    }

    /// The pod-template hash of a deployment's generation, if it was computed already.
    pub(crate) fn cached_template_hash(&self, uid: &str, generation: i64) -> Option<String> {
        self.hash_cache.get(&(uid.to_string(), generation)).cloned()
    }

    /// The pod-template hash of a deployment's current template, computed once per generation.
    pub(crate) fn template_hash_for(
        &mut self,
        uid: &str,
        generation: i64,
        template: &k8s_openapi::api::core::v1::PodTemplateSpec,
    ) -> String {
        if let Some(h) = self.hash_cache.get(&(uid.to_string(), generation)) {
            return h.clone();
        }
        let mut template = template.clone();
        if let Some(l) = template.metadata.as_mut().and_then(|m| m.labels.as_mut()) {
            l.remove("pod-template-hash");
        }
        let json = serde_json::to_string(&template).expect("a pod template serialises");
        let hash = names::template_hash(self.seed, &json);
        self.hash_cache
            .insert((uid.to_string(), generation), hash.clone());
        hash
    }

    /// Called when a pod has gone away; its runtime record is already removed.
    pub(crate) fn on_pod_removed(&mut self, key: &ObjectKey) {
        self.state.pod_runtime.remove(key);
    }
}

#[cfg(test)]
mod tests;
