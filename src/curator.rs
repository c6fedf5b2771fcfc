//! The knowledge curator: turns a successful execution into validated skills.
//!
//! Validation before a skill enters the library: a read-only command is run again and its
//! output must look right; a state-changing command is not re-run (that would change the
//! deployment again) but must appear in the execution with an output that looks right; then
//! the verifier is asked to confirm. A rejected proposal is traced with the reason. Duplicates
//! merge into the skill they repeat.

use crate::llm::Role;
use crate::llm::protocol::{HistoryEntry, SkillProposal, parse_curator, parse_verdict};
use crate::planner::Execution;
use crate::planner::feedback::suspicious;
use crate::policy::Phase;
use crate::prompts;
use crate::run::{Ran, Run, RunError};
use crate::skills::{Added, Provenance, SkillStore};
use crate::trace::Event;

/// What curating one execution did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Curated {
    /// New skills.
    pub added: u32,
    /// Proposals merged into existing skills.
    pub merged: u32,
    /// Proposals rejected by validation.
    pub rejected: u32,
}

/// Asks the curator about `execution` (which should have succeeded) and adds what validates.
///
/// # Errors
/// [`RunError`] when the model or backend fails, or the library cannot be saved.
pub fn curate(
    run: &mut Run<'_>,
    execution: &Execution,
    store: &mut SkillStore,
) -> Result<Curated, RunError> {
    let task = &execution.task;
    let prompt = prompts::curator(
        &task.description,
        &task.service,
        &execution.commands,
        &execution.result_json(),
    );
    let reply = run.ask(Role::Curator, &task.id, prompt)?;
    let proposals = match parse_curator(&reply) {
        Ok(reply) => reply.skills,
        Err(error) => {
            run.record(Event::BadReply {
                task_id: task.id.clone(),
                role: Role::Curator,
                error: error.to_string(),
            });
            Vec::new()
        }
    };

    let mut curated = Curated::default();
    for proposal in proposals {
        if run.config.skills.validate
            && !store.library().contains(&proposal)
            && let Err(reason) = validate(run, execution, &proposal)?
        {
            tracing::debug!(title = %proposal.title, reason, "skill rejected");
            curated.rejected += 1;
            run.record(Event::SkillRejected {
                task_id: task.id.clone(),
                title: proposal.title.clone(),
                reason,
            });
            continue;
        }
        let provenance = Provenance {
            round: run.round,
            task_id: task.id.clone(),
            task: task.description.clone(),
        };
        let added = store.update(|lib| lib.add(&proposal, provenance))?;
        let (id, merged) = match added {
            Added::New(id) => {
                curated.added += 1;
                (id, false)
            }
            Added::Merged(id) => {
                curated.merged += 1;
                (id, true)
            }
        };
        run.record(Event::SkillAdded {
            task_id: task.id.clone(),
            id,
            kind: proposal.kind,
            title: proposal.title.clone(),
            merged,
        });
    }
    Ok(curated)
}

/// Checks one proposal; `Ok(Err(reason))` is a rejection.
fn validate(
    run: &mut Run<'_>,
    execution: &Execution,
    proposal: &SkillProposal,
) -> Result<Result<(), String>, RunError> {
    let task = &execution.task;
    let mut evidence: Vec<HistoryEntry> = Vec::new();
    if let Some(command) = &proposal.command {
        if run.config.policy.check(command, Phase::Observation).is_ok() {
            match run.command(&task.id, "curator", command, Phase::Observation)? {
                Ran::Refused(reason) => {
                    return Ok(Err(format!("its command is refused: {reason}")));
                }
                Ran::Output(output) => {
                    if let Some(why) = suspicious(&output) {
                        return Ok(Err(format!("its command no longer works: {why}")));
                    }
                    evidence.push(run.entry(command, &output.combined()));
                }
            }
        } else {
            let seen = execution
                .commands
                .iter()
                .find(|e| same_command(&e.command, command));
            match seen {
                Some(entry) if !entry.output.starts_with("refused by policy") => {
                    evidence.push(entry.clone())
                }
                _ => {
                    return Ok(Err(
                        "its state-changing command does not appear in the execution".to_owned(),
                    ));
                }
            }
        }
    } else {
        evidence = execution.commands.clone();
    }

    let claim = serde_json::to_string(proposal).expect("skill proposals always serialise");
    let prompt = prompts::verifier(
        &format!(
            "Confirm the skill \"{}\" for: {}",
            proposal.title, task.description
        ),
        &evidence,
        &claim,
    );
    let reply = run.ask(Role::Verifier, &task.id, prompt)?;
    Ok(match parse_verdict(&reply) {
        Ok(verdict) if verdict.success => Ok(()),
        Ok(verdict) => Err(format!(
            "the verifier did not confirm it: {}",
            verdict.reason
        )),
        Err(error) => Err(format!("the verifier's reply could not be read: {error}")),
    })
}

