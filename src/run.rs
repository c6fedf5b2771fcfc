//! What every stage of a trial shares: the model, the operations backend, the trace and the
//! configuration, with the two things they all do, asking the model and running a command.

use crate::config::TrialConfig;
use crate::llm::protocol::HistoryEntry;
use crate::llm::{CallContext, ChatRequest, LanguageModel, LlmError, Role};
use crate::ops::{Operations, OpsError, OpsOutput, OpsRequest};
use crate::policy::Phase;
use crate::prompts;
use crate::running_state::RunningState;
use crate::skills::StoreError;
use crate::trace::{Event, Stage, Trace};

/// Why a stage of a trial could not go on (as opposed to a task that failed, which is an
/// outcome).
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The language model failed; a spent budget is [`LlmError::Budget`].
    #[error("language model")]
    Llm(#[from] LlmError),
    /// The operations backend failed.
    #[error("operations backend")]
    Ops(#[from] OpsError),
    /// The skill library could not be saved.
    #[error("skill library")]
    Store(#[from] StoreError),
}

/// Token counts of the calls made.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Tokens {
    /// Calls made.
    pub calls: u64,
    /// Prompt tokens.
    pub prompt: u64,
    /// Completion tokens.
    pub completion: u64,
}

/// The shared state of one stage (learning or one evaluation task) of a trial.
pub struct Run<'a> {
    /// The language model.
    pub model: &'a dyn LanguageModel,
    /// Drives the model's futures.
    pub runtime: &'a tokio::runtime::Runtime,
    /// The trace events go to.
    pub trace: &'a mut Trace,
    /// The world.
    pub ops: &'a mut dyn Operations,
    /// The trial's configuration.
    pub config: &'a TrialConfig,
    /// The trial's name, for cost accounting.
    pub trial: String,
    /// The current round.
    pub round: u32,
    /// Learning or evaluation.
    pub stage: Stage,
    /// The running state given to prompts.
    pub running_state: RunningState,
    /// Tokens spent through this run.
    pub tokens: Tokens,
    /// Dollars spent through this run, at the configured prices.
    pub cost_usd: f64,
}

/// What became of a command an agent asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ran {
    /// The policy refused it, for this reason.
    Refused(String),
    /// It ran.
    Output(OpsOutput),
}

impl Run<'_> {
    /// Virtual time of the world, or 0 without one.
    pub fn now(&self) -> i64 {
        self.ops.world().map_or(0, |w| w.clock().elapsed().0)
    }

    /// Appends an event to the trace.
    pub fn record(&mut self, event: Event) {
        let at = self.now();
        self.trace.push(self.round, self.stage, at, event);
    }

    /// Asks `role` with `prompt` for the task `task_id`, and returns the reply text.
    ///
    /// # Errors
    /// [`RunError::Llm`] when the backend fails.
    pub fn ask(&mut self, role: Role, task_id: &str, prompt: String) -> Result<String, RunError> {
        let request = ChatRequest::new(role)
            .system(prompts::system(role))
            .user(prompt.clone())
            .context(CallContext {
                trial: Some(self.trial.clone()),
                task: Some(task_id.to_owned()),
            });
        let reply = self.runtime.block_on(self.model.chat(&request))?;
        self.tokens.calls += 1;
        self.tokens.prompt += u64::from(reply.usage.prompt_tokens);
        self.tokens.completion += u64::from(reply.usage.completion_tokens);
        // Unpriced models (the synthetic one) cost nothing; asking would warn on every call.
        let prices = &self.config.llm_settings.prices;
        if prices.models.contains_key(&reply.model) {
            self.cost_usd += prices.cost(&reply.model, reply.usage);
        }
        self.record(Event::ModelCall {
            task_id: task_id.to_owned(),
            role,
            prompt,
            reply: reply.text.clone(),
            prompt_tokens: reply.usage.prompt_tokens,
            completion_tokens: reply.usage.completion_tokens,
        });
        Ok(reply.text)
    }

    /// Checks a model's command against the policy and runs it if allowed; either way the
    /// trace records what happened.
    ///
    /// # Errors
    /// [`RunError::Ops`] when the backend itself fails.
    pub fn command(
        &mut self,
        task_id: &str,
        agent: &str,
        line: &str,
        phase: Phase,
    ) -> Result<Ran, RunError> {
        if let Err(refusal) = self.config.policy.check(line, phase) {
            tracing::debug!(task_id, agent, line, reason = %refusal.reason, "policy refused a command");
            self.record(Event::Refused {
                task_id: task_id.to_owned(),
                agent: agent.to_owned(),
                command: line.to_owned(),
                reason: refusal.reason.clone(),
            });
            return Ok(Ran::Refused(refusal.reason));
        }
        let output = self.ops.execute(&OpsRequest::Command(line.to_owned()))?;
        self.record(Event::Command {
            task_id: task_id.to_owned(),
            agent: agent.to_owned(),
            command: line.to_owned(),
            output: output.combined(),
            status: output.status,
        });
        Ok(Ran::Output(output))
    }

    /// A history entry for a command's output, cut to the configured cap.
    pub fn entry(&self, command: &str, output: &str) -> HistoryEntry {
        let cap = self.config.agent.output_cap;
        let output = if output.len() > cap {
            let mut end = cap;
            while !output.is_char_boundary(end) {
                end -= 1;
            }
            format!("{}\n[output cut at {cap} characters]", &output[..end])
        } else {
            output.to_owned()
        };
        HistoryEntry {
            command: command.to_owned(),
            output,
        }
    }
}
