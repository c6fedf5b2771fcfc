//! The conversation protocol: how prompts are laid out and what each role replies.
//!
//! # Prompts
//!
//! A rendered prompt (the user message) is a sequence of sections, each a level-two Markdown
//! heading on its own line followed by free text up to the next such heading. The headings
//! are the [`Section`] variants:
//!
//! | heading | content |
//! | --- | --- |
//! | `## Task` | the task sentence (for an agent: the manager's instruction) |
//! | `## Service` | the service an agent is bound to, one name |
//! | `## Running state` | what is known of the deployment: namespaces, services, pods (free text or kubectl tables) |
//! | `## Skills` | retrieved skills, each rendered by [`SkillProposal::render`] (`### title` then `key: value` lines) |
//! | `## History` | previous commands and their outputs: each entry is a line `$ <command line>` followed by the output verbatim (see [`HistoryEntry`]) |
//! | `## Feedback` | environment, peer or hierarchical feedback on the previous attempt |
//! | `## Expected result format` | a JSON object whose keys the result must have, e.g. `{"service": "catalogue", "p99_seconds": 0.0}` |
//! | `## Results` | for the manager's combination step: each part's result, one `- <service>: <json>` line; for curator and verifier: the task's final result, one JSON object |
//! | `## Previous tasks` | for the curriculum: one `- [success] <task>` or `- [failure] <task>` line per task |
//! | `## Execution` | for curator and verifier: the task's commands and outputs, in the History format |
//! | `## Reply format` | what the reply must look like (the JSON shape of the role's reply type) |
//!
//! Sections may come in any order and any may be missing; [`Prompt`] renders them in a fixed
//! order and [`Sections::parse`] reads them back. Which sections each role gets:
//!
//! | role | sections |
//! | --- | --- |
//! | curriculum | Running state, Previous tasks, Skills (optional), Reply format |
//! | manager | Task, Running state, Skills; then Results to combine; Feedback when re-decomposing |
//! | agent | Task (the part's instruction), Service, Running state, Skills, History, Feedback, Expected result format |
//! | curator | Task, Service, Execution, Results |
//! | verifier | Task, Execution, Results |
//!
//! The role itself travels in [`ChatRequest::role`](super::ChatRequest); the system message
//! says in words which role the model plays.
//!
//! # Replies
//!
//! Every role replies with one JSON value, which may be wrapped in a ```` ```json ```` fence
//! or surrounded by prose; the parsers here tolerate both.
//!
//! | role | reply type |
//! | --- | --- |
//! | curriculum | [`CurriculumReply`]: `{"tasks": [ProposedTask]}` (a bare list is accepted) |
//! | manager | [`ManagerReply`]: a [`Plan`] `{"parts": [PlanPart]}` or a [`FinalAnswer`] `{"answer": ..., "result": {...}}` |
//! | agent | [`AgentReply`]: an [`AgentAction`] `{"thought": ..., "command": "kubectl ..."}` or an [`AgentResult`] `{"thought": ..., "result": {...}}` |
//! | curator | [`CuratorReply`]: `{"skills": [SkillProposal]}` |
//! | verifier | [`Verdict`]: `{"success": bool, "reason": ...}` |

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// A section of a rendered prompt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Section {
    /// `## Task`
    Task,
    /// `## Service`
    Service,
    /// `## Running state`
    RunningState,
    /// `## Skills`
    Skills,
    /// `## History`
    History,
    /// `## Feedback`
    Feedback,
    /// `## Expected result format`
    ExpectedFormat,
    /// `## Results`
    Results,
    /// `## Previous tasks`
    PreviousTasks,
    /// `## Execution`
    Execution,
    /// `## Reply format`
    ReplyFormat,
}

impl Section {
    /// Every section, in the order [`Prompt`] renders them.
    pub const ALL: [Section; 11] = [
        Section::Task,
        Section::Service,
        Section::RunningState,
        Section::Skills,
        Section::PreviousTasks,
        Section::History,
        Section::Execution,
        Section::Results,
        Section::Feedback,
        Section::ExpectedFormat,
        Section::ReplyFormat,
    ];

