//! The manager: decomposition into parts for managed services, and combination of results.

use crate::llm::Role;
use crate::llm::protocol::{FinalAnswer, ManagerReply, PlanPart, parse_manager};
use crate::prompts;
use crate::run::{Run, RunError};
use crate::skills::SkillLibrary;
use crate::trace::Event;

use super::{PartRecord, TaskSpec, retrieve};

/// Asks the manager for a plan; keeps only parts for managed services. A reply that is not a
/// plan gives one part for the task's own service with the task as its instruction.
pub(super) fn plan(
    run: &mut Run<'_>,
    task: &TaskSpec,
    library: &SkillLibrary,
    feedback: &str,
) -> Result<Vec<PlanPart>, RunError> {
    let skills = retrieve(run, library, &task.description, &task.service);
    let prompt = prompts::manager_plan(
        &task.description,
        &task.service,
        &run.running_state.for_agents.clone(),
        &skills,
        feedback,
    );
    let reply = run.ask(Role::Manager, &task.id, prompt)?;
    let managed = run.config.services.clone();
    let parts = match parse_manager(&reply) {
        Ok(ManagerReply::Plan(plan)) => plan.parts,
        Ok(ManagerReply::Final(_)) => Vec::new(),
        Err(error) => {
            run.record(Event::BadReply {
                task_id: task.id.clone(),
                role: Role::Manager,
                error: error.to_string(),
            });
            Vec::new()
        }
    };
    let mut kept: Vec<PlanPart> = parts
        .into_iter()
        .filter(|p| managed.contains(&p.service))
        .collect();
    if kept.is_empty() {
        // Without a usable plan, the task's own service gets the task as it is.
        let service = if managed.contains(&task.service) {
            task.service.clone()
        } else {
            managed.first().cloned().unwrap_or_default()
        };
        tracing::debug!(task = %task.id, service, "manager gave no usable part; falling back to one part");
        kept.push(PlanPart {
            service,
            instruction: task.description.clone(),
            expected_format: String::new(),
        });
    }
    Ok(kept)
}

/// Asks the manager to combine the parts' results.
pub(super) fn combine(
    run: &mut Run<'_>,
    task: &TaskSpec,
    parts: &[PartRecord],
) -> Result<Option<FinalAnswer>, RunError> {
    let results: Vec<(String, String)> = parts
        .iter()
        .map(|p| {
            (
                p.part.service.clone(),
                serde_json::to_string(&p.result).expect("result fields always serialise"),
            )
        })
        .collect();
    let reply = run.ask(
        Role::Manager,
        &task.id,
        prompts::manager_combine(&task.description, &results),
    )?;
    Ok(match parse_manager(&reply) {
        Ok(ManagerReply::Final(answer)) => Some(answer),
        Ok(ManagerReply::Plan(_)) => None,
        Err(error) => {
            run.record(Event::BadReply {
                task_id: task.id.clone(),
                role: Role::Manager,
                error: error.to_string(),
            });
            None
        }
    })
}
