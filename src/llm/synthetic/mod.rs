//! The synthetic model: a deterministic, offline model of a language model for every role.
//!
//! It is a model of a language model, not one: a set of explicit rules over the rendered
//! prompt (see [`crate::llm::protocol`]) and explicit general knowledge
//! ([`knowledge::Knowledge`], the embedded `knowledge.toml`).
//!
//! # What it reads
//!
//! Only the request: the role that asks (which a real model learns from its system prompt)
//! and the messages' text. It never reads simulator state, scenario files or any other side
//! channel, and this crate module does not depend on the simulator. A fact it uses must be in
//! the prompt (a skill, the running state, a command output in the history, feedback) or in
//! its knowledge, from which it guesses.
//!
//! # How it errs and recovers
//!
//! It guesses what it cannot know from weighted priors (namespace, pod label key, PromQL job
//! selector, metric name, Prometheus URL), and on top of that makes mistakes at the rates of
//! [`MistakeRates`]: a wrong namespace or label even with evidence, a misremembered metric, a
//! malformed flag, PromQL left unencoded in a curl URL, a result in a format the peer did not
//! ask for, a poor decomposition, a hallucinated skill, a wrong verdict. Feedback text in the
//! prompt makes it change course: `No resources found in X namespace.` and
//! `Error from server (NotFound)` make it drop that namespace and look for the service in the
//! observed state; `bad range in URL` makes it use `curl -G --data-urlencode`; an unknown flag
//! makes it spell flags carefully; an empty Prometheus result makes it try another selector or
//! metric; peer feedback about the format makes it follow the expected format exactly. Skills
//! in the prompt are used at the `skill_adoption` rate.
//!
//! # What skills buy it
//!
//! Without skills it discovers each fact by trial and error, and every wrong guess costs a
//! command of its bounded budget: a namespace (one `NotFound`, then a listing), and above all
//! a Prometheus query, where five job selectors and two latency histograms make up to ten
//! empty answers before one works. A task that needs a measurement first (report the P99;
//! reduce the P99 below a bound by scaling out) often runs out of budget at round 0 and
//! succeeds in one or two commands once a Command skill with a working query, or a
//! Configuration skill with the job label, is in its prompt. Skills are matched by what
//! their command does (a query for a measurement, `kubectl scale` for a scale-out), never by
//! words the command happens to contain.
//!
//! # Determinism
//!
//! Its randomness comes from a ChaCha generator seeded with the configured seed and the
//! request's key, so the same request gets the same reply whatever the call order or thread
//! count. No clock and no OS entropy are read.

mod agent;
mod curator;
mod curriculum;
mod evidence;
mod intent;
pub mod knowledge;
mod manager;
mod observe;
mod verifier;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::protocol::{Section, Sections};
use super::request::{estimate_tokens, hex_digest};
use super::{BackendInfo, ChatFuture, ChatReply, ChatRequest, LanguageModel, Role, Usage};
pub use knowledge::Knowledge;

/// How often the synthetic model makes each kind of mistake, as probabilities per occasion.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MistakeRates {
    /// Uses a namespace from its prior although the prompt shows the right one.
    pub wrong_namespace: f64,
    /// Uses a pod label key from its prior although the prompt shows the right one.
    pub wrong_label: f64,
    /// Tries a misremembered metric name first.
    pub wrong_metric: f64,
    /// Misspells a flag (e.g. `--replica=3`) until kubectl complains.
    pub malformed_flag: f64,
    /// Puts PromQL unencoded into a curl URL until curl complains.
    pub unencoded_url: f64,
    /// Reports a result under other keys or with units, until peer feedback names the format.
    pub wrong_format: f64,
    /// Decomposes a task poorly: wrong service, a vague instruction or no result format.
    pub poor_decomposition: f64,
    /// Proposes a skill its execution does not support.
    pub hallucinated_skill: f64,
    /// Gives the wrong verdict.
    pub wrong_verdict: f64,
}

impl Default for MistakeRates {
    fn default() -> Self {
        Self {
            wrong_namespace: 0.10,
            wrong_label: 0.10,
            wrong_metric: 0.15,
            malformed_flag: 0.10,
            unencoded_url: 0.30,
            wrong_format: 0.15,
            poor_decomposition: 0.15,
            hallucinated_skill: 0.10,
            wrong_verdict: 0.05,
        }
    }
}

impl MistakeRates {
    /// No mistakes at all (guesses from priors still happen).
    pub fn none() -> Self {
        Self {
            wrong_namespace: 0.0,
            wrong_label: 0.0,
            wrong_metric: 0.0,
            malformed_flag: 0.0,
            unencoded_url: 0.0,
            wrong_format: 0.0,
            poor_decomposition: 0.0,
            hallucinated_skill: 0.0,
            wrong_verdict: 0.0,
        }
    }
}

/// The configuration of a [`SyntheticModel`]: a study varies it to ask "what if the model
/// were better". Loadable from TOML; every field has a default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SyntheticConfig {
    /// The seed all randomness derives from, with each request's key.
    pub seed: u64,
    /// The model name reported in replies.
    pub model_name: String,
    /// Mistake rates.
    pub rates: MistakeRates,
    /// The probability that a relevant skill in the prompt is used.
    pub skill_adoption: f64,
    /// General knowledge and priors.
    pub knowledge: Knowledge,
}

