//! Putting a fresh world into a task's starting state: manifest edits, then chaos.

use crate::simulator::fault::{Fault, FaultKind};
use crate::simulator::setup::{Setup, SetupFailure};
use crate::simulator::{Millis, World};

use super::EvalTask;

/// Virtual time given to the world after setup, so that edits and faults have shown.
const SETTLE: Millis = Millis(60_000);

/// A task whose setup the simulator cannot reproduce.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SetupError {
    /// An environment edit the setup does not know how to apply.
    #[error("evaluation task {task}: unsupported environment edit {what}")]
    Unsupported {
        /// The task.
        task: String,
        /// The edit.
        what: String,
    },
    /// A setup a real cluster cannot take (see [`super::cluster`]).
    #[error("evaluation task {task} cannot be set up on this cluster: {why}")]
    NotOnCluster {
        /// The task.
        task: String,
        /// What is missing.
        why: String,
    },
    /// A setup command failed in the world.
    #[error("evaluation task {task}: setup command {command:?} failed: {stderr}")]
    Command {
        /// The task.
        task: String,
        /// The command.
        command: String,
        /// What it printed on stderr.
        stderr: String,
    },
}

/// Applies the task's environment edits and chaos to `world`, then lets it settle.
///
/// # Errors
/// [`SetupError`] for an edit or fault the simulator cannot reproduce.
pub fn apply(task: &EvalTask, world: &mut World) -> Result<(), SetupError> {
    let setup = plan(task, world)?;
    setup.apply(world).map_err(|e| match e {
        SetupFailure::Command { command, stderr } => SetupError::Command {
            task: task.name.clone(),
            command,
            stderr,
        },
        SetupFailure::Workload(name) => SetupError::Unsupported {
            task: task.name.clone(),
            what: format!("workload {name}"),
        },
        SetupFailure::Settle(ms) => SetupError::Unsupported {
            task: task.name.clone(),
            what: format!("settle time {ms} ms"),
        },
    })
}

/// The task's setup in simulator terms, for a world like `world` (whose deployment names the
/// container an image edit changes): what [`apply`] applies, and what a served world is sent
/// to reset into the task's starting state.
///
/// # Errors
/// [`SetupError::Unsupported`] for an edit, workload or fault the simulator cannot reproduce.
pub fn plan(task: &EvalTask, world: &World) -> Result<Setup, SetupError> {
    let ns = &task.namespace;
    let component = &task.component;
    let unsupported = |what: String| SetupError::Unsupported {
        task: task.name.clone(),
        what,
    };
    let mut commands: Vec<String> = Vec::new();
    for file in &task.environment.delete {
        if file.ends_with("-dep.yaml") {
            commands.push(format!("kubectl delete deployment {component} -n {ns}"));
        } else if file.ends_with("-svc.yaml") {
            commands.push(format!("kubectl delete service {component} -n {ns}"));
        } else {
            return Err(unsupported(format!("delete {file}")));
        }
    }
    for file in &task.environment.modify {
        for edit in &file.modify {
            if edit.jsonpath == "$.spec.template.spec.containers[0].image" {
                let container = world
                    .deployment(ns, component)
                    .and_then(|d| {
                        d.spec
                            .as_ref()?
                            .template
                            .spec
                            .as_ref()?
                            .containers
                            .first()
                            .map(|c| c.name.clone())
                    })
                    .unwrap_or_else(|| component.clone());
                commands.push(format!(
                    "kubectl set image deployment/{component} {container}={} -n {ns}",
                    edit.value
                ));
            } else {
                return Err(unsupported(format!(
                    "{} in {}",
                    edit.jsonpath, file.filename
                )));
            }
        }
    }
    if !world.scenario().workloads.contains_key(&task.workload) {
        return Err(unsupported(format!("workload {}", task.workload)));
    }
    let mut faults = Vec::new();

    if let Some(chaos) = &task.chaos {
        let kind = match chaos.kind.as_str() {
            "StressChaos" => {
                let cpu = &chaos.args["cpu"];
                let number =
                    |v: &serde_json::Value, default: u64| v.as_u64().unwrap_or(default) as u32;
                FaultKind::CpuStress {
                    load: number(&cpu["load"], 50),
                    workers: number(&cpu["workers"], 1),
                }
            }
            "PodFailure" => FaultKind::PodFailure,
            other => return Err(unsupported(format!("chaos type {other}"))),
        };
        faults.push(Fault {
            kind,
            target: component.clone(),
            namespace: ns.clone(),
        });
    }
    Ok(Setup {
        commands,
        workload: Some(task.workload.clone()),
        faults,
        settle_ms: SETTLE.0,
    })
}
