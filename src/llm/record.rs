//! Recordings: the JSON-lines file format, and a [`Recorder`] that wraps any backend.
//!
//! A recording is one JSON object per line. The first line is the [`RecordingHeader`]
//! (`"kind": "header"`); every further line is an [`Exchange`] (`"kind": "exchange"`): the key of
//! the request, the normalised request and the reply. Secrets are removed before a line is
//! written: the backend's own secrets (its API key), bearer tokens and `sk-...` keys.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use super::request::hex_digest;
use super::{BackendInfo, ChatFuture, ChatReply, ChatRequest, LanguageModel, LlmError, Role};

/// The format tag of the header, bumped on incompatible changes.
pub const FORMAT: &str = "odyssey-llm-recording/1";

/// What replaces a secret in a recording.
pub const REDACTED: &str = "[redacted]";

/// The first line of a recording: how it was made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordingHeader {
    /// Always [`FORMAT`].
    pub format: String,
    /// The backend that answered, e.g. `openai`.
    pub backend: String,
    /// The model per role.
    #[serde(default)]
    pub models: BTreeMap<Role, String>,
    /// The date of the recording as the caller gave it (no clock is read here).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// The scenario the run used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scenario: Option<String>,
    /// The run's seed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    /// A digest of the prompt templates the run rendered its prompts from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt_digest: Option<String>,
}

impl RecordingHeader {
    /// A builder for a header describing `backend`.
    pub fn builder(backend: &BackendInfo) -> RecordingHeaderBuilder {
        RecordingHeaderBuilder {
            header: RecordingHeader {
                format: FORMAT.to_owned(),
                backend: backend.backend.clone(),
                models: backend.models.clone(),
                date: None,
                scenario: None,
                seed: None,
                prompt_digest: None,
            },
        }
    }
}

/// Builds a [`RecordingHeader`].
#[derive(Debug, Clone)]
pub struct RecordingHeaderBuilder {
    header: RecordingHeader,
}

impl RecordingHeaderBuilder {
    /// Sets the date (any text, e.g. `2026-12-03`).
    pub fn date(mut self, date: impl Into<String>) -> Self {
        self.header.date = Some(date.into());
        self
    }

    /// Sets the scenario name.
    pub fn scenario(mut self, scenario: impl Into<String>) -> Self {
        self.header.scenario = Some(scenario.into());
        self
    }

    /// Sets the seed.
    pub fn seed(mut self, seed: u64) -> Self {
        self.header.seed = Some(seed);
        self
    }

    /// Sets the prompt digest from named templates: the digest of each name and text, in the
    /// order given.
    pub fn prompt_templates<'t>(
        mut self,
        templates: impl IntoIterator<Item = (&'t str, &'t str)>,
    ) -> Self {
        let mut all = Vec::new();
        for (name, text) in templates {
            all.extend_from_slice(name.as_bytes());
            all.push(0);
            all.extend_from_slice(text.as_bytes());
            all.push(0);
        }
        self.header.prompt_digest = Some(hex_digest(&all));
        self
    }

    /// The header.
    pub fn build(self) -> RecordingHeader {
        self.header
    }
}

/// One recorded request and its reply.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Exchange {
    /// [`ChatRequest::key`] of the request as it was asked.
    pub key: String,
    /// The normalised request, secrets removed.
    pub request: ChatRequest,
    /// The reply, secrets removed.
    pub reply: ChatReply,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
enum Line {
    Header(RecordingHeader),
    Exchange(Exchange),
}

/// A whole recording read from a file.
#[derive(Debug, Clone, PartialEq)]
pub struct Recording {
    /// Its header.
    pub header: RecordingHeader,
    /// Its exchanges in file order, each with its line number (1-based).
    pub exchanges: Vec<(usize, Exchange)>,
}

