//! `kubectl patch`: JSON merge patches, strategic merge patches (lists of named items merge by
//! their key) and JSON patches, applied to an object's JSON form and decoded back; and the
//! three-way strategic merge patch client-side `kubectl apply` computes ([`three_way`]).

use serde_json::{Map, Value};

use super::output::CommandOutput;
use super::resources::ResourceKind;
use crate::world::ops::{ApiError, Edit};
use crate::world::{ObjectKey, World};

/// The fields whose list items are containers.
const CONTAINER_LISTS: &[&str] = &["containers", "initContainers", "ephemeralContainers"];

/// The merge key of the list at `path` (the field names from the object's root, list
/// positions left out), as the patch strategies of the Kubernetes types declare them; `None`
/// for a list that a patch replaces whole.
///
/// Lists of strings with the merge strategy (`metadata.finalizers`) are treated as replaced
/// whole: no simulated object carries one.
fn merge_key(path: &[String]) -> Option<&'static str> {
    let (last, parent) = match path {
        [.., p, l] => (l.as_str(), Some(p.as_str())),
        [l] => (l.as_str(), None),
        [] => return None,
    };
    let in_container = parent.is_some_and(|p| CONTAINER_LISTS.contains(&p));
    Some(match last {
        "containers"
        | "initContainers"
        | "ephemeralContainers"
        | "volumes"
        | "imagePullSecrets" => "name",
        "env" if in_container => "name",
        "ports" if in_container => "containerPort",
        "volumeMounts" if in_container => "mountPath",
        "volumeDevices" if in_container => "devicePath",
        // A Service's `spec.ports`.
        "ports" if parent == Some("spec") => "port",
        "hostAliases" => "ip",
        "ownerReferences" if parent == Some("metadata") => "uid",
        "conditions" if parent == Some("status") => "type",
        _ => return None,
    })
}

/// Whether the map at `path` (or, for a list, each of its items) has the `retainKeys`
/// strategy: a deployment's `spec.strategy` and the items of `volumes`.
fn retains_keys(path: &[String]) -> bool {
    matches!(path, [a, b] if a == "spec" && b == "strategy")
        || path.last().is_some_and(|l| l == "volumes")
}

/// Applies `patch` of `patch_type` (`strategic`, `merge`, `json`) to one object.
///
/// # Errors
/// kubectl's rendering of a malformed patch, a missing object, an unsupported type or a result
/// that no longer fits the object's schema.
pub fn patch(
    world: &mut World,
    kind: ResourceKind,
    namespace: &str,
    name: &str,
    patch_type: &str,
    patch: &str,
) -> Result<Edit, CommandOutput> {
    // kubectl reads the patch as YAML (JSON is YAML) and sends what it reads, a plain string
    // included; the server then rejects what is not an object (or, for a JSON patch, a list).
    let parsed: Value = match serde_json::from_str(patch) {
        Ok(v) => v,
        Err(_) => match serde_saphyr::from_str::<Value>(patch) {
            Ok(v) => v,
            Err(_) => {
                return Err(CommandOutput::error(format!(
                    "error: unable to parse \"{patch}\": yaml: did not find expected node content\n"
                )));
            }
        },
    };
    let Some(object) = world.get(kind, namespace, name) else {
        return Err(CommandOutput::error(
            ApiError::not_found(kind, name).kubectl_line(),
        ));
    };
    let original = object.to_json();
    let patched = match patch_type {
        "" | "strategic" | "merge" => {
            if !parsed.is_object() {
                return Err(bad_request(&format!(
                    "json: cannot unmarshal {} into Go value of type map[string]interface {{}}",
                    go_type(&parsed)
                )));
            }
            merge(&original, &parsed, patch_type != "merge")
        }
        "json" => {
            let Some(ops) = parsed.as_array() else {
                return Err(bad_request(&format!(
                    "json: cannot unmarshal {} into Go value of type jsonpatch.Patch",
                    go_type(&parsed)
                )));
            };
            json_patch(original.clone(), ops).map_err(|m| bad_request(&m))?
        }
        other => {
            return Err(CommandOutput::error(format!(
                "error: --type must be one of [json merge strategic], not \"{other}\"\n"
            )));
        }
    };
    if patched == original {
        return Ok(Edit::Unchanged);
    }
    store(world, kind, namespace, name, patched)?;
    Ok(Edit::Changed)
}

