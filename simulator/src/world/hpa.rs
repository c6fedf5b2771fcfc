//! HorizontalPodAutoscalers: conversion of `autoscaling/v1` objects and the autoscaling loop.

use serde_json::{Value, json};

use k8s_openapi::api::autoscaling::v2::{
    HorizontalPodAutoscalerStatus, MetricStatus, MetricValueStatus, ResourceMetricStatus,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;

use super::World;
use super::state::ObjectKey;

/// Rewrites an `autoscaling/v1` HPA document as `autoscaling/v2` (a CPU utilisation target
/// becomes a `Resource` metric); a `v2` document is returned unchanged.
pub fn to_v2(mut doc: Value) -> Value {
    if doc.get("apiVersion").and_then(Value::as_str) != Some("autoscaling/v1") {
        return doc;
    }
    doc["apiVersion"] = json!("autoscaling/v2");
    if let Some(spec) = doc.get_mut("spec").and_then(Value::as_object_mut) {
        if let Some(target) = spec.remove("targetCPUUtilizationPercentage") {
            spec.insert(
                "metrics".into(),
                json!([{
                    "type": "Resource",
                    "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": target}}
                }]),
            );
        }
        // The v1beta1 group of old manifests is served as apps/v1.
        if let Some(r) = spec
            .get_mut("scaleTargetRef")
            .and_then(Value::as_object_mut)
            && r.get("apiVersion")
                .and_then(Value::as_str)
                .is_some_and(|v| v.starts_with("apps/") || v.starts_with("extensions/"))
        {
            r.insert("apiVersion".into(), json!("apps/v1"));
        }
    }
    doc
}

impl World {
    /// One pass of the autoscaler, every 15 s of virtual time: for each HPA with a CPU
    /// utilisation target, the desired replicas are `ceil(current * usage / target)` over the
    /// ready pods' CPU requests, within min and max, with the controller's 10% tolerance and
    /// its five-minute scale-down stabilisation.
    ///
    /// Without metrics-server (a scenario setting) the autoscaler sees no metrics and leaves
    /// replica counts alone, as a real one does.
    pub(crate) fn hpa_controller(&mut self) {
        if !self.scenario().file.cluster.metrics_server {
            return;
        }
        let keys: Vec<ObjectKey> = self.state.hpas.keys().cloned().collect();
        for key in keys {
            self.autoscale_one(&key);
        }
    }

    fn autoscale_one(&mut self, key: &ObjectKey) {
        let Some(hpa) = self.state.hpas.get(key).cloned() else {
            return;
        };
        let Some(spec) = hpa.spec.clone() else {
            return;
        };
        let target_key = ObjectKey::new(&key.namespace, &spec.scale_target_ref.name);
        let Some(deployment) = self.state.deployments.get(&target_key).cloned() else {
            return;
        };
        let current = deployment
            .spec
            .as_ref()
            .and_then(|s| s.replicas)
            .unwrap_or(1);
        let target = spec
            .metrics
            .iter()
            .flatten()
            .filter_map(|m| m.resource.as_ref())
            .find(|r| r.name == "cpu")
            .and_then(|r| r.target.average_utilization);

        // Utilisation: CPU used over CPU requested, across the deployment's ready pods.
        let selector = deployment
            .spec
            .as_ref()
            .and_then(|s| s.selector.match_labels.clone())
            .unwrap_or_default();
        let (mut used, mut requested, mut ready) = (0.0, 0.0, 0);
        for p in self.state.pods.values() {
            if p.metadata.namespace.as_deref() != Some(key.namespace.as_str())
                || !super::state::labels_match(&selector, p.metadata.labels.as_ref())
                || !super::controllers::pod_ready(p)
            {
                continue;
            }
            let uid = p.metadata.uid.clone().unwrap_or_default();
            let Some(c) = p.spec.as_ref().and_then(|s| s.containers.first()) else {
                continue;
            };
            let request = c
                .resources
                .as_ref()
                .and_then(|r| r.requests.as_ref().or(r.limits.as_ref()))
                .and_then(|r| r.get("cpu"))
                .and_then(|q| crate::quantity::Quantity::parse(&q.0));
            if let (Some((cpu, _)), Some(req)) = (self.container_usage(&uid, &c.name), request) {
                used += cpu;
                requested += req.milli_value() as f64 / 1000.0;
                ready += 1;
            }
        }
        let utilisation = (requested > 0.0).then(|| used / requested);
        let min = spec.min_replicas.unwrap_or(1).max(1);
        let max = spec.max_replicas.max(min);
        let mut desired = current.clamp(min, max);
        if let (Some(u), Some(t)) = (utilisation, target) {
            let ratio = u * 100.0 / f64::from(t);
            if (ratio - 1.0).abs() > 0.1 {
                desired = ((f64::from(ready.max(1)) * ratio).ceil() as i32).clamp(min, max);
            }
        }

        // Scale-down waits for five minutes of lower recommendations.
        let now = self.clock.now();
        let last_scale = hpa
            .status
            .as_ref()
            .and_then(|s| s.last_scale_time.clone())
            .map(|t| t.0.as_millisecond())
            .unwrap_or(0);
        let stabilised = now.as_millisecond() - last_scale >= 300_000;
        let changed = desired > current || (desired < current && stabilised);
        if changed {
            self.edit_deployment(&target_key, |d| {
                if let Some(s) = d.spec.as_mut() {
                    s.replicas = Some(desired);
                }
            });
            let uid = hpa.metadata.uid.clone();
            self.event_object(
                super::events::object_ref("autoscaling/v2", "HorizontalPodAutoscaler", key, uid),
                "horizontal-pod-autoscaler",
                (
                    "Normal",
                    "SuccessfulRescale",
                    format!(
                        "New size: {desired}; reason: cpu resource utilization (percentage of request) {} target",
                        if desired > current { "above" } else { "below" }
                    ),
                ),
            );
        }
        let status = HorizontalPodAutoscalerStatus {
            current_replicas: Some(current),
            desired_replicas: if changed { desired } else { current },
            last_scale_time: if changed {
                Some(Time(now))
            } else {
                hpa.status.as_ref().and_then(|s| s.last_scale_time.clone())
            },
            current_metrics: utilisation.map(|u| {
                vec![MetricStatus {
                    type_: "Resource".into(),
                    resource: Some(ResourceMetricStatus {
                        name: "cpu".into(),
                        current: MetricValueStatus {
                            average_utilization: Some((u * 100.0).round() as i32),
                            average_value: Some(Quantity(format!(
                                "{}m",
                                (used / f64::from(ready.max(1)) * 1000.0).round() as i64
                            ))),
                            value: None,
                        },
                    }),
                    ..Default::default()
                }]
            }),
            ..Default::default()
        };
        if let Some(h) = self.state.hpas.get_mut(key)
            && h.status.as_ref() != Some(&status)
        {
            h.status = Some(status);
            self.dirty = true;
        }
    }
}