impl Recording {
    /// Reads and checks a recording.
    ///
    /// # Errors
    /// [`RecordError::Io`] when the file cannot be read, [`RecordError::Empty`] when it has no
    /// header, [`RecordError::Corrupt`] naming the first line that is not a valid header (line
    /// 1) or exchange (later lines), which is what a truncated write leaves behind.
    pub fn load(path: &Path) -> Result<Self, RecordError> {
        let io = |source| RecordError::Io {
            path: path.to_owned(),
            source,
        };
        let file = File::open(path).map_err(io)?;
        let mut header = None;
        let mut exchanges = Vec::new();
        for (index, line) in BufReader::new(file).lines().enumerate() {
            let number = index + 1;
            let line = line.map_err(io)?;
            if line.trim().is_empty() {
                continue;
            }
            let corrupt = |reason: String| RecordError::Corrupt {
                path: path.to_owned(),
                line: number,
                reason,
            };
            let parsed: Line = serde_json::from_str(&line).map_err(|e| corrupt(e.to_string()))?;
            match (parsed, header.is_some()) {
                (Line::Header(h), false) => {
                    if h.format != FORMAT {
                        return Err(corrupt(format!("unknown format {:?}", h.format)));
                    }
                    header = Some(h);
                }
                (Line::Exchange(e), true) => exchanges.push((number, e)),
                (Line::Header(_), true) => return Err(corrupt("a second header".to_owned())),
                (Line::Exchange(_), false) => {
                    return Err(corrupt("an exchange before the header".to_owned()));
                }
            }
        }
        let header = header.ok_or_else(|| RecordError::Empty {
            path: path.to_owned(),
        })?;
        Ok(Self { header, exchanges })
    }
}

/// Errors of writing or reading a recording.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    /// The file could not be read or written.
    #[error("cannot access recording {path}")]
    Io {
        /// The recording.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A new recording was asked for at a path that already exists; nothing is overwritten.
    #[error("recording {path} already exists; refusing to overwrite it")]
    Exists {
        /// The recording.
        path: PathBuf,
    },
    /// The file has no header line.
    #[error("recording {path} is empty: no header line")]
    Empty {
        /// The recording.
        path: PathBuf,
    },
    /// A line is not valid.
    #[error("recording {path} is corrupt at line {line}: {reason}")]
    Corrupt {
        /// The recording.
        path: PathBuf,
        /// The 1-based line number.
        line: usize,
        /// What is wrong with it.
        reason: String,
    },
}

/// Removes secrets from text going into a recording.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    secrets: Vec<String>,
}

impl Redactor {
    /// A redactor for the given literal secrets (empty ones are ignored), in addition to the
    /// patterns it always removes: `Bearer <token>` and `sk-` keys.
    pub fn new(secrets: impl IntoIterator<Item = String>) -> Self {
        Self {
            secrets: secrets.into_iter().filter(|s| !s.is_empty()).collect(),
        }
    }

    /// `text` with every secret replaced by [`REDACTED`].
    pub fn redact(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for secret in &self.secrets {
            out = out.replace(secret.as_str(), REDACTED);
        }
        let out = redact_after(&out, "Bearer ", 1);
        redact_after(&out, "sk-", 16)
    }

    fn request(&self, request: &ChatRequest) -> ChatRequest {
        let mut clean = request.normalised();
        for message in &mut clean.messages {
            message.content = self.redact(&message.content);
        }
        clean
    }

    fn reply(&self, reply: &ChatReply) -> ChatReply {
        ChatReply {
            text: self.redact(&reply.text),
            ..reply.clone()
        }
    }
}