/// The word Go's JSON decoder uses for a value's type in its errors.
fn go_type(v: &Value) -> &'static str {
    match v {
        Value::Object(_) => "object",
        Value::Array(_) => "array",
        Value::String(_) => "string",
        Value::Number(_) => "number",
        Value::Bool(_) => "bool",
        Value::Null => "null",
    }
}

fn bad_request(message: &str) -> CommandOutput {
    CommandOutput::error(format!("Error from server (BadRequest): {message}\n"))
}

/// Decodes the patched JSON and puts it in place of the object.
fn store(
    world: &mut World,
    kind: ResourceKind,
    ns: &str,
    name: &str,
    value: Value,
) -> Result<(), CommandOutput> {
    let invalid = |e: serde_json::Error| {
        CommandOutput::error(format!(
            "Error from server (BadRequest): error decoding patched {}: {e}\n",
            kind.info().kind_name
        ))
    };
    let key = ObjectKey::new(ns, name);
    match kind {
        ResourceKind::Deployment => {
            let d: k8s_openapi::api::apps::v1::Deployment =
                serde_json::from_value(value).map_err(invalid)?;
            world.edit_deployment_from_patch(&key, d);
        }
        ResourceKind::Service
        | ResourceKind::ConfigMap
        | ResourceKind::HorizontalPodAutoscaler
        | ResourceKind::Namespace
        | ResourceKind::ServiceAccount
        | ResourceKind::Pod => {
            world
                .replace_object(kind, &key, value)
                .map_err(|e| CommandOutput::error(e.kubectl_line()))?;
        }
        other => {
            return Err(CommandOutput::error(format!(
                "error: patching {} is not supported by the simulator\n",
                other.info().plural
            )));
        }
    }
    Ok(())
}

/// A JSON merge patch; with `strategic`, a strategic merge patch: lists under known keys merge
/// item by item, and the directives `$patch` (`replace`, `delete`), `$retainKeys`,
/// `$setElementOrder/FIELD` and `$deleteFromPrimitiveList/FIELD` act as the API server's
/// strategic merge does.
pub fn merge(target: &Value, patch: &Value, strategic: bool) -> Value {
    if strategic {
        merge_at(target, patch, &mut Vec::new())
    } else {
        merge_plain(target, patch)
    }
}

fn merge_plain(target: &Value, patch: &Value) -> Value {
    let (Some(t), Some(p)) = (target.as_object(), patch.as_object()) else {
        return patch.clone();
    };
    let mut out: Map<String, Value> = t.clone();
    for (k, pv) in p {
        if pv.is_null() {
            out.remove(k);
            continue;
        }
        let merged = match out.get(k) {
            Some(tv) if tv.is_object() && pv.is_object() => merge_plain(tv, pv),
            _ => pv.clone(),
        };
        out.insert(k.clone(), merged);
    }
    Value::Object(out)
}

fn directive(v: &Value) -> Option<&str> {
    v.get("$patch").and_then(Value::as_str)
}

/// A strategic merge of `patch` into `target`, the map at `path`.
fn merge_at(target: &Value, patch: &Value, path: &mut Vec<String>) -> Value {
    let (Some(t), Some(p)) = (target.as_object(), patch.as_object()) else {
        return clean(patch);
    };
    if directive(patch) == Some("replace") {
        return clean(patch);
    }
    let mut out: Map<String, Value> = t.clone();
    for (k, pv) in p {
        if k.starts_with('$') {
            continue;
        }
        if pv.is_null() || (pv.is_object() && directive(pv) == Some("delete")) {
            out.remove(k);
            continue;
        }
        path.push(k.clone());
        let merged = match (out.get(k), pv) {
            (Some(Value::Array(ta)), Value::Array(pa)) => match merge_key(path) {
                Some(key) => Value::Array(merge_list(ta, pa, key, path)),
                None => clean(pv),
            },
            (Some(tv), _) if tv.is_object() && pv.is_object() => merge_at(tv, pv, path),
            _ => clean(pv),
        };
        path.pop();
        out.insert(k.clone(), merged);
    }
    for (k, pv) in p {
        if let Some(field) = k.strip_prefix("$setElementOrder/") {
            let Some(Value::Array(order)) = Some(pv) else {
                continue;
            };
            path.push(field.to_string());
            let key = merge_key(path);
            path.pop();
            let server = t.get(field).and_then(Value::as_array).cloned();
            if let Some(Value::Array(items)) = out.get_mut(field) {
                let merged = std::mem::take(items);
                *items = element_order(merged, order, server.as_deref().unwrap_or(&[]), key);
            }
        } else if let Some(field) = k.strip_prefix("$deleteFromPrimitiveList/") {
            let gone = pv.as_array().cloned().unwrap_or_default();
            if let Some(Value::Array(items)) = out.get_mut(field) {
                items.retain(|v| !gone.contains(v));
            }
        }
    }
    if let Some(Value::Array(keep)) = p.get("$retainKeys") {
        out.retain(|k, _| keep.iter().any(|r| r.as_str() == Some(k)));
    }
    Value::Object(out)
}

