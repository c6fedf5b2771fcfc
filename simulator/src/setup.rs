//! A task's starting state in simulator terms: kubectl lines, a workload, faults, then time to
//! settle. The harness builds one from an evaluation task, applies it to a fresh in-process
//! world, or sends it to a served world (`POST /sim/v1/reset`), and both start the same.

use serde::{Deserialize, Serialize};

use crate::clock::Millis;
use crate::fault::Fault;
use crate::world::World;

/// What puts a fresh world in a task's starting state, applied in field order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Setup {
    /// kubectl lines run in the world, each of which must succeed.
    pub commands: Vec<String>,
    /// The name of one of the scenario's workloads, set after the commands.
    pub workload: Option<String>,
    /// Faults injected after the workload is set.
    #[serde(with = "fault_list")]
    pub faults: Vec<Fault>,
    /// Virtual milliseconds the world is given afterwards.
    pub settle_ms: i64,
}

/// Why a setup could not be applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SetupFailure {
    /// A command failed.
    #[error("setup command {command:?} failed: {stderr}")]
    Command {
        /// The command.
        command: String,
        /// What it printed on stderr.
        stderr: String,
    },
    /// The scenario has no such workload.
    #[error("the scenario has no workload {0}")]
    Workload(String),
    /// The settle time is negative or longer than a day.
    #[error("settle_ms {0} is not between 0 and one day")]
    Settle(i64),
}

impl Setup {
    /// Applies the setup to `world`; on an error the world is left part-way.
    ///
    /// # Errors
    /// [`SetupFailure`] naming what failed.
    pub fn apply(&self, world: &mut World) -> Result<(), SetupFailure> {
        if !(0..=86_400_000).contains(&self.settle_ms) {
            return Err(SetupFailure::Settle(self.settle_ms));
        }
        for command in &self.commands {
            let out = world.run_line(command);
            if out.status != 0 {
                return Err(SetupFailure::Command {
                    command: command.clone(),
                    stderr: out.stderr,
                });
            }
        }
        if let Some(name) = &self.workload {
            let workload = world
                .scenario()
                .workloads
                .get(name)
                .cloned()
                .ok_or_else(|| SetupFailure::Workload(name.clone()))?;
            world.set_workload(workload);
        }
        for fault in &self.faults {
            world.inject_fault(fault.clone());
        }
        world.advance(Millis(self.settle_ms));
        Ok(())
    }
}

/// Faults in JSON as `{"target", "namespace", "fault": {"kind", ...}}`: [`Fault`] itself
/// flattens its kind beside `deny_unknown_fields`, which serde's JSON reading refuses.
mod fault_list {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use crate::fault::{Fault, FaultKind};

    #[derive(Serialize, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Wire {
        target: String,
        namespace: String,
        fault: FaultKind,
    }

    pub(super) fn serialize<S: Serializer>(faults: &[Fault], s: S) -> Result<S::Ok, S::Error> {
        faults
            .iter()
            .map(|f| Wire {
                target: f.target.clone(),
                namespace: f.namespace.clone(),
                fault: f.kind.clone(),
            })
            .collect::<Vec<_>>()
            .serialize(s)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Fault>, D::Error> {
        Ok(Vec::<Wire>::deserialize(d)?
            .into_iter()
            .map(|w| Fault {
                kind: w.fault,
                target: w.target,
                namespace: w.namespace,
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // Tests fail loudly on a missing value.
    use super::*;
    use crate::fault::FaultKind;

    #[test]
    fn a_setup_survives_json() {
        let setup = Setup {
            commands: vec!["kubectl delete service carts -n sock-shop".to_owned()],
            workload: Some("steady".to_owned()),
            faults: vec![Fault {
                kind: FaultKind::CpuStress {
                    load: 80,
                    workers: 2,
                },
                target: "carts".to_owned(),
                namespace: "sock-shop".to_owned(),
            }],
            settle_ms: 60_000,
        };
        let text = serde_json::to_string(&setup).unwrap();
        assert_eq!(serde_json::from_str::<Setup>(&text).unwrap(), setup);
    }
}
