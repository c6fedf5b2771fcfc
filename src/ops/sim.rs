//! The in-process simulator as an operations backend.

use super::{Operations, OpsError, OpsOutput, OpsRequest};
use crate::simulator::World;

/// Runs requests against a simulated [`World`] in the same process.
#[derive(Debug, Clone)]
pub struct SimulatorOps {
    world: World,
}

impl SimulatorOps {
    /// A backend over `world`.
    pub fn new(world: World) -> Self {
        Self { world }
    }

    /// The world, mutably, for setting up a task before the agents see it.
    pub fn world_mut(&mut self) -> &mut World {
        &mut self.world
    }

    /// The world, giving up the backend.
    pub fn into_world(self) -> World {
        self.world
    }
}

impl Operations for SimulatorOps {
    fn execute(&mut self, request: &OpsRequest) -> Result<OpsOutput, OpsError> {
        let out = match request {
            OpsRequest::Command(line) => self.world.run_line(line),
            // TODO: the simulator's direct PromQL method is not on main yet; until the lead
            // wires it here, a query answers as an unreachable Prometheus would.
            OpsRequest::Query(_) => {
                return Ok(OpsOutput {
                    stdout: String::new(),
                    stderr: "prometheus queries are not available in this simulator\n".to_owned(),
                    status: 7,
                });
            }
        };
        Ok(OpsOutput {
            stdout: out.stdout,
            stderr: out.stderr,
            status: out.status,
        })
    }

    fn world(&self) -> Option<&World> {
        Some(&self.world)
    }

    fn describe(&self) -> String {
        format!(
            "simulator:{}:seed={}",
            self.world.scenario().file.name,
            self.world.seed()
        )
    }
}
