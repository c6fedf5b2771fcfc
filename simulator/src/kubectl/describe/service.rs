//! `kubectl describe service`.

use k8s_openapi::api::core::v1::Service;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::{Out, annotations_multiline, events, labels_multiline};
use crate::world::World;

pub(crate) fn describe(world: &World, svc: &Service) -> String {
    let mut out = Out::new();
    let meta = &svc.metadata;
    let spec = svc.spec.clone().unwrap_or_default();
    let name = meta.name.clone().unwrap_or_default();
    let namespace = meta.namespace.clone().unwrap_or_default();
    let endpoints = world.endpoints(svc);

    out.write(0, &format!("Name:\t{name}\n"));
    out.write(0, &format!("Namespace:\t{namespace}\n"));
    labels_multiline(&mut out, "", "Labels", meta.labels.as_ref());
    annotations_multiline(&mut out, "", "Annotations", meta.annotations.as_ref());
    let selector = spec
        .selector
        .as_ref()
        .map(|s| {
            s.iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(",")
        })
        .unwrap_or_default();
    out.write(0, &format!("Selector:\t{selector}\n"));
    out.write(
        0,
        &format!("Type:\t{}\n", spec.type_.clone().unwrap_or_default()),
    );
    if let Some(p) = &spec.ip_family_policy {
        out.write(0, &format!("IP Family Policy:\t{p}\n"));
    }
    match spec.ip_families.as_ref().filter(|f| !f.is_empty()) {
        Some(f) => out.write(0, &format!("IP Families:\t{}\n", f.join(","))),
        None => out.write(0, "IP Families:\t<none>\n"),
    }
    out.write(
        0,
        &format!("IP:\t{}\n", spec.cluster_ip.clone().unwrap_or_default()),
    );
    match spec.cluster_ips.as_ref().filter(|f| !f.is_empty()) {
        Some(ips) => out.write(0, &format!("IPs:\t{}\n", ips.join(","))),
        None => out.write(0, "IPs:\t<none>\n"),
    }
    for p in spec.ports.iter().flatten() {
        let pname = p
            .name
            .clone()
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| "<unset>".into());
        let proto = p.protocol.clone().unwrap_or_else(|| "TCP".into());
        out.write(0, &format!("Port:\t{pname}\t{}/{proto}\n", p.port));
        match &p.target_port {
            Some(IntOrString::String(s)) => out.write(0, &format!("TargetPort:\t{s}/{proto}\n")),
            Some(IntOrString::Int(i)) => out.write(0, &format!("TargetPort:\t{i}/{proto}\n")),
            None => out.write(0, &format!("TargetPort:\t{}/{proto}\n", p.port)),
        }
        if let Some(np) = p.node_port.filter(|n| *n != 0) {
            out.write(0, &format!("NodePort:\t{pname}\t{np}/{proto}\n"));
        }
        let mut list = Vec::new();
        for subset in endpoints.subsets.iter().flatten() {
            for ep in subset.ports.iter().flatten() {
                if ep.name != p.name {
                    continue;
                }
                for a in subset.addresses.iter().flatten() {
                    list.push(format!("{}:{}", a.ip, ep.port));
                }
            }
        }
        let shown = if list.is_empty() {
            "<none>".to_string()
        } else if list.len() > 3 {
            format!("{} + {} more...", list[..3].join(","), list.len() - 3)
        } else {
            list.join(",")
        };
        out.write(0, &format!("Endpoints:\t{shown}\n"));
    }
    out.write(
        0,
        &format!(
            "Session Affinity:\t{}\n",
            spec.session_affinity.clone().unwrap_or_default()
        ),
    );
    if let Some(p) = spec
        .external_traffic_policy
        .as_ref()
        .filter(|s| !s.is_empty())
    {
        out.write(0, &format!("External Traffic Policy:\t{p}\n"));
    }
    if let Some(p) = &spec.internal_traffic_policy {
        out.write(0, &format!("Internal Traffic Policy:\t{p}\n"));
    }
    events(
        &mut out,
        world,
        "Service",
        &namespace,
        &name,
        meta.uid.as_deref(),
    );
    out.finish()
}
