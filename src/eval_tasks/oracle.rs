//! Oracles: judgements of an evaluation task over the true state of the simulated world.

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::llm::protocol::{ResultFields, Verdict};
use crate::simulator::World;
use crate::simulator::world::ObjectKey;
use crate::simulator::world::state::labels_match;

use super::EvalTask;

/// A metric whose true value an oracle compares a report with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// The P99 request latency, in seconds.
    P99LatencySeconds,
    /// CPU usage, in cores.
    CpuCores,
}

/// How an evaluation task is judged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Oracle {
    /// The component has exactly `replicas` ready replicas and nothing else changed.
    ReadyReplicas {
        /// Ready replicas wanted.
        replicas: i32,
    },
    /// The component's first container runs `image`, fully rolled out, nothing else changed.
    Image {
        /// The image wanted.
        image: String,
    },
    /// The component's first container has the variable set, fully rolled out.
    Env {
        /// The variable.
        name: String,
        /// Its value.
        value: String,
    },
    /// A horizontal autoscaler targets the component with sensible bounds.
    Autoscaler {
        /// The lowest allowed minimum.
        min_replicas_at_least: i32,
        /// The lowest allowed maximum.
        max_replicas_at_least: i32,
    },
    /// Every pod of the component was created after the task began, and all are ready.
    Restarted,
    /// The component exists and all its replicas are ready, nothing else changed.
    Available,
    /// The report's health field matches whether every pod of the component is ready.
    ReportedHealth,
    /// A reported metric is within `tolerance` (relative) of its true value.
    ReportedMetric {
        /// Which metric.
        metric: Metric,
        /// Allowed relative error, e.g. 0.1.
        tolerance: f64,
    },
    /// The true P99 latency is below `seconds`, no replica of the component is scaled to zero,
    /// and its pods are all ready.
    LatencyBelow {
        /// The bound.
        seconds: f64,
    },
    /// The component's average CPU usage is below `fraction` of its CPU limit.
    CpuBelowLimit {
        /// The fraction, e.g. 0.3.
        fraction: f64,
    },
}

impl Oracle {
    /// Whether the oracle reads metrics of the world (latency, CPU) rather than its objects.
    pub fn reads_metrics(&self) -> bool {
        matches!(
            self,
            Oracle::ReportedMetric { .. }
                | Oracle::LatencyBelow { .. }
                | Oracle::CpuBelowLimit { .. }
        )
    }

    /// Whether the oracle judges a report (an observation task) rather than the world.
    pub fn judges_report(&self) -> bool {
        matches!(self, Oracle::ReportedHealth | Oracle::ReportedMetric { .. })
    }
}

/// What every deployment looked like when the task began: spec replicas, images, variables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Baseline {
    started: Timestamp,
    deployments: BTreeMap<ObjectKey, String>,
}

fn fingerprint(d: &Deployment) -> String {
    let spec = d.spec.as_ref();
    let replicas = spec.and_then(|s| s.replicas).unwrap_or(1);
    let containers = spec
        .and_then(|s| s.template.spec.as_ref())
        .map(|p| {
            p.containers
                .iter()
                .map(|c| {
                    let env: Vec<String> = c
                        .env
                        .iter()
                        .flatten()
                        .map(|e| format!("{}={}", e.name, e.value.clone().unwrap_or_default()))
                        .collect();
                    format!(
                        "{}:{}:{}",
                        c.name,
                        c.image.clone().unwrap_or_default(),
                        env.join(",")
                    )
                })
                .collect::<Vec<_>>()
                .join(";")
        })
        .unwrap_or_default();
    format!("{replicas}|{containers}")
}

impl Baseline {
    /// Takes the baseline of `world` now.
    pub fn take(world: &World) -> Self {
        Self {
            started: world.clock().now(),
            deployments: world
                .state()
                .deployments
                .iter()
                .map(|(k, d)| (k.clone(), fingerprint(d)))
                .collect(),
        }
    }

    /// Deployments other than `except` that differ from the baseline.
    fn changed_others(&self, world: &World, except: &ObjectKey) -> Vec<String> {
        let now: BTreeMap<&ObjectKey, String> = world
            .state()
            .deployments
            .iter()
            .map(|(k, d)| (k, fingerprint(d)))
            .collect();
        let mut changed: Vec<String> = self
            .deployments
            .iter()
            .filter(|(k, _)| *k != except)
            .filter(|(k, f)| now.get(k) != Some(f))
            .map(|(k, _)| format!("{}/{}", k.namespace, k.name))
            .collect();
        changed.extend(
            now.keys()
                .filter(|k| !self.deployments.contains_key(*k) && **k != except)
                .map(|k| format!("{}/{} (new)", k.namespace, k.name)),
        );
        changed
    }
}

