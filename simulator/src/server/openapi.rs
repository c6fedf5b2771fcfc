//! `/openapi/v3`: the index of group-version documents and the documents themselves, built
//! from [`RESOURCES`] and the operations this server answers.
//!
//! What kubectl reads from them: `apply` and `create` look up the `PATCH` operation of each
//! object's group, version and kind (`x-kubernetes-group-version-kind`) and, when it lists the
//! `fieldValidation` query parameter, leave validation to the server and send
//! `fieldValidation=Strict`. `apply` also checks whether that operation's request body accepts
//! `application/strategic-merge-patch+json`, and if so computes its patch from the document's
//! schemas.
//!
//! The documents list paths, operations and their parameters, and no request bodies or
//! schemas: kubectl then computes strategic merge patches from the types compiled into it,
//! which carry the same patch strategies and merge keys the API server's schemas do. Without
//! schemas, `kubectl explain` has nothing to print.
//!
//! The server accepts `fieldValidation` on writes but does not report fields the type lacks:
//! bodies are decoded as the interpreter decodes manifests, which drops them.

use serde_json::{Value, json};

use super::Reply;
use super::status;
use crate::kubectl::resources::{RESOURCES, ResourceInfo, ResourceKind};
use crate::world::World;

/// Whether the server answers `POST` on the type's collection (creation through
/// [`World::apply`]).
pub(crate) fn creatable(kind: ResourceKind) -> bool {
    matches!(
        kind,
        ResourceKind::Namespace
            | ResourceKind::Deployment
            | ResourceKind::Service
            | ResourceKind::ConfigMap
            | ResourceKind::ServiceAccount
            | ResourceKind::HorizontalPodAutoscaler
    )
}

/// Whether the server answers `PATCH` on an object of the type ([`crate::kubectl::patch`]):
/// every creatable type, and pods (which only their replica sets create).
pub(crate) fn patchable(kind: ResourceKind) -> bool {
    creatable(kind) || kind == ResourceKind::Pod
}

/// Whether the server answers `DELETE` on an object of the type ([`World::delete`]).
pub(crate) fn deletable(kind: ResourceKind) -> bool {
    matches!(
        kind,
        ResourceKind::Pod
            | ResourceKind::Deployment
            | ResourceKind::ReplicaSet
            | ResourceKind::Service
            | ResourceKind::ConfigMap
            | ResourceKind::HorizontalPodAutoscaler
            | ResourceKind::ServiceAccount
            | ResourceKind::Event
    )
}

/// The index key of a group version: `api/v1`, `apis/apps/v1`.
fn gv_path(group: &str, version: &str) -> String {
    if group.is_empty() {
        format!("api/{version}")
    } else {
        format!("apis/{group}/{version}")
    }
}

/// The served group versions, in [`RESOURCES`] order.
fn group_versions() -> Vec<(&'static str, &'static str)> {
    let mut out: Vec<(&str, &str)> = Vec::new();
    for r in RESOURCES {
        if !out.contains(&(r.group, r.version)) {
            out.push((r.group, r.version));
        }
    }
    out
}

/// Answers `/openapi/v3` and `/openapi/v3/api/v1`, `/openapi/v3/apis/G/V`; `None` for other
/// paths.
pub(crate) fn handle(world: &World, path: &str) -> Option<Reply> {
    let rest = path.trim_end_matches('/').strip_prefix("/openapi/v3")?;
    if rest.is_empty() {
        return Some(index());
    }
    let gv = rest.trim_start_matches('/');
    let found = group_versions()
        .into_iter()
        .find(|(g, v)| gv_path(g, v) == gv);
    Some(match found {
        Some((g, v)) => Reply::json(200, &document(world, g, v)),
        None => status::no_route(),
    })
}

/// The index: one entry per group version, each naming its document.
fn index() -> Reply {
    let mut paths = serde_json::Map::new();
    for (g, v) in group_versions() {
        let key = gv_path(g, v);
        paths.insert(
            key.clone(),
            json!({"serverRelativeURL": format!("/openapi/v3/{key}")}),
        );
    }
    Reply::json(200, &json!({"paths": paths}))
}

/// The document of one group version.
fn document(world: &World, group: &str, version: &str) -> Value {
    let mut paths = serde_json::Map::new();
    for r in RESOURCES
        .iter()
        .filter(|r| r.group == group && r.version == version)
    {
        let prefix = format!("/{}", gv_path(group, version));
        let collection = if r.namespaced {
            format!("{prefix}/namespaces/{{namespace}}/{}", r.plural)
        } else {
            format!("{prefix}/{}", r.plural)
        };
        let mut coll = json!({"get": operation(r, "list", false)});
        if creatable(r.kind) {
            coll["post"] = operation(r, "post", true);
        }
        coll["parameters"] = path_parameters(r.namespaced, false);
        paths.insert(collection.clone(), coll);

        let mut item = json!({"get": operation(r, "get", false)});
        if patchable(r.kind) {
            item["patch"] = operation(r, "patch", true);
        }
        if deletable(r.kind) {
            item["delete"] = operation(r, "delete", false);
        }
        item["parameters"] = path_parameters(r.namespaced, true);
        paths.insert(format!("{collection}/{{name}}"), item);
    }
    json!({
        "openapi": "3.0.0",
        "info": {
            "title": "Kubernetes",
            "version": world.scenario().file.cluster.kubernetes_version,
        },
        "paths": paths,
        "components": {"schemas": {}},
    })
}

/// One operation; writes (`post`, `patch`) list the `fieldValidation` query parameter.
fn operation(r: &ResourceInfo, action: &str, write: bool) -> Value {
    let mut op = json!({
        "operationId": format!("{action}{}", r.kind_name),
        "x-kubernetes-action": action,
        "x-kubernetes-group-version-kind": {
            "group": r.group, "version": r.version, "kind": r.kind_name,
        },
        "responses": {"200": {"description": "OK"}},
    });
    if write {
        op["parameters"] = json!([{
            "name": "fieldValidation",
            "in": "query",
            "description": "How the server treats fields of the request body that the type does not have; this server drops them whatever the value.",
            "schema": {"type": "string", "uniqueItems": true},
        }]);
    }
    op
}

fn path_parameters(namespaced: bool, item: bool) -> Value {
    let param = |name: &str| {
        json!({
            "name": name, "in": "path", "required": true,
            "schema": {"type": "string", "uniqueItems": true},
        })
    };
    let mut out = Vec::new();
    if item {
        out.push(param("name"));
    }
    if namespaced {
        out.push(param("namespace"));
    }
    Value::Array(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_index_names_a_document_per_group_version() {
        let Reply { body, .. } = index();
        let v: Value = serde_json::from_slice(&body).expect("JSON");
        assert_eq!(
            v["paths"]["apis/apps/v1"]["serverRelativeURL"],
            "/openapi/v3/apis/apps/v1"
        );
        assert!(v["paths"]["api/v1"].is_object());
    }
}
