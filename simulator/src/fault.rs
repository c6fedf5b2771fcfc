//! Faults a scenario or a task injects, and how each shows on the cluster.

use serde::{Deserialize, Serialize};

/// A fault aimed at the pods of one deployment.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Fault {
    /// What goes wrong.
    #[serde(flatten)]
    pub kind: FaultKind,
    /// The deployment whose pods are hit.
    pub target: String,
    /// The deployment's namespace.
    #[serde(default = "default_namespace")]
    pub namespace: String,
}

fn default_namespace() -> String {
    "sock-shop".to_string()
}

/// The kinds of fault, written in TOML as `kind = "crash-loop"` plus the kind's fields.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum FaultKind {
    /// The pods' containers stop answering probes: not ready, killed by the liveness probe and
    /// restarted (as Chaos Mesh PodFailure does by swapping in a pause image).
    PodFailure,
    /// The main container exits with status 1 a few seconds after every start.
    CrashLoop,
    /// The deployment's image is replaced by one that does not exist in the registry.
    BadImage {
        /// The missing image.
        image: String,
    },
    /// Extra CPU load in every pod (Chaos Mesh StressChaos): `load` percent of `workers` cores.
    CpuStress {
        /// Percent of one core each worker burns.
        load: u32,
        /// Number of stress workers.
        workers: u32,
    },
    /// Memory grows past the container's limit; the kernel kills it (`OOMKilled`).
    MemoryPressure,
    /// The deployment is scaled to zero replicas.
    ScaleToZero,
    /// An environment variable is set to a value the service cannot work with: the container
    /// exits at start with an error in its log.
    WrongEnv {
        /// Variable name.
        name: String,
        /// Its wrong value.
        value: String,
    },
    /// Extra latency on every request the service answers (Chaos Mesh NetworkChaos delay).
    NetworkDelay {
        /// Added latency in milliseconds.
        latency_ms: u32,
    },
}