fn verdict(success: bool, reason: impl Into<String>) -> Verdict {
    Verdict {
        success,
        reason: reason.into(),
    }
}

fn pod_ready(pod: &Pod) -> bool {
    pod.metadata.deletion_timestamp.is_none()
        && pod
            .status
            .as_ref()
            .and_then(|s| s.conditions.as_ref())
            .is_some_and(|c| c.iter().any(|c| c.type_ == "Ready" && c.status == "True"))
}

fn pods_of<'w>(world: &'w World, key: &ObjectKey, deployment: &Deployment) -> Vec<&'w Pod> {
    let selector = deployment
        .spec
        .as_ref()
        .and_then(|s| s.selector.match_labels.clone())
        .unwrap_or_default();
    world
        .state()
        .pods
        .iter()
        .filter(|(k, p)| {
            k.namespace == key.namespace
                && p.metadata.deletion_timestamp.is_none()
                && labels_match(&selector, p.metadata.labels.as_ref())
        })
        .map(|(_, p)| p)
        .collect()
}

/// A number in a report under a key that names the metric.
fn reported_number(report: &ResultFields, metric: Metric) -> Option<f64> {
    let hints: &[&str] = match metric {
        Metric::P99LatencySeconds => &["p99", "latency"],
        Metric::CpuCores => &["cpu"],
    };
    report.iter().find_map(|(k, v)| {
        let k = k.to_lowercase();
        (hints.iter().any(|h| k.contains(h)))
            .then(|| v.as_f64())
            .flatten()
    })
}

/// The true value of a metric, from the simulator's metrics model.
fn true_metric(world: &World, namespace: &str, service: &str, metric: Metric) -> Option<f64> {
    match metric {
        Metric::P99LatencySeconds => world.true_p99_seconds(namespace, service),
        Metric::CpuCores => Some(world.true_cpu_cores(namespace, service)),
    }
}

/// The CPU limit of the component's main container, in cores.
fn cpu_limit_cores(deployment: &Deployment) -> Option<f64> {
    let container = deployment
        .spec
        .as_ref()?
        .template
        .spec
        .as_ref()?
        .containers
        .first()?;
    let limit = container.resources.as_ref()?.limits.as_ref()?.get("cpu")?;
    let quantity = crate::simulator::quantity::Quantity::parse(&limit.0)?;
    Some(quantity.milli_value() as f64 / 1000.0)
}

