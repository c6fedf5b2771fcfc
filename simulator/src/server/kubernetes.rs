//! The Kubernetes API over a world: one request in, one reply out, with no IO.
//!
//! Paths are those of the real API server (`/api/v1/namespaces/NS/pods/NAME`,
//! `/apis/apps/v1/...`); reads are answered from [`World::get`] and [`World::list`], writes go
//! through the same world operations the interpreter uses ([`World::apply`] for creation,
//! [`World::scale`], [`crate::kubectl::patch::patch`], [`World::delete`]), tables come from
//! [`crate::kubectl::table`], and `/openapi/v3` from [`super::openapi`].

use serde_json::{Value, json};

use super::discovery::{self, METRICS_GROUP, METRICS_VERSION};
use super::{ApiRequest, Reply};
use super::{openapi, status};
use crate::kubectl::logs::{LogsRequest, logs};
use crate::kubectl::patch;
use crate::kubectl::resources::{RESOURCES, ResourceInfo, ResourceKind};
use crate::kubectl::selector::Selector;
use crate::kubectl::table;
use crate::manifest;
use crate::world::ops::ApiError;
use crate::world::{Object, World, manifest_meta_mut, manifest_name};

/// A resource path, split into its parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ResourcePath<'a> {
    /// API group (`""` for core).
    pub(crate) group: &'a str,
    /// API version.
    pub(crate) version: &'a str,
    /// Namespace, when the path names one.
    pub(crate) namespace: Option<&'a str>,
    /// Plural resource name.
    pub(crate) plural: &'a str,
    /// Object name, when the path names one.
    pub(crate) name: Option<&'a str>,
    /// Subresource (`scale`, `log`).
    pub(crate) sub: Option<&'a str>,
}

/// Splits `/api/v1/...` or `/apis/G/V/...` into a [`ResourcePath`]; `None` for anything else.
pub(crate) fn parse_path(path: &str) -> Option<ResourcePath<'_>> {
    let segs: Vec<&str> = path.trim_matches('/').split('/').collect();
    let (group, version, rest) = match segs.as_slice() {
        ["api", v, rest @ ..] => ("", *v, rest),
        ["apis", g, v, rest @ ..] => (*g, *v, rest),
        _ => return None,
    };
    let (namespace, rest) = match rest {
        ["namespaces", ns, rest @ ..] if !rest.is_empty() => (Some(*ns), rest),
        _ => (None, rest),
    };
    let (plural, name, sub) = match rest {
        [p] => (*p, None, None),
        [p, n] => (*p, Some(*n), None),
        [p, n, s] => (*p, Some(*n), Some(*s)),
        _ => return None,
    };
    Some(ResourcePath {
        group,
        version,
        namespace,
        plural,
        name,
        sub,
    })
}

pub(crate) fn served(group: &str, version: &str, plural: &str) -> Option<&'static ResourceInfo> {
    RESOURCES
        .iter()
        .find(|r| r.group == group && r.version == version && r.plural == plural)
}

