//! `kubectl patch`: JSON merge patches, strategic merge patches (lists of named items merge by
//! their key) and JSON patches, applied to an object's JSON form and decoded back.

use serde_json::{Map, Value};

use super::output::CommandOutput;
use super::resources::ResourceKind;
use crate::world::ops::{ApiError, Edit};
use crate::world::{ObjectKey, World};

/// List fields that strategic merge patches merge by a key instead of replacing.
const MERGE_KEYS: &[(&str, &str)] = &[
    ("containers", "name"),
    ("initContainers", "name"),
    ("volumes", "name"),
    ("env", "name"),
    ("volumeMounts", "mountPath"),
    ("ports", "containerPort"),
    ("imagePullSecrets", "name"),
];

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

/// A JSON merge patch; with `strategic`, lists under known keys merge item by item.
pub fn merge(target: &Value, patch: &Value, strategic: bool) -> Value {
    let (Some(t), Some(p)) = (target.as_object(), patch.as_object()) else {
        return patch.clone();
    };
    let mut out: Map<String, Value> = t.clone();
    for (k, pv) in p {
        if pv.is_null() {
            out.remove(k);
            continue;
        }
        let merged = match (out.get(k), pv) {
            (Some(Value::Array(ta)), Value::Array(pa)) if strategic => {
                match MERGE_KEYS.iter().find(|(f, _)| f == k) {
                    Some((_, key)) => Value::Array(merge_list(ta, pa, key)),
                    None => pv.clone(),
                }
            }
            (Some(tv), _) if tv.is_object() && pv.is_object() => merge(tv, pv, strategic),
            _ => pv.clone(),
        };
        out.insert(k.clone(), merged);
    }
    Value::Object(out)
}

fn merge_list(target: &[Value], patch: &[Value], key: &str) -> Vec<Value> {
    let mut out: Vec<Value> = target.to_vec();
    for item in patch {
        let id = item.get(key);
        let delete = item.get("$patch").and_then(Value::as_str) == Some("delete");
        match out.iter().position(|t| id.is_some() && t.get(key) == id) {
            Some(i) if delete => {
                out.remove(i);
            }
            Some(i) => out[i] = merge(&out[i], item, true),
            None if !delete => out.push(item.clone()),
            None => {}
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
