//! The curriculum builder: the next learning tasks, from the model (easy before hard,
//! observation before action, easier after failures), drawn at random from a pool, or a fixed
//! list, as the configuration says.

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::config::CurriculumStrategy;
use crate::llm::Role;
use crate::llm::protocol::{ProposedTask, TaskKind, parse_curriculum};
use crate::prompts;
use crate::run::{Run, RunError};
use crate::skills::SkillLibrary;
use crate::trace::Event;

/// A learning task and how it went, for the next prompt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The task sentence.
    pub description: String,
    /// Whether the verifier judged it a success.
    pub success: bool,
}

/// Proposes the tasks of `round`.
///
/// # Errors
/// [`RunError`] when the model fails.
pub fn propose(
    run: &mut Run<'_>,
    history: &[Outcome],
    library: &SkillLibrary,
) -> Result<Vec<ProposedTask>, RunError> {
    let count = run.config.tasks_per_round as usize;
    let services = run.config.services.clone();
    let expand = |template: &str| -> Vec<ProposedTask> {
        services
            .iter()
            .map(|s| task_from_sentence(&template.replace("{svc}", s), s))
            .collect()
    };
    let pool: Vec<ProposedTask> = run
        .config
        .curriculum
        .pool
        .iter()
        .flat_map(|t| expand(t))
        .collect();
    let tasks = match run.config.curriculum.strategy {
        CurriculumStrategy::Fixed => pool
            .iter()
            .cycle()
            .skip((run.round as usize - 1) * count)
            .take(count)
            .cloned()
            .collect(),
        CurriculumStrategy::Random => {
            let mut rng = ChaCha8Rng::seed_from_u64(run.config.seed ^ (u64::from(run.round) << 32));
            if pool.is_empty() {
                Vec::new()
            } else {
                (0..count)
                    .map(|_| pool[rng.random_range(0..pool.len())].clone())
                    .collect()
            }
        }
        CurriculumStrategy::Model => {
            let previous: Vec<(String, bool)> = history
                .iter()
                .map(|o| (o.description.clone(), o.success))
                .collect();
            let summary = if run.config.skills.enabled {
                library.summary()
            } else {
                "Skills are off.".to_owned()
            };
            let prompt = prompts::curriculum(
                &run.running_state.full.clone(),
                &previous,
                &summary,
                run.config.tasks_per_round,
            );
            let task_id = format!("r{}-curriculum", run.round);
            let reply = run.ask(Role::Curriculum, &task_id, prompt)?;
            match parse_curriculum(&reply) {
                Ok(reply) => reply.tasks.into_iter().take(count).collect(),
                Err(error) => {
                    run.record(Event::BadReply {
                        task_id,
                        role: Role::Curriculum,
                        error: error.to_string(),
                    });
                    Vec::new()
                }
            }
        }
    };
    tracing::debug!(
        round = run.round,
        tasks = tasks.len(),
        "curriculum proposed"
    );
    Ok(tasks)
}

/// A pool sentence as a task record: the kind and difficulty follow from its verb.
fn task_from_sentence(description: &str, service: &str) -> ProposedTask {
    let lower = description.to_lowercase();
    let action = ["scale", "restart", "roll back", "set ", "enable", "update"]
        .iter()
        .any(|w| lower.contains(w));
    let difficulty = if lower.contains("latency") {
        3
    } else if lower.contains("cpu") || action {
        2
    } else {
        1
    };
    ProposedTask {
        description: description.to_owned(),
        kind: if action {
            TaskKind::Action
        } else {
            TaskKind::Observation
        },
        difficulty,
        service: service.to_owned(),
    }
}
