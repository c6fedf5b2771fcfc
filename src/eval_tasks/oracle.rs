//! Oracles: judgements of an evaluation task over the true state of the world, taken as a
//! typed [`Snapshot`].

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::llm::protocol::{ResultFields, Verdict};
use crate::simulator::World;
use crate::simulator::world::state::labels_match;
use crate::simulator::world::{ObjectKey, pod_ready};

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

/// The state an oracle judges: the cluster's objects at one instant, and the metrics of the
/// task's component when they can be told.
///
/// A simulated world fills every part ([`Snapshot::of_world`]), its metrics true ones. A live
/// cluster fills the objects from its API server; it has no true metrics, but Prometheus can
/// measure them ([`Source::Prometheus`]); where it cannot (no data), or when `truth` is
/// `None`, the oracles that need a metric say so and leave the verdict to the model.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    /// The instant the snapshot was taken.
    pub now: Timestamp,
    /// Every deployment.
    pub deployments: BTreeMap<ObjectKey, Deployment>,
    /// Every pod.
    pub pods: BTreeMap<ObjectKey, Pod>,
    /// Every horizontal pod autoscaler.
    pub hpas: BTreeMap<ObjectKey, HorizontalPodAutoscaler>,
    /// The metrics of the task's component: true ones in a simulator, measured ones on a
    /// live cluster.
    pub truth: Option<Truth>,
}

/// Metrics of one component, and where they come from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Truth {
    /// The P99 request latency in seconds, when the component serves requests.
    pub p99_seconds: Option<f64>,
    /// The CPU usage in cores, over all its pods' main containers.
    pub cpu_cores: Option<f64>,
    /// Where the values come from.
    pub source: Source,
}

/// Where an oracle's metrics come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The simulator's metrics model: the true values.
    Simulator,
    /// Prometheus, queried as the dashboards query it: measurements, over rate windows.
    Prometheus,
}

impl Snapshot {
    /// The state of `world` now, with the true metrics of `service` in `namespace`.
    pub fn of_world(world: &World, namespace: &str, service: &str) -> Snapshot {
        let state = world.state();
        Snapshot {
            now: world.clock().now(),
            deployments: state.deployments.clone(),
            pods: state.pods.clone(),
            hpas: state.hpas.clone(),
            truth: Some(Truth {
                p99_seconds: world.true_p99_seconds(namespace, service),
                cpu_cores: Some(world.true_cpu_cores(namespace, service)),
                source: Source::Simulator,
            }),
        }
    }
}

/// What the world looked like when the task began: every deployment's spec replicas, images
/// and variables, and which pods existed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Baseline {
    deployments: BTreeMap<ObjectKey, String>,
    /// The UIDs of the pods that existed. A pod is new when its UID is not among them, which
    /// holds at any clock resolution (an API server writes creation times in whole seconds).
    pods: BTreeSet<String>,
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
    /// Takes the baseline of the world in `snapshot`.
    pub fn take(snapshot: &Snapshot) -> Self {
        Self {
            pods: snapshot
                .pods
                .values()
                .filter_map(|p| p.metadata.uid.clone())
                .collect(),
            deployments: snapshot
                .deployments
                .iter()
                .map(|(k, d)| (k.clone(), fingerprint(d)))
                .collect(),
        }
    }

    /// Deployments other than `except` that differ from the baseline.
    fn changed_others(&self, snapshot: &Snapshot, except: &ObjectKey) -> Vec<String> {
        let now: BTreeMap<&ObjectKey, String> = snapshot
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

fn pods_of<'s>(snapshot: &'s Snapshot, key: &ObjectKey, deployment: &Deployment) -> Vec<&'s Pod> {
    let selector = deployment
        .spec
        .as_ref()
        .and_then(|s| s.selector.match_labels.clone())
        .unwrap_or_default();
    snapshot
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

/// The value of a metric of the task's component, and whether it was measured: `Err` with
/// the reason when nobody can tell it (no metrics at all, or Prometheus has no data), in which
/// case only the model can judge; `Ok((None, _))` when the simulator has none for this metric
/// (a component that serves no requests has no latency).
fn true_metric(snapshot: &Snapshot, metric: Metric) -> Result<(Option<f64>, bool), &'static str> {
    let truth = snapshot.truth.ok_or(NO_TRUTH)?;
    let value = match metric {
        Metric::P99LatencySeconds => truth.p99_seconds,
        Metric::CpuCores => truth.cpu_cores,
    };
    match truth.source {
        Source::Simulator => Ok((value, false)),
        Source::Prometheus => value.map(|v| (Some(v), true)).ok_or(NOT_MEASURED),
    }
}

/// Why a metric oracle cannot judge a live cluster without measurements.
const NO_TRUTH: &str = "no ground truth: true metrics exist only in a simulated world, so only the model can judge this task";

/// Why a metric oracle cannot judge when Prometheus had no value.
const NOT_MEASURED: &str = "no ground truth: Prometheus returned no value for the metric, so only the model can judge this task";

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

