//! Output formats of `kubectl -o`: `json`, `yaml`, `name`, `custom-columns`, and the `List`
//! wrapper kubectl puts around several objects (`jsonpath` lives in its own module).
//!
//! Every printer takes unstructured objects (`serde_json::Value`), as kubectl prints them.

mod custom_columns;
mod json;
mod name;
mod yaml;

use serde_json::Value;

pub use custom_columns::{CustomColumns, CustomColumnsError, relaxed_jsonpath};
pub use json::{compact_json, print_json};
pub use name::{print_names, resource_name};
pub(crate) use yaml::go_g_format as go_g_float;
pub use yaml::print_yaml;

/// Wraps objects the way `kubectl get -o json|yaml` does when it prints more than one object
/// (or a list): `{"apiVersion": "v1", "items": [...], "kind": "List", "metadata":
/// {"resourceVersion": ""}}`.
pub fn list_of(items: Vec<Value>) -> Value {
    serde_json::json!({
        "apiVersion": "v1",
        "items": items,
        "kind": "List",
        "metadata": {"resourceVersion": ""},
    })
}
