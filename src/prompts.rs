//! The prompt templates of every role, rendered in the sections of
//! [`crate::llm::protocol`], and the system message that tells a model which role it plays.
//!
//! Each function takes plain inputs and returns the user message, so that a snapshot test can
//! render every template with fixed inputs.

use crate::llm::Role;
use crate::llm::protocol::{HistoryEntry, Prompt, Section, SkillProposal};

/// The system message for `role`.
pub fn system(role: Role) -> &'static str {
    match role {
        Role::Curriculum => {
            "You are the curriculum builder of an operations team that is learning to manage an \
             unfamiliar microservice deployment on Kubernetes, monitored by Prometheus. Propose the \
             next learning tasks: easy before hard, read-only observation tasks before \
             state-changing action tasks, and easier tasks after a failure."
        }
        Role::Manager => {
            "You are the manager of a team of operations agents, one per microservice. Decompose \
             the task into parts, one per service whose agent must act, each with a precise \
             instruction and the JSON result format you expect back; once the parts' results are \
             in, combine them into the task's answer."
        }
        Role::Agent => {
            "You are the operations agent of one microservice on Kubernetes. Run one command per \
             reply (kubectl, or curl to the Prometheus HTTP API); commands are not run by a shell, \
             so no pipes or substitutions. When the history holds the answer, reply with the \
             result in exactly the expected format."
        }
        Role::Curator => {
            "You are the knowledge curator of an operations team. From a successful execution, \
             propose reusable skills: Command skills (a command or query that worked and what it \
             does), Reflection skills (the insight that made it work) and Configuration skills \
             (facts about this deployment)."
        }
        Role::Verifier => {
            "You are the verifier of an operations team. From the task, the commands run with \
             their outputs, and the reported result, judge whether the task was accomplished."
        }
    }
}

/// Skills rendered for a `## Skills` section.
pub fn render_skills(skills: &[SkillProposal]) -> String {
    if skills.is_empty() {
        return "None yet.".to_owned();
    }
    skills
        .iter()
        .map(SkillProposal::render)
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// A history rendered for a `## History` or `## Execution` section.
pub fn render_history(entries: &[HistoryEntry]) -> String {
    entries
        .iter()
        .map(HistoryEntry::render)
        .collect::<Vec<_>>()
        .join("\n")
}

const CURRICULUM_REPLY: &str = "One JSON object: {\"tasks\": [{\"description\": \"...\", \"kind\": \"observation\" or \"action\", \"difficulty\": 1 to 5, \"service\": \"...\"}]}";
const PLAN_REPLY: &str = "One JSON object: {\"parts\": [{\"service\": \"...\", \"instruction\": \"...\", \"expected_format\": \"{...}\"}]}";
const COMBINE_REPLY: &str =
    "One JSON object: {\"answer\": \"...\", \"result\": {...the combined result fields...}}";
const AGENT_REPLY: &str = "One JSON object: {\"thought\": \"...\", \"command\": \"...\"} to run a command, or {\"thought\": \"...\", \"result\": {...}} when done.";
const CURATOR_REPLY: &str = "One JSON object: {\"skills\": [{\"kind\": \"Command\" | \"Reflection\" | \"Configuration\", \"title\": \"...\", \"body\": \"...\", \"command\": \"...\" (optional), \"when_to_use\": \"...\", \"service\": \"...\"}]}";
const VERDICT_REPLY: &str = "One JSON object: {\"success\": true or false, \"reason\": \"...\"}";

/// The curriculum prompt: the running state, previous tasks with outcomes, and the library.
pub fn curriculum(
    running_state: &str,
    previous: &[(String, bool)],
    skills_summary: &str,
    count: u32,
) -> String {
    let previous = if previous.is_empty() {
        "None yet.".to_owned()
    } else {
        previous
            .iter()
            .map(|(task, ok)| format!("- [{}] {task}", if *ok { "success" } else { "failure" }))
            .collect::<Vec<_>>()
            .join("\n")
    };
    Prompt::new()
        .section(Section::RunningState, running_state)
        .section(Section::PreviousTasks, previous)
        .section(Section::Skills, skills_summary)
        .section(
            Section::ReplyFormat,
            format!("Propose {count} tasks. {CURRICULUM_REPLY}"),
        )
        .render()
}

/// The manager's decomposition prompt; `feedback` is hierarchical feedback when re-planning.
pub fn manager_plan(
    task: &str,
    service: &str,
    running_state: &str,
    skills: &[SkillProposal],
    feedback: &str,
) -> String {
    let mut prompt = Prompt::new()
        .section(Section::Task, task)
        .section(Section::RunningState, running_state)
        .section(Section::Skills, render_skills(skills))
        .section(Section::ReplyFormat, PLAN_REPLY);
    if !service.is_empty() {
        prompt = prompt.section(Section::Service, service);
    }
    if !feedback.is_empty() {
        prompt = prompt.section(Section::Feedback, feedback);
    }
    prompt.render()
}

/// The manager's combination prompt: each part's result on a `- service: json` line.
pub fn manager_combine(task: &str, results: &[(String, String)]) -> String {
    let results = results
        .iter()
        .map(|(service, json)| format!("- {service}: {json}"))
        .collect::<Vec<_>>()
        .join("\n");
    Prompt::new()
        .section(Section::Task, task)
        .section(Section::Results, results)
        .section(Section::ReplyFormat, COMBINE_REPLY)
        .render()
}

/// The inputs of one agent turn.
#[derive(Debug, Clone, Copy)]
pub struct AgentTurn<'a> {
    /// The manager's instruction.
    pub instruction: &'a str,
    /// The agent's service.
    pub service: &'a str,
    /// The running state summary.
    pub running_state: &'a str,
    /// Retrieved skills.
    pub skills: &'a [SkillProposal],
    /// Commands run so far for this part.
    pub history: &'a [HistoryEntry],
    /// Environment or peer feedback on the previous step, if any.
    pub feedback: &'a str,
    /// The JSON object the result must match.
    pub expected_format: &'a str,
}

