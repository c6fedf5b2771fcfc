//! The OpenAI-compatible backend: any base URL (OpenAI, Azure, vLLM, llama.cpp, Ollama).

use std::collections::BTreeMap;
use std::sync::Once;
use std::time::Duration;

use async_openai::config::OpenAIConfig;
use async_openai::error::OpenAIError;
use async_openai::types::chat::{
    ChatCompletionRequestAssistantMessage, ChatCompletionRequestMessage,
    ChatCompletionRequestSystemMessage, ChatCompletionRequestUserMessage,
    CreateChatCompletionRequest,
};
use serde::{Deserialize, Serialize};

use super::{BackendInfo, ChatFuture, ChatReply, ChatRequest, LanguageModel, LlmError, Role};
use super::{Speaker, Usage};

/// The configuration of an [`OpenAiBackend`], loadable from TOML; every field has a default.
///
/// The API key is never part of the file: it is read from the environment variable named by
/// `api_key_env` (default `OPENAI_API_KEY`) or set with [`OpenAiConfig::with_api_key`].
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OpenAiConfig {
    /// The API base URL, ending before `/chat/completions`.
    pub base_url: String,
    /// The environment variable holding the API key.
    pub api_key_env: String,
    /// The API key, when given directly; never serialised.
    #[serde(skip)]
    pub api_key: Option<String>,
    /// The model for roles missing from `models`.
    pub default_model: String,
    /// The model per role, e.g. a reasoning model for curriculum and curation.
    pub models: BTreeMap<Role, String>,
    /// Timeout of one HTTP request, in seconds.
    pub timeout_secs: f64,
    /// Timeout of establishing a connection, in seconds.
    pub connect_timeout_secs: f64,
    /// Retries after a 429, a 5xx or a connection failure; 0 disables them. The client
    /// library also retries such failures a few times inside each attempt.
    pub max_retries: u32,
    /// The first backoff delay in milliseconds; it doubles with every retry.
    pub initial_backoff_ms: u64,
    /// The longest backoff delay in milliseconds.
    pub max_backoff_ms: u64,
    /// Sends the completion cap as the older `max_tokens` field, which servers like
    /// llama.cpp's read, instead of `max_completion_tokens`.
    pub legacy_max_tokens: bool,
}

impl std::fmt::Debug for OpenAiConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenAiConfig")
            .field("base_url", &self.base_url)
            .field("api_key_env", &self.api_key_env)
            .field(
                "api_key",
                &self.api_key.as_ref().map(|_| super::record::REDACTED),
            )
            .field("default_model", &self.default_model)
            .field("models", &self.models)
            .field("timeout_secs", &self.timeout_secs)
            .field("max_retries", &self.max_retries)
            .finish_non_exhaustive()
    }
}

impl Default for OpenAiConfig {
    fn default() -> Self {
        let models = BTreeMap::from([
            (Role::Curriculum, "o4-mini".to_owned()),
            (Role::Curator, "o4-mini".to_owned()),
            (Role::Manager, "gpt-4o-mini".to_owned()),
            (Role::Agent, "gpt-4o-mini".to_owned()),
            (Role::Verifier, "gpt-4o-mini".to_owned()),
        ]);
        Self {
            base_url: "https://api.openai.com/v1".to_owned(),
            api_key_env: "OPENAI_API_KEY".to_owned(),
            api_key: None,
            default_model: "gpt-4o-mini".to_owned(),
            models,
            timeout_secs: 120.0,
            connect_timeout_secs: 10.0,
            max_retries: 3,
            initial_backoff_ms: 500,
            max_backoff_ms: 8_000,
            legacy_max_tokens: false,
        }
    }
}

impl OpenAiConfig {
    /// The defaults, with the base URL from `OPENAI_BASE_URL` when it is set.
    pub fn from_env() -> Self {
        let mut config = Self::default();
        if let Ok(url) = std::env::var("OPENAI_BASE_URL") {
            config.base_url = url;
        }
        config
    }

    /// Parses a configuration from TOML; missing fields take their defaults.
    ///
    /// # Errors
    /// [`OpenAiError::Config`] when the text is not a valid configuration.
    pub fn from_toml(text: &str) -> Result<Self, OpenAiError> {
        toml::from_str(text).map_err(OpenAiError::Config)
    }

    /// Sets the base URL.
    pub fn with_base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    /// Sets the API key directly instead of reading it from the environment.
    pub fn with_api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(key.into());
        self
    }

    /// Uses `model` for every role.
    pub fn with_model(mut self, model: impl Into<String>) -> Self {
        let model = model.into();
        for role in Role::ALL {
            self.models.insert(role, model.clone());
        }
        self.default_model = model;
        self
    }

    /// The model that answers `role`.
    pub fn model_for(&self, role: Role) -> &str {
        self.models
            .get(&role)
            .map(String::as_str)
            .unwrap_or(&self.default_model)
    }

    /// The API key: the one set directly, else the environment variable, else empty (local
    /// servers often need none).
    fn resolve_key(&self) -> String {
        if let Some(key) = &self.api_key {
            return key.clone();
        }
        std::env::var(&self.api_key_env).unwrap_or_default()
    }

    /// The backoff before retry number `retry` (0-based).
    fn backoff(&self, retry: u32) -> Duration {
        let factor = 1u64.checked_shl(retry.min(32)).unwrap_or(u64::MAX);
        let ms = self
            .initial_backoff_ms
            .saturating_mul(factor)
            .min(self.max_backoff_ms);
        Duration::from_millis(ms)
    }
}

