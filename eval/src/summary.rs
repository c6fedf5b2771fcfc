//! What a study needs to know of one trial: per-round figures, in the eval crate's own types.

use serde::{Deserialize, Serialize};

/// Skills in the library by kind, with Command skills split by what they run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkillsByKind {
    /// Command skills whose command is a `kubectl` command line.
    pub kubectl: u32,
    /// Command skills whose command is a Prometheus query.
    pub prometheus: u32,
    /// Any other Command skills.
    pub other_command: u32,
    /// Configuration skills (facts of the deployment).
    pub configuration: u32,
    /// Reflection skills.
    pub reflection: u32,
}

impl SkillsByKind {
    /// All Command skills.
    pub fn command(&self) -> u32 {
        self.kubectl + self.prometheus + self.other_command
    }

    /// All skills.
    pub fn total(&self) -> u32 {
        self.command() + self.configuration + self.reflection
    }

    /// The count of one kind.
    pub fn get(&self, kind: SkillKind) -> u32 {
        match kind {
            SkillKind::Kubectl => self.kubectl,
            SkillKind::Prometheus => self.prometheus,
            SkillKind::Configuration => self.configuration,
            SkillKind::Reflection => self.reflection,
        }
    }
}

/// The kinds of skill a study reports on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SkillKind {
    /// kubectl Command skills.
    Kubectl,
    /// Prometheus-query Command skills.
    Prometheus,
    /// Configuration skills.
    Configuration,
    /// Reflection skills.
    Reflection,
}

impl SkillKind {
    /// Every kind, in the order of tables and figures.
    pub const ALL: [SkillKind; 4] = [
        SkillKind::Kubectl,
        SkillKind::Prometheus,
        SkillKind::Configuration,
        SkillKind::Reflection,
    ];

    /// The column name.
    pub fn name(self) -> &'static str {
        match self {
            SkillKind::Kubectl => "kubectl",
            SkillKind::Prometheus => "prometheus",
            SkillKind::Configuration => "configuration",
            SkillKind::Reflection => "reflection",
        }
    }

    /// A label for legends.
    pub fn label(self) -> &'static str {
        match self {
            SkillKind::Kubectl => "Command (kubectl)",
            SkillKind::Prometheus => "Command (Prometheus)",
            SkillKind::Configuration => "Configuration",
            SkillKind::Reflection => "Reflection",
        }
    }
}

/// One round of a trial. Round 0 is the evaluation before any learning.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoundSummary {
    /// The round.
    pub round: u32,
    /// Evaluation tasks the oracle judged successful after the round.
    pub eval_passed: u32,
    /// Evaluation tasks run after the round.
    pub eval_tasks: u32,
    /// Skills in the library after the round.
    pub skills: SkillsByKind,
    /// Learning tasks run in the round.
    pub learn_tasks: u32,
    /// Learning tasks judged successful.
    pub learn_successes: u32,
    /// Model calls in the round.
    pub calls: u64,
    /// Prompt tokens in the round.
    pub prompt_tokens: u64,
    /// Completion tokens in the round.
    pub completion_tokens: u64,
    /// Dollars spent in the round, by the configured prices.
    pub cost_usd: f64,
}

impl RoundSummary {
    /// The evaluation success rate, 0 when nothing was evaluated.
    pub fn eval_success(&self) -> f64 {
        if self.eval_tasks == 0 {
            0.0
        } else {
            f64::from(self.eval_passed) / f64::from(self.eval_tasks)
        }
    }
}

/// One trial of a study.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrialSummary {
    /// The ablation's name.
    pub ablation: String,
    /// The seed.
    pub seed: u64,
    /// Round 0, then every learning round.
    pub rounds: Vec<RoundSummary>,
    /// Why the trial stopped early, if it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stopped: Option<String>,
    /// The kind of every skill in the final library, in the order the skills entered it
    /// (finer than rounds: it orders skills learned in the same round).
    #[serde(default)]
    pub learned: Vec<SkillKind>,
}

impl TrialSummary {
    /// The position of the first skill of `kind` in the order of entry, if any.
    pub fn first_learned(&self, kind: SkillKind) -> Option<usize> {
        self.learned.iter().position(|k| *k == kind)
    }

    /// The first round after which the library holds a skill of `kind`, if any.
    pub fn first_round(&self, kind: SkillKind) -> Option<u32> {
        self.rounds
            .iter()
            .find(|r| r.skills.get(kind) > 0)
            .map(|r| r.round)
    }
}
