//! The resource metrics API (`metrics.k8s.io/v1beta1`) that `kubectl top` reads: `PodMetrics`
//! and `NodeMetrics` from the metrics model's last scrape.

use serde_json::{Value, json};

use super::kubernetes::ResourcePath;
use super::status;
use super::{ApiRequest, Reply};
use crate::kubectl::resources::ResourceKind;
use crate::kubectl::selector::Selector;
use crate::kubectl::top::node_usage;
use crate::world::{Object, World};

/// A quantity of CPU in whole millicores, so a client's rounding sees what the interpreter
/// prints.
fn cpu(cores: f64) -> String {
    format!("{}m", (cores * 1000.0).round() as i64)
}

/// A quantity of memory in whole bytes.
fn memory(bytes: f64) -> String {
    format!("{}", bytes as i64)
}

fn pod_metrics(world: &World, o: &Object<'_>) -> Option<Value> {
    let Object::Pod(p) = o else { return None };
    let uid = p.metadata.uid.clone().unwrap_or_default();
    let containers: Vec<Value> = p
        .spec
        .iter()
        .flat_map(|s| s.containers.iter())
        .filter_map(|c| {
            let (c_cpu, c_mem) = world.container_usage(&uid, &c.name)?;
            Some(json!({"name": c.name, "usage": {"cpu": cpu(c_cpu), "memory": memory(c_mem)}}))
        })
        .collect();
    if containers.is_empty() {
        return None;
    }
    Some(json!({
        "kind": "PodMetrics",
        "apiVersion": "metrics.k8s.io/v1beta1",
        "metadata": {
            "name": p.metadata.name, "namespace": p.metadata.namespace,
            "labels": p.metadata.labels, "creationTimestamp": world.clock().now().to_string(),
        },
        "timestamp": world.clock().now().to_string(),
        "window": "15s",
        "containers": containers,
    }))
}

fn node_metrics(world: &World, name: &str) -> Value {
    let (c, m) = node_usage(world, name);
    json!({
        "kind": "NodeMetrics",
        "apiVersion": "metrics.k8s.io/v1beta1",
        "metadata": {"name": name, "creationTimestamp": world.clock().now().to_string()},
        "timestamp": world.clock().now().to_string(),
        "window": "20s",
        "usage": {"cpu": cpu(c), "memory": memory(m)},
    })
}

fn list_reply(kind: &str, items: Vec<Value>) -> Reply {
    Reply::json(
        200,
        &json!({
            "kind": kind, "apiVersion": "metrics.k8s.io/v1beta1", "metadata": {}, "items": items,
        }),
    )
}

/// Answers a metrics API request.
pub(crate) fn handle(world: &World, req: &ApiRequest, rp: &ResourcePath<'_>) -> Reply {
    if !world.scenario().file.cluster.metrics_server {
        return status::no_route();
    }
    if req.method != "GET" || rp.sub.is_some() {
        return status::method_not_allowed(&req.method);
    }
    let selector = match Selector::parse(req.params().value("labelSelector")) {
        Ok(s) => s,
        Err(e) => return status::status(400, "BadRequest", &e.to_string(), None),
    };
    match (rp.plural, rp.name) {
        ("pods", None) => {
            let items = world
                .list(ResourceKind::Pod, rp.namespace, &selector)
                .iter()
                .filter_map(|o| pod_metrics(world, o))
                .collect();
            list_reply("PodMetricsList", items)
        }
        ("pods", Some(name)) => {
            let ns = rp.namespace.unwrap_or("");
            match world
                .get(ResourceKind::Pod, ns, name)
                .and_then(|o| pod_metrics(world, &o))
            {
                Some(v) => Reply::json(200, &v),
                None => status::not_found("pods.metrics.k8s.io", name),
            }
        }
        ("nodes", None) => {
            let items = world
                .list(ResourceKind::Node, None, &selector)
                .iter()
                .map(|o| node_metrics(world, o.name()))
                .collect();
            list_reply("NodeMetricsList", items)
        }
        ("nodes", Some(name)) => match world.get(ResourceKind::Node, "", name) {
            Some(_) => Reply::json(200, &node_metrics(world, name)),
            None => status::not_found("nodes.metrics.k8s.io", name),
        },
        _ => status::no_route(),
    }
}
