//! The metrics model: a Locust-style workload drives request rates through Sock Shop's call
//! graph; each pod's latency and CPU follow its load, its ready replicas, its CPU limit and
//! the faults on it; a scraper samples every target that the scenario's Prometheus
//! configuration discovers, every 15 s of virtual time, into the simulated TSDB.
//!
//! The latency model is an M/M/1 queue per pod: a request's time in the pod is exponential with
//! mean `base / (1 - utilisation)`, where utilisation is the pod's request rate times its CPU
//! cost over the CPU it may use. More replicas lower each pod's load and so its latency; a
//! CPU-stress fault takes CPU away and raises it; a failed pod stops answering scrapes, so its
//! `up` drops to 0 and its other series go stale.

pub mod profile;
mod query;
mod scrape;
mod targets;

use std::collections::BTreeMap;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::clock::Millis;
use crate::promql::{Engine, Store};
use crate::scenario::Workload;

pub use query::{cpu_query, p99_query};
pub use targets::ScrapeTarget;

/// Requests a Locust user starts per second (one iteration every two seconds).
pub const ITERATIONS_PER_USER_PER_SECOND: f64 = 0.5;

/// The scrape interval of the scenario's Prometheus.
pub const SCRAPE_INTERVAL: Millis = Millis::from_secs(15);

/// The model's mutable state, owned by the world.
#[derive(Clone, Debug)]
pub struct Metrics {
    /// The simulated TSDB.
    pub store: Store,
    /// The engine queries run on.
    pub engine: Engine,
    /// Targets seen at the last scrape, by scrape URL.
    pub(crate) targets: BTreeMap<String, targets::TargetState>,
    /// Cumulative CPU seconds by (pod uid, container).
    pub(crate) cpu_seconds: BTreeMap<(String, String), f64>,
    /// Last computed usage by (pod uid, container): (cores, bytes).
    pub(crate) usage: BTreeMap<(String, String), (f64, f64)>,
    /// The workload running now and when it started.
    pub(crate) workload: Workload,
    pub(crate) workload_since: Millis,
    /// A generator of its own, so request noise never shifts the cluster's names.
    pub(crate) rng: ChaCha8Rng,
    /// The last scrape's targets, as `/api/v1/targets` reports them.
    pub(crate) active: Vec<crate::prometheus::api::Target>,
    pub(crate) dropped: Vec<crate::prometheus::api::DroppedTarget>,
}

impl Metrics {
    /// A model with no history, running `workload` from time zero.
    pub fn new(seed: u64, workload: Workload) -> Self {
        Metrics {
            store: Store::new(),
            engine: Engine::default(),
            targets: BTreeMap::new(),
            cpu_seconds: BTreeMap::new(),
            usage: BTreeMap::new(),
            workload,
            workload_since: Millis(0),
            rng: ChaCha8Rng::seed_from_u64(seed ^ 0x006d_6574_7269_6373),
            active: Vec::new(),
            dropped: Vec::new(),
        }
    }

    /// Locust users active at virtual time `t`: they ramp up at the spawn rate.
    pub fn users_at(&self, t: Millis) -> f64 {
        let since = (t - self.workload_since).0.max(0) as f64 / 1000.0;
        (self.workload.spawn_rate * since).min(f64::from(self.workload.users))
    }
}
