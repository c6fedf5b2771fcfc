//! The run trace: every prompt, reply, command, output, feedback event, skill change and
//! verdict of a trial as a typed event, one JSON object per line in `trace.jsonl`.
//!
//! Entries carry virtual time (the clock of the world the event happened in), never the wall
//! clock, so a seeded trial gives the same trace byte for byte.

use serde::{Deserialize, Serialize};

use crate::eval_tasks::JudgedBy;
use crate::llm::Role;
use crate::llm::protocol::{SkillKind, TaskKind, Verdict};

/// Which loop a feedback event belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FeedbackKind {
    /// A failed or suspicious command output, back to the agent that ran it.
    Environment,
    /// A result that does not fit the expected format, back to the agent that produced it.
    Peer,
    /// A part that kept failing, back to the manager to re-decompose.
    Hierarchical,
}

/// Whether an event happened while learning or while evaluating.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    /// A learning task of the curriculum.
    Learn,
    /// An evaluation task.
    Eval,
}

/// One event of a trial.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// The trial begins.
    TrialStarted {
        /// The trial's seed.
        seed: u64,
        /// Rounds planned.
        rounds: u32,
        /// Learning tasks per round.
        tasks_per_round: u32,
        /// The language-model backend.
        llm: String,
        /// The operations backend.
        ops: String,
    },
    /// The running state the system gathered.
    RunningState {
        /// The summary given to prompts.
        summary: String,
    },
    /// A round begins.
    RoundStarted {
        /// The round, 1-based.
        round: u32,
    },
    /// The curriculum proposed a task.
    TaskProposed {
        /// The task's id.
        task_id: String,
        /// The task sentence.
        description: String,
        /// Observation or action.
        kind: TaskKind,
        /// 1 to 5.
        difficulty: u8,
        /// Target service.
        service: String,
    },
    /// One language-model call.
    ModelCall {
        /// The task it belongs to.
        task_id: String,
        /// The role asked.
        role: Role,
        /// The user prompt.
        prompt: String,
        /// The reply text.
        reply: String,
        /// Prompt tokens.
        prompt_tokens: u32,
        /// Completion tokens.
        completion_tokens: u32,
    },
    /// A language-model reply could not be read.
    BadReply {
        /// The task.
        task_id: String,
        /// The role.
        role: Role,
        /// Why.
        error: String,
    },
    /// A command an agent ran, and its output.
    Command {
        /// The task.
        task_id: String,
        /// The agent's service.
        agent: String,
        /// The command line.
        command: String,
        /// Stdout then stderr.
        output: String,
        /// Exit status.
        status: i32,
    },
    /// The policy refused a command.
    Refused {
        /// The task.
        task_id: String,
        /// The agent's service.
        agent: String,
        /// The command line.
        command: String,
        /// The policy's reason.
        reason: String,
    },
    /// Feedback given to an agent or the manager.
    Feedback {
        /// The task.
        task_id: String,
        /// The receiving agent's service, or `manager`.
        to: String,
        /// Which loop.
        kind: FeedbackKind,
        /// The feedback text.
        text: String,
    },
    /// An agent's part ended.
    PartFinished {
        /// The task.
        task_id: String,
        /// The agent's service.
        agent: String,
        /// Whether the part produced a usable result.
        ok: bool,
        /// The result record, as JSON.
        result: serde_json::Value,
    },
    /// A task ended, with the verifier's verdict.
    TaskFinished {
        /// The task.
        task_id: String,
        /// The manager's answer.
        answer: String,
        /// The verifier's verdict.
        verdict: Verdict,
    },
    /// A skill entered the library (or merged into one).
    SkillAdded {
        /// The task it came from.
        task_id: String,
        /// The skill's id.
        id: u32,
        /// Its kind.
        kind: SkillKind,
        /// Its title.
        title: String,
        /// Whether it merged into an existing skill.
        merged: bool,
    },
    /// A proposed skill failed validation.
    SkillRejected {
        /// The task it came from.
        task_id: String,
        /// Its title.
        title: String,
        /// Why.
        reason: String,
    },
    /// An evaluation task was judged.
    EvalJudged {
        /// The evaluation after this round (0 = before the first).
        round: u32,
        /// The task's name.
        task: String,
        /// The oracle's verdict over the true state.
        oracle: Verdict,
        /// The model's own verdict, recorded beside it.
        model: Verdict,
        /// Who decided the task's success; left out when the oracle did.
        #[serde(default, skip_serializing_if = "JudgedBy::is_oracle")]
        judged_by: JudgedBy,
    },
    /// A round ended.
    RoundFinished {
        /// The round.
        round: u32,
        /// Learning tasks that succeeded (by the verifier).
        learn_successes: u32,
        /// Skills in the library.
        skills: u32,
    },
}

/// One line of the trace.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// 0-based position in the trace.
    pub seq: u64,
    /// The round (0 for the start and the first evaluation).
    pub round: u32,
    /// Learning or evaluation.
    pub stage: Stage,
    /// Virtual milliseconds since the epoch of the world the event happened in.
    pub at_ms: i64,
    /// The event.
    #[serde(flatten)]
    pub event: Event,
}

/// The trace of one trial, held in memory in order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Trace {
    entries: Vec<Entry>,
}

impl Trace {
    /// An empty trace.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends an event.
    pub fn push(&mut self, round: u32, stage: Stage, at_ms: i64, event: Event) {
        let seq = self.entries.len() as u64;
        self.entries.push(Entry {
            seq,
            round,
            stage,
            at_ms,
            event,
        });
    }

    /// Every entry, in order.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The trace as JSON lines.
    pub fn to_jsonl(&self) -> String {
        let mut out = String::new();
        for entry in &self.entries {
            out.push_str(&serde_json::to_string(entry).expect("trace entries always serialise"));
            out.push('\n');
        }
        out
    }
}