/// Answers one request. Watches are answered elsewhere ([`super::watch`]); here a watch gets
/// the list it would start from.
pub(crate) fn handle(world: &mut World, req: &ApiRequest) -> Reply {
    let path = req.path.as_str();
    match path.trim_end_matches('/') {
        "/version" => return discovery::version(world),
        "/api" => return discovery::core_versions(),
        "/apis" => return discovery::group_list(world),
        "/healthz" | "/livez" | "/readyz" => return Reply::text(200, "ok"),
        _ => {}
    }
    if req.method == "GET"
        && let Some(reply) = super::openapi::handle(world, path)
    {
        return reply;
    }
    let segs: Vec<&str> = path.trim_matches('/').split('/').collect();
    match segs.as_slice() {
        ["api", v] => {
            return discovery::resource_list(world, "", v).unwrap_or_else(status::no_route);
        }
        ["apis", g] => return discovery::group(world, g).unwrap_or_else(status::no_route),
        ["apis", g, v] => {
            return discovery::resource_list(world, g, v).unwrap_or_else(status::no_route);
        }
        _ => {}
    }
    let Some(rp) = parse_path(path) else {
        return status::no_route();
    };
    // A dry run must leave the world as it is, and the world's writes have no dry mode.
    if req.method != "GET"
        && let Some(mode) = req.params().get("dryRun")
    {
        return status::status(
            400,
            "BadRequest",
            &format!("dryRun={mode}: server-side dry runs are not simulated"),
            None,
        );
    }
    if rp.group == METRICS_GROUP && rp.version == METRICS_VERSION {
        return super::metrics_api::handle(world, req, &rp);
    }
    if (rp.group, rp.version, rp.plural, rp.name)
        == ("discovery.k8s.io", "v1", "endpointslices", None)
        && req.method == "GET"
    {
        return endpoint_slices(world, req, rp.namespace);
    }
    if (
        rp.group,
        rp.version,
        rp.plural,
        rp.name,
        req.method.as_str(),
    ) == (
        "autoscaling",
        "v1",
        "horizontalpodautoscalers",
        None,
        "POST",
    ) {
        return create_autoscaler_v1(world, req, rp.namespace.unwrap_or(""));
    }
    if (rp.group, rp.version, rp.namespace, rp.plural)
        == (
            "coordination.k8s.io",
            "v1",
            Some("kube-node-lease"),
            "leases",
        )
        && req.method == "GET"
        && let Some(name) = rp.name
    {
        return node_lease(world, name);
    }
    let Some(info) = served(rp.group, rp.version, rp.plural) else {
        return status::no_route();
    };
    let ns = rp.namespace.unwrap_or("");
    match (req.method.as_str(), rp.name, rp.sub) {
        ("GET", None, None) => list(world, req, info.kind, rp.namespace),
        ("POST", None, None) if openapi::creatable(info.kind) => {
            create(world, req, info.kind, rp.namespace)
        }
        ("GET", Some(name), None) => match world.get(info.kind, ns, name) {
            Some(o) if req.wants_table() => table_reply(world, &[o]),
            Some(o) => Reply::json(200, &o.to_json()),
            None => status::not_found(&info.kind.qualified_plural(), name),
        },
        ("GET", Some(name), Some("scale")) => scale_reply(world, info.kind, ns, name),
        ("GET", Some(name), Some("log")) if info.kind == ResourceKind::Pod => {
            pod_log(world, req, ns, name)
        }
        ("PATCH", Some(name), None) if openapi::patchable(info.kind) => {
            patch_object(world, req, info.kind, ns, name)
        }
        ("PATCH" | "PUT", Some(name), Some("scale")) => {
            patch_scale(world, req, info.kind, ns, name)
        }
        ("DELETE", Some(name), None) => delete(world, req, info.kind, ns, name),
        (m, _, _) => status::method_not_allowed(m),
    }
}

fn list(world: &World, req: &ApiRequest, kind: ResourceKind, ns: Option<&str>) -> Reply {
    let params = req.params();
    let selector = match Selector::parse(params.value("labelSelector")) {
        Ok(s) => s,
        Err(e) => return status::status(400, "BadRequest", &e.to_string(), None),
    };
    let fields = match FieldSelector::parse(params.value("fieldSelector")) {
        Ok(f) => f,
        Err(m) => return status::status(400, "BadRequest", &m, None),
    };
    let objects: Vec<Object<'_>> = world
        .list(kind, ns, &selector)
        .into_iter()
        .filter(|o| fields.is_empty() || fields.matches(&o.to_json()))
        .collect();
    if req.wants_table() {
        return table_reply(world, &objects);
    }
    let info = kind.info();
    let now = world.clock().now();
    let items: Vec<Value> = objects
        .iter()
        .map(|o| {
            let mut v = o.to_json();
            if let Some(wall) = req.wall_second {
                super::wall_ages::rewrite(&mut v, kind, now, wall);
            }
            v
        })
        .collect();
    Reply::json(
        200,
        &json!({
            "kind": format!("{}List", info.kind_name),
            "apiVersion": kind.api_version(),
            "metadata": {"resourceVersion": resource_version(world)},
            "items": items,
        }),
    )
}

/// The newest resource version in the world, as a list's version: a watch from it sees the
/// changes made after the list.
pub(crate) fn resource_version(world: &World) -> String {
    world.resource_version().to_string()
}

