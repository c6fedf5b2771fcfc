//! Server-side tables: the columns and cells the API server computes for `kubectl get`, one
//! definition per resource type, shared by the in-process printer and the HTTP `Table` answer.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, Time};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use k8s_openapi::jiff::Timestamp;

use super::duration::{GoDuration, human_duration};
use super::resources::ResourceKind;
use crate::world::Object;

/// One column of a table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Column {
    /// Column name as the server defines it (`Nominated Node`); kubectl upper-cases it.
    pub name: &'static str,
    /// The cell type (`string`, `integer`, `date`).
    pub type_: &'static str,
    /// 0 for default columns, 1 for `-o wide` only.
    pub priority: i32,
}

const fn col(name: &'static str, type_: &'static str, priority: i32) -> Column {
    Column {
        name,
        type_,
        priority,
    }
}

/// The columns of `kind`, in order.
pub fn columns(kind: ResourceKind) -> &'static [Column] {
    match kind {
        ResourceKind::Pod => {
            const C: &[Column] = &[
                col("Name", "string", 0),
                col("Ready", "string", 0),
                col("Status", "string", 0),
                col("Restarts", "string", 0),
                col("Age", "string", 0),
                col("IP", "string", 1),
                col("Node", "string", 1),
                col("Nominated Node", "string", 1),
                col("Readiness Gates", "string", 1),
            ];
            C
        }
        ResourceKind::Deployment => {
            const C: &[Column] = &[
                col("Name", "string", 0),
                col("Ready", "string", 0),
                col("Up-to-date", "string", 0),
                col("Available", "string", 0),
                col("Age", "string", 0),
                col("Containers", "string", 1),
                col("Images", "string", 1),
                col("Selector", "string", 1),
            ];
            C
        }
        ResourceKind::ReplicaSet => {
            const C: &[Column] = &[
                col("Name", "string", 0),
                col("Desired", "integer", 0),
                col("Current", "integer", 0),
                col("Ready", "integer", 0),
                col("Age", "string", 0),
                col("Containers", "string", 1),
                col("Images", "string", 1),
                col("Selector", "string", 1),
            ];
            C
        }
        ResourceKind::Service => {
            const C: &[Column] = &[
                col("Name", "string", 0),
                col("Type", "string", 0),
                col("Cluster-IP", "string", 0),
                col("External-IP", "string", 0),
                col("Port(s)", "string", 0),
                col("Age", "string", 0),
                col("Selector", "string", 1),
            ];
            C
        }
        ResourceKind::Endpoints => {
            const C: &[Column] = &[
                col("Name", "string", 0),
                col("Endpoints", "string", 0),
                col("Age", "string", 0),
            ];
            C
        }
        ResourceKind::Node => {
            const C: &[Column] = &[
                col("Name", "string", 0),
                col("Status", "string", 0),
                col("Roles", "string", 0),
                col("Age", "string", 0),
                col("Version", "string", 0),
                col("Internal-IP", "string", 1),
                col("External-IP", "string", 1),
                col("OS-Image", "string", 1),
                col("Kernel-Version", "string", 1),
                col("Container-Runtime", "string", 1),
            ];
            C
        }
        ResourceKind::Namespace => {
            const C: &[Column] = &[
                col("Name", "string", 0),
                col("Status", "string", 0),
                col("Age", "string", 0),
            ];
            C
        }
        ResourceKind::Event => {
            const C: &[Column] = &[
                col("Last Seen", "string", 0),
                col("Type", "string", 0),
                col("Reason", "string", 0),
                col("Object", "string", 0),
                col("Subobject", "string", 1),
                col("Source", "string", 1),
                col("Message", "string", 0),
                col("First Seen", "string", 1),
                col("Count", "string", 1),
                col("Name", "string", 1),
            ];
            C
        }
        ResourceKind::ConfigMap => {
            const C: &[Column] = &[
                col("Name", "string", 0),
                col("Data", "string", 0),
                col("Age", "string", 0),
            ];
            C
        }
        ResourceKind::HorizontalPodAutoscaler => {
            const C: &[Column] = &[
                col("Name", "string", 0),
                col("Reference", "string", 0),
                col("Targets", "string", 0),
                col("MinPods", "string", 0),
                col("MaxPods", "string", 0),
                col("Replicas", "string", 0),
                col("Age", "string", 0),
            ];
            C
        }
        ResourceKind::ServiceAccount => {
            const C: &[Column] = &[
                col("Name", "string", 0),
                col("Secrets", "string", 0),
                col("Age", "string", 0),
            ];
            C
        }
    }
}

