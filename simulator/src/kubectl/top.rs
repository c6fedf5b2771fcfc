//! `kubectl top pod|node`: usage from the metrics model, as metrics-server reports it.

use super::cli::{Invocation, Verb};
use super::output::CommandOutput;
use super::resources::ResourceKind;
use super::selector::Selector;
use super::tabwriter::{TabConfig, TabWriter};
use crate::quantity::Quantity;
use crate::world::{Object, World};

const MIB: f64 = 1024.0 * 1024.0;

/// Runs `top pod` or `top node`.
pub fn top(world: &World, inv: &Invocation, namespace: &str) -> CommandOutput {
    if !world.scenario().file.cluster.metrics_server {
        return CommandOutput::error("error: Metrics API not available\n");
    }
    let selector = match Selector::parse(inv.flags.str("selector")) {
        Ok(s) => s,
        Err(e) => return CommandOutput::error(format!("error: {e}\n")),
    };
    if inv.verb == Verb::TopNode {
        return top_node(world, inv);
    }
    let all = inv.flags.bool("all-namespaces");
    let containers = inv.flags.bool("containers");
    let no_headers = inv.flags.bool("no-headers");
    let pods: Vec<Object<'_>> = match inv.args.first() {
        Some(name) => match world.get(ResourceKind::Pod, namespace, name) {
            Some(p) => vec![p],
            None => {
                return CommandOutput::error(format!(
                    "Error from server (NotFound): pods \"{name}\" not found\n"
                ));
            }
        },
        None => world.list(ResourceKind::Pod, (!all).then_some(namespace), &selector),
    };

    // (namespace, pod, container or "", cpu cores, memory bytes)
    let mut rows: Vec<(String, String, String, f64, f64)> = Vec::new();
    for o in &pods {
        let Object::Pod(p) = o else { continue };
        let uid = p.metadata.uid.clone().unwrap_or_default();
        let ns = p.metadata.namespace.clone().unwrap_or_default();
        let name = p.metadata.name.clone().unwrap_or_default();
        let mut per: Vec<(String, f64, f64)> = Vec::new();
        for c in p.spec.iter().flat_map(|s| s.containers.iter()) {
            if let Some((cpu, mem)) = world.container_usage(&uid, &c.name) {
                per.push((c.name.clone(), cpu, mem));
            }
        }
        if per.is_empty() {
            continue;
        }
        if containers {
            for (c, cpu, mem) in per {
                rows.push((ns.clone(), name.clone(), c, cpu, mem));
            }
        } else {
            let cpu = per.iter().map(|x| x.1).sum();
            let mem = per.iter().map(|x| x.2).sum();
            rows.push((ns, name, String::new(), cpu, mem));
        }
    }
    if rows.is_empty() {
        if inv.args.is_empty() && pods.is_empty() {
            return CommandOutput {
                stdout: String::new(),
                stderr: if all {
                    "No resources found\n".into()
                } else {
                    format!("No resources found in {namespace} namespace.\n")
                },
                status: 0,
            };
        }
        return CommandOutput::error("error: metrics not available yet\n");
    }
    match inv.flags.str("sort-by") {
        "cpu" => rows.sort_by(|a, b| b.3.total_cmp(&a.3)),
        "memory" => rows.sort_by(|a, b| b.4.total_cmp(&a.4)),
        _ => {}
    }

    let mut w = TabWriter::new(TabConfig::KUBECTL_GET);
    if !no_headers {
        let mut header = String::new();
        if all {
            header.push_str("NAMESPACE\t");
        }
        if containers {
            header.push_str("POD\t");
        }
        header.push_str("NAME\tCPU(cores)\tMEMORY(bytes)\t\n");
        w.write_str(&header);
    }
    for (ns, pod, container, cpu, mem) in rows {
        let mut line = String::new();
        if all {
            line.push_str(&format!("{ns}\t"));
        }
        if containers {
            line.push_str(&format!("{pod}\t{container}\t"));
        } else {
            line.push_str(&format!("{pod}\t"));
        }
        line.push_str(&format!("{}\t{}\t\n", cores(cpu), mebibytes(mem)));
        w.write_str(&line);
    }
    CommandOutput::ok(w.finish())
}

fn top_node(world: &World, inv: &Invocation) -> CommandOutput {
    let mut w = TabWriter::new(TabConfig::KUBECTL_GET);
    if !inv.flags.bool("no-headers") {
        w.write_str("NAME\tCPU(cores)\tCPU(%)\tMEMORY(bytes)\tMEMORY(%)\t\n");
    }
    for (name, node) in &world.state().nodes {
        if let Some(want) = inv.args.first()
            && want != name
        {
            continue;
        }
        let (cpu, mem) = node_usage(world, name);
        let alloc = node
            .status
            .as_ref()
            .and_then(|s| s.allocatable.clone())
            .unwrap_or_default();
        let alloc_cpu = alloc
            .get("cpu")
            .and_then(|q| Quantity::parse(&q.0))
            .map_or(1.0, |q| q.milli_value() as f64 / 1000.0);
        let alloc_mem = alloc
            .get("memory")
            .and_then(|q| Quantity::parse(&q.0))
            .map_or(1.0, |q| q.value() as f64);
        w.write_str(&format!(
            "{name}\t{}\t{}%\t{}\t{}%\t\n",
            cores(cpu),
            (cpu / alloc_cpu * 100.0) as i64,
            mebibytes(mem),
            (mem / alloc_mem * 100.0) as i64
        ));
    }
    CommandOutput::ok(w.finish())
}

/// CPU (cores) and memory (bytes) a node uses: its own daemons (kubelet, containerd, the
/// control plane on a kind node) plus the containers of the pods bound to it.
pub fn node_usage(world: &World, name: &str) -> (f64, f64) {
    let (mut cpu, mut mem) = (0.35, 900.0 * MIB);
    for p in world.state().pods.values() {
        if p.spec.as_ref().and_then(|s| s.node_name.as_deref()) != Some(name) {
            continue;
        }
        let uid = p.metadata.uid.clone().unwrap_or_default();
        for c in p.spec.iter().flat_map(|s| s.containers.iter()) {
            if let Some((c_cpu, c_mem)) = world.container_usage(&uid, &c.name) {
                cpu += c_cpu;
                mem += c_mem;
            }
        }
    }
    (cpu, mem)
}

/// CPU as metrics printers show it: whole millicores.
fn cores(c: f64) -> String {
    format!("{}m", (c * 1000.0).round() as i64)
}

/// Memory in whole mebibytes.
fn mebibytes(b: f64) -> String {
    format!("{}Mi", (b / MIB) as i64)
}