/// Judges `task` over the world after the agents finished; `report` is the manager's combined
/// result, used only by oracles that judge a report.
pub fn judge(
    task: &EvalTask,
    world: &World,
    baseline: &Baseline,
    report: &ResultFields,
) -> Verdict {
    let key = ObjectKey::new(task.namespace.clone(), task.component.clone());
    let Some(deployment) = world.state().deployments.get(&key) else {
        return verdict(
            false,
            format!("deployment {}/{} does not exist", key.namespace, key.name),
        );
    };
    let spec_replicas = deployment
        .spec
        .as_ref()
        .and_then(|s| s.replicas)
        .unwrap_or(1);
    let pods = pods_of(world, &key, deployment);
    let ready = pods.iter().filter(|p| pod_ready(p)).count() as i32;
    let all_ready =
        ready == spec_replicas && pods.len() as i32 == spec_replicas && spec_replicas > 0;
    let others = baseline.changed_others(world, &key);
    let untouched = |v: Verdict| {
        if v.success && !others.is_empty() {
            verdict(
                false,
                format!(
                    "{}, but other deployments changed: {}",
                    v.reason,
                    others.join(", ")
                ),
            )
        } else {
            v
        }
    };
    let container = deployment
        .spec
        .as_ref()
        .and_then(|s| s.template.spec.as_ref())
        .and_then(|p| p.containers.first());

    match &task.oracle {
        Oracle::ReadyReplicas { replicas } => untouched(verdict(
            ready == *replicas && spec_replicas == *replicas && pods.len() as i32 == *replicas,
            format!(
                "{ready} of {} pods ready, {spec_replicas} wanted by the spec, {replicas} asked",
                pods.len()
            ),
        )),
        Oracle::Image { image } => {
            let running = container.and_then(|c| c.image.clone()).unwrap_or_default();
            let rolled = pods.iter().all(|p| {
                p.spec
                    .as_ref()
                    .and_then(|s| s.containers.first())
                    .and_then(|c| c.image.as_deref())
                    == Some(image.as_str())
            });
            untouched(verdict(
                running == *image && rolled && all_ready,
                format!(
                    "image {running}, {ready}/{spec_replicas} ready, every pod on it: {rolled}"
                ),
            ))
        }
        Oracle::Env { name, value } => {
            let set = container
                .and_then(|c| c.env.as_ref())
                .and_then(|e| e.iter().find(|e| e.name == *name))
                .and_then(|e| e.value.clone());
            untouched(verdict(
                set.as_deref() == Some(value.as_str()) && all_ready,
                format!("{name} is {set:?}, {ready}/{spec_replicas} ready"),
            ))
        }
        Oracle::Autoscaler {
            min_replicas_at_least,
            max_replicas_at_least,
        } => {
            let hpa = world.state().hpas.iter().find(|(k, h)| {
                k.namespace == key.namespace
                    && h.spec
                        .as_ref()
                        .is_some_and(|s| s.scale_target_ref.name == key.name)
            });
            match hpa.and_then(|(_, h)| h.spec.as_ref()) {
                None => verdict(false, "no autoscaler targets the deployment"),
                Some(spec) => {
                    let min = spec.min_replicas.unwrap_or(1);
                    let ok = min >= *min_replicas_at_least
                        && spec.max_replicas >= *max_replicas_at_least
                        && spec.max_replicas >= min;
                    untouched(verdict(
                        ok,
                        format!(
                            "autoscaler between {min} and {} replicas",
                            spec.max_replicas
                        ),
                    ))
                }
            }
        }
        Oracle::Restarted => {
            let fresh = pods.iter().all(|p| {
                p.metadata
                    .creation_timestamp
                    .as_ref()
                    .is_some_and(|t| t.0 > baseline.started)
            });
            untouched(verdict(
                fresh && all_ready,
                format!("every pod new: {fresh}, {ready}/{spec_replicas} ready"),
            ))
        }
        Oracle::Available => {
            untouched(verdict(all_ready, format!("{ready}/{spec_replicas} ready")))
        }
        Oracle::ReportedHealth => {
            let claimed = report
                .iter()
                .find(|(k, _)| k.to_lowercase().contains("healthy"))
                .and_then(|(_, v)| v.as_bool());
            match claimed {
                None => verdict(false, "the report has no health field"),
                Some(claimed) => verdict(
                    claimed == all_ready,
                    format!(
                        "reported healthy={claimed}, truly {all_ready} ({ready}/{spec_replicas} ready)"
                    ),
                ),
            }
        }
        Oracle::ReportedMetric { metric, tolerance } => {
            let Some(reported) = reported_number(report, *metric) else {
                return verdict(false, format!("the report has no {metric:?} value"));
            };
            match true_metric(world, &task.namespace, &task.component, *metric) {
                None => verdict(
                    false,
                    format!(
                        "reported {reported}; no ground truth for {metric:?} in this simulator"
                    ),
                ),
                Some(truth) => {
                    let error = if truth == 0.0 {
                        reported.abs()
                    } else {
                        ((reported - truth) / truth).abs()
                    };
                    verdict(
                        error <= *tolerance,
                        format!("reported {reported}, true {truth}, relative error {error:.3}"),
                    )
                }
            }
        }
        Oracle::LatencyBelow { seconds } => match true_metric(
            world,
            &task.namespace,
            &task.component,
            Metric::P99LatencySeconds,
        ) {
            None => verdict(false, "no ground truth for latency in this simulator"),
            Some(p99) => verdict(
                p99 < *seconds && all_ready,
                format!("true P99 {p99:.3}s, bound {seconds}s, {ready}/{spec_replicas} ready"),
            ),
        },
        Oracle::CpuBelowLimit { fraction } => {
            let cores = world.true_cpu_cores(&task.namespace, &task.component);
            let Some(limit) = cpu_limit_cores(deployment) else {
                return verdict(false, "the component's container has no CPU limit");
            };
            // The average over the pods that serve, against one pod's limit.
            let average = cores / f64::from(ready.max(1));
            verdict(
                all_ready && average < fraction * limit,
                format!(
                    "average CPU {average:.3} cores per pod, limit {limit:.3}, bound {fraction} of it, {ready}/{spec_replicas} ready"
                ),
            )
        }
    }
}
