//! The typed configuration of a trial, with defaults, loadable from TOML and overridable from
//! the command line.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::llm::LlmSettings;
use crate::ops::LiveConfig;
use crate::policy::Policy;

/// Which world the learning system works in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Env {
    /// The simulated Sock Shop, in process.
    #[default]
    Sim,
    /// A real cluster (or a served simulator) through kubectl and Prometheus over HTTP, as
    /// the `[live]` table says.
    Live,
}

impl std::str::FromStr for Env {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "sim" => Ok(Env::Sim),
            "live" => Ok(Env::Live),
            other => Err(format!(
                "unknown environment {other:?}: expected sim or live"
            )),
        }
    }
}

/// How learning tasks are chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CurriculumStrategy {
    /// The curriculum builder asks the model (the system as designed).
    Model,
    /// Tasks drawn uniformly from the task pool.
    Random,
    /// The fixed list, in order, round after round.
    Fixed,
}

/// The curriculum's settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CurriculumConfig {
    /// Which strategy.
    pub strategy: CurriculumStrategy,
    /// The task sentences for the fixed strategy, and the pool for the random one; `{svc}`
    /// stands for each managed service.
    pub pool: Vec<String>,
}

impl Default for CurriculumConfig {
    fn default() -> Self {
        let pool = [
            "Check the health of {svc}",
            "Report the number of ready replicas of {svc}",
            "Report the CPU usage of {svc}",
            "Report the P99 latency of {svc}",
            "Scale {svc} to 3 replicas",
            "Restart all the pods of {svc}",
        ];
        Self {
            strategy: CurriculumStrategy::Model,
            pool: pool.iter().map(|s| (*s).to_owned()).collect(),
        }
    }
}

/// The three feedback loops, each bounded and each switchable on its own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FeedbackConfig {
    /// Environment feedback: a failed command goes back to the agent to refine.
    pub environment: bool,
    /// Failed commands fed back per part before the part fails.
    pub environment_limit: u32,
    /// Peer feedback: a result that does not match the expected format goes back.
    pub peer: bool,
    /// Peer feedback rounds per part.
    pub peer_limit: u32,
    /// Hierarchical feedback: a failed part returns to the manager, which re-decomposes.
    pub hierarchical: bool,
    /// Re-decompositions per task.
    pub hierarchical_limit: u32,
}

impl Default for FeedbackConfig {
    fn default() -> Self {
        Self {
            environment: true,
            environment_limit: 4,
            peer: true,
            peer_limit: 2,
            hierarchical: true,
            hierarchical_limit: 1,
        }
    }
}

impl FeedbackConfig {
    /// All three loops off.
    pub fn none() -> Self {
        Self {
            environment: false,
            peer: false,
            hierarchical: false,
            ..Self::default()
        }
    }
}

/// The skill library's settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SkillsConfig {
    /// Whether skills are curated and retrieved at all.
    pub enabled: bool,
    /// Whether proposals are validated (re-run and confirmed) before they enter.
    pub validate: bool,
    /// Skills retrieved into a prompt.
    pub top_k: usize,
}

impl Default for SkillsConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            validate: true,
            top_k: 6,
        }
    }
}

/// Bounds on one agent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AgentConfig {
    /// Commands an agent may run for one part.
    pub max_steps: u32,
    /// Characters of a command's output shown in prompts; the rest is cut with a marker.
    pub output_cap: usize,
}

impl Default for AgentConfig {
    fn default() -> Self {
        Self {
            max_steps: 6,
            output_cap: 4000,
        }
    }
}

/// The learning world's operations backend: the simulator by default, recorded to a file, or
/// replayed strictly from one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OpsConfig {
    /// Record every learning-world request and output to this file (JSON lines).
    pub record: Option<PathBuf>,
    /// Answer learning-world requests from this recording, strictly in order.
    pub replay: Option<PathBuf>,
}

/// One trial's configuration. Every field has a default: simulated Sock Shop, the synthetic
/// model, 5 rounds of 3 tasks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TrialConfig {
    /// The seed of the world and of the synthetic model.
    pub seed: u64,
    /// Learning rounds.
    pub rounds: u32,
    /// Learning tasks per round.
    pub tasks_per_round: u32,
    /// Scenario directory; the built-in Sock Shop when absent.
    pub scenario: Option<PathBuf>,
    /// Evaluation task directory; the built-in Sock Shop tasks when absent.
    pub eval_tasks: Option<PathBuf>,
    /// A skill library file to start from (another trial's `skills/round-N.json`); read
    /// only, and a corrupt file is an error. An empty library when absent.
    pub initial_library: Option<PathBuf>,
    /// Whether to evaluate before round 1 and after every round.
    pub evaluate: bool,
    /// The services with an agent of their own.
    pub services: Vec<String>,
    /// Whether the manager and agents are told each service's namespace up front. Off by
    /// default: where services run is a fact of the deployment the system learns as
    /// Configuration skills; the curriculum builder always sees it.
    pub share_namespaces: bool,
    /// The language-model backend: `synthetic`, `openai`, `replay:FILE`.
    pub llm: String,
    /// Settings of the backends.
    pub llm_settings: LlmSettings,
    /// A spending cap in dollars for the trial; once spent, the trial stops cleanly.
    pub budget_usd: Option<f64>,
    /// The curriculum.
    pub curriculum: CurriculumConfig,
    /// The feedback loops.
    pub feedback: FeedbackConfig,
    /// The skill library.
    pub skills: SkillsConfig,
    /// Agent bounds.
    pub agent: AgentConfig,
    /// The command policy.
    pub policy: Policy,
    /// The learning world's operations backend.
    pub ops: OpsConfig,
    /// Which world: the simulator or a live cluster.
    pub env: Env,
    /// The live backend's settings, used when `env = "live"`.
    pub live: LiveConfig,
}

