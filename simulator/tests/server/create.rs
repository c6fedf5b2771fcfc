//! Creation over HTTP: every refusal is a Kubernetes `Status`, and a created object is the one
//! the world holds.

use odyssey_simulator::kubectl::resources::ResourceKind;
use odyssey_simulator::server::{Limits, lock};
use serde_json::Value;

use super::{TestServer, http, world};

fn post(server: &TestServer, path: &str, content_type: &str, body: &str) -> (u16, Value) {
    let addr = server.running().kube_addr;
    let (code, text) = server
        .rt
        .block_on(http(
            addr,
            "POST",
            path,
            &[("Content-Type", content_type)],
            body.as_bytes(),
        ))
        .expect("the server answers");
    let v = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (code, v)
}

const CONFIG: &str =
    r#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"settings"},"data":{"a":"b"}}"#;

#[test]
fn a_posted_object_is_created_once_and_refusals_are_statuses() {
    let server = TestServer::start(world(), Limits::default());
    let path = "/api/v1/namespaces/sock-shop/configmaps?fieldValidation=Strict";

    let (code, created) = post(&server, path, "application/json", CONFIG);
    assert_eq!(code, 201, "{created}");
    assert_eq!(created["metadata"]["namespace"], "sock-shop");
    let held = lock(&server.world)
        .get(ResourceKind::ConfigMap, "sock-shop", "settings")
        .map(|o| o.to_json());
    assert_eq!(held.as_ref(), Some(&created));

    let refusals = [
        (path, "application/json", CONFIG, 409, "AlreadyExists"),
        (path, "application/json", "{not json", 400, "BadRequest"),
        (
            "/api/v1/namespaces/sock-shop/services",
            "application/json",
            CONFIG,
            400,
            "BadRequest",
        ),
        (
            "/api/v1/namespaces/default/configmaps",
            "application/json",
            r#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x","namespace":"sock-shop"}}"#,
            400,
            "BadRequest",
        ),
        (
            "/api/v1/namespaces/nosuch/configmaps",
            "application/json",
            r#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"}}"#,
            404,
            "NotFound",
        ),
        (
            path,
            "application/vnd.kubernetes.protobuf",
            CONFIG,
            415,
            "UnsupportedMediaType",
        ),
        (
            "/api/v1/nodes",
            "application/json",
            "{}",
            405,
            "MethodNotAllowed",
        ),
    ];
    for (path, content_type, body, want_code, want_reason) in refusals {
        let (code, status) = post(&server, path, content_type, body);
        assert_eq!(
            (code, status["kind"].as_str(), status["reason"].as_str()),
            (want_code, Some("Status"), Some(want_reason)),
            "POST {path} {body}: {status}"
        );
    }
    assert_eq!(
        lock(&server.world)
            .get(ResourceKind::ConfigMap, "sock-shop", "x")
            .map(|o| o.name().to_string()),
        None
    );
}

#[test]
fn the_openapi_index_names_documents_that_list_field_validation_on_writes() {
    let server = TestServer::start(world(), Limits::default());
    let addr = server.running().kube_addr;
    let get = |path: &str| {
        let (code, text) = server
            .rt
            .block_on(http(addr, "GET", path, &[], b""))
            .expect("the server answers");
        (
            code,
            serde_json::from_str::<Value>(&text).unwrap_or(Value::Null),
        )
    };
    let (code, index) = get("/openapi/v3");
    assert_eq!(code, 200);
    let url = index["paths"]["apis/apps/v1"]["serverRelativeURL"]
        .as_str()
        .expect("apps/v1 is listed");
    let (code, doc) = get(url);
    assert_eq!(code, 200);
    let patch = &doc["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]["patch"];
    assert_eq!(
        patch["x-kubernetes-group-version-kind"]["kind"],
        "Deployment"
    );
    assert_eq!(patch["parameters"][0]["name"], "fieldValidation");
    let (code, status) = get("/openapi/v3/apis/batch/v1");
    assert_eq!((code, status["kind"].as_str()), (404, Some("Status")));
}
