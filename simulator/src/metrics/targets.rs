//! Service discovery and relabelling as the scenario's Prometheus does it: the
//! `kubernetes-service-endpoints` job (every endpoint of every service not annotated
//! `prometheus.io/scrape: "false"`, `job="<namespace>/<service>"`, service labels copied), and
//! a `kubernetes-cadvisor` job per node for container CPU and memory.

use std::collections::BTreeMap;

use super::scrape::SeriesKey;
use crate::promql::labels::Labels;
use crate::world::{ObjectKey, World};

/// One target of one scrape.
#[derive(Clone, Debug, PartialEq)]
pub struct ScrapeTarget {
    /// The scrape pool (`kubernetes-service-endpoints`, `kubernetes-cadvisor`).
    pub pool: &'static str,
    /// The URL scraped.
    pub url: String,
    /// Labels after relabelling (`instance`, `job`, service labels).
    pub labels: Labels,
    /// Labels before relabelling that `/api/v1/targets` reports.
    pub discovered: Labels,
    /// The service behind it, for endpoint targets.
    pub service: Option<String>,
    /// The pod behind it, for endpoint targets.
    pub pod: Option<ObjectKey>,
    /// The node, for cAdvisor targets.
    pub node: Option<String>,
    /// The port scraped.
    pub port: i32,
}

/// What the scraper remembers of a target between scrapes.
#[derive(Clone, Debug, Default)]
pub(crate) struct TargetState {
    /// The target's series, in the order it first exposed them.
    pub slots: Vec<Slot>,
    /// The position of every series in `slots`, by key.
    by_key: BTreeMap<SeriesKey, usize>,
    /// Whether the last scrape succeeded.
    pub up: bool,
}

/// One series of a target.
#[derive(Clone, Debug)]
pub(crate) struct Slot {
    /// Its metric name and the labels it adds to the target's.
    pub key: SeriesKey,
    /// Its index in the store.
    pub index: usize,
    /// Its last value: the running total of a counter's increments, or a gauge's value.
    pub value: f64,
    /// The timestamp of the last scrape that exposed it.
    pub seen_at: Option<i64>,
}

impl TargetState {
    /// The position in `slots` of the series `key`, trying `hint` first; a new series gets a
    /// slot at the end, with a value of zero and the store index that `create` gives it.
    pub(crate) fn slot(
        &mut self,
        key: SeriesKey,
        hint: usize,
        create: impl FnOnce(&SeriesKey) -> usize,
    ) -> usize {
        if self.slots.get(hint).is_some_and(|s| s.key == key) {
            return hint;
        }
        if let Some(&i) = self.by_key.get(&key) {
            return i;
        }
        let i = self.slots.len();
        let index = create(&key);
        self.by_key.insert(key.clone(), i);
        self.slots.push(Slot {
            key,
            index,
            value: 0.0,
            seen_at: None,
        });
        i
    }

    /// Drops the series for which `gone` holds, keeping the order of the others.
    pub(crate) fn forget(&mut self, gone: impl Fn(&Slot) -> bool) {
        self.slots.retain(|s| !gone(s));
        self.by_key = self
            .slots
            .iter()
            .enumerate()
            .map(|(i, s)| (s.key.clone(), i))
            .collect();
    }
}

/// A label name as Prometheus's labelmap sanitises Kubernetes label keys.
fn sanitise(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

impl World {
    /// The targets the scenario's Prometheus discovers now, in a stable order.
    pub fn scrape_targets(&self) -> Vec<ScrapeTarget> {
        let mut out: Vec<ScrapeTarget> = Vec::new();
        for (key, svc) in &self.state.services {
            let annotations = svc.metadata.annotations.clone().unwrap_or_default();
            let labels = svc.metadata.labels.clone().unwrap_or_default();
            if annotations.get("prometheus.io/scrape").map(String::as_str) == Some("false")
                || labels
                    .get("kubernetes.io/cluster-service")
                    .map(String::as_str)
                    == Some("true")
            {
                continue;
            }
            let scheme = if labels.get("component").map(String::as_str) == Some("apiserver") {
                "https".to_string()
            } else {
                annotations
                    .get("prometheus.io/scheme")
                    .filter(|s| *s == "http" || *s == "https")
                    .cloned()
                    .unwrap_or_else(|| "http".into())
            };
            let path = annotations
                .get("prometheus.io/path")
                .filter(|p| !p.is_empty())
                .cloned()
                .unwrap_or_else(|| "/metrics".into());
            let port_override: Option<i32> = annotations
                .get("prometheus.io/port")
                .and_then(|p| p.parse().ok());
            let endpoints = self.endpoints(svc);
            for subset in endpoints.subsets.iter().flatten() {
                let addresses = subset
                    .addresses
                    .iter()
                    .flatten()
                    .chain(subset.not_ready_addresses.iter().flatten());
                for address in addresses {
                    for port in subset.ports.iter().flatten() {
                        let port = port_override.unwrap_or(port.port);
                        let instance = format!("{}:{port}", address.ip);
                        let mut pairs: Vec<(String, String)> = labels
                            .iter()
                            .map(|(k, v)| (sanitise(k), v.clone()))
                            .collect();
                        pairs.push(("instance".into(), instance.clone()));
                        pairs.push(("job".into(), format!("{}/{}", key.namespace, key.name)));
                        let target_labels = Labels::from_pairs(pairs);
                        if out.iter().any(|t| t.labels == target_labels) {
                            continue;
                        }
                        let discovered = Labels::from_pairs([
                            ("__address__", instance.clone()),
                            ("__meta_kubernetes_namespace", key.namespace.clone()),
                            ("__meta_kubernetes_service_name", key.name.clone()),
                            ("__metrics_path__", path.clone()),
                            ("__scheme__", scheme.clone()),
                            ("job", "kubernetes-service-endpoints".to_string()),
                        ]);
                        out.push(ScrapeTarget {
                            pool: "kubernetes-service-endpoints",
                            url: format!("{scheme}://{instance}{path}"),
                            labels: target_labels,
                            discovered,
                            service: Some(key.name.clone()),
                            pod: address
                                .target_ref
                                .as_ref()
                                .and_then(|r| r.name.clone())
                                .map(|n| ObjectKey::new(&key.namespace, n)),
                            node: None,
                            port,
                        });
                    }
                }
            }
        }
        if !self.scenario().file.prometheus.cadvisor {
            return out;
        }
        for (name, node) in &self.state.nodes {
            let ip = node
                .status
                .as_ref()
                .and_then(|s| s.addresses.as_ref())
                .and_then(|a| a.iter().find(|a| a.type_ == "InternalIP"))
                .map(|a| a.address.clone())
                .unwrap_or_default();
            out.push(ScrapeTarget {
                pool: "kubernetes-cadvisor",
                url: format!("https://{ip}:10250/metrics/cadvisor"),
                labels: Labels::from_pairs([
                    ("instance", name.clone()),
                    ("job", "kubernetes-cadvisor".to_string()),
                ]),
                discovered: Labels::from_pairs([
                    ("__address__", format!("{ip}:10250")),
                    ("__meta_kubernetes_node_name", name.clone()),
                    ("__metrics_path__", "/metrics/cadvisor".to_string()),
                    ("__scheme__", "https".to_string()),
                    ("job", "kubernetes-cadvisor".to_string()),
                ]),
                service: None,
                pod: None,
                node: Some(name.clone()),
                port: 10250,
            });
        }
        out
    }
}