/// An agent's prompt.
pub fn agent(turn: &AgentTurn<'_>) -> String {
    let mut prompt = Prompt::new()
        .section(Section::Task, turn.instruction)
        .section(Section::Service, turn.service)
        .section(Section::RunningState, turn.running_state)
        .section(Section::Skills, render_skills(turn.skills))
        .section(Section::ReplyFormat, AGENT_REPLY);
    if !turn.history.is_empty() {
        prompt = prompt.section(Section::History, render_history(turn.history));
    }
    if !turn.feedback.is_empty() {
        prompt = prompt.section(Section::Feedback, turn.feedback);
    }
    if !turn.expected_format.is_empty() {
        prompt = prompt.section(Section::ExpectedFormat, turn.expected_format);
    }
    prompt.render()
}

/// The curator's prompt over a successful execution.
pub fn curator(task: &str, service: &str, execution: &[HistoryEntry], result: &str) -> String {
    Prompt::new()
        .section(Section::Task, task)
        .section(Section::Service, service)
        .section(Section::Execution, render_history(execution))
        .section(Section::Results, result)
        .section(Section::ReplyFormat, CURATOR_REPLY)
        .render()
}

/// The verifier's prompt over an execution and its result.
pub fn verifier(task: &str, execution: &[HistoryEntry], result: &str) -> String {
    Prompt::new()
        .section(Section::Task, task)
        .section(Section::Execution, render_history(execution))
        .section(Section::Results, result)
        .section(Section::ReplyFormat, VERDICT_REPLY)
        .render()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::llm::protocol::SkillKind;

    fn skills() -> Vec<SkillProposal> {
        vec![SkillProposal {
            kind: SkillKind::Configuration,
            title: "Namespace of catalogue".into(),
            body: "catalogue runs in namespace sock-shop.".into(),
            command: Some("kubectl get pods -n sock-shop".into()),
            when_to_use: "any kubectl command on catalogue".into(),
            service: "catalogue".into(),
        }]
    }

    fn history() -> Vec<HistoryEntry> {
        vec![HistoryEntry {
            command: "kubectl get pods -n sock-shop -l name=catalogue".into(),
            output: "NAME                         READY   STATUS    RESTARTS   AGE\ncatalogue-6c7b9d9b4f-x2x9z   1/1     Running   0          65m".into(),
        }]
    }

    const STATE: &str =
        "Managed services: catalogue, front-end.\nPrometheus: http://prometheus.monitoring:9090";

    #[test]
    fn every_template_renders_as_its_snapshot() {
        insta::assert_snapshot!(
            "system_messages",
            Role::ALL
                .iter()
                .map(|r| format!("{r}: {}", system(*r)))
                .collect::<Vec<_>>()
                .join("\n\n")
        );
        insta::assert_snapshot!(
            "curriculum",
            curriculum(
                STATE,
                &[
                    ("Check the health of catalogue".into(), true),
                    ("Report the P99 latency of catalogue".into(), false)
                ],
                "1 skills",
                3
            )
        );
        insta::assert_snapshot!(
            "manager_plan",
            manager_plan(
                "Scale replicas to 3 for your microservice component.",
                "catalogue",
                STATE,
                &skills(),
                "The part for catalogue failed: no answer found."
            )
        );
        insta::assert_snapshot!(
            "manager_combine",
            manager_combine(
                "Check the health of catalogue",
                &[("catalogue".into(), "{\"healthy\":true}".into())]
            )
        );
        insta::assert_snapshot!(
            "agent",
            agent(&AgentTurn {
                instruction: "Check the health of catalogue",
                service: "catalogue",
                running_state: STATE,
                skills: &skills(),
                history: &history(),
                feedback: "Your result does not match the expected format.",
                expected_format: "{\"service\": \"catalogue\", \"healthy\": true}",
            })
        );
        insta::assert_snapshot!(
            "curator",
            curator(
                "Check the health of catalogue",
                "catalogue",
                &history(),
                "{\"healthy\":true}"
            )
        );
        insta::assert_snapshot!(
            "verifier",
            verifier(
                "Check the health of catalogue",
                &history(),
                "{\"healthy\":true}"
            )
        );
    }
}
