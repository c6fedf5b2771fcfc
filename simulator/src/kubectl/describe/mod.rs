//! `kubectl describe`: the multi-section reports of pods, deployments, services and nodes, with
//! their events, written through kubectl's column aligner.

mod containers;
mod deployment;
mod node;
mod pod;
mod service;

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Event, Toleration};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use k8s_openapi::jiff::Timestamp;

use super::output::CommandOutput;
use super::resources::ResourceKind;
use super::tabwriter::{TabConfig, TabWriter};
use crate::world::World;

/// Describes one object by type, namespace and name.
pub fn describe(world: &World, kind: ResourceKind, namespace: &str, name: &str) -> CommandOutput {
    let text = match kind {
        ResourceKind::Pod => world
            .state()
            .pods
            .get(&crate::world::ObjectKey::new(namespace, name))
            .map(|p| pod::describe(world, p)),
        ResourceKind::Deployment => world
            .state()
            .deployments
            .get(&crate::world::ObjectKey::new(namespace, name))
            .map(|d| deployment::describe(world, d)),
        ResourceKind::Service => world
            .state()
            .services
            .get(&crate::world::ObjectKey::new(namespace, name))
            .map(|s| service::describe(world, s)),
        ResourceKind::Node => world
            .state()
            .nodes
            .get(name)
            .map(|n| node::describe(world, n)),
        other => {
            return CommandOutput::error(format!(
                "error: describing {} is not supported by the simulator\n",
                other.info().plural
            ));
        }
    };
    match text {
        Some(t) => CommandOutput::ok(t),
        None => CommandOutput::error(format!(
            "Error from server (NotFound): {} \"{name}\" not found\n",
            kind.qualified_plural()
        )),
    }
}

/// The `Pod Template:` report of one revision, as `rollout history --revision` prints it.
pub fn pod_template(template: &k8s_openapi::api::core::v1::PodTemplateSpec) -> String {
    let mut out = Out::new();
    deployment::template_section(&mut out, template);
    out.finish()
}

/// kubectl's prefix writer: each level indents two spaces, and everything goes through one
/// column aligner.
pub(crate) struct Out {
    w: TabWriter,
}

impl Out {
    pub(crate) fn new() -> Self {
        Out {
            w: TabWriter::new(TabConfig::KUBECTL_DESCRIBE),
        }
    }

    /// Writes `text` after `level` indentation steps.
    pub(crate) fn write(&mut self, level: usize, text: &str) {
        if level > 0 {
            self.w.write_str(&"  ".repeat(level));
        }
        self.w.write_str(text);
    }

    /// Ends the current alignment blocks.
    pub(crate) fn flush(&mut self) {
        self.w.flush();
    }

    pub(crate) fn finish(self) -> String {
        self.w.finish()
    }
}

/// `Mon, 01 Dec 2025 10:00:00 +0000` (Go's RFC1123Z).
pub(crate) fn rfc1123z(t: &Time) -> String {
    t.0.strftime("%a, %d %b %Y %H:%M:%S +0000").to_string()
}

/// `Title:\tk=v` lines, one label per line, sorted; `<none>` when empty.
pub(crate) fn labels_multiline(
    out: &mut Out,
    indent: &str,
    title: &str,
    labels: Option<&BTreeMap<String, String>>,
) {
    out.write(0, &format!("{indent}{title}:\t"));
    match labels {
        Some(l) if !l.is_empty() => {
            for (i, (k, v)) in l.iter().enumerate() {
                if i > 0 {
                    out.write(0, &format!("{indent}\t"));
                }
                out.write(0, &format!("{k}={v}\n"));
            }
        }
        _ => out.write(0, "<none>\n"),
    }
}