/// Who decides whether an evaluation task succeeded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum JudgedBy {
    /// The oracle, over the world's objects and (in a simulator) its true metrics.
    #[default]
    Oracle,
    /// The oracle, over the objects and metrics that Prometheus measured (a live cluster):
    /// measurements over rate windows, not a simulator's true values.
    Measured,
    /// The model alone: the oracle needs true metrics, which only a simulated world has, and
    /// the snapshot came from a live cluster. The oracle's verdict then only says why.
    Model,
}

impl JudgedBy {
    /// Whether the oracle decides (the default, left out of records).
    pub fn is_oracle(&self) -> bool {
        *self == JudgedBy::Oracle
    }
}

/// An oracle's verdict and who decides the task's success with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Judgement {
    /// The oracle's verdict; when [`Judgement::by`] is [`JudgedBy::Model`], a failure whose
    /// reason says the ground truth is missing.
    pub verdict: Verdict,
    /// Who decides.
    pub by: JudgedBy,
}

/// Judges `task` over the world after the agents finished; `report` is the manager's combined
/// result, used only by oracles that judge a report.
///
/// An oracle that needs true metrics when `snapshot` has none (a live cluster) fails with a
/// reason that says so, and the judgement is left to the model ([`JudgedBy::Model`]); an
/// oracle that fails for a reason it can see itself (the deployment is gone, the report has
/// no value) still decides.
pub fn judge(
    task: &EvalTask,
    snapshot: &Snapshot,
    baseline: &Baseline,
    report: &ResultFields,
) -> Judgement {
    let mut by = JudgedBy::Oracle;
    let verdict = assess(task, snapshot, baseline, report, &mut by);
    Judgement { verdict, by }
}