fn same_command(a: &str, b: &str) -> bool {
    a.split_whitespace().eq(b.split_whitespace())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // Tests fail loudly on a missing value.
    use std::sync::Arc;

    use super::*;
    use crate::config::TrialConfig;
    use crate::llm::protocol::{CuratorReply, SkillKind, TaskKind, Verdict};
    use crate::llm::{BackendInfo, ChatFuture, ChatReply, ChatRequest, LanguageModel, Usage};
    use crate::ops::SimulatorOps;
    use crate::planner::TaskSpec;
    use crate::run::Tokens;
    use crate::running_state::RunningState;
    use crate::simulator::{Scenario, World};
    use crate::skills::SkillLibrary;
    use crate::trace::{Stage, Trace};

    /// Answers the curator with fixed proposals and the verifier with "yes".
    struct Scripted(Vec<SkillProposal>);

    impl LanguageModel for Scripted {
        fn chat<'a>(&'a self, request: &'a ChatRequest) -> ChatFuture<'a> {
            let text = match request.role {
                Role::Curator => serde_json::to_string(&CuratorReply {
                    skills: self.0.clone(),
                })
                .unwrap(),
                _ => serde_json::to_string(&Verdict {
                    success: true,
                    reason: "looks right".into(),
                })
                .unwrap(),
            };
            Box::pin(async move {
                Ok(ChatReply {
                    text,
                    usage: Usage::default(),
                    model: "scripted".into(),
                })
            })
        }

        fn describe(&self) -> BackendInfo {
            BackendInfo::default()
        }
    }

    fn skill(title: &str, command: Option<&str>) -> SkillProposal {
        SkillProposal {
            kind: if command.is_some() {
                SkillKind::Command
            } else {
                SkillKind::Reflection
            },
            title: title.into(),
            body: "body".into(),
            command: command.map(str::to_owned),
            when_to_use: "when".into(),
            service: "catalogue".into(),
        }
    }

    #[test]
    fn proposals_are_validated_rejected_with_a_reason_and_merged() {
        let model = Scripted(vec![
            skill(
                "Pods",
                Some("kubectl get pods -n sock-shop -l name=catalogue"),
            ),
            skill(
                "Recalled namespace",
                Some("kubectl get deployment catalogue -n default"),
            ),
            skill(
                "Scale",
                Some("kubectl scale deployment catalogue --replicas=2 -n sock-shop"),
            ),
            skill(
                "Pods again",
                Some("kubectl get pods  -n sock-shop -l name=catalogue"),
            ),
            skill("Insight", None),
        ]);
        let config = TrialConfig::default();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let mut trace = Trace::new();
        let world = World::new(Arc::new(Scenario::embedded_sock_shop()), 1).unwrap();
        let mut ops = SimulatorOps::new(world);
        let mut run = Run {
            model: &model,
            runtime: &runtime,
            trace: &mut trace,
            ops: &mut ops,
            config: &config,
            trial: "t".into(),
            round: 1,
            stage: Stage::Learn,
            running_state: RunningState::default(),
            tokens: Tokens::default(),
            cost_usd: 0.0,
        };
        let execution = Execution {
            task: TaskSpec {
                id: "r1-t1".into(),
                description: "Check catalogue".into(),
                kind: TaskKind::Observation,
                service: "catalogue".into(),
            },
            parts: Vec::new(),
            commands: Vec::new(),
            answer: None,
            verdict: Verdict {
                success: true,
                reason: String::new(),
            },
            feedback: Default::default(),
            refusals: 0,
        };
        let mut store = SkillStore::in_memory(SkillLibrary::new());
        let curated = curate(&mut run, &execution, &mut store).unwrap();
        assert_eq!(
            curated,
            Curated {
                added: 2,
                merged: 1,
                rejected: 2
            }
        );
        let titles: Vec<&str> = store
            .library()
            .skills
            .iter()
            .map(|s| s.title.as_str())
            .collect();
        assert_eq!(titles, ["Pods", "Insight"]);
        let reasons: Vec<String> = trace
            .entries()
            .iter()
            .filter_map(|e| match &e.event {
                Event::SkillRejected { reason, .. } => Some(reason.clone()),
                _ => None,
            })
            .collect();
        assert!(reasons[0].contains("no longer works"), "{reasons:?}");
        assert!(
            reasons[1].contains("does not appear in the execution"),
            "{reasons:?}"
        );
    }
}
