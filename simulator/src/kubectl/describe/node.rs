//! `kubectl describe node`.

use k8s_openapi::api::core::v1::{Node, Pod};

use super::{Out, annotations_multiline, events, labels_multiline, rfc1123z};
use crate::quantity::Quantity;
use crate::world::World;

pub(crate) fn describe(world: &World, node: &Node) -> String {
    let mut out = Out::new();
    let meta = &node.metadata;
    let spec = node.spec.clone().unwrap_or_default();
    let st = node.status.clone().unwrap_or_default();
    let name = meta.name.clone().unwrap_or_default();
    let now = world.clock().now();

    out.write(0, &format!("Name:\t{name}\n"));
    let roles = crate::kubectl::table::node_roles(meta);
    out.write(
        0,
        &format!(
            "Roles:\t{}\n",
            if roles.is_empty() {
                "<none>".into()
            } else {
                roles.join(",")
            }
        ),
    );
    labels_multiline(&mut out, "", "Labels", meta.labels.as_ref());
    annotations_multiline(&mut out, "", "Annotations", meta.annotations.as_ref());
    if let Some(t) = &meta.creation_timestamp {
        out.write(0, &format!("CreationTimestamp:\t{}\n", rfc1123z(t)));
    }
    let taints = spec.taints.clone().unwrap_or_default();
    if taints.is_empty() {
        out.write(0, "Taints:\t<none>\n");
    } else {
        for (i, t) in taints.iter().enumerate() {
            let head = if i == 0 { "Taints:" } else { "" };
            let value = t
                .value
                .as_ref()
                .map(|v| format!("={v}"))
                .unwrap_or_default();
            out.write(0, &format!("{head}\t{}{value}:{}\n", t.key, t.effect));
        }
    }
    out.write(
        0,
        &format!("Unschedulable:\t{}\n", spec.unschedulable.unwrap_or(false)),
    );
    out.write(0, "Lease:\n");
    out.write(0, &format!("  HolderIdentity:\t{name}\n"));
    out.write(0, "  AcquireTime:\t<unset>\n");
    out.write(
        0,
        &format!(
            "  RenewTime:\t{}\n",
            rfc1123z(&k8s_openapi::apimachinery::pkg::apis::meta::v1::Time(now))
        ),
    );
    if let Some(conditions) = st.conditions.as_ref().filter(|c| !c.is_empty()) {
        out.write(
            0,
            "Conditions:\n  Type\tStatus\tLastHeartbeatTime\tLastTransitionTime\tReason\tMessage\n",
        );
        out.write(
            1,
            "----\t------\t-----------------\t------------------\t------\t-------\n",
        );
        for c in conditions {
            let fmt = |t: &Option<k8s_openapi::apimachinery::pkg::apis::meta::v1::Time>| {
                t.as_ref().map(rfc1123z).unwrap_or_default()
            };
            out.write(
                1,
                &format!(
                    "{} \t{} \t{} \t{} \t{} \t{}\n",
                    c.type_,
                    c.status,
                    fmt(&c.last_heartbeat_time),
                    fmt(&c.last_transition_time),
                    c.reason.clone().unwrap_or_default(),
                    c.message.clone().unwrap_or_default()
                ),
            );
        }
    }
    out.write(0, "Addresses:\n");
    for a in st.addresses.iter().flatten() {
        out.write(1, &format!("{}:\t{}\n", a.type_, a.address));
    }
    for (title, list) in [("Capacity", &st.capacity), ("Allocatable", &st.allocatable)] {
        if let Some(list) = list.as_ref().filter(|l| !l.is_empty()) {
            out.write(0, &format!("{title}:\n"));
            for (k, v) in list {
                out.write(0, &format!("  {k}:\t{}\n", v.0));
            }
        }
    }
    let info = st.node_info.clone().unwrap_or_default();
    out.write(0, "System Info:\n");
    for (label, value) in [
        ("Machine ID", &info.machine_id),
        ("System UUID", &info.system_uuid),
        ("Boot ID", &info.boot_id),
        ("Kernel Version", &info.kernel_version),
        ("OS Image", &info.os_image),
        ("Operating System", &info.operating_system),
        ("Architecture", &info.architecture),
        ("Container Runtime Version", &info.container_runtime_version),
        ("Kubelet Version", &info.kubelet_version),
        ("Kube-Proxy Version", &info.kube_proxy_version),
    ] {
        out.write(0, &format!("  {label}:\t{value}\n"));
    }
    if let Some(cidr) = spec.pod_cidr.as_ref().filter(|s| !s.is_empty()) {
        out.write(0, &format!("PodCIDR:\t{cidr}\n"));
    }
    if let Some(cidrs) = spec.pod_cidrs.as_ref().filter(|s| !s.is_empty()) {
        out.write(0, &format!("PodCIDRs:\t{}\n", cidrs.join(",")));
    }
    if let Some(p) = spec.provider_id.as_ref().filter(|s| !s.is_empty()) {
        out.write(0, &format!("ProviderID:\t{p}\n"));
    }

    // Pods on the node and what they ask for.
    let pods: Vec<&Pod> = world
        .state()
        .pods
        .values()
        .filter(|p| {
            p.spec.as_ref().and_then(|s| s.node_name.as_deref()) == Some(name.as_str())
                && !matches!(
                    p.status.as_ref().and_then(|s| s.phase.as_deref()),
                    Some("Succeeded" | "Failed")
                )
        })
        .collect();
    let allocatable = st
        .allocatable
        .clone()
        .or(st.capacity.clone())
        .unwrap_or_default();
    let alloc = |k: &str| {
        allocatable
            .get(k)
            .and_then(|q| Quantity::parse(&q.0))
            .unwrap_or(Quantity::ZERO)
    };
    let (acpu, amem, aeph) = (alloc("cpu"), alloc("memory"), alloc("ephemeral-storage"));
    let pct = |q: Quantity, of: Quantity| {
        if of.millis == 0 {
            0
        } else {
            (q.millis as f64 / of.millis as f64 * 100.0) as i64
        }
    };
    out.write(
        0,
        &format!("Non-terminated Pods:\t({} in total)\n", pods.len()),
    );
    out.write(
        1,
        "Namespace\tName\t\tCPU Requests\tCPU Limits\tMemory Requests\tMemory Limits\tAge\n",
    );
    out.write(
        1,
        "---------\t----\t\t------------\t----------\t---------------\t-------------\t---\n",
    );
    let mut totals = [Quantity::ZERO; 6];
    for p in &pods {
        let r = requests_and_limits(p);
        for (t, v) in totals.iter_mut().zip(r) {
            *t = *t + v;
        }
        out.write(
            1,
            &format!(
                "{}\t{}\t\t{} ({}%)\t{} ({}%)\t{} ({}%)\t{} ({}%)\t{}\n",
                p.metadata.namespace.clone().unwrap_or_default(),
                p.metadata.name.clone().unwrap_or_default(),
                r[0].canonical(),
                pct(r[0], acpu),
                r[1].canonical(),
                pct(r[1], acpu),
                r[2].canonical(),
                pct(r[2], amem),
                r[3].canonical(),
                pct(r[3], amem),
                crate::kubectl::table::age_since(p.metadata.creation_timestamp.as_ref(), now)
            ),
        );
    }
    out.write(
        0,
        "Allocated resources:\n  (Total limits may be over 100 percent, i.e., overcommitted.)\n",
    );
    out.write(1, "Resource\tRequests\tLimits\n");
    out.write(1, "--------\t--------\t------\n");
    for (label, req, lim, of) in [
        ("cpu", totals[0], totals[1], acpu),
        ("memory", totals[2], totals[3], amem),
        ("ephemeral-storage", totals[4], totals[5], aeph),
    ] {
        out.write(
            1,
            &format!(
                "{label}\t{} ({}%)\t{} ({}%)\n",
                req.canonical(),
                pct(req, of),
                lim.canonical(),
                pct(lim, of)
            ),
        );
    }
    events(&mut out, world, "Node", "", &name, None);
    out.finish()
}

/// CPU request, CPU limit, memory request, memory limit, storage request, storage limit; a
/// missing request counts as the limit, as the API server defaults it.
fn requests_and_limits(p: &Pod) -> [Quantity; 6] {
    let mut out = [Quantity::ZERO; 6];
    for c in p.spec.iter().flat_map(|s| s.containers.iter()) {
        let r = c.resources.clone().unwrap_or_default();
        let get = |m: &Option<
            std::collections::BTreeMap<
                String,
                k8s_openapi::apimachinery::pkg::api::resource::Quantity,
            >,
        >,
                   k: &str| {
            m.as_ref()
                .and_then(|m| m.get(k))
                .and_then(|q| Quantity::parse(&q.0))
        };
        for (i, res) in ["cpu", "memory", "ephemeral-storage"].iter().enumerate() {
            let limit = get(&r.limits, res);
            let request = get(&r.requests, res).or(limit);
            out[2 * i] = out[2 * i] + request.unwrap_or(Quantity::ZERO);
            out[2 * i + 1] = out[2 * i + 1] + limit.unwrap_or(Quantity::ZERO);
        }
    }
    out
}
