//! The operations layer: one command line or one PromQL query in, stdout, stderr and exit
//! status out, over several backends.
//!
//! Everything above this module talks to an [`Operations`] backend and never knows which one it
//! has: the in-process simulator ([`SimulatorOps`]), a live cluster through the real kubectl
//! and Prometheus over HTTP ([`LiveOps`]), or recorded responses ([`OpsRecorder`] wraps any
//! backend, [`OpsReplayer`] answers from a recording, strictly). Commands from a model
//! pass through [`crate::policy`] before they reach a backend.

pub mod live;
mod record;
mod sim;

use serde::{Deserialize, Serialize};

use crate::simulator::World;
pub use live::{LiveClock, LiveConfig, LiveError, LiveOps};
pub use record::{OpsRecorder, OpsReplayer, RecordedOp};
pub use sim::SimulatorOps;

/// One request to the world.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OpsRequest {
    /// A command line as an agent types it: `kubectl ...`, `curl ...`, `sleep 30s`.
    Command(String),
    /// A PromQL instant query, evaluated at the world's current time.
    Query(String),
}

/// What a request printed, as a shell would show it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpsOutput {
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
    /// Exit status, 0 for success.
    pub status: i32,
}

impl OpsOutput {
    /// Stdout followed by stderr, as a terminal shows them.
    pub fn combined(&self) -> String {
        let mut text = self.stdout.clone();
        if !self.stderr.is_empty() {
            if !text.is_empty() && !text.ends_with('\n') {
                text.push('\n');
            }
            text.push_str(&self.stderr);
        }
        text
    }
}

/// Why a backend could not answer at all (as opposed to a command that failed, which is an
/// [`OpsOutput`] with a non-zero status).
#[derive(Debug, thiserror::Error)]
pub enum OpsError {
    /// Strict replay met a request the recording does not hold next.
    #[error("operations replay: request {index} is {got:?}, the recording expects {expected:?}")]
    Unexpected {
        /// 0-based index of the request.
        index: usize,
        /// The request made.
        got: OpsRequest,
        /// The request recorded at that index, if any.
        expected: Option<OpsRequest>,
    },
    /// A recording file could not be read or written.
    #[error("operations recording {path}")]
    Io {
        /// The recording.
        path: std::path::PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A recording line is not a recorded operation.
    #[error("operations recording {path}: line {line} is not a recorded operation")]
    Format {
        /// The recording.
        path: std::path::PathBuf,
        /// 1-based line number.
        line: usize,
        /// The cause.
        #[source]
        source: serde_json::Error,
    },
    /// The live backend's harness failed: a binary, the kubeconfig, Prometheus or the
    /// simulator's clock (see [`LiveError`]).
    #[error(transparent)]
    Live(Box<LiveError>),
}

/// A world that commands and queries can be run against.
pub trait Operations: Send {
    /// Runs one request.
    ///
    /// # Errors
    /// [`OpsError`] only when the backend itself fails (a replay mismatch, an unwritable
    /// recording); a failing command is an output with a non-zero status.
    fn execute(&mut self, request: &OpsRequest) -> Result<OpsOutput, OpsError>;

    /// The simulated world behind the backend, when there is one: oracles judge evaluation
    /// tasks over its true state. Live and replayed backends have none.
    fn world(&self) -> Option<&World> {
        None
    }

    /// A short name of the backend for logs and traces.
    fn describe(&self) -> String;
}

impl<O: Operations + ?Sized> Operations for Box<O> {
    fn execute(&mut self, request: &OpsRequest) -> Result<OpsOutput, OpsError> {
        (**self).execute(request)
    }

    fn world(&self) -> Option<&World> {
        (**self).world()
    }

    fn describe(&self) -> String {
        (**self).describe()
    }
}