/// Errors of the OpenAI-compatible backend.
#[derive(Debug, thiserror::Error)]
pub enum OpenAiError {
    /// The configuration's TOML is invalid.
    #[error("invalid openai backend configuration")]
    Config(#[source] toml::de::Error),
    /// The HTTP client could not be built.
    #[error("cannot build the http client for {base_url}")]
    Client {
        /// The configured base URL.
        base_url: String,
        /// The cause.
        #[source]
        source: reqwest::Error,
    },
    /// Nothing answered at the base URL (refused, unresolvable, or timed out).
    #[error("language model server at {base_url} is unreachable after {attempts} attempt(s)")]
    Unreachable {
        /// The configured base URL.
        base_url: String,
        /// Attempts made.
        attempts: u32,
        /// The cause.
        #[source]
        source: reqwest::Error,
    },
    /// The server answered with an error status.
    #[error(
        "language model server at {base_url} refused the request with status {status} after \
         {attempts} attempt(s): {message}"
    )]
    Status {
        /// The configured base URL.
        base_url: String,
        /// The HTTP status code.
        status: u16,
        /// The server's error message.
        message: String,
        /// Attempts made.
        attempts: u32,
    },
    /// The server's answer is not a chat completion.
    #[error("language model server at {base_url} sent an unreadable reply: {excerpt}")]
    BadReply {
        /// The configured base URL.
        base_url: String,
        /// The start of what it sent.
        excerpt: String,
    },
    /// The reply has no choice with text content.
    #[error("model {model} at {base_url} returned no text")]
    EmptyReply {
        /// The configured base URL.
        base_url: String,
        /// The model asked.
        model: String,
    },
    /// Any other failure of the client library.
    #[error("request to language model server at {base_url} failed")]
    Other {
        /// The configured base URL.
        base_url: String,
        /// The cause.
        #[source]
        source: Box<OpenAIError>,
    },
}

static TLS_PROVIDER: Once = Once::new();

/// Installs rustls's ring provider as the process default, once. Without an explicit provider
/// a process that links more than one (kube and reqwest pull different ones) panics at its
/// first TLS connection. Harmless when the binary installed one already.
pub fn install_tls_provider() {
    TLS_PROVIDER.call_once(|| {
        if rustls::crypto::ring::default_provider()
            .install_default()
            .is_err()
        {
            tracing::debug!("a rustls crypto provider was already installed");
        }
    });
}

/// A backend speaking the OpenAI chat-completions API.
pub struct OpenAiBackend {
    config: OpenAiConfig,
    key: String,
    client: async_openai::Client<OpenAIConfig>,
}

