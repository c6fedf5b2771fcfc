//! The execution planner: a manager decomposes a task into parts, one agent per managed
//! service carries each out, and three bounded feedback loops refine the plan.
//!
//! - environment feedback ([`agent`]): a failed or suspicious command output goes back to the
//!   agent that ran it, at most `environment_limit` times per part;
//! - peer feedback: a result that does not match the expected format (a missing key, a value of
//!   the wrong type; [`feedback::peer_check`]) goes back to the agent that produced it, and a
//!   plan that gives the task's own service no part goes back to the manager from that
//!   service's agent, at most `peer_limit` times each;
//! - hierarchical feedback (here): a part that still fails, or a combined result the verifier
//!   rejects, returns to the manager, which re-decomposes the task, at most
//!   `hierarchical_limit` times.
//!
//! Each loop can be switched off on its own ([`crate::config::FeedbackConfig`]). A command the
//! policy refuses is always told to the agent, whatever the switches, and counted.

pub mod agent;
pub mod feedback;
mod manager;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::llm::Role;
use crate::llm::protocol::{
    FinalAnswer, HistoryEntry, PlanPart, ResultFields, SkillProposal, TaskKind, Verdict,
    parse_verdict,
};
use crate::policy::Phase;
use crate::prompts;
use crate::run::{Run, RunError};
use crate::skills::{SkillLibrary, SkillQuery};
use crate::trace::{Event, FeedbackKind};

/// A task to carry out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskSpec {
    /// Id within the trial (`r2-t1`, `eval-r0-rollback`).
    pub id: String,
    /// The task sentence.
    pub description: String,
    /// Observation or action: decides the policy phase.
    pub kind: TaskKind,
    /// The service the task is about, when known.
    pub service: String,
}

/// How one part ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartRecord {
    /// The part as planned.
    pub part: PlanPart,
    /// Whether the agent produced a usable result.
    pub ok: bool,
    /// The result (with an `error` key when it failed).
    pub result: ResultFields,
}

/// Everything a task's execution produced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Execution {
    /// The task.
    pub task: TaskSpec,
    /// The parts of the last plan.
    pub parts: Vec<PartRecord>,
    /// Every command run, with its output, in order.
    pub commands: Vec<HistoryEntry>,
    /// The manager's combined answer.
    pub answer: Option<FinalAnswer>,
    /// The verifier's verdict.
    pub verdict: Verdict,
    /// Feedback events by loop.
    pub feedback: BTreeMap<FeedbackKind, u32>,
    /// Commands the policy refused.
    pub refusals: u32,
}

impl Execution {
    /// The answer's result fields as JSON, `{}` without an answer.
    pub fn result_json(&self) -> String {
        let fields = self
            .answer
            .as_ref()
            .map(|a| a.result.clone())
            .unwrap_or_default();
        serde_json::to_string(&fields).expect("result fields always serialise")
    }
}

/// The skills for a prompt, rendered as proposals.
pub(crate) fn retrieve(
    run: &Run<'_>,
    library: &SkillLibrary,
    text: &str,
    service: &str,
) -> Vec<SkillProposal> {
    if !run.config.skills.enabled {
        return Vec::new();
    }
    let query = SkillQuery {
        text: format!("{text} {service}"),
        service: (!service.is_empty()).then(|| service.to_owned()),
        kinds: Vec::new(),
        top_k: run.config.skills.top_k,
    };
    library
        .retrieve(&query)
        .into_iter()
        .map(|s| s.to_proposal())
        .collect()
}

