//! The language-model layer: one chat interface with several backends.
//!
//! Everything above this module talks to a [`LanguageModel`]: a chat [`ChatRequest`] in, a
//! [`ChatReply`] with token usage out. The backends are
//!
//! - [`OpenAiBackend`]: any OpenAI-compatible HTTP server (OpenAI, Azure, vLLM, llama.cpp, ...);
//! - [`SyntheticModel`]: a deterministic, offline model of a language model for every role,
//!   which reads only the rendered messages (see [`synthetic`]);
//! - [`Replayer`]: replies read back from a recording, strict by default;
//!
//! and two wrappers that fit around any backend: [`Recorder`] (appends every exchange to a
//! JSON-lines recording) and [`Metered`] (charges every call to a [`CostMeter`] and enforces a
//! budget per trial).
//!
//! The prompts the learning system renders, and the replies it expects, follow the
//! conversation protocol in [`protocol`]. [`BackendSpec`] turns a command-line value
//! (`synthetic`, `openai`, `replay:FILE`) and [`LlmSettings`] into a backend.
//!
//! ```
//! use odyssey::llm::protocol::{AgentReply, Prompt, Section, parse_agent};
//! use odyssey::llm::{ChatRequest, Role, SyntheticConfig, SyntheticModel};
//!
//! let model = SyntheticModel::new(SyntheticConfig::with_seed(1));
//! let prompt = Prompt::new()
//!     .section(Section::Task, "Check the health of catalogue")
//!     .section(Section::Service, "catalogue")
//!     .render();
//! let reply = model.answer(&ChatRequest::new(Role::Agent).user(prompt));
//! match parse_agent(&reply.text)? {
//!     AgentReply::Action(action) => assert!(action.command.starts_with("kubectl get pods")),
//!     AgentReply::Result(_) => unreachable!("nothing has been observed yet"),
//! }
//! # Ok::<(), odyssey::llm::protocol::ProtocolError>(())
//! ```

pub mod cost;
mod diff;
pub mod openai;
pub mod protocol;
pub mod record;
pub mod replay;
pub mod request;
pub mod spec;
pub mod synthetic;

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

pub use cost::{BudgetExceeded, CostEntry, CostMeter, Metered, Price, PriceTable};
pub use openai::{OpenAiBackend, OpenAiConfig, OpenAiError};
pub use record::{RecordError, Recorder, RecordingHeader, RecordingHeaderBuilder};
pub use replay::{ReplayError, ReplayMode, Replayer};
pub use request::{CallContext, ChatReply, ChatRequest, Message, Params, Role, Speaker, Usage};
pub use spec::{BackendSpec, LlmSettings, SpecError};
pub use synthetic::{Knowledge, MistakeRates, SyntheticConfig, SyntheticModel};

/// The future returned by [`LanguageModel::chat`].
pub type ChatFuture<'a> = Pin<Box<dyn Future<Output = Result<ChatReply, LlmError>> + Send + 'a>>;

/// A chat model. Object-safe: the learning system holds a `Box<dyn LanguageModel>` or an
/// `Arc<dyn LanguageModel>` and never knows which backend it has.
pub trait LanguageModel: Send + Sync {
    /// Answers one request.
    ///
    /// # Errors
    /// Whatever the backend reports, as an [`LlmError`]; a budget cap gives
    /// [`LlmError::Budget`], which a trial should treat as "stop cleanly".
    fn chat<'a>(&'a self, request: &'a ChatRequest) -> ChatFuture<'a>;

    /// What the backend is and which model answers each role, for recording headers.
    fn describe(&self) -> BackendInfo;

    /// Literal secrets the backend holds (an API key), so that wrappers can keep them out of
    /// recordings and traces. Empty by default.
    fn secrets(&self) -> Vec<String> {
        Vec::new()
    }
}

/// A description of a backend for recording headers and logs.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct BackendInfo {
    /// The kind of backend, e.g. `openai`, `synthetic`, `replay`.
    pub backend: String,
    /// The model that answers each role.
    #[serde(default)]
    pub models: BTreeMap<Role, String>,
}

impl<M: LanguageModel + ?Sized> LanguageModel for Box<M> {
    fn chat<'a>(&'a self, request: &'a ChatRequest) -> ChatFuture<'a> {
        (**self).chat(request)
    }

    fn describe(&self) -> BackendInfo {
        (**self).describe()
    }

    fn secrets(&self) -> Vec<String> {
        (**self).secrets()
    }
}

impl<M: LanguageModel + ?Sized> LanguageModel for Arc<M> {
    fn chat<'a>(&'a self, request: &'a ChatRequest) -> ChatFuture<'a> {
        (**self).chat(request)
    }

    fn describe(&self) -> BackendInfo {
        (**self).describe()
    }

    fn secrets(&self) -> Vec<String> {
        (**self).secrets()
    }
}

/// The error of any backend or wrapper, one variant per module.
#[derive(Debug, thiserror::Error)]
pub enum LlmError {
    /// The OpenAI-compatible backend failed.
    #[error(transparent)]
    OpenAi(#[from] OpenAiError),
    /// The trial's budget is spent; the trial should stop.
    #[error(transparent)]
    Budget(#[from] BudgetExceeded),
    /// A recording could not be written.
    #[error(transparent)]
    Record(#[from] RecordError),
    /// A recording could not be read, or has no reply for a request.
    #[error(transparent)]
    Replay(#[from] ReplayError),
}

impl LlmError {
    /// Whether the error is a spent budget, the one error a trial treats as a clean stop.
    pub fn is_budget_exceeded(&self) -> bool {
        matches!(self, LlmError::Budget(_))
    }
}