impl std::fmt::Debug for OpenAiBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenAiBackend")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl OpenAiBackend {
    /// A backend for `config`. No request is made until the first call.
    ///
    /// # Errors
    /// [`OpenAiError::Client`] when the HTTP client cannot be built.
    pub fn new(config: OpenAiConfig) -> Result<Self, OpenAiError> {
        install_tls_provider();
        let key = config.resolve_key();
        if key.is_empty() {
            tracing::info!(env = %config.api_key_env, "no api key configured, sending none");
        }
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs_f64(config.timeout_secs))
            .connect_timeout(Duration::from_secs_f64(config.connect_timeout_secs))
            .build()
            .map_err(|source| OpenAiError::Client {
                base_url: config.base_url.clone(),
                source,
            })?;
        let api = OpenAIConfig::new()
            .with_api_base(&config.base_url)
            .with_api_key(&key);
        let client = async_openai::Client::with_config(api).with_http_client(http);
        Ok(Self {
            config,
            key,
            client,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &OpenAiConfig {
        &self.config
    }

    fn wire_request(&self, request: &ChatRequest) -> CreateChatCompletionRequest {
        let model = if request.model.is_empty() {
            self.config.model_for(request.role).to_owned()
        } else {
            request.model.clone()
        };
        let messages = request
            .messages
            .iter()
            .map(|m| match m.speaker {
                Speaker::System => ChatCompletionRequestMessage::System(
                    ChatCompletionRequestSystemMessage::from(m.content.as_str()),
                ),
                Speaker::User => ChatCompletionRequestMessage::User(
                    ChatCompletionRequestUserMessage::from(m.content.as_str()),
                ),
                Speaker::Assistant => ChatCompletionRequestMessage::Assistant(
                    ChatCompletionRequestAssistantMessage::from(m.content.as_str()),
                ),
            })
            .collect();
        let mut wire = CreateChatCompletionRequest {
            model,
            messages,
            temperature: request.params.temperature,
            ..CreateChatCompletionRequest::default()
        };
        // The deprecated fields are the ones most compatible servers still read.
        #[allow(deprecated)]
        {
            wire.seed = request.params.seed.and_then(|s| i64::try_from(s).ok());
            if self.config.legacy_max_tokens {
                wire.max_tokens = request.params.max_tokens;
            } else {
                wire.max_completion_tokens = request.params.max_tokens;
            }
        }
        wire
    }

    /// Maps a client-library error, saying whether it is worth retrying.
    fn classify(&self, error: OpenAIError, attempts: u32) -> (OpenAiError, bool) {
        let base_url = self.config.base_url.clone();
        match error {
            OpenAIError::ApiError(response) => {
                let status = response.status_code.as_u16();
                let retry = status == 429 || response.status_code.is_server_error();
                let message = response.api_error.message;
                (
                    OpenAiError::Status {
                        base_url,
                        status,
                        message,
                        attempts,
                    },
                    retry,
                )
            }
            OpenAIError::Reqwest(source) if source.is_connect() || source.is_timeout() => (
                OpenAiError::Unreachable {
                    base_url,
                    attempts,
                    source,
                },
                true,
            ),
            OpenAIError::Reqwest(source) => match source.status() {
                Some(status) => {
                    let retry = status.as_u16() == 429 || status.is_server_error();
                    let message = source.to_string();
                    let status = status.as_u16();
                    (
                        OpenAiError::Status {
                            base_url,
                            status,
                            message,
                            attempts,
                        },
                        retry,
                    )
                }
                None => (
                    OpenAiError::Unreachable {
                        base_url,
                        attempts,
                        source,
                    },
                    true,
                ),
            },
            OpenAIError::JSONDeserialize(_, content) => {
                let excerpt: String = content.chars().take(200).collect();
                (OpenAiError::BadReply { base_url, excerpt }, false)
            }
            source => (
                OpenAiError::Other {
                    base_url,
                    source: Box::new(source),
                },
                false,
            ),
        }
    }

    async fn call(&self, request: &ChatRequest) -> Result<ChatReply, OpenAiError> {
        let wire = self.wire_request(request);
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let result = self.client.chat().create(wire.clone()).await;
            match result {
                Ok(response) => {
                    let text = response
                        .choices
                        .into_iter()
                        .find_map(|choice| choice.message.content)
                        .ok_or_else(|| OpenAiError::EmptyReply {
                            base_url: self.config.base_url.clone(),
                            model: wire.model.clone(),
                        })?;
                    let usage = response
                        .usage
                        .map(|u| Usage {
                            prompt_tokens: u.prompt_tokens,
                            completion_tokens: u.completion_tokens,
                        })
                        .unwrap_or_default();
                    tracing::debug!(
                        role = %request.role,
                        model = %response.model,
                        prompt_tokens = usage.prompt_tokens,
                        completion_tokens = usage.completion_tokens,
                        attempt,
                        "chat completion"
                    );
                    return Ok(ChatReply {
                        text,
                        usage,
                        model: response.model,
                    });
                }
                Err(error) => {
                    let (error, retry) = self.classify(error, attempt);
                    if !retry || attempt > self.config.max_retries {
                        tracing::warn!(role = %request.role, attempt, error = %error, "chat failed");
                        return Err(error);
                    }
                    let delay = self.config.backoff(attempt - 1);
                    tracing::info!(
                        role = %request.role,
                        attempt,
                        delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                        error = %error,
                        "chat failed, retrying"
                    );
                    tokio::time::sleep(delay).await;
                }
            }
        }
    }
}

impl LanguageModel for OpenAiBackend {
    fn chat<'a>(&'a self, request: &'a ChatRequest) -> ChatFuture<'a> {
        Box::pin(async move { self.call(request).await.map_err(LlmError::from) })
    }

    fn describe(&self) -> BackendInfo {
        let models = Role::ALL
            .iter()
            .map(|&role| (role, self.config.model_for(role).to_owned()))
            .collect();
        BackendInfo {
            backend: "openai".to_owned(),
            models,
        }
    }

    fn secrets(&self) -> Vec<String> {
        if self.key.is_empty() {
            Vec::new()
        } else {
            vec![self.key.clone()]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_loads_from_toml_with_defaults_and_never_serialises_the_key() {
        let config = OpenAiConfig::from_toml(
            "base_url = \"http://127.0.0.1:8080/v1\"\nmax_retries = 1\n[models]\nagent = \"small\"\n",
        )
        .expect("valid toml")
        .with_api_key("sk-test-secret-value-1234567890");
        assert_eq!(config.base_url, "http://127.0.0.1:8080/v1");
        assert_eq!(config.model_for(Role::Agent), "small");
        assert_eq!(config.model_for(Role::Curator), "gpt-4o-mini");
        assert_eq!(config.timeout_secs, 120.0);
        let text = toml::to_string(&config).expect("serialises");
        assert!(!text.contains("sk-test"));
        assert!(!format!("{config:?}").contains("sk-test"));
    }

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let config = OpenAiConfig::default();
        assert_eq!(config.backoff(0), Duration::from_millis(500));
        assert_eq!(config.backoff(2), Duration::from_millis(2000));
        assert_eq!(config.backoff(10), Duration::from_millis(8000));
    }
}
