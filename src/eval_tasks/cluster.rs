//! A task's setup on a real cluster: what [`Setup`] does to a simulated world, as the
//! harness's own kubectl steps against the cluster.
//!
//! - **Reset** (before every task and after the last): the faults this harness injected are
//!   deleted, the namespace's autoscalers are deleted, the scenario's manifests are applied
//!   again and every deployment is waited on until it is available and rolled out
//!   ([`rollouts`]). This is
//!   client-side apply: what the manifests set is put back, but what they do not hold and an
//!   agent added stays (another deployment, a config map, resources on a container whose
//!   manifest has none, `spec.paused`), where a served or in-process reset restores whole
//!   objects. After the last task the Locust workload found before evaluation is put back.
//! - **Setup**: the setup's kubectl lines as they are; the workload by setting the Locust
//!   deployment's users and spawn rate (the deployment `scripts/kind-up.sh` creates, whose
//!   arguments are `-f FILE --headless -u USERS -r RATE --host URL`); CPU stress and pod
//!   failure as Chaos Mesh `StressChaos` and `PodChaos` objects (Chaos Mesh must be
//!   installed: `scripts/kind-up.sh --chaos`); then the settle time on the wall clock.
//!
//! The other simulator faults (crash loop, bad image, memory pressure, scale to zero, wrong
//! environment, network delay) have no step here; no evaluation task's setup uses them
//! ([`super::plan`] makes CPU stress and pod failure only), and a setup that does is refused
//! with the fault's name.
//!
//! These steps are written to the Chaos Mesh v1alpha1 and Kubernetes APIs and checked here
//! only as text (this machine has no container engine): a first run on a kind cluster is
//! what proves them.
//!
//! Known gap: the scenario's Prometheus scrapes the kubelets' `/metrics` only, which has no
//! `container_cpu_usage_seconds_total` (cAdvisor's `/metrics/cadvisor` has it), so on a kind
//! cluster the CPU oracles probably find no value and leave the verdict to the model; the
//! served simulator has the series, so its tests cannot show this.

use std::path::PathBuf;

use crate::simulator::Millis;
use crate::simulator::Scenario;
use crate::simulator::fault::{Fault, FaultKind};
use crate::simulator::kubectl::shell;
use crate::simulator::setup::Setup;

/// The `app.kubernetes.io/managed-by` value on every object the harness creates, by which
/// the reset finds them again.
pub const MANAGED_BY: &str = "service-odyssey";

/// The namespace and name of the Locust deployment that drives the workload.
pub const LOCUST: (&str, &str) = ("loadtest", "locust");

/// What the cluster offers the harness beyond Kubernetes itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Capabilities {
    /// Chaos Mesh serves `chaos-mesh.org`: faults can be injected.
    pub chaos_mesh: bool,
    /// The Locust deployment [`LOCUST`] exists: workloads can be set. Without it a task runs
    /// under whatever load the cluster has.
    pub locust: bool,
}

/// One step of the harness on a real cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// kubectl with these arguments (the backend puts its kubeconfig and context first).
    Kubectl(Vec<String>),
    /// A manifest applied with `kubectl apply -f` from a file named `name`.
    Apply {
        /// A file name for the manifest.
        name: String,
        /// The manifest.
        yaml: String,
    },
    /// Time the cluster is given, on the wall clock.
    Wait(Millis),
}

impl std::fmt::Display for Step {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Step::Kubectl(args) => {
                f.write_str("kubectl")?;
                for arg in args {
                    write!(f, " {}", quoted(arg))?;
                }
                Ok(())
            }
            Step::Apply { name, .. } => write!(f, "kubectl apply -f {name}"),
            Step::Wait(d) => write!(f, "wait {} s", d.0 / 1000),
        }
    }
}