impl Default for SyntheticConfig {
    fn default() -> Self {
        Self {
            seed: 0,
            model_name: "synthetic-1".to_owned(),
            rates: MistakeRates::default(),
            skill_adoption: 0.8,
            knowledge: Knowledge::builtin(),
        }
    }
}

impl SyntheticConfig {
    /// The defaults with `seed`.
    pub fn with_seed(seed: u64) -> Self {
        Self {
            seed,
            ..Self::default()
        }
    }

    /// Parses a configuration from TOML; missing fields take their defaults.
    ///
    /// # Errors
    /// The TOML error when the text is not a valid configuration.
    pub fn from_toml(text: &str) -> Result<Self, toml::de::Error> {
        toml::from_str(text)
    }
}

/// The synthetic model. See the [module documentation](self).
#[derive(Debug, Clone)]
pub struct SyntheticModel {
    config: SyntheticConfig,
}

/// What one request gives the role behaviours to work with.
pub(crate) struct Turn<'a> {
    pub(crate) config: &'a SyntheticConfig,
    pub(crate) sections: Sections,
    /// All message text, for roles whose prompt does not use the sections.
    pub(crate) text: String,
    pub(crate) rng: ChaCha8Rng,
}

impl Turn<'_> {
    pub(crate) fn knowledge(&self) -> &Knowledge {
        &self.config.knowledge
    }

    pub(crate) fn rates(&self) -> &MistakeRates {
        &self.config.rates
    }

    /// Draws a Bernoulli trial with probability `p` (clamped to 0..=1).
    pub(crate) fn chance(&mut self, p: f64) -> bool {
        use rand::RngExt;
        self.rng.random_bool(p.clamp(0.0, 1.0))
    }

    /// The task sentence: the Task section, else the last user message's first line.
    pub(crate) fn task(&self) -> String {
        let task = self.sections.get(Section::Task);
        if !task.is_empty() {
            return task.to_owned();
        }
        self.text
            .lines()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("")
            .trim()
            .to_owned()
    }
}

impl SyntheticModel {
    /// A synthetic model with `config`.
    pub fn new(config: SyntheticConfig) -> Self {
        Self { config }
    }

    /// Its configuration.
    pub fn config(&self) -> &SyntheticConfig {
        &self.config
    }

    /// Answers a request synchronously; [`LanguageModel::chat`] wraps this.
    pub fn answer(&self, request: &ChatRequest) -> ChatReply {
        let prompt = request.last_user().to_owned();
        let mut turn = Turn {
            config: &self.config,
            sections: Sections::parse(&prompt),
            text: prompt,
            // The generator depends on the seed and the request only.
            rng: seeded(self.config.seed, &request.key()),
        };
        let text = match request.role {
            Role::Curriculum => curriculum::answer(&mut turn),
            Role::Manager => manager::answer(&mut turn),
            Role::Agent => agent::answer(&mut turn),
            Role::Curator => curator::answer(&mut turn),
            Role::Verifier => verifier::answer(&mut turn),
        };
        tracing::debug!(role = %request.role, key = %request.key(), "synthetic reply");

        let prompt_text: String = request
            .messages
            .iter()
            .map(|m| m.content.as_str())
            .collect();
        let usage = Usage {
            prompt_tokens: estimate_tokens(&prompt_text),
            completion_tokens: estimate_tokens(&text),
        };
        ChatReply {
            text,
            usage,
            model: self.config.model_name.clone(),
        }
    }
}

impl LanguageModel for SyntheticModel {
    fn chat<'a>(&'a self, request: &'a ChatRequest) -> ChatFuture<'a> {
        Box::pin(async move { Ok(self.answer(request)) })
    }

    fn describe(&self) -> BackendInfo {
        let models = Role::ALL
            .iter()
            .map(|&role| (role, self.config.model_name.clone()))
            .collect();
        BackendInfo {
            backend: "synthetic".to_owned(),
            models,
        }
    }
}

/// A generator seeded by `seed` and the digest of `topic`. Beliefs that must stay put over
/// an episode (the order in which guesses are tried) use a topic made of the task and the
/// service, so that every turn of the episode ranks them alike; one-off choices (mistakes) use
/// the request's key.
pub(crate) fn seeded(seed: u64, topic: &str) -> ChaCha8Rng {
    let mut material = seed.to_le_bytes().to_vec();
    material.extend_from_slice(topic.as_bytes());
    let digest = hex_digest(&material);
    let mut bytes = [0u8; 32];
    for (i, byte) in bytes.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&digest[2 * i..2 * i + 2], 16).expect("a hex digest");
    }
    ChaCha8Rng::from_seed(bytes)
}

/// A reply as the synthetic model writes it: the JSON in a fence.
pub(crate) fn fenced<T: Serialize>(value: &T) -> String {
    let json = serde_json::to_string_pretty(value).expect("reply records always serialise");
    format!("```json\n{json}\n```")
}

#[cfg(test)]
mod tests;