/// A patch value put where the target has nothing to merge with: its directives removed, and
/// list items that ask to be deleted left out.
fn clean(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(k, _)| !k.starts_with('$'))
                .map(|(k, v)| (k.clone(), clean(v)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(
            a.iter()
                .filter(|i| !(i.is_object() && directive(i).is_some()))
                .map(clean)
                .collect(),
        ),
        other => other.clone(),
    }
}

fn merge_list(target: &[Value], patch: &[Value], key: &str, path: &mut Vec<String>) -> Vec<Value> {
    if patch.iter().any(|i| directive(i) == Some("replace")) {
        return patch
            .iter()
            .filter(|i| directive(i) != Some("replace"))
            .map(clean)
            .collect();
    }
    let mut out: Vec<Value> = target.to_vec();
    for item in patch {
        let id = item.get(key);
        let delete = directive(item) == Some("delete");
        match out.iter().position(|t| id.is_some() && t.get(key) == id) {
            Some(i) if delete => {
                out.remove(i);
            }
            Some(i) => out[i] = merge_at(&out[i], item, path),
            None if !delete => out.push(clean(item)),
            None => {}
        }
    }
    out
}

/// Orders a merged list as `$setElementOrder` asks, as the API server does: the items the
/// order names come in its order, the others keep their order in the live list, and the two
/// runs interleave by their positions in the live list.
fn element_order(
    merged: Vec<Value>,
    order: &[Value],
    server: &[Value],
    key: Option<&str>,
) -> Vec<Value> {
    let id = |v: &Value| match key {
        Some(k) => v.get(k).cloned().unwrap_or(Value::Null),
        None => v.clone(),
    };
    let order_ids: Vec<Value> = order.iter().map(id).collect();
    let server_ids: Vec<Value> = server.iter().map(id).collect();
    let position = |ids: &[Value], v: &Value| ids.iter().position(|i| *i == id(v));
    let (mut named, mut server_only): (Vec<Value>, Vec<Value>) = merged
        .into_iter()
        .partition(|v| position(&order_ids, v).is_some());
    named.sort_by_key(|v| position(&order_ids, v));
    server_only.sort_by_key(|v| position(&server_ids, v));
    let (mut left, mut right) = (
        server_only.into_iter().peekable(),
        named.into_iter().peekable(),
    );
    let mut out = Vec::new();
    loop {
        let take_left = match (left.peek(), right.peek()) {
            (None, None) => break,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (Some(l), Some(r)) => matches!(
                (position(&server_ids, l), position(&server_ids, r)),
                (Some(li), Some(ri)) if li < ri
            ),
        };
        out.extend(if take_left { left.next() } else { right.next() });
    }
    out
}

/// The strategic merge patch client-side `kubectl apply` sends: what turns `current` (the live
/// object) into `modified` (the manifest, with its last-applied annotation) for the fields
/// `modified` sets, plus the removal of the fields `original` (the previous last-applied
/// configuration) set and `modified` no longer does. Fields only the server set are left
/// alone. An empty object means there is nothing to change.
pub fn three_way(original: Option<&Value>, modified: &Value, current: &Value) -> Value {
    let empty = Map::new();
    let as_map = |v: Option<&Value>| v.and_then(Value::as_object).cloned();
    let modified = as_map(Some(modified)).unwrap_or_default();
    let delta = diff_maps(
        &as_map(Some(current)).unwrap_or_default(),
        &modified,
        &mut Vec::new(),
        Diff::ChangesOnly,
    );
    let deletions = diff_maps(
        as_map(original).as_ref().unwrap_or(&empty),
        &modified,
        &mut Vec::new(),
        Diff::DeletionsOnly,
    );
    Value::Object(combine(deletions, delta, &mut Vec::new()))
}

