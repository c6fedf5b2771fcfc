//! One scrape: the load on every service, the usage of every container, and a sample of every
//! series of every discovered target.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use k8s_openapi::api::core::v1::Pod;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::profile::{Family, Profile, Route, profile};
use super::targets::{ScrapeTarget, Slot};
use super::{ITERATIONS_PER_USER_PER_SECOND, SCRAPE_INTERVAL};
use crate::clock::Millis;
use crate::fault::FaultKind;
use crate::prometheus::api::{DroppedTarget, Target, TargetHealth};
use crate::promql::labels::Labels;
use crate::promql::storage::stale_nan;
use crate::quantity::Quantity;
use crate::world::controllers::pod_ready;
use crate::world::{ObjectKey, World};

const MIB: f64 = 1024.0 * 1024.0;

/// Downstream calls behind each front-end route: (service, route).
const FRONT_END_CALLS: &[(&str, &[(&str, &str)])] = &[
    ("/catalogue", &[("catalogue", "catalogue")]),
    ("/login", &[("user", "login")]),
    (
        "/cart",
        &[
            ("catalogue", "catalogue_id"),
            ("carts", "/carts/{customerId:.*}/items"),
        ],
    ),
    ("/orders", &[("orders", "/orders")]),
];

/// Downstream calls behind orders' `POST /orders`.
const ORDER_CALLS: &[(&str, &str)] = &[
    ("payment", "paymentauth"),
    ("shipping", "/shipping"),
    ("user", "customers"),
    ("user", "addresses"),
    ("user", "cards"),
    ("carts", "/carts/{customerId:.*}/items"),
];

/// The load one pod carries now.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct PodLoad {
    /// Requests per second per workload route (same for every route, scaled by
    /// `per_iteration`): the iteration rate this pod serves.
    pub iterations: f64,
    /// Mean time of a request in the pod, in seconds (queueing included).
    pub latency_s: f64,
    /// Fraction of requests that fail (the pod is saturated).
    pub error_fraction: f64,
    /// CPU the pod's main container uses, in cores.
    pub cpu_cores: f64,
}

impl World {
    /// Whether Prometheus runs: its service has a ready endpoint.
    fn prometheus_running(&self) -> bool {
        self.state
            .services
            .get(&ObjectKey::new("monitoring", "prometheus"))
            .map(|svc| self.endpoints(svc))
            .and_then(|e| e.subsets)
            .is_some_and(|s| {
                s.iter()
                    .any(|s| s.addresses.as_ref().is_some_and(|a| !a.is_empty()))
            })
    }

    /// Ready pods of a sock-shop service (its pods carry `name=<service>`).
    fn ready_pods_of(&self, service: &str) -> Vec<&Pod> {
        self.state
            .pods
            .range(ObjectKey::new("sock-shop", "")..)
            .take_while(|(k, _)| k.namespace == "sock-shop")
            .map(|(_, p)| p)
            .filter(|p| {
                p.metadata
                    .labels
                    .as_ref()
                    .and_then(|l| l.get("name"))
                    .map(String::as_str)
                    == Some(service)
                    && pod_ready(p)
            })
            .collect()
    }

    /// The iteration rate of the workload now, in iterations per second.
    pub(crate) fn iteration_rate(&self, t: Millis) -> f64 {
        self.metrics.users_at(t) * ITERATIONS_PER_USER_PER_SECOND
    }

