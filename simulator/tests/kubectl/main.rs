//! The simulated kubectl over the Sock Shop world: every verb and output form as snapshots,
//! stateful sessions, faults, and the world's determinism.

mod faults;
mod properties;
mod sessions;
mod snapshots;

use std::sync::{Arc, OnceLock};

use odyssey_simulator::{Scenario, World};

/// The reference scenario, loaded once per test binary.
pub fn scenario() -> Arc<Scenario> {
    static SCENARIO: OnceLock<Arc<Scenario>> = OnceLock::new();
    SCENARIO
        .get_or_init(|| Arc::new(Scenario::embedded_sock_shop()))
        .clone()
}

/// A fresh warm world for `seed`.
pub fn world(seed: u64) -> World {
    World::new(scenario(), seed).expect("the reference scenario builds")
}

/// Runs `line` and returns its output, failing the test with the seed on a mismatch of the
/// expected exit status.
pub fn run(world: &mut World, line: &str) -> odyssey_simulator::kubectl::output::CommandOutput {
    world.run_line(line)
}