/// The cells of one object's row, one per entry of [`columns`], at instant `now`.
pub fn cells(object: &Object<'_>, now: Timestamp) -> Vec<String> {
    let age = |t: &Option<Time>| age_since(t.as_ref(), now);
    let meta = object.meta();
    let name = meta.name.clone().unwrap_or_default();
    match object {
        Object::Pod(p) => pod_cells(p, now),
        Object::Deployment(d) => {
            let spec = d.spec.clone().unwrap_or_default();
            let st = d.status.clone().unwrap_or_default();
            let pod = spec.template.spec.clone().unwrap_or_default();
            vec![
                name,
                format!(
                    "{}/{}",
                    st.ready_replicas.unwrap_or(0),
                    spec.replicas.unwrap_or(1)
                ),
                st.updated_replicas.unwrap_or(0).to_string(),
                st.available_replicas.unwrap_or(0).to_string(),
                age(&meta.creation_timestamp),
                join(pod.containers.iter().map(|c| c.name.clone())),
                join(
                    pod.containers
                        .iter()
                        .map(|c| c.image.clone().unwrap_or_default()),
                ),
                format_selector(Some(&spec.selector)),
            ]
        }
        Object::ReplicaSet(rs) => {
            let spec = rs.spec.clone().unwrap_or_default();
            let st = rs.status.clone().unwrap_or_default();
            let pod = spec
                .template
                .clone()
                .and_then(|t| t.spec)
                .unwrap_or_default();
            vec![
                name,
                spec.replicas.unwrap_or(1).to_string(),
                st.replicas.to_string(),
                st.ready_replicas.unwrap_or(0).to_string(),
                age(&meta.creation_timestamp),
                join(pod.containers.iter().map(|c| c.name.clone())),
                join(
                    pod.containers
                        .iter()
                        .map(|c| c.image.clone().unwrap_or_default()),
                ),
                format_selector(Some(&spec.selector)),
            ]
        }
        Object::Service(s) => {
            let spec = s.spec.clone().unwrap_or_default();
            let kind = spec.type_.clone().unwrap_or_else(|| "ClusterIP".into());
            let external = match (&spec.external_ips, kind.as_str()) {
                (Some(ips), _) if !ips.is_empty() => ips.join(","),
                (_, "LoadBalancer") => "<pending>".into(),
                (_, "ExternalName") => spec.external_name.clone().unwrap_or_default(),
                _ => "<none>".into(),
            };
            let ports = spec.ports.clone().unwrap_or_default();
            let ports = if ports.is_empty() {
                "<none>".to_string()
            } else {
                ports
                    .iter()
                    .map(|p| {
                        let proto = p.protocol.clone().unwrap_or_else(|| "TCP".into());
                        match p.node_port {
                            Some(np) => format!("{}:{np}/{proto}", p.port),
                            None => format!("{}/{proto}", p.port),
                        }
                    })
                    .collect::<Vec<_>>()
                    .join(",")
            };
            vec![
                name,
                kind,
                spec.cluster_ip.clone().unwrap_or_else(|| "<none>".into()),
                external,
                ports,
                age(&meta.creation_timestamp),
                match &spec.selector {
                    Some(sel) if !sel.is_empty() => sel
                        .iter()
                        .map(|(k, v)| format!("{k}={v}"))
                        .collect::<Vec<_>>()
                        .join(","),
                    _ => "<none>".into(),
                },
            ]
        }
        Object::Endpoints(e) => vec![name, format_endpoints(e), age(&meta.creation_timestamp)],
        Object::Node(n) => {
            let st = n.status.clone().unwrap_or_default();
            let ready = st
                .conditions
                .as_ref()
                .and_then(|c| c.iter().find(|c| c.type_ == "Ready"))
                .map(|c| {
                    if c.status == "True" {
                        "Ready"
                    } else {
                        "NotReady"
                    }
                })
                .unwrap_or("Unknown")
                .to_string();
            let roles = node_roles(meta);
            let info = st.node_info.clone().unwrap_or_default();
            let address = |kind: &str| {
                st.addresses
                    .iter()
                    .flatten()
                    .find(|a| a.type_ == kind)
                    .map(|a| a.address.clone())
                    .unwrap_or_else(|| "<none>".into())
            };
            vec![
                name,
                ready,
                if roles.is_empty() {
                    "<none>".into()
                } else {
                    roles.join(",")
                },
                age(&meta.creation_timestamp),
                info.kubelet_version.clone(),
                address("InternalIP"),
                address("ExternalIP"),
                info.os_image.clone(),
                info.kernel_version.clone(),
                info.container_runtime_version.clone(),
            ]
        }
        Object::Namespace(n) => vec![
            name,
            n.status
                .as_ref()
                .and_then(|s| s.phase.clone())
                .unwrap_or_default(),
            age(&meta.creation_timestamp),
        ],
        Object::Event(e) => {
            let first = age(&e.first_timestamp);
            let last = if e.last_timestamp.is_some() {
                age(&e.last_timestamp)
            } else {
                first.clone()
            };
            let involved = &e.involved_object;
            let object = format!(
                "{}/{}",
                involved
                    .kind
                    .clone()
                    .unwrap_or_default()
                    .to_ascii_lowercase(),
                involved.name.clone().unwrap_or_default()
            );
            let source = e.source.clone().unwrap_or_default();
            let source = match (source.component, source.host) {
                (Some(c), Some(h)) if !h.is_empty() => format!("{c}, {h}"),
                (Some(c), _) => c,
                _ => String::new(),
            };
            vec![
                last,
                e.type_.clone().unwrap_or_default(),
                e.reason.clone().unwrap_or_default(),
                object,
                involved.field_path.clone().unwrap_or_default(),
                source,
                e.message.clone().unwrap_or_default().trim().to_string(),
                first,
                e.count.unwrap_or(1).to_string(),
                name,
            ]
        }
        Object::ConfigMap(c) => vec![
            name,
            (c.data.as_ref().map_or(0, |d| d.len())
                + c.binary_data.as_ref().map_or(0, |d| d.len()))
            .to_string(),
            age(&meta.creation_timestamp),
        ],
        Object::HorizontalPodAutoscaler(h) => {
            let spec = h.spec.clone().unwrap_or_default();
            let st = h.status.clone().unwrap_or_default();
            let r = &spec.scale_target_ref;
            let targets: Vec<String> = spec
                .metrics
                .iter()
                .flatten()
                .filter_map(|m| m.resource.as_ref())
                .map(|res| {
                    let current = st
                        .current_metrics
                        .iter()
                        .flatten()
                        .filter_map(|c| c.resource.as_ref())
                        .find(|c| c.name == res.name)
                        .and_then(|c| c.current.average_utilization)
                        .map(|u| format!("{u}%"))
                        .unwrap_or_else(|| "<unknown>".into());
                    let target = res
                        .target
                        .average_utilization
                        .map(|u| format!("{u}%"))
                        .unwrap_or_else(|| "<unknown>".into());
                    format!("{}: {current}/{target}", res.name)
                })
                .collect();
            vec![
                name,
                format!("{}/{}", r.kind, r.name),
                if targets.is_empty() {
                    "<none>".into()
                } else {
                    targets.join(", ")
                },
                spec.min_replicas.unwrap_or(1).to_string(),
                spec.max_replicas.to_string(),
                st.current_replicas.unwrap_or(0).to_string(),
                age(&meta.creation_timestamp),
            ]
        }
        Object::ServiceAccount(s) => vec![
            name,
            s.secrets.as_ref().map_or(0, |v| v.len()).to_string(),
            age(&meta.creation_timestamp),
        ],
    }
}