/// Two patches as one: `b`'s fields added to `a`'s, maps and keyed lists combined item by item,
/// directives kept.
fn combine(
    mut a: Map<String, Value>,
    b: Map<String, Value>,
    path: &mut Vec<String>,
) -> Map<String, Value> {
    for (k, bv) in b {
        path.push(k.clone());
        let joined = match (a.remove(&k), bv) {
            (Some(Value::Object(x)), Value::Object(y)) => Value::Object(combine(x, y, path)),
            (Some(Value::Array(x)), Value::Array(y)) if merge_key(path).is_some() => {
                let key = merge_key(path).unwrap_or_default();
                let mut items = x;
                for item in y {
                    let id = item.get(key).cloned();
                    match items
                        .iter()
                        .position(|i| id.is_some() && i.get(key).cloned() == id)
                    {
                        Some(i) => match (&mut items[i], item) {
                            (Value::Object(x), Value::Object(y)) => {
                                let x = std::mem::take(x);
                                items[i] = Value::Object(combine(x, y, path));
                            }
                            (slot, item) => *slot = item,
                        },
                        None => items.push(item),
                    }
                }
                Value::Array(items)
            }
            (_, bv) => bv,
        };
        path.pop();
        a.insert(k, joined);
    }
    a
}

/// Which differences a diff reports.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Diff {
    /// Fields added or changed in the modified map.
    ChangesOnly,
    /// Fields of the original map that the modified map lacks.
    DeletionsOnly,
}

fn diff_maps(
    original: &Map<String, Value>,
    modified: &Map<String, Value>,
    path: &mut Vec<String>,
    mode: Diff,
) -> Map<String, Value> {
    let mut patch = Map::new();
    for (k, mv) in modified {
        let Some(ov) = original.get(k) else {
            if mode == Diff::ChangesOnly {
                patch.insert(k.clone(), mv.clone());
            }
            continue;
        };
        path.push(k.clone());
        match (ov, mv) {
            (Value::Object(o), Value::Object(m)) => {
                let mut sub = diff_maps(o, m, path, mode);
                if retains_keys(path) && !sub.is_empty() {
                    sub.insert("$retainKeys".into(), retained(m));
                }
                if !sub.is_empty() {
                    patch.insert(k.clone(), Value::Object(sub));
                }
            }
            (Value::Array(o), Value::Array(m)) => match merge_key(path) {
                Some(key) if m.iter().chain(o).all(Value::is_object) => {
                    let list = diff_lists(o, m, key, path, mode);
                    if !list.is_empty() {
                        let order = m.iter().map(|i| json_key(i, key)).collect();
                        patch.insert(k.clone(), Value::Array(list));
                        patch.insert(format!("$setElementOrder/{k}"), Value::Array(order));
                    }
                }
                _ => {
                    if mode == Diff::ChangesOnly && o != m {
                        patch.insert(k.clone(), mv.clone());
                    }
                }
            },
            _ => {
                if mode == Diff::ChangesOnly && ov != mv {
                    patch.insert(k.clone(), mv.clone());
                }
            }
        }
        path.pop();
    }
    if mode == Diff::DeletionsOnly {
        for k in original.keys() {
            if !modified.contains_key(k) {
                patch.insert(k.clone(), Value::Null);
            }
        }
    }
    patch
}

fn json_key(item: &Value, key: &str) -> Value {
    let mut m = Map::new();
    m.insert(
        key.to_string(),
        item.get(key).cloned().unwrap_or(Value::Null),
    );
    Value::Object(m)
}

/// The `$retainKeys` of a map: its fields that are set, sorted.
fn retained(m: &Map<String, Value>) -> Value {
    let mut keys: Vec<&String> = m
        .iter()
        .filter(|(k, v)| !v.is_null() && !k.starts_with('$'))
        .map(|(k, _)| k)
        .collect();
    keys.sort();
    Value::Array(keys.into_iter().map(|k| Value::String(k.clone())).collect())
}

fn diff_lists(
    original: &[Value],
    modified: &[Value],
    key: &str,
    path: &mut Vec<String>,
    mode: Diff,
) -> Vec<Value> {
    let id = |v: &Value| v.get(key).cloned();
    let mut out = Vec::new();
    for m in modified {
        let found = original.iter().find(|o| id(o).is_some() && id(o) == id(m));
        match found {
            None => {
                if mode == Diff::ChangesOnly {
                    out.push(m.clone());
                }
            }
            Some(o) => {
                let (Some(om), Some(mm)) = (o.as_object(), m.as_object()) else {
                    continue;
                };
                let mut sub = diff_maps(om, mm, path, mode);
                if retains_keys(path) && !sub.is_empty() {
                    sub.insert("$retainKeys".into(), retained(mm));
                }
                if !sub.is_empty() {
                    sub.insert(key.to_string(), m.get(key).cloned().unwrap_or(Value::Null));
                    out.push(Value::Object(sub));
                }
            }
        }
    }
    if mode == Diff::DeletionsOnly {
        for o in original {
            if !modified.iter().any(|m| id(m).is_some() && id(m) == id(o)) {
                let mut gone = Map::new();
                gone.insert(key.to_string(), o.get(key).cloned().unwrap_or(Value::Null));
                gone.insert("$patch".into(), Value::String("delete".into()));
                out.push(Value::Object(gone));
            }
        }
    }
    out
}