    /// The heading text after `## `.
    pub fn title(self) -> &'static str {
        match self {
            Section::Task => "Task",
            Section::Service => "Service",
            Section::RunningState => "Running state",
            Section::Skills => "Skills",
            Section::History => "History",
            Section::Feedback => "Feedback",
            Section::ExpectedFormat => "Expected result format",
            Section::Results => "Results",
            Section::PreviousTasks => "Previous tasks",
            Section::Execution => "Execution",
            Section::ReplyFormat => "Reply format",
        }
    }

    /// The section whose heading text is `title` (case-insensitive).
    pub fn from_title(title: &str) -> Option<Section> {
        let title = title.trim();
        Section::ALL
            .into_iter()
            .find(|s| s.title().eq_ignore_ascii_case(title))
    }
}

/// Builds a rendered prompt section by section.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Prompt {
    sections: BTreeMap<Section, String>,
}

impl Prompt {
    /// An empty prompt.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets a section's text (replacing any previous text of that section).
    pub fn section(mut self, section: Section, text: impl Into<String>) -> Self {
        self.sections.insert(section, text.into());
        self
    }

    /// The prompt text: sections in [`Section::ALL`] order, separated by blank lines.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for section in Section::ALL {
            if let Some(text) = self.sections.get(&section) {
                if !out.is_empty() {
                    out.push('\n');
                }
                out.push_str(&format!("## {}\n{}\n", section.title(), text.trim_end()));
            }
        }
        out
    }
}

/// The sections of a rendered prompt, read back.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sections {
    sections: BTreeMap<Section, String>,
}

impl Sections {
    /// Splits `text` at `## ` headings; text under unknown headings or before the first
    /// heading is ignored.
    pub fn parse(text: &str) -> Self {
        let mut sections: BTreeMap<Section, String> = BTreeMap::new();
        let mut current: Option<Section> = None;
        for line in text.lines() {
            if let Some(title) = line.strip_prefix("## ") {
                current = Section::from_title(title);
                if let Some(section) = current {
                    sections.entry(section).or_default();
                }
                continue;
            }
            if let Some(section) = current {
                let body = sections.entry(section).or_default();
                body.push_str(line);
                body.push('\n');
            }
        }
        for body in sections.values_mut() {
            *body = body.trim().to_owned();
        }
        Self { sections }
    }

    /// The text of a section, trimmed, or `""` when absent.
    pub fn get(&self, section: Section) -> &str {
        self.sections
            .get(&section)
            .map(String::as_str)
            .unwrap_or("")
    }

    /// Whether the section is present (even if empty).
    pub fn has(&self, section: Section) -> bool {
        self.sections.contains_key(&section)
    }

    /// The entries of the History section.
    pub fn history(&self) -> Vec<HistoryEntry> {
        HistoryEntry::parse_all(self.get(Section::History))
    }

    /// The skills of the Skills section.
    pub fn skills(&self) -> Vec<SkillProposal> {
        SkillProposal::parse_rendered(self.get(Section::Skills))
    }
}

/// One command of the History section and its output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    /// The command line, without the `$ ` prompt.
    pub command: String,
    /// Its output (stdout and stderr as the agent saw them).
    pub output: String,
}

impl HistoryEntry {
    /// The entry rendered for the History section.
    pub fn render(&self) -> String {
        format!("$ {}\n{}", self.command.trim(), self.output.trim_end())
    }

    /// Reads History text back into entries. Output lines that themselves start with `$ `
    /// would start a new entry; command outputs practically never do.
    pub fn parse_all(text: &str) -> Vec<HistoryEntry> {
        let mut out: Vec<HistoryEntry> = Vec::new();
        for line in text.lines() {
            if let Some(command) = line.strip_prefix("$ ") {
                out.push(HistoryEntry {
                    command: command.trim().to_owned(),
                    output: String::new(),
                });
            } else if let Some(last) = out.last_mut() {
                last.output.push_str(line);
                last.output.push('\n');
            }
        }
        for entry in &mut out {
            entry.output = entry.output.trim_end().to_owned();
        }
        out
    }
}

/// Whether a task only reads or changes the deployment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TaskKind {
    /// Reads state or metrics only.
    Observation,
    /// Changes the deployment.
    Action,
}

/// A task proposed by the curriculum builder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProposedTask {
    /// The task sentence.
    pub description: String,
    /// Observation or action.
    pub kind: TaskKind,
    /// 1 (easiest) to 5.
    pub difficulty: u8,
    /// The service the task is about.
    pub service: String,
}

/// The curriculum builder's reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurriculumReply {
    /// The proposed tasks, in the order to try them.
    pub tasks: Vec<ProposedTask>,
}

