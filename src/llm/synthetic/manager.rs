//! The synthetic manager: decomposes a task into parts per service, and combines the parts'
//! results into the final answer.

use serde_json::Value;

use super::intent::{Intent, contains_word, service_in};
use super::{Turn, fenced};
use crate::llm::protocol::{FinalAnswer, Plan, PlanPart, ResultFields, Section, extract_json};

/// Answers a manager prompt: a plan without a Results section, the final answer with one.
pub(crate) fn answer(turn: &mut Turn<'_>) -> String {
    if turn.sections.has(Section::Results) {
        combine(turn)
    } else {
        plan(turn)
    }
}

fn plan(turn: &mut Turn<'_>) -> String {
    let task = turn.task();
    let intent = Intent::of(&task);
    let lower = task.to_lowercase();
    let mut services: Vec<String> = turn
        .knowledge()
        .services
        .known
        .iter()
        .filter(|s| contains_word(&lower, s))
        .cloned()
        .collect();
    // `catalogue-db` also contains the word `catalogue` only as a prefix, which contains_word
    // rejects, so no pruning of overlapping names is needed.
    if services.is_empty() {
        let stated = turn.sections.get(Section::Service).trim().to_owned();
        if !stated.is_empty() {
            services.push(stated);
        } else if let Some(s) = service_in(&task, turn.knowledge(), &[]) {
            services.push(s);
        }
    }
    // A task about "your component" goes to every service the running state names.
    if services.is_empty() {
        let state = turn.sections.get(Section::RunningState).to_lowercase();
        services = turn
            .knowledge()
            .services
            .known
            .iter()
            .filter(|s| contains_word(&state, s))
            .cloned()
            .collect();
    }
    if services.is_empty() {
        services.push(String::new());
    }

    let mut parts: Vec<PlanPart> = services
        .iter()
        .map(|s| PlanPart {
            service: s.clone(),
            instruction: task.clone(),
            expected_format: intent.result_format(s),
        })
        .collect();

    // Hierarchical feedback makes the manager careful; otherwise it sometimes decomposes badly.
    let feedback = !turn.sections.get(Section::Feedback).is_empty();
    let rate = turn.rates().poor_decomposition;
    if !feedback && turn.chance(rate) {
        use rand::RngExt;
        let variant = turn.rng.random_range(0..3u8);
        let part = &mut parts[0];
        match variant {
            0 => {
                let other = turn
                    .knowledge()
                    .services
                    .default
                    .iter()
                    .find(|s| **s != part.service)
                    .cloned()
                    .unwrap_or_else(|| "front-end".to_owned());
                part.expected_format = intent.result_format(&other);
                part.service = other;
            }
            1 => part.instruction = format!("Look into {} and report what you find.", part.service),
            _ => part.expected_format = String::new(),
        }
        tracing::debug!(variant, "synthetic manager decomposes poorly");
    }
    fenced(&Plan { parts })
}

fn combine(turn: &mut Turn<'_>) -> String {
    let task = turn.task();
    let mut result = ResultFields::new();
    let mut failed = Vec::new();
    let lines: Vec<String> = turn
        .sections
        .get(Section::Results)
        .lines()
        .map(str::to_owned)
        .collect();
    for line in &lines {
        let line = line.trim().trim_start_matches("- ");
        let (service, json) = line.split_once(':').unwrap_or(("", line));
        match extract_json(json) {
            Some(Value::Object(fields)) => {
                if fields.contains_key("error") {
                    failed.push(service.trim().to_owned());
                }
                for (k, v) in fields {
                    let key = if result.contains_key(&k) && result[&k] != v {
                        format!("{}_{k}", service.trim())
                    } else {
                        k
                    };
                    result.insert(key, v);
                }
            }
            _ => failed.push(service.trim().to_owned()),
        }
    }
    let answer = if failed.is_empty() {
        let shown: Vec<String> = result.iter().map(|(k, v)| format!("{k} = {v}")).collect();
        format!("{task}: {}", shown.join(", "))
    } else {
        format!("{task}: no result from {}", failed.join(", "))
    };
    fenced(&FinalAnswer { answer, result })
}