    /// The load on one pod of `service` if it is ready, from the workload and the pod's CPU.
    pub(crate) fn pod_load(&self, service: &str, pod: &Pod, t: Millis) -> PodLoad {
        let p = profile(service);
        let ready = self.ready_pods_of(service).len().max(1) as f64;
        let serving = pod_ready(pod);
        let iterations = if serving && !p.routes.is_empty() {
            self.iteration_rate(t) / ready
        } else {
            0.0
        };
        let per_iteration: f64 = p.routes.iter().map(|r| r.per_iteration).sum();
        let lambda = iterations * per_iteration;

        let limit_m = cpu_limit_millicores(pod).unwrap_or(1000.0 * self.node_cores());
        let mut stress_m = 0.0;
        let mut delay_s = 0.0;
        for f in self.faults_for(pod) {
            match f.kind {
                FaultKind::CpuStress { load, workers } => {
                    stress_m += f64::from(load) * f64::from(workers) * 10.0;
                }
                FaultKind::NetworkDelay { latency_ms } => delay_s += f64::from(latency_ms) / 1000.0,
                _ => {}
            }
        }
        // Stress workers compete for the container's CPU quota with the service.
        let share_m = limit_m / (1.0 + stress_m / 1000.0);
        let capacity = if p.cpu_ms_per_request > 0.0 {
            share_m / p.cpu_ms_per_request
        } else {
            f64::INFINITY
        };
        let raw = if capacity.is_finite() {
            lambda / capacity
        } else {
            0.0
        };
        let rho = raw.min(0.97);
        let error_fraction = if raw > 0.97 { (raw - 0.97) / raw } else { 0.0 };
        let latency_s = p.base_latency_ms / 1000.0 / (1.0 - rho) + delay_s;
        let busy_m = p.idle_millicores + lambda * p.cpu_ms_per_request + stress_m;
        PodLoad {
            iterations,
            latency_s,
            error_fraction,
            cpu_cores: busy_m.min(limit_m) / 1000.0,
        }
    }

    /// Mean latency of a route across the ready pods of a service (a front-end request waits
    /// for it); `None` when no pod serves it.
    fn route_latency(&self, service: &str, t: Millis) -> Option<f64> {
        let pods = self.ready_pods_of(service);
        if pods.is_empty() {
            return None;
        }
        let own: f64 = pods
            .iter()
            .map(|p| self.pod_load(service, p, t).latency_s)
            .sum::<f64>()
            / pods.len() as f64;
        if service == "orders" {
            let downstream: Option<f64> = ORDER_CALLS
                .iter()
                .map(|(s, _)| self.route_latency(s, t))
                .sum();
            return downstream.map(|d| own + d);
        }
        Some(own)
    }

    fn node_cores(&self) -> f64 {
        self.scenario()
            .file
            .cluster
            .nodes
            .first()
            .map_or(1.0, |n| f64::from(n.cpu))
    }

