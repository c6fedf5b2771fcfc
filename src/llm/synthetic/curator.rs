//! The synthetic curator: turns a successful execution into command, configuration and
//! reflection skills.

use super::intent::{Intent, service_in};
use super::knowledge::ranked;
use super::observe::{PromOutcome, command_namespace, command_query, failure, prom_outcome};
use super::{Turn, fenced};
use crate::llm::protocol::{CuratorReply, HistoryEntry, Section, SkillKind, SkillProposal};

/// Answers a curator prompt.
pub(crate) fn answer(turn: &mut Turn<'_>) -> String {
    let task = turn.task();
    let stated = turn.sections.get(Section::Service).trim().to_owned();
    let service = if stated.is_empty() {
        service_in(&task, turn.knowledge(), &[]).unwrap_or_default()
    } else {
        stated
    };
    let mut execution = HistoryEntry::parse_all(turn.sections.get(Section::Execution));
    if execution.is_empty() {
        execution = turn.sections.history();
    }

    let Some(worked) = execution.iter().rev().find(|e| succeeded(e)).cloned() else {
        return fenced(&CuratorReply { skills: Vec::new() });
    };
    // What the working command does, as a skill's "when to use" says it: a query answers
    // the measurement it made, whatever the task around it was.
    let intent = match command_query(&worked.command) {
        Some(query) if query.contains("histogram_quantile") => Intent::Latency(0.99),
        Some(query) if query.contains("cpu") => Intent::Cpu,
        Some(query) if query.contains("memory") => Intent::Memory,
        _ => Intent::of(&task),
    };
    let mut skills = vec![SkillProposal {
        kind: SkillKind::Command,
        title: format!("{task} (command)"),
        body: format!("`{}` answered the task \"{task}\".", worked.command),
        command: Some(worked.command.clone()),
        when_to_use: format!("{task}; {}", intent.topic(&service)),
        service: service.clone(),
    }];

    // Facts the working command relied on.
    let namespace = command_namespace(&worked.command);
    if worked.command.starts_with("kubectl") && namespace != "*" {
        skills.push(SkillProposal {
            kind: SkillKind::Configuration,
            title: format!("Namespace of {service}"),
            body: format!("{service} runs in namespace {namespace}."),
            command: Some(format!("kubectl get pods -n {namespace}")),
            when_to_use: format!("any kubectl command on {service}"),
            service: service.clone(),
        });
    }
    if let Some(query) = command_query(&worked.command)
        && let Some(selector) = selector_in(&query)
    {
        skills.push(SkillProposal {
            kind: SkillKind::Configuration,
            title: format!("Prometheus selector of {service}"),
            body: format!("Series of {service} are selected by {selector}."),
            command: Some(worked.command.clone()),
            when_to_use: format!("any PromQL query about {service}"),
            service: service.clone(),
        });
    }

    // What went wrong first, and what fixed it.
    if let Some(failed) = execution.iter().find(|e| !succeeded(e)) {
        let first_line = match prom_outcome(&failed.output) {
            Some(PromOutcome::Empty) => "no series",
            Some(PromOutcome::Error(_)) => "a query error",
            _ => failed.output.lines().next().unwrap_or("").trim(),
        };
        skills.push(SkillProposal {
            kind: SkillKind::Reflection,
            title: format!("What made \"{task}\" work"),
            body: format!(
                "`{}` failed with \"{first_line}\"; `{}` worked instead.",
                failed.command, worked.command
            ),
            command: None,
            when_to_use: format!("when a command on {service} fails the same way"),
            service: service.clone(),
        });
    }

    // A skill the execution does not support, at the configured rate.
    let rate = turn.rates().hallucinated_skill;
    if turn.chance(rate) {
        let prior = turn.knowledge().namespace.prior.clone();
        let guess = ranked(&prior, &|n| n == namespace, &mut turn.rng)
            .into_iter()
            .next();
        if let Some(guess) = guess {
            skills.push(SkillProposal {
                kind: SkillKind::Configuration,
                title: format!("Namespace of {service} (recalled)"),
                body: format!("{service} is usually deployed in namespace {guess}."),
                command: Some(format!("kubectl get deployment {service} -n {guess}")),
                when_to_use: format!("any kubectl command on {service}"),
                service: service.clone(),
            });
            tracing::debug!(guess, "synthetic curator hallucinates a skill");
        }
    }
    fenced(&CuratorReply { skills })
}

/// Whether a command worked: no error text, and a non-empty answer if it was a query.
pub(crate) fn succeeded(entry: &HistoryEntry) -> bool {
    if failure(&entry.output).is_some() || entry.output.trim().is_empty() {
        return false;
    }
    match prom_outcome(&entry.output) {
        Some(PromOutcome::Values(_)) => true,
        Some(_) => false,
        None => !entry.command.starts_with("curl"),
    }
}

/// The `{...}` label matchers of the first selector in a query.
fn selector_in(query: &str) -> Option<String> {
    let start = query.find('{')?;
    let end = query[start..].find('}')? + start;
    Some(query[start..=end].to_owned())
}