/// Applies RFC 6902 operations.
fn json_patch(mut doc: Value, ops: &[Value]) -> Result<Value, String> {
    for op in ops {
        let kind = op.get("op").and_then(Value::as_str).unwrap_or("");
        let path = op.get("path").and_then(Value::as_str).unwrap_or("");
        match kind {
            "add" | "replace" | "test" => {
                let value = op
                    .get("value")
                    .cloned()
                    .ok_or_else(|| format!("missing value for {kind} operation"))?;
                if kind == "test" {
                    if doc.pointer(path) != Some(&value) {
                        return Err(format!("testing value {path} failed: test failed"));
                    }
                    continue;
                }
                if kind == "replace" && doc.pointer(path).is_none() {
                    return Err(format!(
                        "replace operation does not apply: doc is missing key: {path}: missing value"
                    ));
                }
                put(&mut doc, path, value, kind == "add")?;
            }
            "remove" => {
                take(&mut doc, path)?;
            }
            "move" | "copy" => {
                let from = op.get("from").and_then(Value::as_str).unwrap_or("");
                let value = if kind == "move" {
                    take(&mut doc, from)?
                } else {
                    doc.pointer(from).cloned().ok_or_else(|| {
                        format!("copy operation does not apply: doc is missing from path: {from}")
                    })?
                };
                put(&mut doc, path, value, true)?;
            }
            other => return Err(format!("Unexpected kind: {other}")),
        }
    }
    Ok(doc)
}

fn split_pointer(path: &str) -> Result<(String, String), String> {
    let Some(i) = path.rfind('/') else {
        return Err(format!("invalid JSON pointer {path:?}"));
    };
    let last = path[i + 1..].replace("~1", "/").replace("~0", "~");
    Ok((path[..i].to_string(), last))
}

fn put(doc: &mut Value, path: &str, value: Value, insert: bool) -> Result<(), String> {
    let (parent, last) = split_pointer(path)?;
    let target = doc.pointer_mut(&parent).ok_or_else(|| {
        format!("add operation does not apply: doc is missing path: \"{path}\": missing value")
    })?;
    match target {
        Value::Object(m) => {
            m.insert(last, value);
            Ok(())
        }
        Value::Array(a) => {
            if last == "-" {
                a.push(value);
                return Ok(());
            }
            let i: usize = last
                .parse()
                .map_err(|_| format!("invalid array index {last:?}"))?;
            if insert && i <= a.len() {
                a.insert(i, value);
            } else if !insert && i < a.len() {
                a[i] = value;
            } else {
                return Err(format!(
                    "add operation does not apply: doc is missing path: \"{path}\": missing value"
                ));
            }
            Ok(())
        }
        _ => Err(format!(
            "add operation does not apply: doc is missing path: \"{path}\": missing value"
        )),
    }
}