/// One part of a manager's plan, handed to the agent of one service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanPart {
    /// The service whose agent carries the part out.
    pub service: String,
    /// What the agent must do.
    pub instruction: String,
    /// The JSON object the agent's result must match (the `## Expected result format`).
    pub expected_format: String,
}

/// A manager's decomposition of a task.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    /// The parts, in order.
    pub parts: Vec<PlanPart>,
}

/// A manager's combination of the parts' results into the task's answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FinalAnswer {
    /// The answer in words.
    pub answer: String,
    /// The answer's fields, keyed as the task's expected result format asks.
    #[serde(default)]
    pub result: ResultFields,
}

/// A result record: the keys an expected result format names, with their values.
pub type ResultFields = BTreeMap<String, serde_json::Value>;

/// The manager's reply: a plan, or the final answer once results are in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ManagerReply {
    /// A decomposition.
    Plan(Plan),
    /// The combined answer.
    Final(FinalAnswer),
}

/// An agent's next command.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentAction {
    /// Why this command.
    #[serde(default)]
    pub thought: String,
    /// One command line: `kubectl ...` or `curl ...`.
    pub command: String,
}

/// An agent's final result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentResult {
    /// How it was obtained.
    #[serde(default)]
    pub thought: String,
    /// The result record.
    pub result: ResultFields,
}

/// An agent's reply.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum AgentReply {
    /// Run a command next.
    Action(AgentAction),
    /// The part is done.
    Result(AgentResult),
}

/// The kind of a skill.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum SkillKind {
    /// A command or query that worked, and what it does.
    Command,
    /// The reasoning that made an execution work.
    Reflection,
    /// A fact about this deployment.
    Configuration,
}

/// A skill proposed by the curator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkillProposal {
    /// Command, Reflection or Configuration.
    pub kind: SkillKind,
    /// A short title.
    pub title: String,
    /// What the skill says.
    pub body: String,
    /// The command line, for command skills.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    /// When to use it.
    #[serde(default)]
    pub when_to_use: String,
    /// The service it is about.
    #[serde(default)]
    pub service: String,
}

impl SkillProposal {
    /// The skill rendered for the Skills section:
    ///
    /// ```text
    /// ### <title>
    /// kind: Command
    /// service: catalogue
    /// when: <when to use>
    /// command: <command line>
    /// <body>
    /// ```
    pub fn render(&self) -> String {
        let kind = match self.kind {
            SkillKind::Command => "Command",
            SkillKind::Reflection => "Reflection",
            SkillKind::Configuration => "Configuration",
        };
        let mut out = format!(
            "### {}\nkind: {kind}\nservice: {}\n",
            self.title, self.service
        );
        out.push_str(&format!("when: {}\n", self.when_to_use));
        if let Some(command) = &self.command {
            out.push_str(&format!("command: {command}\n"));
        }
        out.push_str(self.body.trim_end());
        out
    }

    /// Reads skills rendered by [`SkillProposal::render`] back; unknown kinds read as
    /// Reflection.
    pub fn parse_rendered(text: &str) -> Vec<SkillProposal> {
        let mut out: Vec<SkillProposal> = Vec::new();
        for line in text.lines() {
            if let Some(title) = line.strip_prefix("### ") {
                out.push(SkillProposal {
                    kind: SkillKind::Reflection,
                    title: title.trim().to_owned(),
                    body: String::new(),
                    command: None,
                    when_to_use: String::new(),
                    service: String::new(),
                });
                continue;
            }
            let Some(skill) = out.last_mut() else {
                continue;
            };
            if let Some(kind) = line.strip_prefix("kind: ") {
                skill.kind = match kind.trim() {
                    "Command" => SkillKind::Command,
                    "Configuration" => SkillKind::Configuration,
                    _ => SkillKind::Reflection,
                };
            } else if let Some(service) = line.strip_prefix("service: ") {
                skill.service = service.trim().to_owned();
            } else if let Some(when) = line.strip_prefix("when: ") {
                skill.when_to_use = when.trim().to_owned();
            } else if let Some(command) = line.strip_prefix("command: ") {
                skill.command = Some(command.trim().to_owned());
            } else {
                if !skill.body.is_empty() {
                    skill.body.push('\n');
                }
                skill.body.push_str(line);
            }
        }
        for skill in &mut out {
            skill.body = skill.body.trim().to_owned();
        }
        out
    }
}

/// The curator's reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CuratorReply {
    /// The proposed skills (possibly none).
    pub skills: Vec<SkillProposal>,
}