/// Replaces the token following each `prefix` (a run of at least `min_len` characters from
/// `[A-Za-z0-9._~+/=-]`) with [`REDACTED`], prefix included for `sk-` style keys.
fn redact_after(text: &str, prefix: &str, min_len: usize) -> String {
    let is_token = |c: char| c.is_ascii_alphanumeric() || "._~+/=-".contains(c);
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(prefix) {
        let (before, from) = rest.split_at(at);
        out.push_str(before);
        let after = &from[prefix.len()..];
        let len = after.find(|c: char| !is_token(c)).unwrap_or(after.len());
        if len >= min_len {
            if prefix.starts_with("Bearer") {
                out.push_str(prefix);
            }
            out.push_str(REDACTED);
            rest = &after[len..];
        } else {
            out.push_str(prefix);
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

/// Wraps a backend and appends every successful exchange to a recording.
///
/// # Guarantees
/// Each exchange is written as one line with a single write and flushed before the reply is
/// returned, so a crash leaves at most the last line truncated. Errors are not recorded.
#[derive(Debug)]
pub struct Recorder<M> {
    inner: M,
    path: PathBuf,
    file: Mutex<File>,
    redactor: Redactor,
}

impl<M: LanguageModel> Recorder<M> {
    /// Starts a new recording at `path`, writing `header` as its first line. Parent directories
    /// are created.
    ///
    /// # Errors
    /// [`RecordError::Exists`] when `path` exists, [`RecordError::Io`] when it cannot be
    /// written.
    pub fn create(inner: M, path: &Path, header: &RecordingHeader) -> Result<Self, RecordError> {
        let io = |source| RecordError::Io {
            path: path.to_owned(),
            source,
        };
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(io)?;
        }
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)
            .map_err(|source| match source.kind() {
                std::io::ErrorKind::AlreadyExists => RecordError::Exists {
                    path: path.to_owned(),
                },
                _ => io(source),
            })?;
        let line = serde_json::to_string(&Line::Header(header.clone()))
            .expect("a header always serialises");
        file.write_all(format!("{line}\n").as_bytes()).map_err(io)?;
        file.flush().map_err(io)?;
        let redactor = Redactor::new(inner.secrets());
        tracing::info!(path = %path.display(), backend = %header.backend, "started recording");
        Ok(Self {
            inner,
            path: path.to_owned(),
            file: Mutex::new(file),
            redactor,
        })
    }

    /// Continues an existing recording at `path`, appending after its last line.
    ///
    /// # Errors
    /// The errors of [`Recording::load`]: a corrupt recording is not appended to.
    pub fn append(inner: M, path: &Path) -> Result<Self, RecordError> {
        Recording::load(path)?;
        let file = OpenOptions::new()
            .append(true)
            .open(path)
            .map_err(|source| RecordError::Io {
                path: path.to_owned(),
                source,
            })?;
        let redactor = Redactor::new(inner.secrets());
        Ok(Self {
            inner,
            path: path.to_owned(),
            file: Mutex::new(file),
            redactor,
        })
    }

    /// The recording's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn write(&self, request: &ChatRequest, reply: &ChatReply) -> Result<(), RecordError> {
        let exchange = Exchange {
            key: request.key(),
            request: self.redactor.request(request),
            reply: self.redactor.reply(reply),
        };
        let line = serde_json::to_string(&Line::Exchange(exchange))
            .expect("an exchange always serialises");
        let io = |source| RecordError::Io {
            path: self.path.clone(),
            source,
        };
        let mut file = self
            .file
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        file.write_all(format!("{line}\n").as_bytes()).map_err(io)?;
        file.flush().map_err(io)
    }
}

impl<M: LanguageModel> LanguageModel for Recorder<M> {
    fn chat<'a>(&'a self, request: &'a ChatRequest) -> ChatFuture<'a> {
        Box::pin(async move {
            let reply = self.inner.chat(request).await?;
            self.write(request, &reply)?;
            tracing::debug!(key = %request.key(), role = %request.role, "recorded exchange");
            Ok::<_, LlmError>(reply)
        })
    }

    fn describe(&self) -> BackendInfo {
        self.inner.describe()
    }

    fn secrets(&self) -> Vec<String> {
        self.inner.secrets()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redactor_removes_literal_secrets_bearer_tokens_and_sk_keys() {
        let redactor = Redactor::new(vec!["hunter2-secret".to_owned()]);
        let text =
            "key hunter2-secret; Authorization: Bearer abc.def; sk-proj-0123456789abcdefXYZ end";
        let clean = redactor.redact(text);
        assert_eq!(
            clean,
            "key [redacted]; Authorization: Bearer [redacted]; [redacted] end"
        );
        assert_eq!(redactor.redact("a risk-free task"), "a risk-free task");
    }
}
