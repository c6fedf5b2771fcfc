//! The synthetic curriculum builder: proposes the next tasks, easy before hard and observation
//! before action.

use super::intent::contains_word;
use super::knowledge::{Weights, ranked};
use super::{Turn, fenced};
use crate::llm::protocol::{CurriculumReply, ProposedTask, Section, TaskKind};

/// Tasks proposed per reply.
const TASKS_PER_ROUND: usize = 3;

/// Observation successes needed before action tasks are proposed.
const OBSERVATIONS_BEFORE_ACTIONS: usize = 2;

/// How much more likely a task of a kind never tried before (for any service) is proposed:
/// the curriculum explores what the history says nothing about yet.
const NOVELTY: f64 = 8.0;

/// Answers a curriculum prompt.
pub(crate) fn answer(turn: &mut Turn<'_>) -> String {
    let previous = previous_tasks(turn.sections.get(Section::PreviousTasks));
    let services = services(turn, &previous);

    // A success raises the level, a failure lowers it.
    let mut level: i32 = 1;
    for (_, success) in &previous {
        level = (level + if *success { 1 } else { -1 }).clamp(1, 5);
    }
    let observation_successes = previous
        .iter()
        .filter(|(task, success)| *success && !super::intent::Intent::of(task).is_action())
        .count();
    // A template is tried when the history holds it for some service.
    let tried = |text: &str| {
        services.iter().any(|svc| {
            let description = text.replace("{svc}", svc);
            previous
                .iter()
                .any(|(t, _)| t.eq_ignore_ascii_case(&description))
        })
    };
    // Observation before action: every kind of observation is tried once before any action.
    let observations_tried = turn
        .knowledge()
        .task_templates
        .iter()
        .filter(|t| t.kind == TaskKind::Observation)
        .all(|t| tried(&t.text));
    let actions_allowed =
        observation_successes >= OBSERVATIONS_BEFORE_ACTIONS && observations_tried;

    let mut candidates: Vec<ProposedTask> = Vec::new();
    let mut weights = Weights::new();
    for template in &turn.knowledge().task_templates {
        if template.kind == TaskKind::Action && !actions_allowed {
            continue;
        }
        for service in &services {
            let description = template.text.replace("{svc}", service);
            let done = previous
                .iter()
                .any(|(t, ok)| *ok && t.eq_ignore_ascii_case(&description));
            if done {
                continue;
            }
            let distance = (i32::from(template.difficulty) - level).unsigned_abs();
            let novelty = if tried(&template.text) { 1.0 } else { NOVELTY };
            weights.insert(
                description.clone(),
                novelty / f64::from(1 + 4 * distance * distance),
            );
            candidates.push(ProposedTask {
                description,
                kind: template.kind,
                difficulty: template.difficulty,
                service: service.clone(),
            });
        }
    }

    let order = ranked(&weights, &|_| false, &mut turn.rng);
    let mut tasks: Vec<ProposedTask> = order
        .iter()
        .filter_map(|d| candidates.iter().find(|c| &c.description == d).cloned())
        .take(TASKS_PER_ROUND)
        .collect();
    // Easiest first within the round.
    tasks.sort_by_key(|t| (t.kind, t.difficulty));
    tracing::debug!(
        level,
        actions_allowed,
        proposed = tasks.len(),
        "synthetic curriculum"
    );
    fenced(&CurriculumReply { tasks })
}

/// `- [success] task` / `- [failure] task` lines.
fn previous_tasks(text: &str) -> Vec<(String, bool)> {
    text.lines()
        .filter_map(|line| {
            let line = line.trim().trim_start_matches("- ");
            if let Some(task) = line.strip_prefix("[success]") {
                Some((task.trim().to_owned(), true))
            } else {
                line.strip_prefix("[failure]")
                    .map(|task| (task.trim().to_owned(), false))
            }
        })
        .collect()
}

/// Services named in the running state, else in previous tasks, else the default ones.
fn services(turn: &Turn<'_>, previous: &[(String, bool)]) -> Vec<String> {
    let known = &turn.knowledge().services.known;
    let state = turn.sections.get(Section::RunningState).to_lowercase();
    let mut found: Vec<String> = known
        .iter()
        .filter(|s| contains_word(&state, s))
        .cloned()
        .collect();
    if found.is_empty() {
        for (task, _) in previous {
            let lower = task.to_lowercase();
            for s in known.iter().filter(|s| contains_word(&lower, s)) {
                if !found.contains(s) {
                    found.push(s.clone());
                }
            }
        }
    }
    if found.is_empty() {
        found = turn.knowledge().services.default.clone();
    }
    found
}
