//! The chat request and reply exchanged with every language-model backend.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Which module of the learning system is asking; it selects the model and, for the synthetic
/// model, the behaviour that answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// The curriculum builder, proposing tasks.
    Curriculum,
    /// The manager agent of the execution planner, decomposing and combining.
    Manager,
    /// A low-level agent bound to one service, issuing commands.
    Agent,
    /// The knowledge curator, turning executions into skills.
    Curator,
    /// The verifier, judging whether a task succeeded.
    Verifier,
}

impl Role {
    /// Every role, in a fixed order.
    pub const ALL: [Role; 5] = [
        Role::Curriculum,
        Role::Manager,
        Role::Agent,
        Role::Curator,
        Role::Verifier,
    ];

    /// The lower-case name used in configuration files and recordings.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Curriculum => "curriculum",
            Role::Manager => "manager",
            Role::Agent => "agent",
            Role::Curator => "curator",
            Role::Verifier => "verifier",
        }
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who wrote a message of the conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Speaker {
    /// Instructions that frame the conversation.
    System,
    /// The learning system's rendered prompt.
    User,
    /// A previous reply of the model.
    Assistant,
}

/// One message of a conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    /// Who wrote it.
    pub speaker: Speaker,
    /// The text, as rendered.
    pub content: String,
}

impl Message {
    /// A system message.
    pub fn system(content: impl Into<String>) -> Self {
        Self {
            speaker: Speaker::System,
            content: content.into(),
        }
    }

    /// A user message.
    pub fn user(content: impl Into<String>) -> Self {
        Self {
            speaker: Speaker::User,
            content: content.into(),
        }
    }

    /// An assistant message.
    pub fn assistant(content: impl Into<String>) -> Self {
        Self {
            speaker: Speaker::Assistant,
            content: content.into(),
        }
    }
}

/// Sampling parameters; `None` leaves the backend's default.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Params {
    /// Sampling temperature.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f32>,
    /// Upper bound on completion tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_tokens: Option<u32>,
    /// Sampling seed, for backends that honour one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
}

/// Where a call belongs, for cost accounting. It is not part of the request's identity: two
/// calls that differ only in context have the same [`ChatRequest::key`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallContext {
    /// The trial the call belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trial: Option<String>,
    /// The task the call belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task: Option<String>,
}

/// A chat request: who asks, which model, the conversation and the sampling parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatRequest {
    /// The asking module.
    pub role: Role,
    /// The model name; empty means "the backend's model for this role".
    #[serde(default)]
    pub model: String,
    /// The conversation, oldest first.
    pub messages: Vec<Message>,
    /// Sampling parameters.
    #[serde(default)]
    pub params: Params,
    /// Trial and task, for cost accounting only.
    #[serde(default, skip_serializing_if = "is_default_context")]
    pub context: CallContext,
}

fn is_default_context(context: &CallContext) -> bool {
    context == &CallContext::default()
}

impl ChatRequest {
    /// A request for `role` with no messages yet and the backend's model.
    pub fn new(role: Role) -> Self {
        Self {
            role,
            model: String::new(),
            messages: Vec::new(),
            params: Params::default(),
            context: CallContext::default(),
        }
    }

    /// Appends a system message.
    pub fn system(mut self, content: impl Into<String>) -> Self {
        self.messages.push(Message::system(content));
        self
    }

    /// Appends a user message.
    pub fn user(mut self, content: impl Into<String>) -> Self {
        self.messages.push(Message::user(content));
        self
    }

    /// Appends an assistant message.
    pub fn assistant(mut self, content: impl Into<String>) -> Self {
        self.messages.push(Message::assistant(content));
        self
    }

    /// Sets the model name.
    pub fn model(mut self, model: impl Into<String>) -> Self {
        self.model = model.into();
        self
    }

    /// Sets the sampling parameters.
    pub fn params(mut self, params: Params) -> Self {
        self.params = params;
        self
    }

    /// Sets the trial and task the call is charged to.
    pub fn context(mut self, context: CallContext) -> Self {
        self.context = context;
        self
    }