/// The pod row as the server prints it: READY counts ready running containers, STATUS is the
/// first container's waiting or terminated reason over the phase, RESTARTS adds the age of the
/// last restart.
fn pod_cells(p: &Pod, now: Timestamp) -> Vec<String> {
    let meta = &p.metadata;
    let empty_spec = k8s_openapi::api::core::v1::PodSpec::default();
    let empty_status = k8s_openapi::api::core::v1::PodStatus::default();
    let spec = p.spec.as_ref().unwrap_or(&empty_spec);
    let st = p.status.as_ref().unwrap_or(&empty_status);
    let total = spec.containers.len();
    let mut ready = 0;
    let mut restarts = 0;
    let mut last_restart: Option<Timestamp> = None;
    let mut reason = st
        .reason
        .clone()
        .or_else(|| st.phase.clone())
        .unwrap_or_default();
    let mut has_running = false;
    for cs in st.container_statuses.iter().flatten().rev() {
        restarts += cs.restart_count;
        if let Some(finished) = cs
            .last_state
            .as_ref()
            .and_then(|l| l.terminated.as_ref())
            .and_then(|t| t.finished_at.as_ref())
            && last_restart.is_none_or(|l| finished.0 > l)
        {
            last_restart = Some(finished.0);
        }
        let empty_state = k8s_openapi::api::core::v1::ContainerState::default();
        let state = cs.state.as_ref().unwrap_or(&empty_state);
        if let Some(w) = state
            .waiting
            .as_ref()
            .filter(|w| w.reason.as_deref().is_some_and(|r| !r.is_empty()))
        {
            reason = w.reason.clone().unwrap_or_default();
        } else if let Some(t) = state.terminated.as_ref() {
            reason = match (&t.reason, t.signal) {
                (Some(r), _) if !r.is_empty() => r.clone(),
                (_, Some(sig)) if sig != 0 => format!("Signal:{sig}"),
                _ => format!("ExitCode:{}", t.exit_code),
            };
        } else if cs.ready && state.running.is_some() {
            has_running = true;
            ready += 1;
        }
    }
    if reason == "Completed" && has_running {
        let pod_ready = st
            .conditions
            .iter()
            .flatten()
            .any(|c| c.type_ == "Ready" && c.status == "True");
        reason = if pod_ready { "Running" } else { "NotReady" }.into();
    }
    if meta.deletion_timestamp.is_some() {
        reason = if st.reason.as_deref() == Some("NodeLost") {
            "Unknown".into()
        } else {
            "Terminating".into()
        };
    }
    let restarts = match last_restart {
        Some(t) => format!("{restarts} ({} ago)", age_since(Some(&Time(t)), now)),
        None => restarts.to_string(),
    };
    let gates = spec.readiness_gates.as_deref().unwrap_or_default();
    let gates = if gates.is_empty() {
        "<none>".to_string()
    } else {
        let conditions = st.conditions.as_deref().unwrap_or_default();
        let ok = gates
            .iter()
            .filter(|g| {
                conditions
                    .iter()
                    .any(|c| c.type_ == g.condition_type && c.status == "True")
            })
            .count();
        format!("{ok}/{}", gates.len())
    };
    vec![
        meta.name.clone().unwrap_or_default(),
        format!("{ready}/{total}"),
        reason,
        restarts,
        age_since(meta.creation_timestamp.as_ref(), now),
        st.pod_ip.clone().unwrap_or_else(|| "<none>".into()),
        spec.node_name.clone().unwrap_or_else(|| "<none>".into()),
        st.nominated_node_name
            .clone()
            .unwrap_or_else(|| "<none>".into()),
        gates,
    ]
}