/// The verifier's reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verdict {
    /// Whether the task succeeded.
    pub success: bool,
    /// Why.
    pub reason: String,
}

/// Errors of reading a reply.
#[derive(Debug, thiserror::Error)]
pub enum ProtocolError {
    /// The reply holds no JSON value (and, for an agent, no command line).
    #[error("{what} reply holds no json: {excerpt:?}")]
    NoJson {
        /// Which reply was expected.
        what: &'static str,
        /// The start of the reply.
        excerpt: String,
    },
    /// The JSON does not have the expected shape.
    #[error("{what} reply does not match its format: {excerpt:?}")]
    Shape {
        /// Which reply was expected.
        what: &'static str,
        /// The start of the JSON.
        excerpt: String,
        /// The cause.
        #[source]
        source: serde_json::Error,
    },
}

fn excerpt(text: &str) -> String {
    text.chars().take(160).collect()
}

/// The JSON value inside a reply: the first ```` ```json ```` (or plain ```` ``` ````) fenced
/// block that parses, else the first balanced `{...}` or `[...]` that parses.
pub fn extract_json(text: &str) -> Option<serde_json::Value> {
    // Fenced blocks first.
    let mut rest = text;
    while let Some(start) = rest.find("```") {
        let after = &rest[start + 3..];
        let body_start = after.find('\n').map(|i| i + 1).unwrap_or(after.len());
        let body = &after[body_start..];
        let Some(end) = body.find("```") else { break };
        if let Ok(value) = serde_json::from_str(body[..end].trim()) {
            return Some(value);
        }
        rest = &body[end + 3..];
    }

    // Then any balanced object or array.
    for (start, c) in text.char_indices() {
        if c != '{' && c != '[' {
            continue;
        }
        if let Some(end) = balanced_end(&text[start..])
            && let Ok(value) = serde_json::from_str(&text[start..start + end])
        {
            return Some(value);
        }
    }
    None
}

/// The byte length of the balanced bracket expression at the start of `text`, minding strings.
fn balanced_end(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        if in_string {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            '{' | '[' => depth += 1,
            '}' | ']' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            _ => {}
        }
    }
    None
}

fn parse_as<T: DeserializeOwned>(what: &'static str, text: &str) -> Result<T, ProtocolError> {
    let value = extract_json(text).ok_or_else(|| ProtocolError::NoJson {
        what,
        excerpt: excerpt(text),
    })?;
    let shown = excerpt(&value.to_string());
    serde_json::from_value(value).map_err(|source| ProtocolError::Shape {
        what,
        excerpt: shown,
        source,
    })
}

/// Reads a curriculum reply; a bare list of tasks is accepted too.
///
/// # Errors
/// [`ProtocolError`] when the reply holds no such JSON.
pub fn parse_curriculum(text: &str) -> Result<CurriculumReply, ProtocolError> {
    if let Some(serde_json::Value::Array(items)) = extract_json(text) {
        let tasks = serde_json::from_value(serde_json::Value::Array(items)).map_err(|source| {
            ProtocolError::Shape {
                what: "curriculum",
                excerpt: excerpt(text),
                source,
            }
        })?;
        return Ok(CurriculumReply { tasks });
    }
    parse_as("curriculum", text)
}

/// Reads a manager reply: a plan or a final answer.
///
/// # Errors
/// [`ProtocolError`] when the reply holds no such JSON.
pub fn parse_manager(text: &str) -> Result<ManagerReply, ProtocolError> {
    parse_as("manager", text)
}

/// Reads an agent reply. Without JSON, a line starting with `kubectl ` or `curl ` (optionally
/// after `$ ` or inside a fence) is taken as the command.
///
/// # Errors
/// [`ProtocolError`] when the reply holds neither.
pub fn parse_agent(text: &str) -> Result<AgentReply, ProtocolError> {
    match parse_as("agent", text) {
        Ok(reply) => Ok(reply),
        Err(error) => {
            let command = text
                .lines()
                .map(|l| l.trim().trim_start_matches("$ "))
                .find(|l| l.starts_with("kubectl ") || l.starts_with("curl "));
            match command {
                Some(command) => Ok(AgentReply::Action(AgentAction {
                    thought: String::new(),
                    command: command.to_owned(),
                })),
                None => Err(error),
            }
        }
    }
}

/// Reads a curator reply.
///
/// # Errors
/// [`ProtocolError`] when the reply holds no such JSON.
pub fn parse_curator(text: &str) -> Result<CuratorReply, ProtocolError> {
    parse_as("curator", text)
}

