//! The running state: a short summary of the deployment that the system gathers with
//! read-only commands before it proposes or plans anything.

use crate::ops::{Operations, OpsError, OpsRequest};
use crate::policy::{Phase, Policy};

/// The commands the summary is gathered with.
pub const COMMANDS: [&str; 2] = [
    "kubectl get namespaces",
    "kubectl get services --all-namespaces",
];

/// Gathers the summary for `services`: which namespace each managed service is in, and the
/// Prometheus URL when a `prometheus` service is listed.
///
/// # Errors
/// [`OpsError`] when the backend fails.
pub fn gather(
    ops: &mut dyn Operations,
    policy: &Policy,
    services: &[String],
) -> Result<String, OpsError> {
    let mut outputs = Vec::new();
    for command in COMMANDS {
        // The system's own commands obey the same policy as the model's.
        if policy.check(command, Phase::Observation).is_err() {
            continue;
        }
        outputs.push(
            ops.execute(&OpsRequest::Command(command.to_owned()))?
                .stdout,
        );
    }
    Ok(summarise(
        outputs.get(1).map_or("", String::as_str),
        services,
    ))
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
        let summary = gather(&mut ops, &Policy::default(), &services).unwrap();
        insta::assert_snapshot!(summary);
    }
}
