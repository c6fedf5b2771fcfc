//! Replay: a backend that answers from a recording, strict by default.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use super::diff::{line_diff, line_distance};
use super::record::{Exchange, RecordError, Recorder, Recording, RecordingHeader};
use super::{BackendInfo, ChatFuture, ChatReply, ChatRequest, LanguageModel, LlmError, Role};

/// What a [`Replayer`] does with a request that has no recording.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplayMode {
    /// Fail with [`ReplayError::NoRecording`].
    Strict,
    /// Ask the fallback backend and append the new exchange to the recording.
    Lenient,
}

/// The recorded exchange closest to a request that had none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Nearest {
    /// Its line in the recording.
    pub line: usize,
    /// Its key.
    pub key: String,
    /// How many lines of the two transcripts differ.
    pub distance: usize,
    /// A line diff from the recorded request to the asked one.
    pub diff: String,
}

/// An exchange of the recording that no request asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unused {
    /// Its line in the recording.
    pub line: usize,
    /// Its key.
    pub key: String,
    /// The role of its request.
    pub role: Role,
}

/// Errors of replaying.
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    /// The recording could not be read.
    #[error(transparent)]
    Read(#[from] RecordError),
    /// A request has no recorded reply (strict mode).
    #[error("{}", describe_miss(.path, .role, .key, .nearest))]
    NoRecording {
        /// The recording.
        path: PathBuf,
        /// The role of the request.
        role: Role,
        /// The key of the request.
        key: String,
        /// The closest recorded request, if the recording has any.
        nearest: Option<Box<Nearest>>,
    },
}

fn describe_miss(path: &Path, role: &Role, key: &str, nearest: &Option<Box<Nearest>>) -> String {
    let head = format!(
        "no recorded reply in {} for {role} request {key}",
        path.display()
    );
    match nearest {
        None => format!("{head}; the recording has no exchanges"),
        Some(n) => format!(
            "{head}; nearest is line {} ({} lines differ), recorded (-) vs asked (+):\n{}",
            n.line, n.distance, n.diff
        ),
    }
}

struct Entry {
    line: usize,
    exchange: Exchange,
}

#[derive(Default)]
struct State {
    /// Exchanges by key, in file order.
    by_key: BTreeMap<String, Vec<Entry>>,
    /// How many times each key has been served.
    served: BTreeMap<String, usize>,
}

/// Answers requests from a recording.
///
/// A key recorded several times is answered with its replies in file order; once they are
/// exhausted the last one is repeated.
pub struct Replayer {
    path: PathBuf,
    header: RecordingHeader,
    state: Mutex<State>,
    fallback: Option<Recorder<Box<dyn LanguageModel>>>,
}

impl std::fmt::Debug for Replayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Replayer")
            .field("path", &self.path)
            .field("lenient", &self.fallback.is_some())
            .finish_non_exhaustive()
    }
}

impl Replayer {
    /// A strict replayer over the recording at `path`.
    ///
    /// # Errors
    /// The errors of [`Recording::load`], naming the bad line of a corrupt file.
    pub fn open(path: &Path) -> Result<Self, ReplayError> {
        let recording = Recording::load(path)?;
        let mut state = State::default();
        for (line, exchange) in recording.exchanges {
            state
                .by_key
                .entry(exchange.key.clone())
                .or_default()
                .push(Entry { line, exchange });
        }
        Ok(Self {
            path: path.to_owned(),
            header: recording.header,
            state: Mutex::new(state),
            fallback: None,
        })
    }

    /// A lenient replayer: requests with no recording go to `fallback`, and the new exchanges
    /// are appended to the same file (existing lines are never rewritten).
    ///
    /// # Errors
    /// The errors of [`Replayer::open`].
    pub fn lenient(path: &Path, fallback: Box<dyn LanguageModel>) -> Result<Self, ReplayError> {
        let mut replayer = Self::open(path)?;
        replayer.fallback = Some(Recorder::append(fallback, path)?);
        Ok(replayer)
    }

    /// The mode of this replayer.
    pub fn mode(&self) -> ReplayMode {
        if self.fallback.is_some() {
            ReplayMode::Lenient
        } else {
            ReplayMode::Strict
        }
    }

    /// The recording's header.
    pub fn header(&self) -> &RecordingHeader {
        &self.header
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The recorded exchanges that no request has asked for so far, in file order.
    pub fn unused(&self) -> Vec<Unused> {
        let state = self.lock();
        let mut out: Vec<Unused> = state
            .by_key
            .iter()
            .flat_map(|(key, entries)| {
                let served = state.served.get(key).copied().unwrap_or(0);
                entries.iter().skip(served).map(|e| Unused {
                    line: e.line,
                    key: key.clone(),
                    role: e.exchange.request.role,
                })
            })
            .collect();
        out.sort_by_key(|u| u.line);
        out
    }

    fn lookup(&self, key: &str) -> Option<ChatReply> {
        let mut state = self.lock();
        let entries = state.by_key.get(key)?;
        let served = state.served.get(key).copied().unwrap_or(0);
        let entry = entries.get(served).or_else(|| entries.last())?;
        let reply = entry.exchange.reply.clone();
        let line = entry.line;
        *state.served.entry(key.to_owned()).or_default() += 1;
        tracing::debug!(key, line, "replayed exchange");
        Some(reply)
    }

    fn nearest(&self, request: &ChatRequest) -> Option<Box<Nearest>> {
        let asked = comparable(request);
        let state = self.lock();
        let best = state
            .by_key
            .values()
            .flatten()
            .map(|e| {
                let recorded = comparable(&e.exchange.request);
                (line_distance(&recorded, &asked), e.line, e, recorded)
            })
            .min_by_key(|(distance, line, _, _)| (*distance, *line))?;
        let (distance, line, entry, recorded) = best;
        Some(Box::new(Nearest {
            line,
            key: entry.exchange.key.clone(),
            distance,
            diff: line_diff(&recorded, &asked, 2),
        }))
    }
}

/// The text two requests are compared by: role, model, parameters and the transcript.
fn comparable(request: &ChatRequest) -> String {
    let params = serde_json::to_string(&request.params).expect("parameters serialise");
    format!(
        "role: {}\nmodel: {}\nparams: {params}\n{}",
        request.role,
        request.model,
        request.transcript()
    )
}

impl LanguageModel for Replayer {
    fn chat<'a>(&'a self, request: &'a ChatRequest) -> ChatFuture<'a> {
        Box::pin(async move {
            let key = request.key();
            if let Some(reply) = self.lookup(&key) {
                return Ok(reply);
            }
            let Some(fallback) = &self.fallback else {
                let nearest = self.nearest(request);
                tracing::warn!(key, role = %request.role, "no recorded reply");
                return Err(LlmError::Replay(ReplayError::NoRecording {
                    path: self.path.clone(),
                    role: request.role,
                    key,
                    nearest,
                }));
            };

            // Lenient: ask the fallback, which appends to the file, and remember the pair so
            // the same request in this run gets the same reply.
            let reply = fallback.chat(request).await?;
            let mut state = self.lock();
            let exchange = Exchange {
                key: key.clone(),
                request: request.normalised(),
                reply: reply.clone(),
            };
            let entries = state.by_key.entry(key.clone()).or_default();
            entries.push(Entry { line: 0, exchange });
            let count = entries.len();
            state.served.insert(key, count);
            Ok(reply)
        })
    }

    fn describe(&self) -> BackendInfo {
        BackendInfo {
            backend: "replay".to_owned(),
            models: self.header.models.clone(),
        }
    }
}