    /// Scrapes every target at virtual time `t` into the store.
    pub(crate) fn scrape(&mut self, t: Millis) {
        if !self.prometheus_running() {
            return;
        }
        let ts = self.clock.epoch_unix_millis() + t.0;
        let targets = self.scrape_targets();
        self.update_usage(t);
        // Each service's mean latency, once per scrape: front-end and orders routes add their
        // downstream calls' latencies.
        let latencies: BTreeMap<&'static str, Option<f64>> = super::profile::PROFILES
            .iter()
            .map(|p| (p.name, self.route_latency(p.name, t)))
            .collect();

        // Targets that went away leave stale series behind.
        let live: BTreeSet<&str> = targets.iter().map(|t| t.url.as_str()).collect();
        let gone: Vec<String> = self
            .metrics
            .targets
            .keys()
            .filter(|u| !live.contains(u.as_str()))
            .cloned()
            .collect();
        for url in gone {
            if let Some(state) = self.metrics.targets.remove(&url) {
                for slot in &state.slots {
                    self.metrics.store.append_at(slot.index, ts, stale_nan());
                }
            }
        }

        // The generator leaves the model while samples are drawn, so that collecting can read
        // the cluster without copying it.
        let mut rng = std::mem::replace(&mut self.metrics.rng, ChaCha8Rng::seed_from_u64(0));
        let mut active = Vec::new();
        for target in targets {
            let samples = self.collect(&target, t, &latencies, &mut rng);
            let up = samples.is_ok();
            let mut state = self.metrics.targets.remove(&target.url).unwrap_or_default();
            let mut count = 0usize;
            // A target exposes its series in the same order at every scrape: the slot after
            // the last one matched is tried first, before the lookup by key.
            let mut hint = 0;
            let error = match samples {
                Ok(samples) => {
                    count = samples.len();
                    for (name, extra, value, counter) in samples {
                        // The full label set is only built when a series is new.
                        let store = &mut self.metrics.store;
                        let target_labels = &target.labels;
                        let i = state.slot((name, extra), hint, |(name, extra)| {
                            store.series_index(&series_labels(target_labels, name, extra))
                        });
                        hint = i + 1;
                        let slot = &mut state.slots[i];
                        slot.seen_at = Some(ts);
                        let v = if counter {
                            slot.value += value;
                            slot.value
                        } else {
                            slot.value = value;
                            value
                        };
                        store.append_at(slot.index, ts, v);
                    }
                    String::new()
                }
                Err(e) => e,
            };
            // Series the target no longer exposes (or a failed scrape) go stale and are
            // forgotten: a counter that comes back starts again from zero.
            let stale = |s: &Slot| s.seen_at != Some(ts) && !is_scrape_meta(s.key.0);
            if state.slots.iter().any(stale) {
                for slot in state.slots.iter().filter(|s| stale(s)) {
                    self.metrics.store.append_at(slot.index, ts, stale_nan());
                }
                state.forget(stale);
            }
            let duration = if up {
                0.004 + count as f64 * 0.00002
            } else {
                10.0
            };
            let meta: [(&str, f64); 5] = [
                ("up", if up { 1.0 } else { 0.0 }),
                ("scrape_duration_seconds", duration),
                ("scrape_samples_scraped", count as f64),
                ("scrape_samples_post_metric_relabeling", count as f64),
                (
                    "scrape_series_added",
                    if state.up || !up { 0.0 } else { count as f64 },
                ),
            ];
            for (name, value) in meta {
                let store = &mut self.metrics.store;
                let target_labels = &target.labels;
                let i = state.slot((name, Vec::new()), hint, |(name, _)| {
                    store.series_index(&series_labels(target_labels, name, &[]))
                });
                hint = i + 1;
                let slot = &mut state.slots[i];
                slot.value = value;
                store.append_at(slot.index, ts, value);
            }
            state.up = up;
            active.push(Target {
                discovered_labels: target.discovered.clone(),
                labels: target.labels.clone(),
                scrape_pool: target.pool.to_string(),
                scrape_url: target.url.clone(),
                global_url: target.url.clone(),
                last_error: error,
                last_scrape_ms: ts,
                last_scrape_duration_seconds: duration,
                health: if up {
                    TargetHealth::Up
                } else {
                    TargetHealth::Down
                },
            });
            self.metrics.targets.insert(target.url.clone(), state);
        }
        self.metrics.rng = rng;
        self.metrics.store.refresh_ranks();
        self.metrics.active = active;
        self.metrics.dropped = self.dropped_targets();
    }

    fn dropped_targets(&self) -> Vec<DroppedTarget> {
        self.state
            .services
            .iter()
            .filter(|(_, s)| {
                s.metadata
                    .annotations
                    .as_ref()
                    .and_then(|a| a.get("prometheus.io/scrape"))
                    .map(String::as_str)
                    == Some("false")
            })
            .map(|(k, _)| DroppedTarget {
                discovered_labels: Labels::from_pairs([
                    ("__meta_kubernetes_namespace", k.namespace.clone()),
                    ("__meta_kubernetes_service_name", k.name.clone()),
                    ("job", "kubernetes-service-endpoints".to_string()),
                ]),
            })
            .collect()
    }

