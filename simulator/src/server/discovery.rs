//! Version and discovery: what a client reads before its first real request (`/version`,
//! `/api`, `/apis` and the resource list of each group version), built from
//! [`RESOURCES`] so that discovery and the interpreter's `api-resources` have one source.

use serde_json::{Value, json};

use super::Reply;
use crate::kubectl::resources::{ALL_CATEGORY, RESOURCES, ResourceInfo};
use crate::world::World;

/// The metrics API group that `kubectl top` reads.
pub(crate) const METRICS_GROUP: &str = "metrics.k8s.io";
/// Its version.
pub(crate) const METRICS_VERSION: &str = "v1beta1";

/// `/version`: the scenario's Kubernetes version, so a version-dispatching kubectl picks the
/// matching client.
pub(crate) fn version(world: &World) -> Reply {
    let git = world.scenario().file.cluster.kubernetes_version.clone();
    let mut parts = git.trim_start_matches('v').split('.');
    let major = parts.next().unwrap_or("1").to_string();
    let minor = parts.next().unwrap_or("0").to_string();
    Reply::json(
        200,
        &json!({
            "major": major,
            "minor": minor,
            "gitVersion": git,
            "gitCommit": "0000000000000000000000000000000000000000",
            "gitTreeState": "clean",
            "buildDate": "2025-01-01T00:00:00Z",
            "goVersion": "go1.23.6",
            "compiler": "gc",
            "platform": "linux/amd64",
        }),
    )
}

/// The group versions served besides the core `v1`, in discovery order.
fn groups(world: &World) -> Vec<(&'static str, &'static str)> {
    let mut out: Vec<(&str, &str)> = Vec::new();
    for r in RESOURCES {
        if !r.group.is_empty() && !out.contains(&(r.group, r.version)) {
            out.push((r.group, r.version));
        }
    }
    if world.scenario().file.cluster.metrics_server {
        out.push((METRICS_GROUP, METRICS_VERSION));
    }
    out
}

/// `/api`: the core group's versions.
pub(crate) fn core_versions() -> Reply {
    Reply::json(
        200,
        &json!({
            "kind": "APIVersions",
            "versions": ["v1"],
            "serverAddressByClientCIDRs": [],
        }),
    )
}

/// `/apis`: every named group.
pub(crate) fn group_list(world: &World) -> Reply {
    let groups: Vec<Value> = groups(world)
        .into_iter()
        .map(|(g, v)| {
            let gv = json!({"groupVersion": format!("{g}/{v}"), "version": v});
            json!({"name": g, "versions": [gv.clone()], "preferredVersion": gv})
        })
        .collect();
    Reply::json(
        200,
        &json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}),
    )
}

/// `/apis/GROUP`: one group.
pub(crate) fn group(world: &World, name: &str) -> Option<Reply> {
    let (g, v) = groups(world).into_iter().find(|(g, _)| *g == name)?;
    let gv = json!({"groupVersion": format!("{g}/{v}"), "version": v});
    Some(Reply::json(
        200,
        &json!({
            "kind": "APIGroup", "apiVersion": "v1", "name": g,
            "versions": [gv.clone()], "preferredVersion": gv,
        }),
    ))
}

fn resource_entry(r: &ResourceInfo) -> Value {
    let categories: &[&str] = if ALL_CATEGORY.contains(&r.kind) {
        &["all"]
    } else {
        &[]
    };
    json!({
        "categories": categories,
        "name": r.plural,
        "singularName": r.singular,
        "namespaced": r.namespaced,
        "kind": r.kind_name,
        "verbs": r.verbs,
        "shortNames": r.short,
    })
}

fn subresource(name: &str, kind: &str, namespaced: bool, verbs: &[&str]) -> Value {
    json!({
        "name": name, "singularName": "", "namespaced": namespaced, "kind": kind, "verbs": verbs,
    })
}

/// The resource list of `group`/`version` (`""` for the core group), or `None` when not served.
pub(crate) fn resource_list(world: &World, group: &str, version: &str) -> Option<Reply> {
    let group_version = if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    };
    let mut resources: Vec<Value> = Vec::new();
    if group == METRICS_GROUP && version == METRICS_VERSION {
        if !world.scenario().file.cluster.metrics_server {
            return None;
        }
        resources.push(subresource("nodes", "NodeMetrics", false, &["get", "list"]));
        resources.push(subresource("pods", "PodMetrics", true, &["get", "list"]));
    }
    for r in RESOURCES
        .iter()
        .filter(|r| r.group == group && r.version == version)
    {
        resources.push(resource_entry(r));
        match r.plural {
            "pods" => resources.push(subresource("pods/log", "Pod", true, &["get"])),
            "deployments" | "replicasets" => resources.push(subresource(
                &format!("{}/scale", r.plural),
                "Scale",
                true,
                &["get", "patch", "update"],
            )),
            _ => {}
        }
    }
    if resources.is_empty() {
        return None;
    }
    Some(Reply::json(
        200,
        &json!({
            "kind": "APIResourceList",
            "apiVersion": "v1",
            "groupVersion": group_version,
            "resources": resources,
        }),
    ))
}
