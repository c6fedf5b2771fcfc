//! Asking the simulated Prometheus: its HTTP API by path, PromQL by text, and the ground truth
//! oracles compare agents' answers with.

use crate::prometheus::api::{ApiResponse, BuildInfo};
use crate::prometheus::form::Params;
use crate::prometheus::router::{ApiContext, route};
use crate::promql::{EngineError, Value};
use crate::world::{ObjectKey, World};

impl World {
    /// Virtual now as milliseconds since the Unix epoch.
    pub fn now_unix_ms(&self) -> i64 {
        self.clock.epoch_unix_millis() + self.clock.elapsed().0
    }

    /// What the Prometheus server reports as its build: the scenario's Prometheus image tag.
    pub fn prometheus_build_info(&self) -> BuildInfo {
        let image = self
            .state
            .deployments
            .get(&ObjectKey::new("monitoring", "prometheus-deployment"))
            .and_then(|d| d.spec.as_ref())
            .and_then(|s| s.template.spec.as_ref())
            .and_then(|p| p.containers.first())
            .and_then(|c| c.image.clone())
            .unwrap_or_default();
        let mut info = BuildInfo::default();
        let tag = crate::scenario::split_image(&image).1;
        if let Some(version) = tag.strip_prefix('v') {
            info.version = version.to_string();
        }
        info
    }

    /// Answers a Prometheus HTTP API request (`/api/v1/query`, `/api/v1/series`, ...) at
    /// virtual now.
    pub fn prometheus_api(&self, path: &str, params: &Params) -> ApiResponse {
        let info = self.prometheus_build_info();
        let ctx = ApiContext {
            engine: &self.metrics.engine,
            store: &self.metrics.store,
            now_ms: self.now_unix_ms(),
            active_targets: &self.metrics.active,
            dropped_targets: &self.metrics.dropped,
            build_info: &info,
        };
        route(&ctx, path, params)
    }

    /// Evaluates an instant query at virtual now.
    ///
    /// # Errors
    /// The engine's parse or evaluation error, in Prometheus's words.
    pub fn promql(&self, query: &str) -> Result<Value, EngineError> {
        self.metrics
            .engine
            .instant_query(&self.metrics.store, query, self.now_unix_ms())
    }

    /// The P99 latency of a service as its dashboards compute it now ([`p99_query`]):
    /// `histogram_quantile(0.99, sum(rate(request_duration_seconds_bucket{name=...}[1m])) by (le))`
    /// over the service's workload routes (probe and scrape routes excluded). `None` when the
    /// service serves no traffic.
    pub fn true_p99_seconds(&self, namespace: &str, service: &str) -> Option<f64> {
        match self.promql(&p99_query(namespace, service)).ok()? {
            Value::Vector(v) => v.first().map(|s| s.value).filter(|v| v.is_finite()),
            _ => None,
        }
    }

    /// CPU a service's pods use now, in cores (their main containers, summed), as the metrics
    /// model computed it at the last scrape.
    pub fn true_cpu_cores(&self, namespace: &str, service: &str) -> f64 {
        self.state
            .pods
            .range(ObjectKey::new(namespace, "")..)
            .take_while(|(k, _)| k.namespace == namespace)
            .filter(|(_, p)| super::scrape::pod_service(p) == service)
            .filter_map(|(_, p)| {
                let uid = p.metadata.uid.clone()?;
                let main = p.spec.as_ref()?.containers.first()?.name.clone();
                self.metrics.usage.get(&(uid, main)).map(|u| u.0)
            })
            .sum()
    }

    /// CPU and memory of one container at the last scrape: (cores, bytes).
    pub fn container_usage(&self, pod_uid: &str, container: &str) -> Option<(f64, f64)> {
        self.metrics
            .usage
            .get(&(pod_uid.to_string(), container.to_string()))
            .copied()
    }
}

/// The PromQL for a service's P99 request latency as its dashboards compute it:
/// `histogram_quantile(0.99, sum(rate(request_duration_seconds_bucket{job="NS/SVC"}[1m])) by (le))`
/// over the workload routes (probe and scrape routes excluded). The simulator's oracles
/// evaluate it on their own store; a live cluster's oracles send it to Prometheus.
pub fn p99_query(namespace: &str, service: &str) -> String {
    format!(
        "histogram_quantile(0.99, sum(rate(request_duration_seconds_bucket{{job=\"{namespace}/{service}\",route!~\"health|metrics\"}}[1m])) by (le))"
    )
}

/// The PromQL for the CPU a service's pods use, in cores: the rate of
/// `container_cpu_usage_seconds_total` of `container` over one minute, summed over the pods of
/// the deployment `service` (names `SERVICE-HASH-ID`, so `catalogue` does not take in
/// `catalogue-db`).
pub fn cpu_query(namespace: &str, service: &str, container: &str) -> String {
    format!(
        "sum(rate(container_cpu_usage_seconds_total{{namespace=\"{namespace}\",pod=~\"{service}-[a-z0-9]+-[a-z0-9]+\",container=\"{container}\"}}[1m]))"
    )
}
