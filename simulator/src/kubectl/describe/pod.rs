//! `kubectl describe pod`.

use k8s_openapi::api::core::v1::Pod;

use super::containers::{containers, volumes};
use super::{
    Out, annotations_multiline, events, labels_multiline, rfc1123z, tolerations_multiline,
};
use crate::world::World;

pub(crate) fn describe(world: &World, pod: &Pod) -> String {
    let mut out = Out::new();
    let meta = &pod.metadata;
    let spec = pod.spec.clone().unwrap_or_default();
    let st = pod.status.clone().unwrap_or_default();
    let name = meta.name.clone().unwrap_or_default();
    let namespace = meta.namespace.clone().unwrap_or_default();

    out.write(0, &format!("Name:\t{name}\n"));
    out.write(0, &format!("Namespace:\t{namespace}\n"));
    if let Some(p) = spec.priority {
        out.write(0, &format!("Priority:\t{p}\n"));
    }
    if let Some(pc) = spec.priority_class_name.as_ref().filter(|s| !s.is_empty()) {
        out.write(0, &format!("Priority Class Name:\t{pc}\n"));
    }
    out.write(
        0,
        &format!(
            "Service Account:\t{}\n",
            spec.service_account_name.clone().unwrap_or_default()
        ),
    );
    match &spec.node_name {
        Some(n) if !n.is_empty() => out.write(
            0,
            &format!("Node:\t{n}/{}\n", st.host_ip.clone().unwrap_or_default()),
        ),
        _ => out.write(0, "Node:\t<none>\n"),
    }
    if let Some(t) = &st.start_time {
        out.write(0, &format!("Start Time:\t{}\n", rfc1123z(t)));
    }
    labels_multiline(&mut out, "", "Labels", meta.labels.as_ref());
    annotations_multiline(&mut out, "", "Annotations", meta.annotations.as_ref());
    let phase = st.phase.clone().unwrap_or_default();
    if let Some(deletion) = meta
        .deletion_timestamp
        .as_ref()
        .filter(|_| phase != "Failed" && phase != "Succeeded")
    {
        let until = deletion.0.as_millisecond() - world.clock().now().as_millisecond();
        let lasts = super::super::duration::human_duration(
            super::super::duration::GoDuration::from_millis(until),
        );
        out.write(0, &format!("Status:\tTerminating (lasts {lasts})\n"));
        out.write(
            0,
            &format!(
                "Termination Grace Period:\t{}s\n",
                meta.deletion_grace_period_seconds.unwrap_or(30)
            ),
        );
    } else {
        out.write(0, &format!("Status:\t{phase}\n"));
    }
    if let Some(r) = st.reason.as_ref().filter(|s| !s.is_empty()) {
        out.write(0, &format!("Reason:\t{r}\n"));
    }
    if let Some(m) = st.message.as_ref().filter(|s| !s.is_empty()) {
        out.write(0, &format!("Message:\t{m}\n"));
    }
    out.write(
        0,
        &format!("IP:\t{}\n", st.pod_ip.clone().unwrap_or_default()),
    );
    match st.pod_ips.as_ref().filter(|v| !v.is_empty()) {
        None => out.write(0, "IPs:\t<none>\n"),
        Some(ips) => {
            out.write(0, "IPs:\n");
            for ip in ips {
                out.write(1, &format!("IP:\t{}\n", ip.ip));
            }
        }
    }
    if let Some(owner) = meta
        .owner_references
        .iter()
        .flatten()
        .find(|o| o.controller == Some(true))
    {
        out.write(
            0,
            &format!("Controlled By:\t{}/{}\n", owner.kind, owner.name),
        );
    }
    containers(
        &mut out,
        "Containers",
        &spec.containers,
        st.container_statuses.as_ref(),
        "",
    );
    if let Some(conditions) = st.conditions.as_ref().filter(|c| !c.is_empty()) {
        out.write(0, "Conditions:\n  Type\tStatus\n");
        for c in conditions {
            out.write(1, &format!("{} \t{} \n", c.type_, c.status));
        }
    }
    volumes(&mut out, spec.volumes.as_ref(), "");
    out.write(
        0,
        &format!("QoS Class:\t{}\n", st.qos_class.clone().unwrap_or_default()),
    );
    labels_multiline(&mut out, "", "Node-Selectors", spec.node_selector.as_ref());
    tolerations_multiline(&mut out, "", "Tolerations", spec.tolerations.as_ref());
    events(
        &mut out,
        world,
        "Pod",
        &namespace,
        &name,
        meta.uid.as_deref(),
    );
    out.finish()
}