    /// The request with its text normalised: line endings become `\n`, trailing whitespace is
    /// removed from every line and from the end of each message. The context is dropped.
    pub fn normalised(&self) -> ChatRequest {
        let messages = self
            .messages
            .iter()
            .map(|m| Message {
                speaker: m.speaker,
                content: normalise_text(&m.content),
            })
            .collect();
        ChatRequest {
            role: self.role,
            model: self.model.trim().to_owned(),
            messages,
            params: self.params.clone(),
            context: CallContext::default(),
        }
    }

    /// The identity of the request: the hex SHA-256 digest of the canonical JSON of its
    /// normalised form (role, model, messages, parameters).
    ///
    /// # Guarantees
    /// Equal for requests that differ only in trailing whitespace, line endings or context.
    pub fn key(&self) -> String {
        let canonical =
            serde_json::to_vec(&self.normalised()).expect("a request always serialises to JSON");
        hex_digest(&canonical)
    }

    /// All messages concatenated with their speakers, for distances and diffs.
    pub fn transcript(&self) -> String {
        let mut out = String::new();
        for m in &self.messages {
            let speaker = match m.speaker {
                Speaker::System => "system",
                Speaker::User => "user",
                Speaker::Assistant => "assistant",
            };
            out.push_str(&format!("[{speaker}]\n{}\n", normalise_text(&m.content)));
        }
        out
    }

    /// The content of the last user message, or the empty string.
    pub fn last_user(&self) -> &str {
        self.messages
            .iter()
            .rev()
            .find(|m| m.speaker == Speaker::User)
            .map(|m| m.content.as_str())
            .unwrap_or("")
    }
}

/// Tokens counted by the backend for one call.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    /// Tokens in the prompt.
    pub prompt_tokens: u32,
    /// Tokens in the completion.
    pub completion_tokens: u32,
}

impl Usage {
    /// Prompt plus completion tokens.
    pub fn total(&self) -> u64 {
        u64::from(self.prompt_tokens) + u64::from(self.completion_tokens)
    }
}

/// A model's reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatReply {
    /// The reply text.
    pub text: String,
    /// Token usage as the backend reported (or, for the synthetic model, estimated) it.
    pub usage: Usage,
    /// The model that answered, as the backend named it.
    pub model: String,
}

/// Normalises a text the way [`ChatRequest::normalised`] does.
pub fn normalise_text(text: &str) -> String {
    let unix = text.replace("\r\n", "\n");
    let lines: Vec<&str> = unix.lines().map(str::trim_end).collect();
    lines.join("\n").trim_end().to_owned()
}

/// The lower-case hex SHA-256 digest of `bytes`.
pub fn hex_digest(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut out = String::with_capacity(64);
    for byte in digest.iter() {
        out.push_str(&format!("{byte:02x}"));
    }
    out
}

/// A rough token count for text (one token per four bytes, at least one for non-empty text),
/// used where no tokenizer is available.
pub fn estimate_tokens(text: &str) -> u32 {
    if text.is_empty() {
        return 0;
    }
    u32::try_from(text.len().div_ceil(4)).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_ignores_trailing_whitespace_and_context() {
        let a = ChatRequest::new(Role::Agent).user("hello  \r\nworld\n\n");
        let b = ChatRequest::new(Role::Agent)
            .user("hello\nworld")
            .context(CallContext {
                trial: Some("t1".into()),
                task: None,
            });
        assert_eq!(a.key(), b.key());
        assert_eq!(a.key().len(), 64);
    }

    #[test]
    fn key_changes_with_role_model_and_parameters() {
        let base = ChatRequest::new(Role::Agent).user("x");
        assert_ne!(base.key(), ChatRequest::new(Role::Manager).user("x").key());
        assert_ne!(base.key(), base.clone().model("m").key());
        let params = Params {
            seed: Some(1),
            ..Params::default()
        };
        assert_ne!(base.key(), base.clone().params(params).key());
    }
}