/// Carries out `task` with the skills of `library` (read only), and asks the verifier.
///
/// # Errors
/// [`RunError`] when the model or the backend fails; a failed task is an [`Execution`] with a
/// negative verdict.
pub fn execute(
    run: &mut Run<'_>,
    task: &TaskSpec,
    library: &SkillLibrary,
) -> Result<Execution, RunError> {
    let _task = tracing::debug_span!("task", task = %task.id).entered();
    let phase = match task.kind {
        TaskKind::Observation => Phase::Observation,
        TaskKind::Action => Phase::Action,
    };
    let mut state = agent::PartState::default();
    let mut histories: BTreeMap<String, Vec<HistoryEntry>> = BTreeMap::new();
    let mut done: BTreeMap<String, PartRecord> = BTreeMap::new();
    let mut feedback = String::new();
    let mut replans = 0;
    let mut plan_checks = 0;
    let limits = run.config.feedback.clone();
    let managed = run.config.services.clone();

    let (parts, answer, verdict) = loop {
        let plan = manager::plan(run, task, library, &feedback)?;

        // Peer feedback on the plan: the agent of the task's own service says so when the
        // manager gave it nothing to do.
        let owner = &task.service;
        if limits.peer
            && plan_checks < limits.peer_limit
            && managed.contains(owner)
            && !plan.iter().any(|p| p.service == *owner)
        {
            plan_checks += 1;
            let given: Vec<&str> = plan.iter().map(|p| p.service.as_str()).collect();
            feedback = format!(
                "The agent of {owner} received no part, but the task is about {owner}; the plan gave parts to {}. Assign the task to the agent of {owner}.",
                given.join(", ")
            );
            give(
                run,
                &mut state,
                task,
                "manager",
                FeedbackKind::Peer,
                &feedback,
            );
            continue;
        }

        let mut parts = Vec::new();
        let mut failures = Vec::new();
        for part in plan {
            // A part whose service already delivered keeps its result across re-plans.
            if let Some(record) = done.get(&part.service) {
                parts.push(record.clone());
                continue;
            }
            let history = histories.entry(part.service.clone()).or_default();
            let record = agent::run_part(run, task, &part, library, phase, history, &mut state)?;
            if record.ok {
                done.insert(part.service.clone(), record.clone());
            } else {
                let reason = record
                    .result
                    .get("error")
                    .map_or_else(|| "no result".to_owned(), |v| v.to_string());
                failures.push(format!("The part for {} failed: {reason}.", part.service));
            }
            parts.push(record);
        }
        let may_replan = limits.hierarchical && replans < limits.hierarchical_limit;
        if !failures.is_empty() && may_replan {
            replans += 1;
            feedback = format!(
                "{} Re-decompose the task so that every part can succeed.",
                failures.join(" ")
            );
            give(
                run,
                &mut state,
                task,
                "manager",
                FeedbackKind::Hierarchical,
                &feedback,
            );
            continue;
        }

        let answer = manager::combine(run, task, &parts)?;
        let verdict = verify(run, task, &state.commands, answer.as_ref())?;
        if verdict.success || !may_replan {
            break (parts, answer, verdict);
        }
        // The combined result was judged a failure: back to the manager, starting afresh.
        replans += 1;
        done.clear();
        feedback = format!(
            "The verifier rejected the result: {}. Re-decompose the task with precise instructions.",
            verdict.reason
        );
        give(
            run,
            &mut state,
            task,
            "manager",
            FeedbackKind::Hierarchical,
            &feedback,
        );
    };

    run.record(Event::TaskFinished {
        task_id: task.id.clone(),
        answer: answer
            .as_ref()
            .map(|a| a.answer.clone())
            .unwrap_or_default(),
        verdict: verdict.clone(),
    });
    let commands = state.commands.clone();
    Ok(Execution {
        task: task.clone(),
        parts,
        commands,
        answer,
        verdict,
        feedback: state.feedback,
        refusals: state.refusals,
    })
}

/// Records a feedback event and counts it.
fn give(
    run: &mut Run<'_>,
    state: &mut agent::PartState,
    task: &TaskSpec,
    to: &str,
    kind: FeedbackKind,
    text: &str,
) {
    *state.feedback.entry(kind).or_default() += 1;
    run.record(Event::Feedback {
        task_id: task.id.clone(),
        to: to.to_owned(),
        kind,
        text: text.to_owned(),
    });
}

/// Asks the verifier whether the task succeeded.
fn verify(
    run: &mut Run<'_>,
    task: &TaskSpec,
    commands: &[HistoryEntry],
    answer: Option<&FinalAnswer>,
) -> Result<Verdict, RunError> {
    let result = answer
        .map(|a| serde_json::to_string(&a.result).expect("result fields always serialise"))
        .unwrap_or_else(|| "{}".to_owned());
    let reply = run.ask(
        Role::Verifier,
        &task.id,
        prompts::verifier(&task.description, commands, &result),
    )?;
    Ok(parse_verdict(&reply).unwrap_or_else(|e| Verdict {
        success: false,
        reason: format!("the verifier's reply could not be read: {e}"),
    }))
}