    /// Recomputes every container's CPU and memory, and adds the interval's CPU seconds.
    fn update_usage(&mut self, t: Millis) {
        let mut usage = BTreeMap::new();
        let elapsed = SCRAPE_INTERVAL.0 as f64 / 1000.0;
        for pod in self.state.pods.values() {
            let uid = pod.metadata.uid.clone().unwrap_or_default();
            let service = pod_service(pod);
            let load = self.pod_load(&service, pod, t);
            let statuses = pod
                .status
                .as_ref()
                .and_then(|s| s.container_statuses.as_deref())
                .unwrap_or_default();
            for (i, c) in pod
                .spec
                .iter()
                .flat_map(|s| s.containers.iter())
                .enumerate()
            {
                let running = statuses
                    .iter()
                    .find(|s| s.name == c.name)
                    .and_then(|s| s.state.as_ref())
                    .is_some_and(|s| s.running.is_some());
                if !running {
                    continue;
                }
                let p = profile(&service);
                let cpu = if i == 0 { load.cpu_cores } else { 0.002 };
                let mut memory = if i == 0 {
                    p.memory_mib * MIB
                } else {
                    12.0 * MIB
                };
                let memory_fault = self
                    .faults_for(pod)
                    .any(|f| matches!(f.kind, FaultKind::MemoryPressure));
                if memory_fault && i == 0 {
                    let limit = memory_limit_bytes(pod).unwrap_or(512.0 * MIB);
                    let since = statuses
                        .iter()
                        .find(|s| s.name == c.name)
                        .and_then(|s| s.state.as_ref())
                        .and_then(|s| s.running.as_ref())
                        .and_then(|r| r.started_at.as_ref())
                        .map(|s| {
                            (self.clock.now().as_millisecond() - s.0.as_millisecond()) as f64
                                / 40_000.0
                        })
                        .unwrap_or(0.0);
                    memory += (limit - memory).max(0.0) * since.clamp(0.0, 1.0);
                }
                let jitter = 1.0 + (self.metrics.rng.random::<f64>() - 0.5) * 0.04;
                usage.insert(
                    (uid.clone(), c.name.clone()),
                    (cpu * jitter, memory * jitter),
                );
                *self
                    .metrics
                    .cpu_seconds
                    .entry((uid.clone(), c.name.clone()))
                    .or_insert(0.0) += cpu * jitter * elapsed;
            }
        }
        self.metrics.usage = usage;
    }

    /// The samples of one target: `(metric name, extra labels, value, is a counter increment)`,
    /// or the scrape error.
    fn collect(
        &self,
        target: &ScrapeTarget,
        t: Millis,
        latencies: &BTreeMap<&'static str, Option<f64>>,
        rng: &mut ChaCha8Rng,
    ) -> Result<Vec<Sample>, String> {
        if let Some(node) = &target.node {
            return Ok(self.cadvisor_samples(node));
        }
        let service = target.service.clone().unwrap_or_default();
        let Some(pod) = target.pod.as_ref().and_then(|k| self.state.pods.get(k)) else {
            return Err(format!(
                "Get \"{}\": dial tcp: connect: connection refused",
                target.url
            ));
        };
        let main_running = pod
            .status
            .as_ref()
            .and_then(|s| s.container_statuses.as_ref())
            .and_then(|c| c.first())
            .and_then(|c| c.state.as_ref())
            .is_some_and(|s| s.running.is_some());
        let failed = self
            .faults_for(pod)
            .any(|f| matches!(f.kind, FaultKind::PodFailure));
        if !main_running || failed {
            return Err(format!("Get \"{}\": context deadline exceeded", target.url));
        }
        let p = profile(&service);
        match (p.family, service.as_str()) {
            (Family::None, "queue-master") => {
                return Err(
                    "expected a valid start token, got \"{\" (\"INVALID\") while parsing: \"{\""
                        .into(),
                );
            }
            (Family::None, s) if s.ends_with("-db") && s != "session-db" && s != "catalogue-db" => {
                return Err(
                    "expected a valid start token, got \"It\" (\"INVALID\") while parsing: \"It\""
                        .into(),
                );
            }
            (Family::None, "catalogue-db") => {
                return Err(format!(
                    "Get \"{}\": net/http: HTTP/1.x transport connection broken: malformed HTTP response \"J\\x00\\x00\\x00\\n5.7.9\\x00\"",
                    target.url
                ));
            }
            (Family::None, _) => {
                return Err(format!(
                    "Get \"{}\": read tcp: connection reset by peer",
                    target.url
                ));
            }
            _ => {}
        }
        Ok(self.service_samples(&service, &p, pod, t, latencies, rng))
    }

