//! Client-side `kubectl apply`: the last-applied annotation kubectl records on each object it
//! applies, and the three-way strategic merge patch it sends for an object that exists.

use serde_json::{Map, Value};

/// The annotation in which `kubectl apply` records the configuration it last applied.
pub const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// The warning kubectl prints when it applies to an object without [`LAST_APPLIED`];
/// `resource` is `plural/name` (`deployments/carts`).
pub fn missing_annotation_warning(resource: &str) -> String {
    format!(
        "Warning: resource {resource} is missing the {LAST_APPLIED} annotation which is required by kubectl apply. kubectl apply should only be used on resources created declaratively by either kubectl create --save-config or kubectl apply. The missing annotation will be patched automatically.\n"
    )
}

/// What kubectl apply sends for an object read from a manifest: the object with
/// [`LAST_APPLIED`] set to the object itself (its annotations without the last-applied one,
/// as an empty map when it has none), encoded as kubectl encodes it. Returns the annotated
/// object and the annotation's text.
///
/// `object` is the manifest as [`crate::manifest`] read it. Where that reader resolves a plain
/// scalar otherwise than kubectl's YAML 1.1 reader (`010` is the number 10 here and 8 for
/// kubectl), the recorded configuration differs from kubectl's.
pub fn annotate(object: &Value) -> (Value, String) {
    let mut object = object.clone();
    let Some(meta) = object.get_mut("metadata").and_then(Value::as_object_mut) else {
        let text = format!("{}\n", go_json(&object));
        return (object, text);
    };
    let mut annotations = meta
        .get("annotations")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    annotations.remove(LAST_APPLIED);
    meta.insert("annotations".into(), Value::Object(annotations.clone()));
    let text = format!("{}\n", go_json(&object));
    annotations.insert(LAST_APPLIED.into(), Value::String(text.clone()));
    if let Some(meta) = object.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.insert("annotations".into(), Value::Object(annotations));
    }
    (object, text)
}

/// The configuration an object was last applied with, read from its annotation.
pub fn last_applied(current: &Value) -> Option<Value> {
    let text = current
        .pointer("/metadata/annotations")
        .and_then(|a| a.get(LAST_APPLIED))
        .and_then(Value::as_str)?;
    serde_json::from_str(text).ok()
}

/// JSON as Go's `encoding/json` writes a decoded object: map keys sorted, no spaces, `<`, `>`,
/// `&`, U+2028 and U+2029 escaped, and whole floating-point numbers without a fraction.
///
/// Other floating-point numbers are written as Rust writes them, which differs from Go for
/// exponents (`1e-07` in Go); manifests do not hold such numbers.
pub fn go_json(v: &Value) -> String {
    let mut out = String::new();
    write_go_json(v, &mut out);
    out
}

fn write_go_json(v: &Value, out: &mut String) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => match n.as_f64() {
            Some(f) if n.is_f64() && f.fract() == 0.0 && f.abs() < 1e21 => {
                out.push_str(&format!("{f:.0}"));
            }
            _ => out.push_str(&n.to_string()),
        },
        Value::String(s) => out.push_str(&go_string(s)),
        Value::Array(a) => {
            out.push('[');
            for (i, item) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_go_json(item, out);
            }
            out.push(']');
        }
        Value::Object(m) => {
            out.push('{');
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&go_string(k));
                out.push(':');
                write_go_json(&m[k], out);
            }
            out.push('}');
        }
    }
}

fn go_string(s: &str) -> String {
    serde_json::to_string(s)
        .unwrap_or_default()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029")
}

/// Sets `metadata.namespace` of a raw object when it has metadata and no namespace.
pub(crate) fn set_raw_namespace(object: &mut Value, namespace: &str) {
    if let Some(meta) = object.get_mut("metadata").and_then(Value::as_object_mut)
        && !meta.contains_key("namespace")
    {
        meta.insert("namespace".into(), Value::String(namespace.to_string()));
    }
}

/// An empty patch: nothing to send.
pub(crate) fn is_empty_patch(patch: &Value) -> bool {
    patch.as_object().is_none_or(Map::is_empty)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    #[test]
    fn the_annotation_records_the_object_with_sorted_keys_and_empty_annotations() {
        let raw = json!({"kind": "Service", "apiVersion": "v1", "metadata": {"name": "a"}, "spec": {"x": "<&>"}});
        let (annotated, text) = annotate(&raw);
        assert_eq!(
            text,
            "{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"annotations\":{},\"name\":\"a\"},\"spec\":{\"x\":\"\\u003c\\u0026\\u003e\"}}\n"
        );
        assert_eq!(annotated["metadata"]["annotations"][LAST_APPLIED], text);
        assert_eq!(last_applied(&annotated).unwrap()["spec"]["x"], "<&>");
    }
}
