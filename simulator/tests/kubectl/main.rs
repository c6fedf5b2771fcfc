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

/// A copy of the warm world for `seed`, built once per test binary: for tests that run many
/// cases on the same starting state.
pub fn warm(seed: u64) -> World {
    static WORLDS: OnceLock<std::sync::Mutex<std::collections::BTreeMap<u64, World>>> =
        OnceLock::new();
    let cache = WORLDS.get_or_init(Default::default);
    let mut worlds = cache.lock().unwrap_or_else(|e| e.into_inner());
    worlds.entry(seed).or_insert_with(|| world(seed)).clone()
}

/// Runs `line` and returns its output, failing the test with the seed on a mismatch of the
/// expected exit status.
pub fn run(world: &mut World, line: &str) -> odyssey_simulator::kubectl::output::CommandOutput {
    world.run_line(line)
}