/// Reads a verifier reply.
///
/// # Errors
/// [`ProtocolError`] when the reply holds no such JSON.
pub fn parse_verdict(text: &str) -> Result<Verdict, ProtocolError> {
    parse_as("verifier", text)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // Tests fail loudly on a missing value.
    use super::*;

    #[test]
    fn sections_round_trip_through_render_and_parse() {
        let history = [
            HistoryEntry {
                command: "kubectl get ns".into(),
                output: "NAME STATUS\nsock-shop Active".into(),
            },
            HistoryEntry {
                command: "kubectl get pods".into(),
                output: "No resources found in default namespace.".into(),
            },
        ];
        let text = Prompt::new()
            .section(Section::Task, "Report the P99 latency of catalogue")
            .section(
                Section::History,
                history
                    .iter()
                    .map(HistoryEntry::render)
                    .collect::<Vec<_>>()
                    .join("\n"),
            )
            .render();
        let sections = Sections::parse(&text);
        assert_eq!(
            sections.get(Section::Task),
            "Report the P99 latency of catalogue"
        );
        assert_eq!(sections.history(), history);
        assert!(!sections.has(Section::Feedback));
    }

    #[test]
    fn agent_parser_accepts_fences_prose_and_bare_commands() {
        let fenced =
            "Sure!\n```json\n{\"thought\": \"look\", \"command\": \"kubectl get pods\"}\n```";
        assert!(
            matches!(parse_agent(fenced).unwrap(), AgentReply::Action(a) if a.command == "kubectl get pods")
        );
        let prose = "The result is {\"result\": {\"replicas\": 3}} as asked.";
        assert!(
            matches!(parse_agent(prose).unwrap(), AgentReply::Result(r) if r.result["replicas"] == 3)
        );
        let bare = "I will run:\n$ kubectl get pods -n sock-shop\n";
        assert!(
            matches!(parse_agent(bare).unwrap(), AgentReply::Action(a) if a.command == "kubectl get pods -n sock-shop")
        );
        assert!(parse_agent("no idea").is_err());
    }

    #[test]
    fn curriculum_parser_accepts_a_bare_list() {
        let text = "[{\"description\": \"Check the health of front-end\", \"kind\": \"observation\", \"difficulty\": 1, \"service\": \"front-end\"}]";
        assert_eq!(parse_curriculum(text).unwrap().tasks.len(), 1);
        assert!(matches!(
            parse_curriculum("{\"tasks\": 3}"),
            Err(ProtocolError::Shape { .. })
        ));
    }

    proptest::proptest! {
        #[test]
        fn an_action_is_recovered_from_any_surrounding_prose(
            before in "[a-zA-Z ,.!]{0,40}",
            after in "[a-zA-Z ,.!]{0,40}",
            command in "kubectl get [a-z]{1,12} -n [a-z-]{1,12}",
            fenced in proptest::bool::ANY,
        ) {
            let action = AgentAction { thought: "t".into(), command: command.clone() };
            let json = serde_json::to_string(&action).unwrap();
            let text = if fenced {
                format!("{before}\n```json\n{json}\n```\n{after}")
            } else {
                format!("{before} {json} {after}")
            };
            let parsed = parse_agent(&text).unwrap();
            proptest::prop_assert_eq!(parsed, AgentReply::Action(action));
        }

        #[test]
        fn rendered_sections_parse_back(task in "[a-zA-Z0-9 ]{1,60}", feedback in "[a-zA-Z0-9 .:]{0,60}") {
            let text = Prompt::new()
                .section(Section::Task, task.clone())
                .section(Section::Feedback, feedback.clone())
                .render();
            let sections = Sections::parse(&text);
            proptest::prop_assert_eq!(sections.get(Section::Task), task.trim());
            proptest::prop_assert_eq!(sections.get(Section::Feedback), feedback.trim());
        }
    }

    #[test]
    fn skills_round_trip_through_render() {
        let skill = SkillProposal {
            kind: SkillKind::Configuration,
            title: "Namespace of catalogue".into(),
            body: "catalogue runs in namespace sock-shop".into(),
            command: Some("kubectl get pods -n sock-shop -l name=catalogue".into()),
            when_to_use: "any command on catalogue".into(),
            service: "catalogue".into(),
        };
        assert_eq!(SkillProposal::parse_rendered(&skill.render()), vec![skill]);
    }
}