/// A `meta.k8s.io/v1` `Table` of `objects` with the server-side columns of their type.
fn table_reply(world: &World, objects: &[Object<'_>]) -> Reply {
    let kind = objects.first().map(Object::kind);
    let columns = kind.map(table::columns).unwrap_or_default();
    let defs: Vec<Value> = columns
        .iter()
        .map(|c| {
            json!({
                "name": c.name,
                "type": c.type_,
                "format": if c.name == "Name" { "name" } else { "" },
                "description": "",
                "priority": c.priority,
            })
        })
        .collect();
    let now = world.clock().now();
    let rows: Vec<Value> = objects
        .iter()
        .map(|o| {
            let cells: Vec<Value> = table::cells(o, now)
                .into_iter()
                .zip(columns.iter())
                .map(|(cell, col)| match (col.type_, cell.parse::<i64>()) {
                    ("integer", Ok(n)) => json!(n),
                    _ => json!(cell),
                })
                .collect();
            let meta = serde_json::to_value(o.meta()).unwrap_or(Value::Null);
            json!({
                "cells": cells,
                "object": {
                    "kind": "PartialObjectMetadata",
                    "apiVersion": "meta.k8s.io/v1",
                    "metadata": meta,
                },
            })
        })
        .collect();
    Reply::json(
        200,
        &json!({
            "kind": "Table",
            "apiVersion": "meta.k8s.io/v1",
            "metadata": {"resourceVersion": resource_version(world)},
            "columnDefinitions": defs,
            "rows": rows,
        }),
    )
}

/// The `autoscaling/v1` `Scale` of a deployment or replica set.
fn scale_reply(world: &World, kind: ResourceKind, ns: &str, name: &str) -> Reply {
    let Some(o) = world.get(kind, ns, name) else {
        return status::not_found(&kind.qualified_plural(), name);
    };
    let v = o.to_json();
    let spec_replicas = v["spec"]["replicas"].as_i64().unwrap_or(1);
    let status_replicas = v["status"]["replicas"].as_i64().unwrap_or(0);
    let selector = table::format_selector(match &o {
        Object::Deployment(d) => d.spec.as_ref().map(|s| &s.selector),
        Object::ReplicaSet(rs) => rs.spec.as_ref().map(|s| &s.selector),
        _ => None,
    });
    let m = o.meta();
    Reply::json(
        200,
        &json!({
            "kind": "Scale",
            "apiVersion": "autoscaling/v1",
            "metadata": {
                "name": m.name, "namespace": m.namespace, "uid": m.uid,
                "resourceVersion": m.resource_version, "creationTimestamp": m.creation_timestamp,
            },
            "spec": {"replicas": spec_replicas},
            "status": {"replicas": status_replicas, "selector": selector},
        }),
    )
}

fn patch_scale(
    world: &mut World,
    req: &ApiRequest,
    kind: ResourceKind,
    ns: &str,
    name: &str,
) -> Reply {
    let body: Value = match serde_json::from_slice(&req.body) {
        Ok(v) => v,
        Err(e) => return status::status(400, "BadRequest", &e.to_string(), None),
    };
    let Some(replicas) = body["spec"]["replicas"].as_i64() else {
        return scale_reply(world, kind, ns, name);
    };
    let replicas = i32::try_from(replicas).unwrap_or(i32::MAX);
    match world.scale(kind, ns, name, replicas) {
        Ok(()) => scale_reply(world, kind, ns, name),
        Err(e) => status::from_api_error(&e),
    }
}

fn patch_object(
    world: &mut World,
    req: &ApiRequest,
    kind: ResourceKind,
    ns: &str,
    name: &str,
) -> Reply {
    let patch_type = match req.content_type.split(';').next().unwrap_or("").trim() {
        "application/merge-patch+json" => "merge",
        "application/strategic-merge-patch+json" => "strategic",
        "application/json-patch+json" => "json",
        other => {
            return status::status(
                415,
                "UnsupportedMediaType",
                &format!(
                    "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json (got {other})"
                ),
                None,
            );
        }
    };
    let body = virtual_restart_stamp(world, &String::from_utf8_lossy(&req.body));
    match patch::patch(world, kind, ns, name, patch_type, &body) {
        Ok(_) => match world.get(kind, ns, name) {
            Some(o) => Reply::json(200, &o.to_json()),
            None => status::not_found(&kind.qualified_plural(), name),
        },
        Err(out) => status::from_command_error(&out),
    }
}

/// `POST` of a whole object to its collection, as `kubectl create` and the first `kubectl apply`
/// send it: the object is read as a manifest and created by [`World::apply`], the operation the
/// interpreter's `create -f` and `apply -f` use; an object that exists already is refused with
/// `AlreadyExists`. The answer is the created object.
fn create(world: &mut World, req: &ApiRequest, kind: ResourceKind, ns: Option<&str>) -> Reply {
    let media = req.content_type.split(';').next().unwrap_or("").trim();
    if !media.is_empty() && media != "application/json" && media != "application/yaml" {
        return status::status(
            415,
            "UnsupportedMediaType",
            &format!(
                "the body of the request was in an unknown format - accepted media types include: application/json, application/yaml (got {media})"
            ),
            None,
        );
    }
    let text = String::from_utf8_lossy(&req.body);
    let mut objects = match manifest::parse_documents(&text, "the request body") {
        Ok(o) => o,
        Err(e) => return status::status(400, "BadRequest", &e.to_string(), None),
    };
    let Some(mut object) = objects.pop().filter(|_| objects.is_empty()) else {
        return status::status(
            400,
            "BadRequest",
            "the request body must hold exactly one object",
            None,
        );
    };
    let info = kind.info();
    if ResourceKind::resolve(object.kind()) != Some(kind) {
        return status::status(
            400,
            "BadRequest",
            &format!(
                "the kind of the provided object ({}) does not match the resource of the request ({})",
                object.kind(),
                kind.qualified_plural()
            ),
            None,
        );
    }
    if let Some(path_ns) = ns
        && let Some(meta) = manifest_meta_mut(&mut object)
    {
        match meta.namespace.as_deref() {
            None => meta.namespace = Some(path_ns.to_string()),
            Some(n) if n != path_ns => {
                return status::status(
                    400,
                    "BadRequest",
                    "the namespace of the provided object does not match the namespace sent on the request",
                    None,
                );
            }
            Some(_) => {}
        }
    }
    let name = manifest_name(&object);
    let object_ns = if info.namespaced {
        ns.unwrap_or("default")
    } else {
        ""
    };
    if world.get(kind, object_ns, &name).is_some() {
        return status::from_api_error(&ApiError::already_exists(kind, &name));
    }
    if let Err(message) = world.apply(object) {
        let (code, reason) = if message.ends_with("not found") {
            (404, "NotFound")
        } else {
            (400, "BadRequest")
        };
        return status::status(code, reason, &message, None);
    }
    match world.get(kind, object_ns, &name) {
        Some(o) => Reply::json(201, &o.to_json()),
        None => status::not_found(&kind.qualified_plural(), &name),
    }
}

/// `POST /apis/autoscaling/v1/.../horizontalpodautoscalers`, as `kubectl autoscale` sends it:
/// an autoscaler named after the deployment it targets, with an optional CPU utilisation
/// target. It is created by [`World::autoscale`], the operation the interpreter's `autoscale`
/// uses, and answered in `autoscaling/v1`.
///
/// Other creations are not served yet (see the module's known gaps).
fn create_autoscaler_v1(world: &mut World, req: &ApiRequest, ns: &str) -> Reply {
    let asked = if req
        .content_type
        .starts_with("application/vnd.kubernetes.protobuf")
    {
        AutoscalerRequest::from_protobuf(&req.body)
    } else {
        AutoscalerRequest::from_json(&req.body)
    };
    let asked = match asked {
        Ok(a) => a,
        Err(message) => return status::status(400, "BadRequest", &message, None),
    };
    let name = asked.name.clone();
    let invalid = |why: &str| {
        status::status(
            422,
            "Invalid",
            &format!("HorizontalPodAutoscaler.autoscaling \"{name}\" is invalid: {why}"),
            None,
        )
    };
    if asked.target_kind != "Deployment" || asked.target_name != name {
        return invalid(
            "the simulated server creates autoscalers named after the Deployment they target only",
        );
    }
    let Some(max) = asked.max else {
        return invalid("spec.maxReplicas: Required value");
    };
    let (min, cpu) = (asked.min, asked.cpu);
    if let Err(e) = world.autoscale(ns, &name, min, max, cpu) {
        return status::from_api_error(&e);
    }
    let Some(created) = world.get(ResourceKind::HorizontalPodAutoscaler, ns, &name) else {
        return status::not_found("horizontalpodautoscalers.autoscaling", &name);
    };
    let v2 = created.to_json();
    let mut spec = json!({
        "scaleTargetRef": v2["spec"]["scaleTargetRef"],
        "maxReplicas": max,
    });
    if let Some(min) = min {
        spec["minReplicas"] = json!(min);
    }
    if let Some(cpu) = cpu {
        spec["targetCPUUtilizationPercentage"] = json!(cpu);
    }
    Reply::json(
        201,
        &json!({
            "kind": "HorizontalPodAutoscaler",
            "apiVersion": "autoscaling/v1",
            "metadata": v2["metadata"],
            "spec": spec,
            "status": {"currentReplicas": 0, "desiredReplicas": 0},
        }),
    )
}

/// What an `autoscaling/v1` creation asks for.
struct AutoscalerRequest {
    name: String,
    target_kind: String,
    target_name: String,
    min: Option<i32>,
    max: Option<i32>,
    cpu: Option<i32>,
}

impl AutoscalerRequest {
    fn from_json(body: &[u8]) -> Result<AutoscalerRequest, String> {
        let body: Value = serde_json::from_slice(body)
            .map_err(|e| format!("the body of the request is not JSON: {e}"))?;
        let spec = &body["spec"];
        let int = |v: &Value| v.as_i64().and_then(|n| i32::try_from(n).ok());
        let text = |v: &Value| v.as_str().unwrap_or("").to_string();
        Ok(AutoscalerRequest {
            name: text(&body["metadata"]["name"]),
            target_kind: text(&spec["scaleTargetRef"]["kind"]),
            target_name: text(&spec["scaleTargetRef"]["name"]),
            min: int(&spec["minReplicas"]),
            max: int(&spec["maxReplicas"]),
            cpu: int(&spec["targetCPUUtilizationPercentage"]),
        })
    }

    /// Field numbers from `k8s.io/api/autoscaling/v1/generated.proto` and the `ObjectMeta` of
    /// `apimachinery`: object {1 metadata, 2 spec}, metadata {1 name}, spec {1 scaleTargetRef,
    /// 2 minReplicas, 3 maxReplicas, 4 targetCPUUtilizationPercentage}, reference {1 kind,
    /// 2 name}.
    fn from_protobuf(body: &[u8]) -> Result<AutoscalerRequest, String> {
        use super::protobuf::{bytes, fields, int32, string, unwrap_object};

        let read = || -> Result<AutoscalerRequest, super::protobuf::ProtoError> {
            let object = fields(unwrap_object(body)?)?;
            let meta = fields(bytes(&object, 1).unwrap_or_default())?;
            let spec = fields(bytes(&object, 2).unwrap_or_default())?;
            let target = fields(bytes(&spec, 1).unwrap_or_default())?;
            Ok(AutoscalerRequest {
                name: string(&meta, 1).unwrap_or_default(),
                target_kind: string(&target, 1).unwrap_or_default(),
                target_name: string(&target, 2).unwrap_or_default(),
                min: int32(&spec, 2),
                max: int32(&spec, 3),
                cpu: int32(&spec, 4),
            })
        };
        read().map_err(|e| e.to_string())
    }
}

/// The annotation `kubectl rollout restart` stamps on a pod template.
const RESTARTED_AT: &str = "kubectl.kubernetes.io/restartedAt";

/// `body` with a `rollout restart` stamp set to the virtual now. kubectl stamps the template
/// with its own wall-clock time, which would make the template (and so its hash, the names of
/// the new pods and everything printed after) depend on when the command ran; the served
/// world admits virtual time only, so it stamps the instant the in-process `rollout restart`
/// stamps. Any other body is returned as it is.
fn virtual_restart_stamp(world: &World, body: &str) -> String {
    let Ok(mut patch) = serde_json::from_str::<Value>(body) else {
        return body.to_string();
    };
    let Some(stamp) = patch
        .pointer_mut("/spec/template/metadata/annotations")
        .and_then(|a| a.get_mut(RESTARTED_AT))
        .filter(|v| v.is_string())
    else {
        return body.to_string();
    };
    *stamp = Value::String(
        world
            .clock()
            .now()
            .strftime("%Y-%m-%dT%H:%M:%SZ")
            .to_string(),
    );
    patch.to_string()
}

fn delete(world: &mut World, req: &ApiRequest, kind: ResourceKind, ns: &str, name: &str) -> Reply {
    let options: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
    let grace = options["gracePeriodSeconds"]
        .as_i64()
        .or_else(|| req.params().get("gracePeriodSeconds")?.parse().ok());
    let before = match world.get(kind, ns, name) {
        Some(o) => o.to_json(),
        None => return status::not_found(&kind.qualified_plural(), name),
    };
    match world.delete(kind, ns, name, grace) {
        Ok(()) => {
            let after = world.get(kind, ns, name).map(|o| o.to_json());
            Reply::json(200, &after.unwrap_or(before))
        }
        Err(e) => status::from_api_error(&e),
    }
}

fn pod_log(world: &World, req: &ApiRequest, ns: &str, name: &str) -> Reply {
    let params = req.params();
    let flag = |k: &str| params.get(k) == Some("true");
    let request = LogsRequest {
        namespace: ns.to_string(),
        pod: name.to_string(),
        container: params.get("container").map(str::to_string),
        previous: flag("previous"),
        tail: params
            .get("tailLines")
            .and_then(|t| t.parse().ok())
            .unwrap_or(-1),
        timestamps: flag("timestamps"),
    };
    if world.get(ResourceKind::Pod, ns, name).is_none() {
        return status::not_found("pods", name);
    }
    let out = logs(world, &request);
    if out.status != 0 {
        return status::from_command_error(&out);
    }
    Reply::text(200, &out.stdout)
}

/// `discovery.k8s.io/v1` EndpointSlices, one per service, derived from its Endpoints: what
/// `kubectl describe service` reads. Only listing is served, and the type is left out of
/// discovery so that `api-resources` stays as the interpreter prints it.
fn endpoint_slices(world: &World, req: &ApiRequest, ns: Option<&str>) -> Reply {
    let params = req.params();
    let wanted = params
        .value("labelSelector")
        .strip_prefix("kubernetes.io/service-name=")
        .map(str::to_string);
    let mut items = Vec::new();
    for o in world.list(ResourceKind::Service, ns, &Selector::default()) {
        let Object::Service(svc) = o else { continue };
        let name = svc.metadata.name.clone().unwrap_or_default();
        if wanted.as_ref().is_some_and(|w| *w != name) {
            continue;
        }
        let ep = world.endpoints(svc);
        let mut endpoints = Vec::new();
        let mut ports = Vec::new();
        for subset in ep.subsets.iter().flatten() {
            for (list, ready) in [
                (&subset.addresses, true),
                (&subset.not_ready_addresses, false),
            ] {
                for a in list.iter().flatten() {
                    endpoints.push(json!({
                        "addresses": [a.ip],
                        "conditions": {"ready": ready, "serving": ready, "terminating": false},
                        "nodeName": a.node_name,
                        "targetRef": a.target_ref,
                    }));
                }
            }
            for p in subset.ports.iter().flatten() {
                ports.push(json!({"name": p.name.clone().unwrap_or_default(), "port": p.port, "protocol": p.protocol}));
            }
        }
        items.push(json!({
            "metadata": {
                "name": name, "namespace": svc.metadata.namespace,
                "labels": {"kubernetes.io/service-name": name},
            },
            "addressType": "IPv4",
            "endpoints": endpoints,
            "ports": ports,
        }));
    }
    Reply::json(
        200,
        &json!({
            "kind": "EndpointSliceList", "apiVersion": "discovery.k8s.io/v1",
            "metadata": {"resourceVersion": resource_version(world)}, "items": items,
        }),
    )
}

/// The `coordination.k8s.io/v1` Lease a node's kubelet renews, as `kubectl describe node`
/// reads it: held by the node and renewed at the current virtual instant (the interpreter's
/// describe prints the same). Only this GET is served; leases are not in discovery, so that
/// `api-resources` stays as the interpreter prints it.
fn node_lease(world: &World, name: &str) -> Reply {
    if !world.state().nodes.contains_key(name) {
        return status::not_found("leases.coordination.k8s.io", name);
    }
    let now = world.clock().now();
    let renew = format!(
        "{}.{:06}Z",
        now.strftime("%Y-%m-%dT%H:%M:%S"),
        now.subsec_microsecond()
    );
    Reply::json(
        200,
        &json!({
            "kind": "Lease",
            "apiVersion": "coordination.k8s.io/v1",
            "metadata": {"name": name, "namespace": "kube-node-lease"},
            "spec": {"holderIdentity": name, "leaseDurationSeconds": 40, "renewTime": renew},
        }),
    )
}

/// A field selector (`involvedObject.name=x,status.phase!=Failed`) over an object's JSON.
#[derive(Debug, Default, Clone)]
pub(crate) struct FieldSelector(Vec<(Vec<String>, bool, String)>);

impl FieldSelector {
    /// Parses `a.b=v`, `a.b==v` and `a.b!=v` terms separated by commas.
    pub(crate) fn parse(text: &str) -> Result<FieldSelector, String> {
        let mut terms = Vec::new();
        for term in text.split(',').filter(|t| !t.is_empty()) {
            let (field, equal, value) = if let Some((f, v)) = term.split_once("!=") {
                (f, false, v)
            } else if let Some((f, v)) = term.split_once("==") {
                (f, true, v)
            } else if let Some((f, v)) = term.split_once('=') {
                (f, true, v)
            } else {
                return Err(format!(
                    "invalid selector: '{text}'; can't understand '{term}'"
                ));
            };
            let path = field.split('.').map(str::to_string).collect();
            terms.push((path, equal, value.to_string()));
        }
        Ok(FieldSelector(terms))
    }

    /// Whether no term was given.
    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether a world object satisfies every term; terms on `metadata.name` and
    /// `metadata.namespace` alone (what waiting clients send) are checked without rendering
    /// the object.
    pub(crate) fn matches_object(&self, object: &Object<'_>) -> bool {
        let metadata_only = self.0.iter().all(|(path, _, _)| {
            matches!(path.as_slice(), [m, f] if m == "metadata" && (f == "name" || f == "namespace"))
        });
        if !metadata_only {
            return self.matches(&object.to_json());
        }
        let m = object.meta();
        self.matches(&json!({"metadata": {"name": m.name, "namespace": m.namespace}}))
    }

    /// Whether `object` satisfies every term (a missing field reads as empty).
    pub(crate) fn matches(&self, object: &Value) -> bool {
        self.0.iter().all(|(path, equal, want)| {
            let mut v = object;
            for p in path {
                v = v.get(p).unwrap_or(&Value::Null);
            }
            let got = match v {
                Value::String(s) => s.clone(),
                Value::Null => String::new(),
                other => other.to_string(),
            };
            (got == *want) == *equal
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_split_into_group_namespace_name_and_subresource() {
        let p = parse_path("/apis/apps/v1/namespaces/sock-shop/deployments/carts/scale")
            .expect("a resource path");
        assert_eq!(p.group, "apps");
        assert_eq!(p.namespace, Some("sock-shop"));
        assert_eq!(p.name, Some("carts"));
        assert_eq!(p.sub, Some("scale"));
        let p = parse_path("/api/v1/namespaces/sock-shop").expect("a namespace path");
        assert_eq!((p.plural, p.name), ("namespaces", Some("sock-shop")));
        let p = parse_path("/api/v1/pods").expect("all pods");
        assert_eq!((p.namespace, p.plural), (None, "pods"));
    }

    #[test]
    fn field_selectors_compare_nested_fields() {
        let f = FieldSelector::parse("involvedObject.name=a,status.phase!=Failed").expect("valid");
        assert!(
            f.matches(&json!({"involvedObject": {"name": "a"}, "status": {"phase": "Running"}}))
        );
        assert!(!f.matches(&json!({"involvedObject": {"name": "b"}})));
    }
}