    fn service_samples(
        &self,
        service: &str,
        p: &Profile,
        pod: &Pod,
        t: Millis,
        latencies: &BTreeMap<&'static str, Option<f64>>,
        rng: &mut ChaCha8Rng,
    ) -> Vec<Sample> {
        let downstream = |s: &str| latencies.get(s).copied().flatten();
        let mut out: Vec<Sample> = Vec::new();
        let load = self.pod_load(service, pod, t);
        let interval = SCRAPE_INTERVAL.0 as f64 / 1000.0;
        let uid = pod.metadata.uid.clone().unwrap_or_default();
        let main = pod
            .spec
            .as_ref()
            .and_then(|s| s.containers.first())
            .map(|c| c.name.clone())
            .unwrap_or_default();

        // Request histograms.
        let mut routes: Vec<(Route, f64, f64, f64)> = Vec::new();
        for r in p.routes {
            let mut latency = load.latency_s;
            let mut errors = load.error_fraction;
            if service == "front-end" {
                if let Some((_, calls)) =
                    FRONT_END_CALLS.iter().find(|(route, _)| *route == r.route)
                {
                    for (s, _) in *calls {
                        match downstream(s) {
                            Some(l) => latency += l,
                            None => errors = 1.0,
                        }
                    }
                }
            } else if service == "orders" {
                for (s, _) in ORDER_CALLS {
                    latency += downstream(s).unwrap_or(0.0);
                }
            }
            routes.push((*r, load.iterations * r.per_iteration, latency, errors));
        }
        if let Some(probe) = p.probe_route {
            // Readiness and liveness probes, each every three seconds.
            routes.push((probe, 2.0 / 3.0, 0.0004, 0.0));
        }
        if p.family == Family::Go {
            routes.push((
                Route {
                    method: "GET",
                    route: "metrics",
                    status: "200",
                    per_iteration: 0.0,
                },
                1.0 / interval,
                0.002,
                0.0,
            ));
        }
        for (r, rate, latency, errors) in routes {
            let n = poisson(rng, rate * interval);
            let failed = (n * errors).round();
            for (status, count) in [(r.status, n - failed), ("500", failed)] {
                if count <= 0.0 && status == "500" {
                    continue;
                }
                let mut base: Vec<(&'static str, LabelText)> = vec![
                    ("method", r.method.into()),
                    ("route", r.route.into()),
                    ("status_code", status.into()),
                ];
                match p.family {
                    Family::Go => base.push(("isWS", "false".into())),
                    Family::Node | Family::Java => {
                        // A service with a profile has the profile's name.
                        let name = if p.name == service {
                            LabelText::Static(p.name)
                        } else {
                            LabelText::from(service.to_string())
                        };
                        base.push(("service", name));
                    }
                    _ => {}
                }
                for le in p.buckets {
                    let share = 1.0 - (-le / latency.max(1e-6)).exp();
                    let mut labels = base.clone();
                    labels.push(("le", bucket_label(*le)));
                    out.push((
                        "request_duration_seconds_bucket",
                        labels,
                        (count * share).floor(),
                        true,
                    ));
                }
                let mut inf = base.clone();
                inf.push(("le", "+Inf".into()));
                out.push(("request_duration_seconds_bucket", inf, count, true));
                out.push((
                    "request_duration_seconds_sum",
                    base.clone(),
                    count * latency,
                    true,
                ));
                out.push(("request_duration_seconds_count", base, count, true));
            }
        }

        // Runtime metrics.
        let (cpu, memory) = self
            .metrics
            .usage
            .get(&(uid.clone(), main.clone()))
            .copied()
            .unwrap_or((0.0, p.memory_mib * MIB));
        let cpu_total = self
            .metrics
            .cpu_seconds
            .get(&(uid, main))
            .copied()
            .unwrap_or(0.0);
        let started = pod
            .status
            .as_ref()
            .and_then(|s| s.container_statuses.as_ref())
            .and_then(|c| c.first())
            .and_then(|c| c.state.as_ref())
            .and_then(|s| s.running.as_ref())
            .and_then(|r| r.started_at.as_ref())
            .map(|t| t.0.as_second() as f64)
            .unwrap_or(0.0);
        let gauge = |name: &'static str, value: f64| (name, Vec::new(), value, false);
        out.push(gauge("process_cpu_seconds_total", cpu_total));
        out.push(gauge("process_resident_memory_bytes", memory.round()));
        out.push(gauge(
            "process_virtual_memory_bytes",
            (memory * 3.1).round(),
        ));
        out.push(gauge("process_start_time_seconds", started));
        out.push(gauge(
            "process_open_fds",
            (12.0 + load.iterations * 2.0).round(),
        ));
        out.push(gauge("process_max_fds", 1_048_576.0));
        match p.family {
            Family::Go | Family::Exporter => {
                out.push(gauge(
                    "go_goroutines",
                    (9.0 + load.iterations * 1.5).round(),
                ));
                out.push(gauge("go_memstats_alloc_bytes", (memory * 0.45).round()));
                out.push(gauge(
                    "go_memstats_heap_inuse_bytes",
                    (memory * 0.55).round(),
                ));
                for q in ["0", "0.25", "0.5", "0.75", "1"] {
                    let v: f64 = q.parse::<f64>().unwrap_or(0.0) * 0.0004 + 0.00003;
                    out.push((
                        "go_gc_duration_seconds",
                        vec![("quantile", q.into())],
                        v,
                        false,
                    ));
                }
                let gcs = poisson(rng, cpu * interval * 4.0);
                out.push(("go_gc_duration_seconds_count", Vec::new(), gcs, true));
                out.push(("go_gc_duration_seconds_sum", Vec::new(), gcs * 0.0002, true));
            }
            Family::Node => {
                out.push(gauge(
                    "nodejs_eventloop_lag_seconds",
                    0.0004 + load.latency_s * 0.01,
                ));
                out.push(gauge("nodejs_heap_size_used_bytes", (memory * 0.4).round()));
                out.push(gauge(
                    "nodejs_heap_size_total_bytes",
                    (memory * 0.6).round(),
                ));
                out.push(gauge(
                    "nodejs_active_handles_total",
                    (6.0 + load.iterations).round(),
                ));
            }
            Family::Java => {
                out.push((
                    "jvm_memory_bytes_used",
                    vec![("area", "heap".into())],
                    (memory * 0.35).round(),
                    false,
                ));
                out.push((
                    "jvm_memory_bytes_used",
                    vec![("area", "nonheap".into())],
                    (memory * 0.25).round(),
                    false,
                ));
                out.push((
                    "jvm_memory_bytes_max",
                    vec![("area", "heap".into())],
                    134_217_728.0,
                    false,
                ));
                out.push(gauge(
                    "jvm_threads_current",
                    (28.0 + load.iterations * 2.0).round(),
                ));
                out.push(gauge("jvm_classes_loaded", 11_873.0));
                let gcs = poisson(rng, cpu * interval * 2.0);
                out.push((
                    "jvm_gc_collection_seconds_count",
                    vec![("gc", "G1 Young Generation".into())],
                    gcs,
                    true,
                ));
                out.push((
                    "jvm_gc_collection_seconds_sum",
                    vec![("gc", "G1 Young Generation".into())],
                    gcs * 0.012,
                    true,
                ));
            }
            Family::None => {}
        }
        if service == "prometheus" {
            out.push(gauge(
                "prometheus_tsdb_head_series",
                self.metrics.store.len() as f64,
            ));
            let appended = self
                .metrics
                .targets
                .values()
                .map(|s| s.slots.len() as f64)
                .sum::<f64>();
            out.push((
                "prometheus_tsdb_head_samples_appended_total",
                Vec::new(),
                appended,
                true,
            ));
        }
        out
    }

