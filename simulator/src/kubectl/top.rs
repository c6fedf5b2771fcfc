//! `kubectl top pod|node`: resource usage from the metrics model.

use super::cli::Invocation;
use super::output::CommandOutput;
use crate::world::World;

/// Runs `top`.
///
/// TODO: the metrics model (CPU and memory per container) does not exist yet; until it does,
/// `top` answers as kubectl does on a cluster without a metrics server.
pub fn top(world: &World, inv: &Invocation, namespace: &str) -> CommandOutput {
    let _ = (world, inv, namespace);
    CommandOutput::error("error: Metrics API not available\n")
}
