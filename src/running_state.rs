//! The running state: a short summary of the deployment that the system gathers with
//! read-only commands before it proposes or plans anything.

use crate::ops::{Operations, OpsError, OpsRequest};
use crate::policy::{Phase, Policy};

/// The commands the summary is gathered with.
pub const COMMANDS: [&str; 2] = [
    "kubectl get namespaces",
    "kubectl get services --all-namespaces",
];

/// What the system knows of the deployment before any task.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RunningState {
    /// The summary the curriculum builder reads: the managed services, the namespace each
    /// is in, and the Prometheus URL.
    pub full: String,
    /// The summary the manager and the agents read: the managed services and the Prometheus
    /// URL, without the per-service facts that the agents are meant to learn as skills
    /// (unless the configuration shares them).
    pub for_agents: String,
}

/// Gathers the running state for `services`; `share_namespaces` puts the per-service
/// namespaces into the agents' summary too.
///
/// # Errors
/// [`OpsError`] when the backend fails.
pub fn gather(
    ops: &mut dyn Operations,
    policy: &Policy,
    services: &[String],
    share_namespaces: bool,
) -> Result<RunningState, OpsError> {
    let mut outputs = Vec::new();
    // The system's own commands obey the model's policy, except for its namespace scope: they
    // are fixed reads, and finding Prometheus needs the services of every namespace.
    let policy = Policy {
        namespaces: Vec::new(),
        ..policy.clone()
    };
    for command in COMMANDS {
        if policy.check(command, Phase::Observation).is_err() {
            continue;
        }
        outputs.push(
            ops.execute(&OpsRequest::Command(command.to_owned()))?
                .stdout,
        );
    }
    let full = summarise(outputs.get(1).map_or("", String::as_str), services);
    let for_agents = if share_namespaces {
        full.clone()
    } else {
        full.lines()
            .filter(|l| !l.starts_with("Service "))
            .collect::<Vec<_>>()
            .join("\n")
    };
    Ok(RunningState { full, for_agents })
}

/// The summary of a `kubectl get services --all-namespaces` table for `services`.
pub fn summarise(services_table: &str, services: &[String]) -> String {
    let mut lines = vec![format!("Managed services: {}.", services.join(", "))];
    let mut prometheus = None;
    for row in services_table.lines().skip(1) {
        let columns: Vec<&str> = row.split_whitespace().collect();
        let [namespace, name, ..] = columns[..] else {
            continue;
        };
        if services.iter().any(|s| s == name) {
            lines.push(format!("Service {name} is in namespace {namespace}."));
        }
        if name == "prometheus" && prometheus.is_none() {
            let port = columns
                .get(5)
                .and_then(|p| p.split([':', '/']).next())
                .filter(|p| p.chars().all(|c| c.is_ascii_digit()))
                .unwrap_or("9090");
            prometheus = Some(format!("http://{name}.{namespace}:{port}"));
        }
    }
    if let Some(url) = prometheus {
        lines.push(format!("Prometheus: {url}"));
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // Tests fail loudly on a missing value.
    use std::sync::Arc;

    use super::*;
    use crate::ops::SimulatorOps;
    use crate::simulator::{Scenario, World};

    #[test]
    fn the_sock_shop_summary_names_namespaces_and_prometheus() {
        let world = World::new(Arc::new(Scenario::embedded_sock_shop()), 1).unwrap();
        let mut ops = SimulatorOps::new(world);
        let services = vec!["catalogue".to_owned(), "front-end".to_owned()];
        let state = gather(&mut ops, &Policy::default(), &services, false).unwrap();
        insta::assert_snapshot!(state.full);
        assert_eq!(
            state.for_agents,
            "Managed services: catalogue, front-end.\nPrometheus: http://prometheus.monitoring:9090"
        );
    }
}