    fn cadvisor_samples(&self, node: &str) -> Vec<Sample> {
        let mut out = Vec::new();
        // The map is ordered by key already.
        let pods: Vec<(&ObjectKey, &Pod)> = self
            .state
            .pods
            .iter()
            .filter(|(_, p)| p.spec.as_ref().and_then(|s| s.node_name.as_deref()) == Some(node))
            .collect();
        for (key, pod) in pods {
            let uid = pod.metadata.uid.clone().unwrap_or_default();
            let qos = pod
                .status
                .as_ref()
                .and_then(|s| s.qos_class.clone())
                .unwrap_or_default()
                .to_lowercase();
            let pod_cgroup = format!("/kubepods/{qos}/pod{uid}");
            let namespace = LabelText::from(key.namespace.clone());
            let pod_name = LabelText::from(key.name.clone());
            let (mut pod_cpu, mut pod_mem) = (0.0, 0.0);
            let statuses = pod
                .status
                .as_ref()
                .and_then(|s| s.container_statuses.as_deref())
                .unwrap_or_default();
            for c in pod.spec.iter().flat_map(|s| s.containers.iter()) {
                let Some((_, mem)) = self
                    .metrics
                    .usage
                    .get(&(uid.clone(), c.name.clone()))
                    .copied()
                else {
                    continue;
                };
                let cpu_total = self
                    .metrics
                    .cpu_seconds
                    .get(&(uid.clone(), c.name.clone()))
                    .copied()
                    .unwrap_or(0.0);
                pod_cpu += cpu_total;
                pod_mem += mem;
                let id = statuses
                    .iter()
                    .find(|s| s.name == c.name)
                    .and_then(|s| s.container_id.clone())
                    .unwrap_or_default();
                let short = id.trim_start_matches("containerd://").to_string();
                let labels: Vec<(&'static str, LabelText)> = vec![
                    ("container", c.name.clone().into()),
                    ("id", format!("{pod_cgroup}/{short}").into()),
                    (
                        "image",
                        statuses
                            .iter()
                            .find(|s| s.name == c.name)
                            .map(|s| s.image.clone())
                            .unwrap_or_default()
                            .into(),
                    ),
                    ("name", short.into()),
                    ("namespace", namespace.clone()),
                    ("pod", pod_name.clone()),
                ];
                let mut cpu_labels = labels.clone();
                cpu_labels.push(("cpu", "total".into()));
                out.push((
                    "container_cpu_usage_seconds_total",
                    cpu_labels,
                    cpu_total,
                    false,
                ));
                out.push((
                    "container_memory_working_set_bytes",
                    labels.clone(),
                    mem.round(),
                    false,
                ));
                out.push((
                    "container_memory_usage_bytes",
                    labels.clone(),
                    (mem * 1.2).round(),
                    false,
                ));
                if let Some(limit) = c
                    .resources
                    .as_ref()
                    .and_then(|r| r.limits.as_ref())
                    .and_then(|l| l.get("cpu"))
                    .and_then(|q| Quantity::parse(&q.0))
                {
                    out.push((
                        "container_spec_cpu_quota",
                        labels.clone(),
                        (limit.milli_value() as f64) * 100.0,
                        false,
                    ));
                }
            }
            // The pod-level cgroup: every container together, with empty container and image.
            let labels: Vec<(&'static str, LabelText)> = vec![
                ("container", "".into()),
                ("id", pod_cgroup.into()),
                ("image", "".into()),
                ("name", "".into()),
                ("namespace", namespace),
                ("pod", pod_name),
            ];
            let mut cpu_labels = labels.clone();
            cpu_labels.push(("cpu", "total".into()));
            out.push((
                "container_cpu_usage_seconds_total",
                cpu_labels,
                pod_cpu,
                false,
            ));
            out.push((
                "container_memory_working_set_bytes",
                labels,
                pod_mem.round(),
                false,
            ));
        }
        let cores = self.node_cores();
        out.push(("machine_cpu_cores", Vec::new(), cores, false));
        let memory = self
            .state
            .nodes
            .get(node)
            .and_then(|n| n.status.as_ref())
            .and_then(|s| s.capacity.as_ref())
            .and_then(|c| c.get("memory"))
            .and_then(|q| Quantity::parse(&q.0))
            .map(|q| q.value() as f64)
            .unwrap_or(0.0);
        out.push(("machine_memory_bytes", Vec::new(), memory, false));
        out
    }
}

