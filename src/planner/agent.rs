//! One low-level agent carrying out one part: command after command until it reports a
//! result, with environment and peer feedback, each bounded.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::llm::Role;
use crate::llm::protocol::{AgentReply, HistoryEntry, PlanPart, ResultFields, parse_agent};
use crate::policy::Phase;
use crate::prompts::{self, AgentTurn};
use crate::run::{Ran, Run, RunError};
use crate::skills::SkillLibrary;
use crate::trace::{Event, FeedbackKind};

use super::feedback::{peer_check, suspicious};
use super::{PartRecord, TaskSpec, retrieve};

/// Counters and commands shared by the parts of one task.
#[derive(Debug, Clone, Default)]
pub struct PartState {
    /// Every command run for the task, in order.
    pub commands: Vec<HistoryEntry>,
    /// Feedback events by loop.
    pub feedback: BTreeMap<FeedbackKind, u32>,
    /// Refused commands.
    pub refusals: u32,
}

fn failed(part: &PlanPart, reason: impl Into<String>) -> PartRecord {
    let mut result = ResultFields::new();
    result.insert("service".to_owned(), Value::from(part.service.clone()));
    result.insert("error".to_owned(), Value::from(reason.into()));
    PartRecord {
        part: part.clone(),
        ok: false,
        result,
    }
}

/// Runs one part. `history` is the agent's memory of earlier attempts at this task and grows
/// with every command.
///
/// # Errors
/// [`RunError`] when the model or the backend fails.
pub fn run_part(
    run: &mut Run<'_>,
    task: &TaskSpec,
    part: &PlanPart,
    library: &SkillLibrary,
    phase: Phase,
    history: &mut Vec<HistoryEntry>,
    state: &mut PartState,
) -> Result<PartRecord, RunError> {
    let _agent = tracing::debug_span!("agent", agent = %part.service).entered();
    let skills = retrieve(run, library, &part.instruction, &part.service);
    let limits = run.config.feedback.clone();
    let max_steps = run.config.agent.max_steps;
    let running_state = run.running_state.for_agents.clone();
    let mut steps = 0;
    let mut environment_used = 0;
    let mut peer_used = 0;
    let mut feedback = String::new();

    loop {
        let prompt = prompts::agent(&AgentTurn {
            instruction: &part.instruction,
            service: &part.service,
            running_state: &running_state,
            skills: &skills,
            history,
            feedback: &feedback,
            expected_format: &part.expected_format,
        });
        let reply = run.ask(Role::Agent, &task.id, prompt)?;
        let give = |run: &mut Run<'_>, state: &mut PartState, kind: FeedbackKind, text: String| {
            *state.feedback.entry(kind).or_default() += 1;
            run.record(Event::Feedback {
                task_id: task.id.clone(),
                to: part.service.clone(),
                kind,
                text: text.clone(),
            });
            text
        };

        match parse_agent(&reply) {
            Err(error) => {
                run.record(Event::BadReply {
                    task_id: task.id.clone(),
                    role: Role::Agent,
                    error: error.to_string(),
                });
                steps += 1;
                if !limits.environment
                    || environment_used >= limits.environment_limit
                    || steps >= max_steps
                {
                    return Ok(finish(
                        run,
                        task,
                        failed(part, "the agent's reply could not be read"),
                    ));
                }
                environment_used += 1;
                feedback = give(
                    run,
                    state,
                    FeedbackKind::Environment,
                    format!("Your reply could not be read ({error}). Reply with one JSON object."),
                );
            }
            Ok(AgentReply::Action(action)) => {
                if steps >= max_steps {
                    return Ok(finish(
                        run,
                        task,
                        failed(part, format!("no result after {max_steps} commands")),
                    ));
                }
                steps += 1;
                match run.command(&task.id, &part.service, &action.command, phase)? {
                    Ran::Refused(reason) => {
                        // A refusal is always told to the agent, whatever the feedback switches.
                        state.refusals += 1;
                        let entry =
                            run.entry(&action.command, &format!("refused by policy: {reason}"));
                        history.push(entry.clone());
                        state.commands.push(entry);
                        feedback = format!(
                            "The command `{}` was refused by policy: {reason}",
                            action.command
                        );
                    }
                    Ran::Output(output) => {
                        let entry = run.entry(&action.command, &output.combined());
                        history.push(entry.clone());
                        state.commands.push(entry);
                        match suspicious(&output) {
                            None => feedback.clear(),
                            Some(why) => {
                                if !limits.environment
                                    || environment_used >= limits.environment_limit
                                {
                                    return Ok(finish(
                                        run,
                                        task,
                                        failed(part, format!("`{}` failed: {why}", action.command)),
                                    ));
                                }
                                environment_used += 1;
                                let text = format!(
                                    "The command `{}` did not work: {why}. Refine it and try again.",
                                    action.command
                                );
                                feedback = give(run, state, FeedbackKind::Environment, text);
                            }
                        }
                    }
                }
            }
            Ok(AgentReply::Result(result)) => {
                if let Some(error) = result.result.get("error") {
                    let error = error
                        .as_str()
                        .map_or_else(|| error.to_string(), str::to_owned);
                    return Ok(finish(run, task, failed(part, error)));
                }
                let mismatch = peer_check(&result.result, &part.expected_format);
                match mismatch {
                    Some(why) if limits.peer && peer_used < limits.peer_limit => {
                        peer_used += 1;
                        feedback = give(run, state, FeedbackKind::Peer, why);
                    }
                    Some(why) if limits.peer => {
                        return Ok(finish(run, task, failed(part, why)));
                    }
                    // Without peer feedback a mismatched result goes on as it is.
                    _ => {
                        let record = PartRecord {
                            part: part.clone(),
                            ok: true,
                            result: result.result,
                        };
                        return Ok(finish(run, task, record));
                    }
                }
            }
        }
    }
}

fn finish(run: &mut Run<'_>, task: &TaskSpec, record: PartRecord) -> PartRecord {
    run.record(Event::PartFinished {
        task_id: task.id.clone(),
        agent: record.part.service.clone(),
        ok: record.ok,
        result: serde_json::to_value(&record.result).expect("result fields always serialise"),
    });
    record
}
