//! Recording any operations backend, and replaying a recording strictly.
//!
//! A recording is JSON lines: one [`RecordedOp`] (request and output) per line, in the order
//! the requests were made. Replay is sequential and strict: the n-th request must be the n-th
//! recorded one (the same command may rightly answer differently later, so order is the key),
//! and recorded requests left unused are reported.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{Operations, OpsError, OpsOutput, OpsRequest};
use crate::simulator::World;

/// One recorded exchange.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedOp {
    /// The request.
    pub request: OpsRequest,
    /// What it printed.
    pub output: OpsOutput,
}

/// Wraps a backend and appends every exchange to a recording.
#[derive(Debug)]
pub struct OpsRecorder<O> {
    inner: O,
    path: PathBuf,
    file: File,
}

impl<O: Operations> OpsRecorder<O> {
    /// Starts a recording at `path` (truncating it).
    ///
    /// # Errors
    /// [`OpsError::Io`] when the file cannot be created.
    pub fn create(inner: O, path: &Path) -> Result<Self, OpsError> {
        let file = File::create(path).map_err(|source| OpsError::Io {
            path: path.to_owned(),
            source,
        })?;
        Ok(Self {
            inner,
            path: path.to_owned(),
            file,
        })
    }
}

impl<O: Operations> Operations for OpsRecorder<O> {
    fn execute(&mut self, request: &OpsRequest) -> Result<OpsOutput, OpsError> {
        let output = self.inner.execute(request)?;
        let op = RecordedOp {
            request: request.clone(),
            output: output.clone(),
        };
        let mut line = serde_json::to_string(&op).expect("recorded operations always serialise");
        line.push('\n');
        self.file
            .write_all(line.as_bytes())
            .map_err(|source| OpsError::Io {
                path: self.path.clone(),
                source,
            })?;
        Ok(output)
    }

    fn world(&self) -> Option<&World> {
        self.inner.world()
    }

    fn describe(&self) -> String {
        format!("record({})", self.inner.describe())
    }
}

/// Answers from a recording, in order; anything else is an error.
#[derive(Debug, Clone)]
pub struct OpsReplayer {
    ops: Vec<RecordedOp>,
    next: usize,
}

impl OpsReplayer {
    /// Reads a recording.
    ///
    /// # Errors
    /// [`OpsError::Io`] when it cannot be read, [`OpsError::Format`] naming the first bad line.
    pub fn open(path: &Path) -> Result<Self, OpsError> {
        let text = std::fs::read_to_string(path).map_err(|source| OpsError::Io {
            path: path.to_owned(),
            source,
        })?;
        let mut ops = Vec::new();
        for (n, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let op = serde_json::from_str(line).map_err(|source| OpsError::Format {
                path: path.to_owned(),
                line: n + 1,
                source,
            })?;
            ops.push(op);
        }
        Ok(Self::from_ops(ops))
    }

    /// A replayer over recorded exchanges.
    pub fn from_ops(ops: Vec<RecordedOp>) -> Self {
        Self { ops, next: 0 }
    }

    /// The recorded requests never asked for, in order.
    pub fn unused(&self) -> &[RecordedOp] {
        &self.ops[self.next.min(self.ops.len())..]
    }
}

impl Operations for OpsReplayer {
    fn execute(&mut self, request: &OpsRequest) -> Result<OpsOutput, OpsError> {
        let index = self.next;
        match self.ops.get(index) {
            Some(op) if op.request == *request => {
                self.next += 1;
                Ok(op.output.clone())
            }
            other => Err(OpsError::Unexpected {
                index,
                got: request.clone(),
                expected: other.map(|op| op.request.clone()),
            }),
        }
    }

    fn describe(&self) -> String {
        "replay".to_owned()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // Tests fail loudly on a missing value.
    use std::sync::Arc;

    use super::*;
    use crate::ops::SimulatorOps;
    use crate::simulator::{Scenario, World};

    #[test]
    fn a_recorded_session_replays_strictly_and_reports_leftovers() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ops.jsonl");
        let world = World::new(Arc::new(Scenario::embedded_sock_shop()), 3).unwrap();
        let mut recorder = OpsRecorder::create(SimulatorOps::new(world), &path).unwrap();
        let first = OpsRequest::Command("kubectl get ns".into());
        let second = OpsRequest::Command("kubectl get pods -n sock-shop".into());
        let a = recorder.execute(&first).unwrap();
        recorder.execute(&second).unwrap();
        drop(recorder);

        let mut replay = OpsReplayer::open(&path).unwrap();
        assert_eq!(replay.execute(&first).unwrap(), a);
        assert_eq!(replay.unused().len(), 1);
        let error = replay.execute(&first).unwrap_err();
        assert!(matches!(error, OpsError::Unexpected { index: 1, .. }));
    }
}