/// A Poisson-like draw with mean `mean` (normal approximation above 30).
fn poisson(rng: &mut ChaCha8Rng, mean: f64) -> f64 {
    if mean <= 0.0 {
        return 0.0;
    }
    if mean > 30.0 {
        let u1: f64 = rng.random::<f64>().max(1e-12);
        let u2: f64 = rng.random();
        let z = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
        return (mean + z * mean.sqrt()).round().max(0.0);
    }
    let limit = (-mean).exp();
    let mut k = 0.0;
    let mut p = 1.0;
    loop {
        p *= rng.random::<f64>();
        if p <= limit {
            return k;
        }
        k += 1.0;
    }
}

/// A label value of a scraped series: mostly a constant of the model, else text made at the
/// scrape and shared by the samples that carry it. Compared and ordered as its text.
#[derive(Clone, Debug)]
pub(crate) enum LabelText {
    /// A constant.
    Static(&'static str),
    /// Text made at the scrape.
    Shared(Arc<str>),
}

impl LabelText {
    /// The text.
    pub(crate) fn as_str(&self) -> &str {
        match self {
            LabelText::Static(s) => s,
            LabelText::Shared(s) => s,
        }
    }
}

impl From<&'static str> for LabelText {
    fn from(s: &'static str) -> Self {
        LabelText::Static(s)
    }
}