impl Default for TrialConfig {
    fn default() -> Self {
        Self {
            seed: 1,
            rounds: 5,
            tasks_per_round: 3,
            scenario: None,
            eval_tasks: None,
            initial_library: None,
            evaluate: true,
            services: vec!["catalogue".to_owned(), "front-end".to_owned()],
            share_namespaces: false,
            llm: "synthetic".to_owned(),
            llm_settings: LlmSettings::default(),
            budget_usd: None,
            curriculum: CurriculumConfig::default(),
            feedback: FeedbackConfig::default(),
            skills: SkillsConfig::default(),
            agent: AgentConfig::default(),
            policy: Policy::default(),
            ops: OpsConfig::default(),
            env: Env::Sim,
            live: LiveConfig::default(),
        }
    }
}

/// A configuration file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file cannot be read.
    #[error("cannot read trial configuration {path}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The file is not a valid configuration.
    #[error("trial configuration {path} is not valid")]
    Parse {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: toml::de::Error,
    },
}

impl TrialConfig {
    /// The defaults with `seed`.
    pub fn with_seed(seed: u64) -> Self {
        Self {
            seed,
            ..Self::default()
        }
    }

    /// The policy commands are checked against: the configured one, narrowed on a live
    /// cluster to [`LiveConfig::namespaces`] when it has no namespace scope of its own.
    pub fn effective_policy(&self) -> Policy {
        match self.env {
            Env::Sim => self.policy.clone(),
            Env::Live => self.policy.scoped_to(&self.live.namespaces),
        }
    }

    /// Parses a configuration from TOML text; missing fields take their defaults.
    ///
    /// # Errors
    /// The TOML error.
    pub fn from_toml(text: &str) -> Result<Self, toml::de::Error> {
        toml::from_str(text)
    }

    /// Reads a configuration file.
    ///
    /// # Errors
    /// [`ConfigError`] naming the file.
    pub fn load(path: &std::path::Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        Self::from_toml(&text).map_err(|source| ConfigError::Parse {
            path: path.to_owned(),
            source,
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // Tests fail loudly on a missing value.
    use super::*;

    #[test]
    fn a_misspelt_key_is_an_error_that_names_it() {
        for (text, key) in [
            ("round = 2\n", "round"),
            ("[feedback]\nperr = false\n", "perr"),
            (
                "[policy]\nallow_destructive_verbs = true\n",
                "allow_destructive_verbs",
            ),
            ("[live]\nprometheus = \"http://x\"\n", "prometheus"),
        ] {
            let error = TrialConfig::from_toml(text).unwrap_err().to_string();
            assert!(error.contains(key), "{text:?}: {error}");
        }
    }

    #[test]
    fn a_partial_file_keeps_the_other_defaults() {
        let config = TrialConfig::from_toml(
            "seed = 7\nrounds = 2\n[feedback]\npeer = false\n[curriculum]\nstrategy = \"random\"\n",
        )
        .unwrap();
        assert_eq!(config.seed, 7);
        assert_eq!(config.rounds, 2);
        assert_eq!(config.tasks_per_round, 3);
        assert!(!config.feedback.peer && config.feedback.environment);
        assert_eq!(config.curriculum.strategy, CurriculumStrategy::Random);
        assert_eq!(config.services, ["catalogue", "front-end"]);
    }

    #[test]
    fn a_live_configuration_narrows_the_policy_to_its_namespaces() {
        let config = TrialConfig::from_toml(
            "env = \"live\"\n[live]\nkubeconfig = \"kind.yaml\"\nprometheus_url = \"http://127.0.0.1:9090\"\ndry_run = true\n",
        )
        .unwrap();
        assert_eq!(config.env, Env::Live);
        assert!(config.live.dry_run);
        assert_eq!(config.live.context, None);
        assert_eq!(config.effective_policy().namespaces, ["sock-shop"]);
        assert_eq!(
            TrialConfig::default().effective_policy(),
            TrialConfig::default().policy
        );
    }

    #[test]
    fn the_reference_file_spells_out_the_defaults() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/sock-shop/learn.toml");
        assert_eq!(TrialConfig::load(&path).unwrap(), TrialConfig::default());
    }
}