/// A node's roles from its `node-role.kubernetes.io/<role>` labels, sorted.
pub fn node_roles(
    meta: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta,
) -> Vec<String> {
    let mut roles: Vec<String> = meta
        .labels
        .iter()
        .flatten()
        .filter_map(|(k, _)| {
            k.strip_prefix("node-role.kubernetes.io/")
                .map(str::to_string)
        })
        .collect();
    roles.sort();
    roles
}

/// An age cell: `HumanDuration` of the time since `t`, or `<unknown>` when there is no time.
pub fn age_since(t: Option<&Time>, now: Timestamp) -> String {
    match t {
        None => "<unknown>".into(),
        Some(t) => {
            let d = now.as_millisecond() - t.0.as_millisecond();
            human_duration(GoDuration::from_millis(d))
        }
    }
}

fn join(items: impl Iterator<Item = String>) -> String {
    items.collect::<Vec<_>>().join(",")
}

/// A label selector as `kubectl` prints it (`name=carts,tier in (a,b)`), or `<none>`.
pub fn format_selector(selector: Option<&LabelSelector>) -> String {
    let Some(sel) = selector else {
        return "<none>".into();
    };
    let mut parts: Vec<String> = sel
        .match_labels
        .iter()
        .flatten()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    for e in sel.match_expressions.iter().flatten() {
        let values = e.values.clone().unwrap_or_default();
        parts.push(match e.operator.as_str() {
            "In" => format!("{} in ({})", e.key, values.join(",")),
            "NotIn" => format!("{} notin ({})", e.key, values.join(",")),
            "Exists" => e.key.clone(),
            "DoesNotExist" => format!("!{}", e.key),
            op => format!("{} {op}", e.key),
        });
    }
    if parts.is_empty() {
        "<none>".into()
    } else {
        parts.join(",")
    }
}

/// `ip:port` pairs of the ready addresses, at most three then ` + N more...`, or `<none>`.
fn format_endpoints(e: &k8s_openapi::api::core::v1::Endpoints) -> String {
    let mut list = Vec::new();
    let mut count = 0;
    let mut more = 0;
    for subset in e.subsets.iter().flatten() {
        let ports = subset.ports.clone().unwrap_or_default();
        for address in subset.addresses.iter().flatten() {
            if ports.is_empty() {
                if count < 3 {
                    list.push(address.ip.clone());
                    count += 1;
                } else {
                    more += 1;
                }
                continue;
            }
            for port in &ports {
                if count < 3 {
                    list.push(format!("{}:{}", address.ip, port.port));
                    count += 1;
                } else {
                    more += 1;
                }
            }
        }
    }
    if list.is_empty() {
        return "<none>".into();
    }
    let mut out = list.join(",");
    if more > 0 {
        out.push_str(&format!(" + {more} more..."));
    }
    out
}

/// The value of a service target port as written (`8079`, `exporter`).
pub fn int_or_string(v: &IntOrString) -> String {
    match v {
        IntOrString::Int(i) => i.to_string(),
        IntOrString::String(s) => s.clone(),
    }
}

/// `k=v` pairs joined by commas, as the LABELS column shows them, or `<none>`.
pub fn format_labels(labels: Option<&BTreeMap<String, String>>) -> String {
    match labels {
        Some(l) if !l.is_empty() => l
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(","),
        _ => "<none>".into(),
    }
}