/// `Title:\tk: v` lines, skipping the last-applied-configuration annotation; long or
/// multi-line values print on their own indented lines.
pub(crate) fn annotations_multiline(
    out: &mut Out,
    indent: &str,
    title: &str,
    annotations: Option<&BTreeMap<String, String>>,
) {
    const MAX: usize = 140;
    out.write(0, &format!("{indent}{title}:\t"));
    let keys: Vec<(&String, &String)> = annotations
        .into_iter()
        .flatten()
        .filter(|(k, _)| k.as_str() != "kubectl.kubernetes.io/last-applied-configuration")
        .collect();
    if keys.is_empty() {
        out.write(0, "<none>\n");
        return;
    }
    for (i, (k, v)) in keys.into_iter().enumerate() {
        if i > 0 {
            out.write(0, &format!("{indent}\t"));
        }
        let value = v.strip_suffix('\n').unwrap_or(v);
        if value.len() + k.len() + 2 > MAX || value.contains('\n') {
            out.write(0, &format!("{k}:\n"));
            for line in value.split('\n') {
                let short: String = if line.len() > MAX - 2 {
                    format!("{}...", &line[..line.floor_char_boundary(MAX - 5)])
                } else {
                    line.to_string()
                };
                out.write(0, &format!("{indent}\t  {short}\n"));
            }
        } else {
            out.write(0, &format!("{k}: {value}\n"));
        }
    }
}

/// `Tolerations:\tkey:Effect op=Exists for 300s` lines, sorted by key.
pub(crate) fn tolerations_multiline(
    out: &mut Out,
    indent: &str,
    title: &str,
    tolerations: Option<&Vec<Toleration>>,
) {
    out.write(0, &format!("{indent}{title}:\t"));
    let mut list: Vec<Toleration> = tolerations.cloned().unwrap_or_default();
    if list.is_empty() {
        out.write(0, "<none>\n");
        return;
    }
    list.sort_by(|a, b| a.key.cmp(&b.key));
    for (i, t) in list.iter().enumerate() {
        if i > 0 {
            out.write(0, &format!("{indent}\t"));
        }
        let key = t.key.clone().unwrap_or_default();
        let value = t.value.clone().unwrap_or_default();
        let effect = t.effect.clone().unwrap_or_default();
        let mut line = key.clone();
        if !value.is_empty() {
            line.push_str(&format!("={value}"));
        }
        if !effect.is_empty() {
            line.push_str(&format!(":{effect}"));
        }
        if t.operator.as_deref() == Some("Exists") && value.is_empty() {
            line.push_str(if key.is_empty() && effect.is_empty() {
                "op=Exists"
            } else {
                " op=Exists"
            });
        }
        if let Some(s) = t.toleration_seconds {
            line.push_str(&format!(" for {s}s"));
        }
        out.write(0, &format!("{line}\n"));
    }
}

/// The `Events:` section for the object with this uid (or name and kind when it has none),
/// oldest first.
pub(crate) fn events(
    out: &mut Out,
    world: &World,
    kind: &str,
    namespace: &str,
    name: &str,
    uid: Option<&str>,
) {
    let now = world.clock().now();
    let mut list: Vec<&Event> = world
        .state()
        .events
        .values()
        .filter(|e| {
            let o = &e.involved_object;
            o.kind.as_deref() == Some(kind)
                && o.name.as_deref() == Some(name)
                && o.namespace.as_deref().unwrap_or("") == namespace
                && (uid.is_none() || o.uid.as_deref() == uid)
        })
        .collect();
    if list.is_empty() {
        out.write(0, "Events:\t<none>\n");
        return;
    }
    out.flush();
    list.sort_by_key(|e| e.last_timestamp.as_ref().map(|t| t.0));
    out.write(0, "Events:\n  Type\tReason\tAge\tFrom\tMessage\n");
    out.write(1, "----\t------\t----\t----\t-------\n");
    for e in list {
        let first = since(e.first_timestamp.as_ref(), now);
        let interval = match e.count {
            Some(c) if c > 1 => format!(
                "{} (x{c} over {first})",
                since(e.last_timestamp.as_ref(), now)
            ),
            _ => first,
        };
        let source = e
            .source
            .as_ref()
            .and_then(|s| s.component.clone())
            .or_else(|| e.reporting_component.clone())
            .unwrap_or_default();
        out.write(
            1,
            &format!(
                "{}\t{}\t{interval}\t{source}\t{}\n",
                e.type_.clone().unwrap_or_default(),
                e.reason.clone().unwrap_or_default(),
                e.message.clone().unwrap_or_default().trim()
            ),
        );
    }
}

fn since(t: Option<&Time>, now: Timestamp) -> String {
    super::table::age_since(t, now)
}
