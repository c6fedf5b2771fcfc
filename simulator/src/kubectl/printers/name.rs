//! `-o name`: `kind[.group]/name` per object, as cli-runtime's name printer writes it.

use serde_json::Value;

/// The `-o name` form of one object: `pod/x`, `deployment.apps/carts`.
///
/// The kind is lower-cased and the API group (the part of `apiVersion` before `/`, none for
/// the core group) appended after a dot. Missing fields print as empty strings.
pub fn resource_name(object: &Value) -> String {
    let kind = object
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let api_version = object
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let name = object
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let kind = kind.to_lowercase();
    match api_version.split_once('/') {
        Some((group, _)) if !group.is_empty() => format!("{kind}.{group}/{name}"),
        _ => format!("{kind}/{name}"),
    }
}

/// Prints objects one `-o name` line each. A `List` (an object with an `items` array) prints
/// its items.
pub fn print_names(objects: &[Value]) -> String {
    let mut out = String::new();
    for object in objects {
        match object.get("items").and_then(Value::as_array) {
            Some(items)
                if object
                    .get("kind")
                    .and_then(Value::as_str)
                    .is_some_and(|k| k.ends_with("List")) =>
            {
                for item in items {
                    out.push_str(&resource_name(item));
                    out.push('\n');
                }
            }
            _ => {
                out.push_str(&resource_name(object));
                out.push('\n');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn core_kinds_have_no_group() {
        let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "x"}});
        assert_eq!(resource_name(&pod), "pod/x");
    }

    #[test]
    fn grouped_kinds_carry_their_group() {
        let dep =
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "carts"}});
        let hpa = json!({"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "carts"}});
        assert_eq!(
            print_names(&[dep, hpa]),
            "deployment.apps/carts\nhorizontalpodautoscaler.autoscaling/carts\n"
        );
    }

    #[test]
    fn lists_print_their_items() {
        let list = super::super::list_of(vec![
            json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "a"}}),
        ]);
        assert_eq!(print_names(&[list]), "service/a\n");
    }
}