impl From<String> for LabelText {
    fn from(s: String) -> Self {
        LabelText::Shared(Arc::from(s))
    }
}

impl PartialEq for LabelText {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for LabelText {}

impl PartialOrd for LabelText {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for LabelText {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

/// A series of one target: its metric name and the labels it adds to the target's.
pub(crate) type SeriesKey = (&'static str, Vec<(&'static str, LabelText)>);

/// `(metric name, extra labels, value, counter increment?)`.
type Sample = (&'static str, Vec<(&'static str, LabelText)>, f64, bool);

fn series_labels(target: &Labels, name: &str, extra: &[(&'static str, LabelText)]) -> Labels {
    let mut labels = target.clone();
    labels.set("__name__", name);
    for (k, v) in extra {
        labels.set(k, v.as_str());
    }
    labels
}

fn is_scrape_meta(name: &str) -> bool {
    matches!(
        name,
        "up" | "scrape_duration_seconds"
            | "scrape_samples_scraped"
            | "scrape_samples_post_metric_relabeling"
            | "scrape_series_added"
    )
}

/// A bucket bound as Go's `strconv.FormatFloat(v, 'f', -1, 64)` writes it: the shortest
/// decimal that reads back exactly (`0.005`, `10`), which is also what Rust prints.
fn go_float(v: f64) -> String {
    format!("{v}")
}

/// The bucket bounds of the profiles, written as [`go_float`] writes them, so that a scrape
/// does not format them again for every bucket of every route.
const BUCKET_LABELS: &[(f64, &str)] = &[
    (0.005, "0.005"),
    (0.01, "0.01"),
    (0.025, "0.025"),
    (0.05, "0.05"),
    (0.075, "0.075"),
    (0.1, "0.1"),
    (0.25, "0.25"),
    (0.5, "0.5"),
    (0.75, "0.75"),
    (1.0, "1"),
    (2.5, "2.5"),
    (5.0, "5"),
    (7.5, "7.5"),
    (10.0, "10"),
];

/// The `le` label of a bucket bound.
fn bucket_label(le: f64) -> LabelText {
    match BUCKET_LABELS
        .iter()
        .find(|(v, _)| v.to_bits() == le.to_bits())
    {
        Some((_, text)) => LabelText::Static(text),
        None => LabelText::from(go_float(le)),
    }
}

/// The service a pod belongs to: its `name` label, else its `app` label.
pub(crate) fn pod_service(pod: &Pod) -> String {
    let labels = pod.metadata.labels.clone().unwrap_or_default();
    labels
        .get("name")
        .or_else(|| labels.get("app"))
        .cloned()
        .unwrap_or_default()
}

/// A limit of the pod's main container (`cpu`, `memory`).
fn main_limit(pod: &Pod, resource: &str) -> Option<Quantity> {
    pod.spec
        .as_ref()?
        .containers
        .first()?
        .resources
        .as_ref()?
        .limits
        .as_ref()?
        .get(resource)
        .and_then(|q| Quantity::parse(&q.0))
}

/// The main container's CPU limit, in millicores.
pub(crate) fn cpu_limit_millicores(pod: &Pod) -> Option<f64> {
    main_limit(pod, "cpu").map(|q| q.milli_value() as f64)
}

/// The main container's memory limit, in bytes.
fn memory_limit_bytes(pod: &Pod) -> Option<f64> {
    main_limit(pod, "memory").map(|q| q.value() as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_labels_are_written_as_go_writes_the_bounds() {
        for p in super::super::profile::PROFILES {
            for &le in p.buckets {
                assert_eq!(bucket_label(le).as_str(), go_float(le), "{}", p.name);
                assert!(matches!(bucket_label(le), LabelText::Static(_)), "{le}");
            }
        }
        assert_eq!(bucket_label(0.3).as_str(), "0.3");
    }
}
