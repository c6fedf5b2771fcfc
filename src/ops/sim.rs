//! The in-process simulator as an operations backend.

use super::{Operations, OpsError, OpsOutput, OpsRequest};
use crate::simulator::World;
use crate::simulator::prometheus::form::Params;

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
            OpsRequest::Query(query) => {
                // The body Prometheus's HTTP API would send for `/api/v1/query?query=...`.
                let params = Params::from_pairs([("query", query.as_str())]);
                let response = self.world.prometheus_api("/api/v1/query", &params);
                let ok = response.status == 200;
                return Ok(OpsOutput {
                    stdout: response.body,
                    stderr: String::new(),
                    status: if ok { 0 } else { 22 },
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
