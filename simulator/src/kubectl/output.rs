//! What one simulated command returns: the two streams and the exit status.

use serde::{Deserialize, Serialize};

/// The result of one command line, as a process would leave it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommandOutput {
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
    /// Exit status (0 for success).
    pub status: i32,
}

impl CommandOutput {
    /// Success with `stdout`.
    pub fn ok(stdout: impl Into<String>) -> Self {
        CommandOutput {
            stdout: stdout.into(),
            stderr: String::new(),
            status: 0,
        }
    }

    /// Failure with `stderr` and status 1, as kubectl exits on an error.
    pub fn error(stderr: impl Into<String>) -> Self {
        CommandOutput {
            stdout: String::new(),
            stderr: stderr.into(),
            status: 1,
        }
    }

    /// Whether the status is 0.
    pub fn success(&self) -> bool {
        self.status == 0
    }
}