fn take(doc: &mut Value, path: &str) -> Result<Value, String> {
    let (parent, last) = split_pointer(path)?;
    let missing = || {
        format!("remove operation does not apply: doc is missing path: \"{path}\": missing value")
    };
    match doc.pointer_mut(&parent).ok_or_else(missing)? {
        Value::Object(m) => m.remove(&last).ok_or_else(missing),
        Value::Array(a) => {
            let i: usize = last.parse().map_err(|_| missing())?;
            if i < a.len() {
                Ok(a.remove(i))
            } else {
                Err(missing())
            }
        }
        _ => Err(missing()),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    #[test]
    fn strategic_merge_merges_containers_by_name_and_merge_patch_replaces_lists() {
        let target = json!({"spec": {"containers": [{"name": "a", "image": "x"}, {"name": "b", "image": "y"}]}});
        let patch = json!({"spec": {"containers": [{"name": "b", "image": "z"}]}});
        let s = merge(&target, &patch, true);
        assert_eq!(s["spec"]["containers"][0]["image"], "x");
        assert_eq!(s["spec"]["containers"][1]["image"], "z");
        let m = merge(&target, &patch, false);
        assert_eq!(m["spec"]["containers"].as_array().unwrap().len(), 1);
        let removed = merge(&json!({"a": 1, "b": 2}), &json!({"a": null}), false);
        assert_eq!(removed, json!({"b": 2}));
    }

    #[test]
    fn service_ports_merge_by_port_and_container_ports_by_container_port() {
        let svc = json!({"spec": {"ports": [{"port": 80, "targetPort": 8080}, {"port": 443}]}});
        let out = merge(
            &svc,
            &json!({"spec": {"ports": [{"port": 80, "targetPort": 9090}]}}),
            true,
        );
        assert_eq!(
            out["spec"]["ports"],
            json!([{"port": 80, "targetPort": 9090}, {"port": 443}])
        );
        let pod =
            json!({"spec": {"containers": [{"name": "a", "ports": [{"containerPort": 80}]}]}});
        let patch =
            json!({"spec": {"containers": [{"name": "a", "ports": [{"containerPort": 81}]}]}});
        let out = merge(&pod, &patch, true);
        assert_eq!(
            out["spec"]["containers"][0]["ports"],
            json!([{"containerPort": 80}, {"containerPort": 81}])
        );
    }

    #[test]
    fn directives_order_retain_and_delete() {
        let target = json!({"spec": {
            "containers": [{"name": "a", "image": "x"}, {"name": "b", "image": "y"}],
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}},
        }});
        let patch = json!({"spec": {
            "$setElementOrder/containers": [{"name": "c"}, {"name": "a"}],
            "containers": [{"name": "c", "image": "z"}, {"name": "b", "$patch": "delete"}],
            "strategy": {"$retainKeys": ["type"], "type": "Recreate"},
        }});
        let out = merge(&target, &patch, true);
        assert_eq!(
            out["spec"]["containers"],
            json!([{"name": "c", "image": "z"}, {"name": "a", "image": "x"}])
        );
        assert_eq!(out["spec"]["strategy"], json!({"type": "Recreate"}));
        let list = json!({"finalizers": ["a", "b"]});
        let out = merge(
            &list,
            &json!({"$deleteFromPrimitiveList/finalizers": ["a"]}),
            true,
        );
        assert_eq!(out["finalizers"], json!(["b"]));
    }

    #[test]
    fn three_way_patches_changes_and_removals_but_not_server_fields() {
        let original = json!({"spec": {"replicas": 1, "paused": false}});
        let modified = json!({"spec": {"replicas": 1, "template": {"spec": {"containers": [{"name": "a", "image": "v2"}]}}}});
        let current = json!({"spec": {
            "replicas": 3, "paused": false, "revisionHistoryLimit": 10,
            "template": {"spec": {"containers": [{"name": "a", "image": "v1", "env": [{"name": "X"}]}]}},
        }});
        let patch = three_way(Some(&original), &modified, &current);
        assert_eq!(
            patch,
            json!({"spec": {
                "replicas": 1, "paused": null,
                "template": {"spec": {
                    "$setElementOrder/containers": [{"name": "a"}],
                    "containers": [{"name": "a", "image": "v2"}],
                }},
            }})
        );
        let out = merge(&current, &patch, true);
        assert_eq!(out["spec"]["replicas"], 1);
        assert_eq!(out["spec"]["revisionHistoryLimit"], 10);
        assert_eq!(
            out["spec"]["template"]["spec"]["containers"][0]["env"],
            json!([{"name": "X"}])
        );
        assert!(out["spec"].get("paused").is_none());
        assert_eq!(three_way(Some(&modified), &modified, &out), json!({}));
    }

    #[test]
    fn json_patch_operations_follow_rfc_6902() {
        let doc = json!({"spec": {"replicas": 1, "list": [1, 2]}});
        let ops = json!([
            {"op": "replace", "path": "/spec/replicas", "value": 3},
            {"op": "add", "path": "/spec/list/-", "value": 3},
            {"op": "remove", "path": "/spec/list/0"},
            {"op": "test", "path": "/spec/replicas", "value": 3}
        ]);
        let out = json_patch(doc.clone(), ops.as_array().unwrap()).unwrap();
        assert_eq!(out, json!({"spec": {"replicas": 3, "list": [2, 3]}}));
        let bad = json!([{"op": "replace", "path": "/spec/nope", "value": 1}]);
        assert!(json_patch(doc, bad.as_array().unwrap()).is_err());
    }
}
