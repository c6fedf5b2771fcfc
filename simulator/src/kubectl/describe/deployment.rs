//! `kubectl describe deployment`.

use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::core::v1::PodTemplateSpec;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::containers::{containers, volumes};
use super::{
    Out, annotations_multiline, events, labels_multiline, rfc1123z, tolerations_multiline,
};
use crate::kubectl::table::format_selector;
use crate::world::World;

pub(crate) fn describe(world: &World, d: &Deployment) -> String {
    let mut out = Out::new();
    let meta = &d.metadata;
    let spec = d.spec.clone().unwrap_or_default();
    let st = d.status.clone().unwrap_or_default();
    let name = meta.name.clone().unwrap_or_default();
    let namespace = meta.namespace.clone().unwrap_or_default();

    out.write(0, &format!("Name:\t{name}\n"));
    out.write(0, &format!("Namespace:\t{namespace}\n"));
    if let Some(t) = &meta.creation_timestamp {
        out.write(0, &format!("CreationTimestamp:\t{}\n", rfc1123z(t)));
    }
    labels_multiline(&mut out, "", "Labels", meta.labels.as_ref());
    annotations_multiline(&mut out, "", "Annotations", meta.annotations.as_ref());
    out.write(
        0,
        &format!("Selector:\t{}\n", format_selector(Some(&spec.selector))),
    );
    out.write(
        0,
        &format!(
            "Replicas:\t{} desired | {} updated | {} total | {} available | {} unavailable\n",
            spec.replicas.unwrap_or(1),
            st.updated_replicas.unwrap_or(0),
            st.replicas.unwrap_or(0),
            st.available_replicas.unwrap_or(0),
            st.unavailable_replicas.unwrap_or(0)
        ),
    );
    let strategy = spec.strategy.clone().unwrap_or_default();
    out.write(
        0,
        &format!(
            "StrategyType:\t{}\n",
            strategy.type_.clone().unwrap_or_default()
        ),
    );
    out.write(
        0,
        &format!(
            "MinReadySeconds:\t{}\n",
            spec.min_ready_seconds.unwrap_or(0)
        ),
    );
    if let Some(ru) = &strategy.rolling_update {
        let s = |v: &Option<IntOrString>| match v {
            Some(IntOrString::Int(i)) => i.to_string(),
            Some(IntOrString::String(s)) => s.clone(),
            None => "0".into(),
        };
        out.write(
            0,
            &format!(
                "RollingUpdateStrategy:\t{} max unavailable, {} max surge\n",
                s(&ru.max_unavailable),
                s(&ru.max_surge)
            ),
        );
    }

    template_section(&mut out, &spec.template);

    if let Some(conditions) = st.conditions.as_ref().filter(|c| !c.is_empty()) {
        out.write(0, "Conditions:\n  Type\tStatus\tReason\n");
        out.write(1, "----\t------\t------\n");
        for c in conditions {
            out.write(
                1,
                &format!(
                    "{} \t{}\t{}\n",
                    c.type_,
                    c.status,
                    c.reason.clone().unwrap_or_default()
                ),
            );
        }
    }

    let uid = meta.uid.clone().unwrap_or_default();
    let revision = meta
        .annotations
        .as_ref()
        .and_then(|a| a.get("deployment.kubernetes.io/revision"))
        .cloned();
    let owned: Vec<&ReplicaSet> = world
        .state()
        .replicasets
        .values()
        .filter(|rs| {
            rs.metadata
                .owner_references
                .iter()
                .flatten()
                .any(|o| o.uid == uid && o.controller == Some(true))
        })
        .collect();
    let is_new = |rs: &ReplicaSet| {
        rs.metadata
            .annotations
            .as_ref()
            .and_then(|a| a.get("deployment.kubernetes.io/revision"))
            == revision.as_ref()
    };
    let old: Vec<&ReplicaSet> = owned
        .iter()
        .copied()
        .filter(|rs| !is_new(rs) && rs.spec.as_ref().and_then(|s| s.replicas).unwrap_or(0) > 0)
        .collect();
    let new: Vec<&ReplicaSet> = owned.iter().copied().filter(|rs| is_new(rs)).collect();
    out.write(0, &format!("OldReplicaSets:\t{}\n", replica_sets(&old)));
    out.write(0, &format!("NewReplicaSet:\t{}\n", replica_sets(&new)));
    events(
        &mut out,
        world,
        "Deployment",
        &namespace,
        &name,
        meta.uid.as_deref(),
    );
    out.finish()
}

fn replica_sets(list: &[&ReplicaSet]) -> String {
    if list.is_empty() {
        return "<none>".into();
    }
    list.iter()
        .map(|rs| {
            format!(
                "{} ({}/{} replicas created)",
                rs.metadata.name.clone().unwrap_or_default(),
                rs.status.as_ref().map_or(0, |s| s.replicas),
                rs.spec.as_ref().and_then(|s| s.replicas).unwrap_or(0)
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The `Pod Template:` section of a deployment or a revision.
pub(crate) fn template_section(out: &mut Out, template: &PodTemplateSpec) {
    let tmeta = template.metadata.clone().unwrap_or_default();
    let pod = template.spec.clone().unwrap_or_default();
    out.write(0, "Pod Template:\n");
    labels_multiline(out, "  ", "Labels", tmeta.labels.as_ref());
    if tmeta.annotations.as_ref().is_some_and(|a| !a.is_empty()) {
        annotations_multiline(out, "  ", "Annotations", tmeta.annotations.as_ref());
    }
    if let Some(sa) = pod.service_account_name.as_ref().filter(|s| !s.is_empty()) {
        out.write(1, &format!("Service Account:\t{sa}\n"));
    }
    containers(out, "Containers", &pod.containers, None, "  ");
    volumes(out, pod.volumes.as_ref(), "  ");
    labels_multiline(out, "  ", "Node-Selectors", pod.node_selector.as_ref());
    tolerations_multiline(out, "  ", "Tolerations", pod.tolerations.as_ref());
}