/// `word` as a shell would need it to read it back as one word.
fn quoted(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=,:@%+".contains(c));
    if plain {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

/// kubectl with `words` as its arguments.
pub fn kubectl(words: &[&str]) -> Step {
    Step::Kubectl(words.iter().map(|w| (*w).to_owned()).collect())
}

/// The steps that put `namespace` back in the state of the scenario's `manifests` (the files
/// holding its objects, applied in order): faults (when the cluster has Chaos Mesh) and
/// autoscalers deleted, manifests applied, every deployment available.
pub fn reset(manifests: &[PathBuf], namespace: &str, cluster: Capabilities) -> Vec<Step> {
    let managed = format!("app.kubernetes.io/managed-by={MANAGED_BY}");
    let mut steps = Vec::new();
    if cluster.chaos_mesh {
        steps.push(kubectl(&[
            "delete",
            "stresschaos,podchaos",
            "-n",
            namespace,
            "-l",
            &managed,
            "--ignore-not-found",
            "--wait=true",
        ]));
    }
    steps.extend([kubectl(&[
        "delete",
        "horizontalpodautoscalers",
        "--all",
        "-n",
        namespace,
        "--ignore-not-found",
    ])]);
    let mut apply = vec!["apply".to_owned()];
    for path in manifests {
        apply.push("-f".to_owned());
        apply.push(path.display().to_string());
    }
    steps.push(Step::Kubectl(apply));
    steps.extend([kubectl(&[
        "wait",
        "--for=condition=Available",
        "deployment",
        "--all",
        "-n",
        namespace,
        "--timeout=600s",
    ])]);
    steps
}

/// The steps that wait until each of `deployments` in `namespace` has rolled out (at most
/// ten minutes each).
pub fn rollouts<'a>(deployments: impl Iterator<Item = &'a str>, namespace: &str) -> Vec<Step> {
    deployments
        .map(|name| {
            kubectl(&[
                "rollout",
                "status",
                &format!("deployment/{name}"),
                "-n",
                namespace,
                "--timeout=600s",
            ])
        })
        .collect()
}

/// The steps of `setup` on a real cluster, for `scenario`'s workloads and what `cluster`
/// offers (without Locust the workload is left as it is).
///
/// # Errors
/// What the setup asks that has no step here: a line that is not kubectl, an unknown
/// workload, a fault without a Chaos Mesh form or on a cluster without Chaos Mesh.
pub fn setup(
    setup: &Setup,
    scenario: &Scenario,
    cluster: Capabilities,
) -> Result<Vec<Step>, String> {
    let mut steps = Vec::new();
    for line in &setup.commands {
        let words = shell::split(line).map_err(|e| format!("setup line {line:?}: {e}"))?;
        match words.split_first() {
            Some((program, args)) if program == "kubectl" => {
                steps.push(Step::Kubectl(args.to_vec()))
            }
            _ => return Err(format!("setup line {line:?} is not a kubectl command")),
        }
    }
    if let Some(name) = setup.workload.as_ref().filter(|_| cluster.locust) {
        let workload = scenario
            .workloads
            .get(name)
            .ok_or_else(|| format!("the scenario has no workload {name}"))?;
        steps.extend(workload_steps(
            &workload.users.to_string(),
            &format_rate(workload.spawn_rate),
        ));
    }
    for (i, fault) in setup.faults.iter().enumerate() {
        if !cluster.chaos_mesh {
            return Err(format!(
                "the task injects {:?} into {} with Chaos Mesh, which this cluster does not have (scripts/kind-up.sh --chaos installs it)",
                fault.kind, fault.target
            ));
        }
        steps.push(Step::Apply {
            name: format!("fault-{i}-{}.yaml", fault.target),
            yaml: chaos(fault, i)?,
        });
    }
    if setup.settle_ms > 0 {
        steps.push(Step::Wait(Millis(setup.settle_ms)));
    }
    Ok(steps)
}

/// The steps that give the Locust deployment `users` users spawned at `rate` a second, and
/// wait for its rollout. The patch first tests that arguments 3 and 5 are `-u` and `-r`, so a
/// deployment laid out otherwise fails the step instead of getting wrong arguments.
pub fn workload_steps(users: &str, rate: &str) -> Vec<Step> {
    let (namespace, deployment) = LOCUST;
    let arg = |i: u32| format!("/spec/template/spec/containers/0/args/{i}");
    let patch = serde_json::json!([
        {"op": "test", "path": arg(3), "value": "-u"},
        {"op": "test", "path": arg(5), "value": "-r"},
        {"op": "replace", "path": arg(4), "value": users},
        {"op": "replace", "path": arg(6), "value": rate},
    ]);
    vec![
        Step::Kubectl(vec![
            "patch".to_owned(),
            "deployment".to_owned(),
            deployment.to_owned(),
            "-n".to_owned(),
            namespace.to_owned(),
            "--type=json".to_owned(),
            "-p".to_owned(),
            patch.to_string(),
        ]),
        kubectl(&[
            "rollout",
            "status",
            &format!("deployment/{deployment}"),
            "-n",
            namespace,
            "--timeout=300s",
        ]),
    ]
}

/// The Locust deployment's users and spawn rate now (arguments 4 and 6), to put back after
/// evaluation: the step, and how to read its output.
pub fn read_workload() -> Step {
    let (namespace, deployment) = LOCUST;
    kubectl(&[
        "get",
        "deployment",
        deployment,
        "-n",
        namespace,
        "-o",
        "jsonpath={.spec.template.spec.containers[0].args[4]} {.spec.template.spec.containers[0].args[6]}",
    ])
}

/// Locust's spawn rate as its command line takes it: an integer when whole.
fn format_rate(rate: f64) -> String {
    if rate.fract() == 0.0 && rate.abs() < 1e15 {
        format!("{}", rate as i64)
    } else {
        rate.to_string()
    }
}

/// The Chaos Mesh object for `fault`, hitting every pod labelled `name=TARGET` in the
/// fault's namespace until the reset deletes it.
fn chaos(fault: &Fault, index: usize) -> Result<String, String> {
    let (kind, spec) = match &fault.kind {
        FaultKind::CpuStress { load, workers } => (
            "StressChaos",
            serde_json::json!({"stressors": {"cpu": {"workers": workers, "load": load}}}),
        ),
        FaultKind::PodFailure => ("PodChaos", serde_json::json!({"action": "pod-failure"})),
        other => {
            return Err(format!(
                "fault {other:?} has no Chaos Mesh step on a real cluster"
            ));
        }
    };
    let mut spec = spec;
    spec["mode"] = "all".into();
    spec["selector"] = serde_json::json!({
        "namespaces": [fault.namespace],
        "labelSelectors": {"name": fault.target},
    });
    let object = serde_json::json!({
        "apiVersion": "chaos-mesh.org/v1alpha1",
        "kind": kind,
        "metadata": {
            "name": format!("odyssey-{}-{index}", fault.target),
            "namespace": fault.namespace,
            "labels": {"app.kubernetes.io/managed-by": MANAGED_BY},
        },
        "spec": spec,
    });
    // JSON is YAML; kubectl reads either.
    serde_json::to_string_pretty(&object).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // Tests fail loudly on a missing value.
    use std::sync::Arc;

    use super::*;
    use crate::simulator::World;

    const FULL: Capabilities = Capabilities {
        chaos_mesh: true,
        locust: true,
    };
    const BARE: Capabilities = Capabilities {
        chaos_mesh: false,
        locust: false,
    };

    fn planned(name: &str) -> (Setup, Scenario) {
        let scenario = Scenario::embedded_sock_shop();
        let world = World::new(Arc::new(scenario.clone()), 1).unwrap();
        let task = super::super::embedded_sock_shop()
            .into_iter()
            .find(|t| t.name == name)
            .unwrap();
        (super::super::plan(&task, &world).unwrap(), scenario)
    }

    fn applied(steps: &[Step]) -> Vec<serde_json::Value> {
        steps
            .iter()
            .filter_map(|s| match s {
                Step::Apply { yaml, .. } => Some(serde_json::from_str(yaml).unwrap()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn cpu_stress_becomes_a_stress_chaos_on_the_component_with_the_tasks_load() {
        let (setup, scenario) = planned("cpu_stress");
        let steps = super::setup(&setup, &scenario, FULL).unwrap();
        let chaos = applied(&steps);
        assert_eq!(chaos.len(), 1);
        let c = &chaos[0];
        assert_eq!(c["kind"], "StressChaos");
        assert_eq!(c["metadata"]["namespace"], "sock-shop");
        assert_eq!(
            c["metadata"]["labels"]["app.kubernetes.io/managed-by"],
            MANAGED_BY
        );
        assert_eq!(c["spec"]["mode"], "all");
        assert_eq!(c["spec"]["selector"]["namespaces"][0], "sock-shop");
        assert_eq!(c["spec"]["selector"]["labelSelectors"]["name"], "catalogue");
        // The task file asks 50 % load on 2 workers.
        assert_eq!(c["spec"]["stressors"]["cpu"]["load"], 50);
        assert_eq!(c["spec"]["stressors"]["cpu"]["workers"], 2);
        assert_eq!(steps.last(), Some(&Step::Wait(Millis(setup.settle_ms))));

        let err = super::setup(&setup, &scenario, BARE).unwrap_err();
        assert!(
            err.contains("does not have") && err.contains("--chaos"),
            "{err}"
        );
    }

    #[test]
    fn pod_failure_becomes_a_pod_chaos_and_the_workload_sets_locust() {
        let (setup, scenario) = planned("pod_failure");
        let steps = super::setup(&setup, &scenario, FULL).unwrap();
        let chaos = applied(&steps);
        assert_eq!(chaos[0]["kind"], "PodChaos");
        assert_eq!(chaos[0]["spec"]["action"], "pod-failure");

        // The task's workload (moderate: 50 users at 50 a second) patches Locust's arguments.
        let patch = steps
            .iter()
            .find_map(|s| match s {
                Step::Kubectl(a) if a.first().map(String::as_str) == Some("patch") => Some(a),
                _ => None,
            })
            .unwrap();
        assert_eq!(&patch[1..5], ["deployment", "locust", "-n", "loadtest"]);
        let ops: serde_json::Value = serde_json::from_str(patch.last().unwrap()).unwrap();
        assert_eq!(ops[0]["op"], "test");
        assert_eq!(ops[0]["value"], "-u");
        assert_eq!(ops[1]["value"], "-r");
        assert_eq!(ops[2]["path"], "/spec/template/spec/containers/0/args/4");
        assert_eq!(ops[2]["value"], "50");
        assert_eq!(ops[3]["path"], "/spec/template/spec/containers/0/args/6");
        assert_eq!(ops[3]["value"], "50");
    }

    #[test]
    fn setup_lines_pass_as_kubectl_arguments_and_anything_else_is_refused() {
        let (setup, scenario) = planned("rollback");
        assert!(!setup.commands.is_empty(), "{setup:?}");
        let steps = super::setup(&setup, &scenario, BARE).unwrap();
        let Step::Kubectl(first) = &steps[0] else {
            panic!("{steps:?}")
        };
        assert_eq!(first[0], "set");
        assert!(first.iter().any(|w| w.contains('=')), "{first:?}");
        // Without Locust the workload is left alone: no patch.
        assert!(
            !steps.iter().any(|s| s.to_string().contains("locust")),
            "{steps:?}"
        );

        let bad = Setup {
            commands: vec!["rm -rf /".to_owned()],
            ..Setup::default()
        };
        let err = super::setup(&bad, &scenario, FULL).unwrap_err();
        assert!(err.contains("not a kubectl command"), "{err}");
        let delay = Setup {
            faults: vec![Fault {
                kind: FaultKind::NetworkDelay { latency_ms: 100 },
                target: "catalogue".to_owned(),
                namespace: "sock-shop".to_owned(),
            }],
            ..Setup::default()
        };
        let err = super::setup(&delay, &scenario, FULL).unwrap_err();
        assert!(err.contains("NetworkDelay"), "{err}");
    }

    #[test]
    fn the_reset_deletes_the_harness_faults_and_autoscalers_then_applies_the_manifests() {
        let steps = reset(
            &[PathBuf::from("scenarios/sock-shop/manifests")],
            "sock-shop",
            FULL,
        );
        let lines: Vec<String> = steps.iter().map(Step::to_string).collect();
        assert_eq!(
            lines[0],
            "kubectl delete stresschaos,podchaos -n sock-shop -l app.kubernetes.io/managed-by=service-odyssey --ignore-not-found --wait=true"
        );
        assert_eq!(
            lines[1],
            "kubectl delete horizontalpodautoscalers --all -n sock-shop --ignore-not-found"
        );
        assert_eq!(lines[2], "kubectl apply -f scenarios/sock-shop/manifests");
        assert_eq!(
            lines[3],
            "kubectl wait --for=condition=Available deployment --all -n sock-shop --timeout=600s"
        );
        // Without Chaos Mesh there are no faults to delete.
        let without = reset(
            &[PathBuf::from("a.yaml"), PathBuf::from("b.yaml")],
            "sock-shop",
            BARE,
        );
        assert_eq!(without[1].to_string(), "kubectl apply -f a.yaml -f b.yaml");
        assert_eq!(without.len(), 3);
        assert!(
            without[0]
                .to_string()
                .starts_with("kubectl delete horizontalpodautoscalers")
        );
        // A word with shell characters prints quoted.
        let patch = Step::Kubectl(vec![
            "patch".to_owned(),
            "-p".to_owned(),
            "[{\"op\": 1}]".to_owned(),
        ]);
        assert_eq!(patch.to_string(), "kubectl patch -p '[{\"op\": 1}]'");
    }
}