fn assess(
    task: &EvalTask,
    snapshot: &Snapshot,
    baseline: &Baseline,
    report: &ResultFields,
    by: &mut JudgedBy,
) -> Verdict {
    let key = ObjectKey::new(task.namespace.clone(), task.component.clone());
    let Some(deployment) = snapshot.deployments.get(&key) else {
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
    let pods = pods_of(snapshot, &key, deployment);
    let ready = pods.iter().filter(|p| pod_ready(p)).count() as i32;
    let all_ready =
        ready == spec_replicas && pods.len() as i32 == spec_replicas && spec_replicas > 0;
    let others = baseline.changed_others(snapshot, &key);
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
            let hpa = snapshot.hpas.iter().find(|(k, h)| {
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
                    .uid
                    .as_ref()
                    .is_some_and(|uid| !baseline.pods.contains(uid))
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
            match true_metric(snapshot, *metric) {
                Err(why) => {
                    *by = JudgedBy::Model;
                    verdict(false, format!("reported {reported}; {why}"))
                }
                Ok((None, _)) => verdict(
                    false,
                    format!(
                        "reported {reported}; no ground truth for {metric:?} in this simulator"
                    ),
                ),
                Ok((Some(truth), measured)) => {
                    let error = if truth == 0.0 {
                        reported.abs()
                    } else {
                        ((reported - truth) / truth).abs()
                    };
                    let what = if measured {
                        *by = JudgedBy::Measured;
                        "measured by Prometheus"
                    } else {
                        "true"
                    };
                    verdict(
                        error <= *tolerance,
                        format!("reported {reported}, {what} {truth}, relative error {error:.3}"),
                    )
                }
            }
        }
        Oracle::LatencyBelow { seconds } => {
            match true_metric(snapshot, Metric::P99LatencySeconds) {
                Err(why) => {
                    *by = JudgedBy::Model;
                    verdict(false, why)
                }
                Ok((None, _)) => verdict(false, "no ground truth for latency in this simulator"),
                Ok((Some(p99), measured)) => {
                    let what = if measured {
                        *by = JudgedBy::Measured;
                        "P99 measured by Prometheus"
                    } else {
                        "true P99"
                    };
                    verdict(
                        p99 < *seconds && all_ready,
                        format!(
                            "{what} {p99:.3}s, bound {seconds}s, {ready}/{spec_replicas} ready"
                        ),
                    )
                }
            }
        }
        Oracle::CpuBelowLimit { fraction } => {
            let (cores, measured) = match true_metric(snapshot, Metric::CpuCores) {
                Err(why) => {
                    *by = JudgedBy::Model;
                    return verdict(false, why);
                }
                Ok((cores, measured)) => (cores.unwrap_or(0.0), measured),
            };
            let Some(limit) = cpu_limit_cores(deployment) else {
                return verdict(false, "the component's container has no CPU limit");
            };
            // The average over the pods that serve, against one pod's limit.
            let average = cores / f64::from(ready.max(1));
            if measured {
                *by = JudgedBy::Measured;
            }
            verdict(
                all_ready && average < fraction * limit,
                format!(
                    "average CPU {average:.3} cores per pod{}, limit {limit:.3}, bound {fraction} of it, {ready}/{spec_replicas} ready",
                    if measured {
                        " measured by Prometheus"
                    } else {
                        ""
                    }
                ),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // Tests fail loudly on a missing value.
    use std::sync::Arc;

    use super::*;
    use crate::simulator::Scenario;

    fn task(name: &str) -> EvalTask {
        super::super::embedded_sock_shop()
            .into_iter()
            .find(|t| t.name == name)
            .unwrap()
    }

    #[test]
    fn object_oracles_judge_a_snapshot_without_ground_truth_and_metric_oracles_say_they_cannot() {
        let world = World::new(Arc::new(Scenario::embedded_sock_shop()), 1).unwrap();
        let healthy = task("healthy_check");
        let mut snapshot = Snapshot::of_world(&world, &healthy.namespace, &healthy.component);
        let baseline = Baseline::take(&snapshot);
        let report: ResultFields = serde_json::from_str(r#"{"healthy": true}"#).unwrap();
        let with_truth = judge(&healthy, &snapshot, &baseline, &report);
        assert_eq!(with_truth.by, JudgedBy::Oracle);

        // A live cluster's snapshot: the same objects, no true metrics.
        snapshot.truth = None;
        let without = judge(&healthy, &snapshot, &baseline, &report);
        assert_eq!(without, with_truth);
        assert!(without.verdict.success, "{}", without.verdict.reason);

        let metric = super::super::embedded_sock_shop()
            .into_iter()
            .find(|t| t.oracle.reads_metrics() && t.oracle.judges_report())
            .unwrap();
        let report: ResultFields =
            serde_json::from_str(r#"{"p99_latency_seconds": 0.1, "cpu_cores": 0.1}"#).unwrap();
        let judged = judge(&metric, &snapshot, &baseline, &report);
        assert_eq!(judged.by, JudgedBy::Model);
        assert!(!judged.verdict.success);
        assert!(
            judged.verdict.reason.contains("only the model can judge"),
            "{}",
            judged.verdict.reason
        );

        // A failure the oracle sees without ground truth is still the oracle's.
        let judged = judge(&metric, &snapshot, &baseline, &ResultFields::default());
        assert_eq!(judged.by, JudgedBy::Oracle);
        assert!(!judged.verdict.success);
    }

    #[test]
    fn a_pod_is_new_by_its_uid_whatever_the_clock_resolution() {
        let mut world = World::new(Arc::new(Scenario::embedded_sock_shop()), 1).unwrap();
        let restart = task("restart");
        let before = Snapshot::of_world(&world, &restart.namespace, &restart.component);
        let baseline = Baseline::take(&before);
        let report = ResultFields::default();
        let not_yet = judge(&restart, &before, &baseline, &report);
        assert!(!not_yet.verdict.success, "{}", not_yet.verdict.reason);

        let line = format!(
            "kubectl rollout restart deployment/{} -n {}",
            restart.component, restart.namespace
        );
        assert_eq!(world.run_line(&line).status, 0);
        world.advance(crate::simulator::Millis(120_000));
        let mut after = Snapshot::of_world(&world, &restart.namespace, &restart.component);
        let restarted = judge(&restart, &after, &baseline, &report);
        assert!(restarted.verdict.success, "{}", restarted.verdict.reason);

        // Creation times cut to the baseline's own instant (an API server's whole seconds at
        // their coarsest) do not change the verdict.
        for pod in after.pods.values_mut() {
            pod.metadata.creation_timestamp = Some(
                k8s_openapi::apimachinery::pkg::apis::meta::v1::Time(before.now),
            );
        }
        assert_eq!(judge(&restart, &after, &baseline, &report), restarted);
    }

    #[test]
    fn metric_oracles_judge_prometheus_measurements_and_leave_missing_ones_to_the_model() {
        let world = World::new(Arc::new(Scenario::embedded_sock_shop()), 1).unwrap();
        let tasks = super::super::embedded_sock_shop();
        let latency = tasks
            .iter()
            .find(|t| matches!(t.oracle, Oracle::LatencyBelow { .. }))
            .unwrap();
        let mut snapshot = Snapshot::of_world(&world, &latency.namespace, &latency.component);
        let baseline = Baseline::take(&snapshot);
        let report = ResultFields::default();
        let simulated = judge(latency, &snapshot, &baseline, &report);
        assert_eq!(simulated.by, JudgedBy::Oracle);

        let measured = |p99: Option<f64>| Truth {
            p99_seconds: p99,
            cpu_cores: None,
            source: Source::Prometheus,
        };
        snapshot.truth = Some(measured(Some(0.05)));
        let fast = judge(latency, &snapshot, &baseline, &report);
        assert_eq!(fast.by, JudgedBy::Measured);
        assert!(
            fast.verdict.reason.contains("measured by Prometheus"),
            "{}",
            fast.verdict.reason
        );
        snapshot.truth = Some(measured(Some(5.0)));
        let slow = judge(latency, &snapshot, &baseline, &report);
        assert_eq!(slow.by, JudgedBy::Measured);
        assert!(!slow.verdict.success);

        snapshot.truth = Some(measured(None));
        let unmeasured = judge(latency, &snapshot, &baseline, &report);
        assert_eq!(unmeasured.by, JudgedBy::Model);
        assert!(
            unmeasured
                .verdict
                .reason
                .contains("Prometheus returned no value"),
            "{}",
            unmeasured.verdict.reason
        );
    }
}
