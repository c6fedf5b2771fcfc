//! HorizontalPodAutoscalers: conversion of `autoscaling/v1` objects and the autoscaling loop.

use serde_json::{Value, json};

use super::World;

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
    /// One pass of the autoscaler, every 15 s of virtual time.
    ///
    /// TODO: scaling needs CPU utilisation from the metrics model; until that model exists the
    /// autoscaler records no current metrics and changes no replica counts, as a real HPA does
    /// when the metrics API is missing.
    pub(crate) fn hpa_controller(&mut self) {}
}
